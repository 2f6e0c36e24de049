from tortoise import migrations
from tortoise.migrations import operations as ops
from db.models.broadcasts import BroadcastState, RecipientState
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0013_support')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Broadcast',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('author', fields.ForeignKeyField('models.User', source_field='author_id', null=True, db_constraint=True, to_field='id', related_name='broadcasts', on_delete=OnDelete.SET_NULL)),
                ('draft_key', fields.CharField(unique=True, max_length=32)),
                ('text', fields.TextField(unique=False)),
                ('photo_file_id', fields.CharField(null=True, max_length=255)),
                ('buttons', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('segment', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('paid', fields.BooleanField(default=False)),
                ('state', fields.CharEnumField(default=BroadcastState.scheduled, description='scheduled: scheduled\nsending: sending\ndone: done\ncancelled: cancelled', enum_type=BroadcastState, max_length=16)),
                ('scheduled_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('total', fields.IntField(default=0)),
                ('progress_chat_id', fields.BigIntField(null=True)),
                ('progress_message_id', fields.BigIntField(null=True)),
                ('progress_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'broadcasts', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One message to a segment: its content, its audience, its progress.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='BroadcastRecipient',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('broadcast', fields.ForeignKeyField('models.Broadcast', source_field='broadcast_id', db_constraint=True, to_field='id', related_name='recipients', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_index=True, db_constraint=True, to_field='id', related_name='broadcast_copies', on_delete=OnDelete.CASCADE)),
                ('chat_id', fields.BigIntField()),
                ('locale', fields.CharField(default='ru', max_length=8)),
                ('state', fields.CharEnumField(default=RecipientState.pending, description='pending: pending\nsending: sending\nsent: sent\nblocked: blocked\nfailed: failed\nskipped: skipped\ncancelled: cancelled', enum_type=RecipientState, max_length=16)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('claim', fields.CharField(null=True, max_length=40)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('error', fields.CharField(default='', max_length=300)),
                ('message_id', fields.BigIntField(null=True)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'broadcast_recipients', 'app': 'models', 'unique_together': (('broadcast_id', 'user_id'),), 'indexes': [Index(fields=['broadcast_id', 'state', 'due_at'])], 'pk_attr': 'id', 'table_description': "One person's copy of a broadcast."},
            bases=['Model'],
        ),
    ]
