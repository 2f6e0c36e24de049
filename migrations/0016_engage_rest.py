from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0015_engagement')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Review',
            name='photo_path',
            field=fields.CharField(null=True, max_length=255),
        ),
        ops.AddField(
            model_name='Review',
            name='photo_file_id',
            field=fields.CharField(null=True, max_length=255),
        ),
        ops.AddField(
            model_name='Review',
            name='replied_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
