from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0007_catalog_version')]

    initial = False

    operations = [
        ops.AddField(
            model_name='CartItem',
            name='personal_text',
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddField(
            model_name='OrderItem',
            name='personal_text',
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddField(
            model_name='Product',
            name='personal_text_limit',
            field=fields.SmallIntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Product',
            name='personal_text_prompt',
            field=fields.CharField(null=True, max_length=64),
        ),
    ]
