from tortoise import migrations
from tortoise.migrations import operations as ops
from db.models.tutoring import LessonStatus, TutoringPaymentKind
from tortoise.fields.base import OnDelete
from tortoise import fields

# Tortoise's SQLite AlterField rebuilds the table and loses its non-unique indexes; they are
# created again here (IF NOT EXISTS: on PostgreSQL the column is altered in place and they stay).
RESTORE_INDEXES = [
    'CREATE INDEX IF NOT EXISTS "idx_tutor_lesso_starts__433432" ON "tutor_lessons" ("starts_at")',
    'CREATE INDEX IF NOT EXISTS "idx_tutor_lesso_tutor_i_c0479f" ON "tutor_lessons" ("tutor_id", "starts_at")',
]

class Migration(migrations.Migration):
    dependencies = [('models', '0016_engage_rest')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PackageOffer',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tutor', fields.ForeignKeyField('models.TutorProfile', source_field='tutor_id', db_constraint=True, to_field='id', related_name='offers', on_delete=OnDelete.CASCADE)),
                ('lesson_type', fields.ForeignKeyField('models.LessonType', source_field='lesson_type_id', db_constraint=True, to_field='id', related_name='offers', on_delete=OnDelete.CASCADE)),
                ('lessons', fields.IntField()),
                ('discount_percent', fields.IntField(default=0)),
                ('monthly', fields.BooleanField(default=False)),
                ('is_active', fields.BooleanField(default=True)),
            ],
            options={'table': 'tutor_package_offers', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A package a tutor sells: a number of lessons of a lesson type at a discount.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='TutoringPayment',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('student', fields.ForeignKeyField('models.User', source_field='student_id', db_constraint=True, to_field='id', related_name='tutoring_payments', on_delete=OnDelete.RESTRICT)),
                ('tutor', fields.ForeignKeyField('models.TutorProfile', source_field='tutor_id', db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharEnumField(description='package: package\nlesson: lesson\nsubscription: subscription', enum_type=TutoringPaymentKind, max_length=16)),
                ('offer', fields.ForeignKeyField('models.PackageOffer', source_field='offer_id', null=True, db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.RESTRICT)),
                ('lesson', fields.ForeignKeyField('models.Lesson', source_field='lesson_id', null=True, db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.RESTRICT)),
                ('channel', fields.CharField(max_length=16)),
                ('status', fields.CharField(default='pending', max_length=16)),
                ('amount', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('lessons', fields.IntField(default=1)),
                ('unit_price', fields.BigIntField()),
                ('idempotence_key', fields.CharField(unique=True, max_length=64)),
                ('external_id', fields.CharField(null=True, unique=True, max_length=64)),
                ('charge_id', fields.CharField(null=True, unique=True, max_length=255)),
                ('confirmation_url', fields.CharField(null=True, max_length=1024)),
                ('invoice_link', fields.CharField(null=True, max_length=256)),
                ('paid_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'tutor_payments', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One attempt to pay a tutor (a package, one lesson or a monthly plan) by Telegram'},
            bases=['TimestampedModel'],
        ),
        ops.AlterField(
            model_name='Lesson',
            name='status',
            field=fields.CharEnumField(default=LessonStatus.booked, description='pending: pending\nawaiting_payment: awaiting_payment\nbooked: booked\nheld: held\nno_show: no_show\ncancelled: cancelled\nlate_cancelled: late_cancelled\ncancelled_by_tutor: cancelled_by_tutor', enum_type=LessonStatus, max_length=24),
        ),
        ops.RunSQL(RESTORE_INDEXES, reverse_sql=ops.RunSQL.noop),
    ]
