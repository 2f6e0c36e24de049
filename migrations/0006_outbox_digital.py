from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from db.models.jobs import JobState
from json import dumps, loads
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_charge_ids')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Job',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=64)),
                ('key', fields.CharField(null=True, db_index=True, max_length=160)),
                ('pending_key', fields.CharField(null=True, unique=True, max_length=160)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('state', fields.CharEnumField(default=JobState.pending, description='pending: pending\nrunning: running\ndone: done\nfailed: failed\ncancelled: cancelled\nmissed: missed', enum_type=JobState, max_length=16)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('attempts', fields.IntField(default=0)),
                ('max_attempts', fields.IntField(default=10)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('claimed_by', fields.CharField(null=True, max_length=96)),
                ('last_error', fields.TextField(default='', unique=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'jobs', 'app': 'models', 'indexes': [Index(fields=['state', 'due_at'])], 'pk_attr': 'id', 'table_description': 'One deferred effect: what (kind and payload), when (due_at), and how it went.'},
            bases=['TimestampedModel'],
        ),
        ops.AddField(
            model_name='Product',
            name='digital_file_id',
            field=fields.CharField(null=True, max_length=256),
        ),
        ops.AddField(
            model_name='Product',
            name='digital_file_name',
            field=fields.CharField(null=True, max_length=128),
        ),
        ops.AddField(
            model_name='Product',
            name='digital_path',
            field=fields.CharField(null=True, max_length=256),
        ),
        ops.AddField(
            model_name='Product',
            name='digital_url',
            field=fields.CharField(null=True, max_length=1024),
        ),
    ]
