from tortoise import migrations
from tortoise.migrations import operations as ops
from db.models.ledger import AccountKind
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Account',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=96)),
                ('kind', fields.CharEnumField(description='customer: customer\nprovider: provider\nplatform: platform\nclearing: clearing\npayout: payout', enum_type=AccountKind, max_length=16)),
                ('currency', fields.CharField(max_length=3)),
                ('user_id', fields.IntField(null=True, db_index=True)),
                ('provider_id', fields.IntField(null=True, db_index=True)),
                ('allow_negative', fields.BooleanField(default=False)),
                ('balance', fields.BigIntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'ledger_accounts', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One account in one currency, named by a stable code (e.g. provider:7:RUB).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LedgerHead',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('last_hash', fields.CharField(max_length=64)),
                ('last_entry_id', fields.IntField(default=0)),
            ],
            options={'table': 'ledger_head', 'app': 'models', 'pk_attr': 'id', 'table_description': "The single row every ledger write locks: the chain's last hash, so appends serialize."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LedgerTransaction',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('reference', fields.CharField(unique=True, max_length=128)),
                ('kind', fields.CharField(max_length=32)),
                ('description', fields.CharField(default='', max_length=256)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'ledger_transactions', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A set of entries that sum to zero, idempotent by its reference.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LedgerEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('transaction', fields.ForeignKeyField('models.LedgerTransaction', source_field='transaction_id', db_index=True, db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.RESTRICT)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_index=True, db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.RESTRICT)),
                ('amount', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('prev_hash', fields.CharField(max_length=64)),
                ('hash', fields.CharField(unique=True, max_length=64)),
            ],
            options={'table': 'ledger_entries', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One posting whose hash covers its content and the previous entry hash (a chain).'},
            bases=['Model'],
        ),
    ]
