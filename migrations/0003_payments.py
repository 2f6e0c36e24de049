from tortoise import migrations
from tortoise.migrations import operations as ops
from db.models.payments import PaymentChannel, PaymentStatus, RefundStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_ledger')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Payment',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', null=True, db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.RESTRICT)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_index=True, db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.RESTRICT)),
                ('channel', fields.CharEnumField(description='yookassa: yookassa\ntelegram: telegram\nstars: stars', enum_type=PaymentChannel, max_length=16)),
                ('status', fields.CharEnumField(description='created: created\npending: pending\nsucceeded: succeeded\ncanceled: canceled', enum_type=PaymentStatus, max_length=16)),
                ('amount', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('attempt', fields.IntField(default=1)),
                ('idempotence_key', fields.CharField(unique=True, max_length=64)),
                ('external_id', fields.CharField(null=True, unique=True, max_length=64)),
                ('confirmation_url', fields.CharField(null=True, max_length=1024)),
                ('cancellation_reason', fields.CharField(null=True, max_length=64)),
                ('paid_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('refunded_amount', fields.BigIntField(default=0)),
            ],
            options={'table': 'payments', 'app': 'models', 'indexes': [Index(fields=['order_id', 'channel']), Index(fields=['status', 'created_at'])], 'pk_attr': 'id', 'table_description': 'One attempt to pay an order, in integer minor units, keyed for idempotency.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Refund',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('payment', fields.ForeignKeyField('models.Payment', source_field='payment_id', db_index=True, db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.RESTRICT)),
                ('amount', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('status', fields.CharEnumField(description='pending: pending\nsucceeded: succeeded\ncanceled: canceled', enum_type=RefundStatus, max_length=16)),
                ('idempotence_key', fields.CharField(unique=True, max_length=64)),
                ('external_id', fields.CharField(null=True, unique=True, max_length=64)),
                ('reason', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'refunds', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Money given back for a payment (full or partial), keyed for idempotency.'},
            bases=['TimestampedModel'],
        ),
        ops.AddField(
            model_name='Provider',
            name='commission_basis_points',
            field=fields.IntField(null=True),
        ),
    ]
