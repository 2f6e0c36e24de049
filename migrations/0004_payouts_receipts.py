from tortoise import migrations
from tortoise.migrations import operations as ops
from db.models.payments import PayoutStatus, ReceiptKind, ReceiptStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_payments')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Payout',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('provider', fields.ForeignKeyField('models.Provider', source_field='provider_id', db_index=True, db_constraint=True, to_field='id', related_name='payouts', on_delete=OnDelete.RESTRICT)),
                ('amount', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('status', fields.CharEnumField(description='requested: requested\napproved: approved\nrejected: rejected', enum_type=PayoutStatus, max_length=16)),
                ('requested_by', fields.ForeignKeyField('models.User', source_field='requested_by_id', null=True, db_constraint=True, to_field='id', related_name='payouts_requested', on_delete=OnDelete.SET_NULL)),
                ('decided_by', fields.ForeignKeyField('models.User', source_field='decided_by_id', null=True, db_constraint=True, to_field='id', related_name='payouts_decided', on_delete=OnDelete.SET_NULL)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reason', fields.TextField(default='', unique=False)),
                ('reference', fields.CharField(default='', max_length=128)),
            ],
            options={'table': 'payouts', 'app': 'models', 'indexes': [Index(fields=['status', 'created_at']), Index(fields=['provider_id', 'created_at'])], 'pk_attr': 'id', 'table_description': "A provider's request to be paid its available balance, decided by an admin."},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Receipt',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_index=True, db_constraint=True, to_field='id', related_name='receipts', on_delete=OnDelete.RESTRICT)),
                ('payment', fields.ForeignKeyField('models.Payment', source_field='payment_id', null=True, db_constraint=True, to_field='id', related_name='receipts', on_delete=OnDelete.RESTRICT)),
                ('refund', fields.ForeignKeyField('models.Refund', source_field='refund_id', null=True, db_constraint=True, to_field='id', related_name='receipts', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharEnumField(description='prepayment: prepayment\nclosing: closing\nrefund: refund', enum_type=ReceiptKind, max_length=16)),
                ('status', fields.CharEnumField(description='pending: pending\nsucceeded: succeeded\ncanceled: canceled', enum_type=ReceiptStatus, max_length=16)),
                ('amount', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('idempotence_key', fields.CharField(unique=True, max_length=64)),
                ('external_id', fields.CharField(null=True, unique=True, max_length=64)),
                ('attempts', fields.IntField(default=0)),
                ('error', fields.CharField(null=True, max_length=256)),
            ],
            options={'table': 'receipts', 'app': 'models', 'indexes': [Index(fields=['status', 'created_at'])], 'pk_attr': 'id', 'table_description': 'A fiscal receipt sent (or to be sent) through YooKassa, once per key.'},
            bases=['TimestampedModel'],
        ),
        ops.AddField(
            model_name='Order',
            name='email',
            field=fields.CharField(null=True, max_length=254),
        ),
        ops.AddField(
            model_name='Payment',
            name='invoice_link',
            field=fields.CharField(null=True, max_length=256),
        ),
        ops.AddField(
            model_name='Payment',
            name='provider_charge_id',
            field=fields.CharField(null=True, max_length=128),
        ),
        ops.AddField(
            model_name='Refund',
            name='completed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Refund',
            name='requested_by',
            field=fields.ForeignKeyField('models.User', source_field='requested_by_id', null=True, db_constraint=True, to_field='id', related_name='refunds_requested', on_delete=OnDelete.SET_NULL),
        ),
    ]
