from tortoise import migrations
from tortoise.migrations import operations as ops
from db.models.engagement import PointsLotKind, PromoKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0014_broadcasts')]

    initial = False

    operations = [
        ops.CreateModel(
            name='LoyaltyCard',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.OneToOneField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='loyalty_card', on_delete=OnDelete.CASCADE)),
                ('member_id', fields.CharField(unique=True, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'loyalty_cards', 'app': 'models', 'pk_attr': 'id', 'table_description': "A person's member card: the id its QR code carries (shown to the seller at the till)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LoyaltyRule',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('provider', fields.OneToOneField('models.Provider', source_field='provider_id', db_constraint=True, to_field='id', related_name='loyalty_rule', on_delete=OnDelete.CASCADE)),
                ('earn_basis_points', fields.IntField()),
            ],
            options={'table': 'loyalty_rules', 'app': 'models', 'pk_attr': 'id', 'table_description': "A provider's own rate of points (percent of what was paid for goods)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PointsLot',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='points_lots', on_delete=OnDelete.CASCADE)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', null=True, db_constraint=True, to_field='id', related_name='points_lots', on_delete=OnDelete.SET_NULL)),
                ('kind', fields.CharEnumField(description='earned: earned\nreturned: returned\nreferral: referral', enum_type=PointsLotKind, max_length=16)),
                ('points', fields.BigIntField()),
                ('remaining', fields.BigIntField()),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'points_lots', 'app': 'models', 'unique_together': (('order_id', 'kind'),), 'indexes': [Index(fields=['user_id', 'expires_at'])], 'pk_attr': 'id', 'table_description': 'Points given at once, expired or taken back as a whole lot (the ledger holds the balance).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PromoCode',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('kind', fields.CharEnumField(description='percent: percent\nfixed: fixed', enum_type=PromoKind, max_length=16)),
                ('value', fields.BigIntField()),
                ('currency', fields.CharField(null=True, max_length=3)),
                ('min_order', fields.BigIntField(default=0)),
                ('starts_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('total_limit', fields.IntField(null=True)),
                ('per_user_limit', fields.IntField(null=True)),
                ('used', fields.IntField(default=0)),
                ('provider', fields.ForeignKeyField('models.Provider', source_field='provider_id', null=True, db_constraint=True, to_field='id', related_name='promo_codes', on_delete=OnDelete.CASCADE)),
                ('first_order_only', fields.BooleanField(default=False)),
                ('active', fields.BooleanField(default=True)),
                ('created_by_id', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'promo_codes', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A code a customer types at checkout for a discount on the goods (not on delivery).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PromoRedemption',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('promo', fields.ForeignKeyField('models.PromoCode', source_field='promo_id', db_constraint=True, to_field='id', related_name='redemptions', on_delete=OnDelete.RESTRICT)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='promo_redemptions', on_delete=OnDelete.CASCADE)),
                ('order', fields.OneToOneField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='promo_redemption', on_delete=OnDelete.CASCADE)),
                ('amount', fields.BigIntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'promo_redemptions', 'app': 'models', 'indexes': [Index(fields=['promo_id', 'user_id'])], 'pk_attr': 'id', 'table_description': 'A promo code applied to one order (one row per order, whatever was clicked twice).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Review',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.OneToOneField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='review', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='reviews', on_delete=OnDelete.CASCADE)),
                ('provider', fields.ForeignKeyField('models.Provider', source_field='provider_id', db_constraint=True, to_field='id', related_name='reviews', on_delete=OnDelete.CASCADE)),
                ('rating', fields.SmallIntField()),
                ('text', fields.TextField(default='', unique=False)),
                ('reply', fields.TextField(null=True, unique=False)),
                ('hidden', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'reviews', 'app': 'models', 'indexes': [Index(fields=['provider_id', 'hidden', 'created_at'])], 'pk_attr': 'id', 'table_description': "A customer's review of a completed order (one per order), the provider's reply."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Order',
            name='discount',
            field=fields.BigIntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Order',
            name='points_spent',
            field=fields.BigIntField(default=0, db_default=0),
        ),
    ]
