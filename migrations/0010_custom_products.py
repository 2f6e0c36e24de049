from tortoise import migrations
from tortoise.migrations import operations as ops
from db.models.templates import DesignStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0009_analytics')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ChatPicture',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_index=True, db_constraint=True, to_field='id', related_name='chat_pictures', on_delete=OnDelete.CASCADE)),
                ('file_id', fields.CharField(max_length=256)),
                ('file_unique_id', fields.CharField(max_length=64)),
                ('file_size', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'chat_pictures', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A picture someone sent the bot, kept (the latest few) to be used later as a design.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Design',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_index=True, db_constraint=True, to_field='id', related_name='designs', on_delete=OnDelete.CASCADE)),
                ('product', fields.ForeignKeyField('models.Product', source_field='product_id', db_index=True, db_constraint=True, to_field='id', related_name='designs', on_delete=OnDelete.CASCADE)),
                ('content_hash', fields.CharField(max_length=64)),
                ('original_path', fields.CharField(max_length=256)),
                ('original_format', fields.CharField(max_length=8)),
                ('width', fields.IntField()),
                ('height', fields.IntField()),
                ('template_version', fields.IntField()),
                ('status', fields.CharEnumField(default=DesignStatus.ready, description='ready: ready\nordered: ordered', enum_type=DesignStatus, max_length=16)),
            ],
            options={'table': 'designs', 'app': 'models', 'pk_attr': 'id', 'table_description': "A customer's picture for a custom product: the original file and its previews."},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='ProductTemplate',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('product', fields.OneToOneField('models.Product', source_field='product_id', db_constraint=True, to_field='id', related_name='template', on_delete=OnDelete.CASCADE)),
                ('watermark', fields.CharField(default='', max_length=64)),
                ('model_path', fields.CharField(null=True, max_length=256)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'product_templates', 'app': 'models', 'pk_attr': 'id', 'table_description': 'How a custom product is previewed: its base images, watermark and optional GLB model.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='TemplateImage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('template', fields.ForeignKeyField('models.ProductTemplate', source_field='template_id', db_index=True, db_constraint=True, to_field='id', related_name='images', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=32)),
                ('position', fields.IntField(default=0)),
                ('path', fields.CharField(max_length=256)),
                ('width', fields.IntField()),
                ('height', fields.IntField()),
                ('print_x', fields.IntField()),
                ('print_y', fields.IntField()),
                ('print_w', fields.IntField()),
                ('print_h', fields.IntField()),
            ],
            options={'table': 'template_images', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One base image of a template (the front of a mug) and its print area in its pixels.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DesignPreview',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('design', fields.ForeignKeyField('models.Design', source_field='design_id', db_index=True, db_constraint=True, to_field='id', related_name='previews', on_delete=OnDelete.CASCADE)),
                ('image', fields.ForeignKeyField('models.TemplateImage', source_field='image_id', null=True, db_constraint=True, to_field='id', related_name='previews', on_delete=OnDelete.SET_NULL)),
                ('name', fields.CharField(max_length=32)),
                ('position', fields.IntField(default=0)),
                ('path', fields.CharField(max_length=256)),
                ('thumb_path', fields.CharField(max_length=256)),
            ],
            options={'table': 'design_previews', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The design on one base image, and its thumbnail (files under DATA_DIR, never public).'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='CartItem',
            name='design',
            field=fields.ForeignKeyField('models.Design', source_field='design_id', null=True, db_constraint=True, to_field='id', related_name='cart_items', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='OrderItem',
            name='design',
            field=fields.ForeignKeyField('models.Design', source_field='design_id', null=True, db_constraint=True, to_field='id', related_name='order_items', on_delete=OnDelete.SET_NULL),
        ),
    ]
