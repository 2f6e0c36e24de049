from tortoise import migrations
from tortoise.migrations import operations as ops
from db.models.analytics import EventChannel, EventKind
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_personal_text')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ProductEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='start: start\napp_opened: app_opened\ncatalog_viewed: catalog_viewed\nproduct_viewed: product_viewed\ncart_added: cart_added\ncheckout_started: checkout_started\norder_placed: order_placed\npaid: paid\nlesson_booked: lesson_booked', enum_type=EventKind, max_length=24)),
                ('channel', fields.CharEnumField(default=EventChannel.server, description='chat: chat\napp: app\nserver: server', enum_type=EventChannel, max_length=8)),
                ('user_id', fields.IntField(null=True)),
                ('provider_id', fields.IntField(null=True)),
                ('product_id', fields.IntField(null=True)),
                ('order_id', fields.IntField(null=True)),
                ('source', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'product_event', 'app': 'models', 'indexes': [Index(fields=['kind', 'created_at']), Index(fields=['user_id', 'kind'])], 'pk_attr': 'id', 'table_description': 'One event. Ids are plain numbers, not foreign keys: events are written in batches off'},
            bases=['Model'],
        ),
    ]
