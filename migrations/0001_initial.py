from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from db.models.catalog import ProductKind, ProviderKind
from db.models.users import ConsentKind, Role
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='User',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tg_id', fields.BigIntField(null=True, unique=True)),
                ('pseudonym', fields.CharField(unique=True, max_length=32)),
                ('username', fields.CharField(null=True, max_length=64)),
                ('first_name', fields.CharField(default='', max_length=128)),
                ('last_name', fields.CharField(null=True, max_length=128)),
                ('language_code', fields.CharField(null=True, max_length=16)),
                ('locale', fields.CharField(null=True, max_length=8)),
                ('phone', fields.CharField(null=True, max_length=32)),
                ('role', fields.CharEnumField(default=Role.customer, description='customer: customer\nprovider: provider\nstaff: staff\nadmin: admin', enum_type=Role, max_length=16)),
                ('is_banned', fields.BooleanField(default=False)),
                ('bot_blocked', fields.BooleanField(default=False)),
                ('referrer', fields.ForeignKeyField('models.User', source_field='referrer_id', null=True, db_constraint=True, to_field='id', related_name='referrals', on_delete=OnDelete.SET_NULL)),
                ('start_payload', fields.CharField(null=True, max_length=64)),
                ('last_seen_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('anonymized_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'users', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A person known to the bot.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='AuditLog',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('actor', fields.ForeignKeyField('models.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='audit_entries', on_delete=OnDelete.SET_NULL)),
                ('action', fields.CharField(max_length=64)),
                ('target', fields.CharField(default='', max_length=128)),
                ('data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'audit_log', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Who did what to what, for admin actions and data-protection requests.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Consent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='consents', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='personal_data: personal_data\nmarketing: marketing', enum_type=ConsentKind, max_length=32)),
                ('version', fields.CharField(max_length=32)),
                ('granted', fields.BooleanField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'consents', 'app': 'models', 'indexes': [Index(fields=['user_id', 'kind', 'created_at'])], 'pk_attr': 'id', 'table_description': 'One decision of a person about one kind of consent (append-only history).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Provider',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('slug', fields.CharField(unique=True, max_length=64)),
                ('kind', fields.CharEnumField(description='shop: shop\ntutor: tutor', enum_type=ProviderKind, max_length=16)),
                ('name', fields.CharField(max_length=128)),
                ('description', fields.TextField(default='', unique=False)),
                ('owner', fields.ForeignKeyField('models.User', source_field='owner_id', null=True, db_constraint=True, to_field='id', related_name='providers', on_delete=OnDelete.SET_NULL)),
                ('legal_name', fields.CharField(default='', max_length=256)),
                ('inn', fields.CharField(default='', max_length=12)),
                ('tax_system_code', fields.SmallIntField(default=1)),
                ('is_active', fields.BooleanField(default=True)),
            ],
            options={'table': 'providers', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A shop or a tutor with a storefront and the receipt data of 54-FZ.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Category',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('provider', fields.ForeignKeyField('models.Provider', source_field='provider_id', db_constraint=True, to_field='id', related_name='categories', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=128)),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'categories', 'app': 'models', 'unique_together': (('provider_id', 'title'),), 'pk_attr': 'id', 'table_description': "A group of products within one provider's storefront."},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Product',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('provider', fields.ForeignKeyField('models.Provider', source_field='provider_id', db_constraint=True, to_field='id', related_name='products', on_delete=OnDelete.CASCADE)),
                ('category', fields.ForeignKeyField('models.Category', source_field='category_id', null=True, db_constraint=True, to_field='id', related_name='products', on_delete=OnDelete.SET_NULL)),
                ('sku', fields.CharField(max_length=64)),
                ('kind', fields.CharEnumField(default=ProductKind.physical, description='physical: physical\ndigital: digital\ncustom: custom\nservice: service', enum_type=ProductKind, max_length=16)),
                ('title', fields.CharField(max_length=128)),
                ('description', fields.TextField(default='', unique=False)),
                ('price', fields.BigIntField()),
                ('currency', fields.CharField(default='RUB', max_length=3)),
                ('stock', fields.IntField(default=0)),
                ('is_active', fields.BooleanField(default=True)),
                ('model_path', fields.CharField(null=True, max_length=256)),
                ('vat_code', fields.SmallIntField(default=1)),
                ('payment_subject', fields.CharField(default='commodity', max_length=32)),
                ('payment_mode', fields.CharField(default='full_prepayment', max_length=32)),
            ],
            options={'table': 'products', 'app': 'models', 'unique_together': (('provider_id', 'sku'),), 'pk_attr': 'id', 'table_description': 'Something a provider sells, priced in integer minor units (never floats).'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='ProductPhoto',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('product', fields.ForeignKeyField('models.Product', source_field='product_id', db_constraint=True, to_field='id', related_name='photos', on_delete=OnDelete.CASCADE)),
                ('path', fields.CharField(max_length=256)),
                ('thumb_path', fields.CharField(max_length=256)),
                ('telegram_file_id', fields.CharField(null=True, max_length=256)),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'product_photos', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A product photo on disk with a thumbnail, and its Telegram file id once uploaded.'},
            bases=['TimestampedModel'],
        ),
    ]
