from tortoise import migrations
from tortoise.migrations import operations as ops
from db.models.tutoring import LessonStatus, OverrideKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0011_homework')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CalendarFeed',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.OneToOneField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='calendar_feed', on_delete=OnDelete.CASCADE)),
                ('token', fields.CharField(unique=True, max_length=48)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'tutor_calendar_feeds', 'app': 'models', 'pk_attr': 'id', 'table_description': "A person's private iCalendar feed: whoever knows the token reads their lessons."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TutorProfile',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('provider', fields.OneToOneField('models.Provider', source_field='provider_id', db_constraint=True, to_field='id', related_name='tutor_profile', on_delete=OnDelete.CASCADE)),
                ('timezone', fields.CharField(default='Europe/Moscow', max_length=64)),
                ('subjects', fields.CharField(default='', max_length=256)),
                ('photo_file_id', fields.CharField(null=True, max_length=256)),
                ('buffer_before', fields.IntField(default=0)),
                ('buffer_after', fields.IntField(default=0)),
                ('min_notice', fields.IntField(default=720)),
                ('booking_window', fields.IntField(default=30)),
                ('slot_step', fields.IntField(default=30)),
                ('daily_limit', fields.IntField(null=True)),
                ('free_cancel_hours', fields.IntField(default=24)),
                ('requires_confirmation', fields.BooleanField(default=False)),
                ('reminders', fields.CharField(null=True, max_length=64)),
                ('booking_version', fields.BigIntField(default=0)),
            ],
            options={'table': 'tutor_profiles', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The tutoring settings of a provider of kind tutor (one per provider).'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='AvailabilityOverride',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tutor', fields.ForeignKeyField('models.TutorProfile', source_field='tutor_id', db_constraint=True, to_field='id', related_name='overrides', on_delete=OnDelete.CASCADE)),
                ('date', fields.DateField()),
                ('kind', fields.CharEnumField(description='day_off: day_off\nextra: extra', enum_type=OverrideKind, max_length=16)),
                ('start_minute', fields.IntField(default=0)),
                ('end_minute', fields.IntField(default=0)),
            ],
            options={'table': 'tutor_availability_overrides', 'app': 'models', 'pk_attr': 'id', 'table_description': "A change of one date of the tutor's calendar: a day off, or an extra window."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AvailabilityRule',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tutor', fields.ForeignKeyField('models.TutorProfile', source_field='tutor_id', db_constraint=True, to_field='id', related_name='rules', on_delete=OnDelete.CASCADE)),
                ('weekday', fields.SmallIntField()),
                ('start_minute', fields.IntField()),
                ('end_minute', fields.IntField()),
            ],
            options={'table': 'tutor_availability_rules', 'app': 'models', 'pk_attr': 'id', 'table_description': "A weekly window in the tutor's zone: weekday (0 = Monday) and minutes from midnight."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LessonType',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tutor', fields.ForeignKeyField('models.TutorProfile', source_field='tutor_id', db_constraint=True, to_field='id', related_name='lesson_types', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=128)),
                ('duration', fields.IntField()),
                ('price', fields.BigIntField()),
                ('currency', fields.CharField(default='RUB', max_length=3)),
                ('stars_price', fields.IntField(null=True)),
                ('location', fields.CharField(default='', max_length=512)),
                ('is_active', fields.BooleanField(default=True)),
            ],
            options={'table': 'tutor_lesson_types', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A kind of lesson a tutor gives: its length, price and where it happens.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Package',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tutor', fields.ForeignKeyField('models.TutorProfile', source_field='tutor_id', db_constraint=True, to_field='id', related_name='packages', on_delete=OnDelete.RESTRICT)),
                ('student', fields.ForeignKeyField('models.User', source_field='student_id', db_constraint=True, to_field='id', related_name='tutoring_packages', on_delete=OnDelete.RESTRICT)),
                ('lessons', fields.IntField()),
                ('remaining', fields.IntField()),
                ('consumed', fields.IntField(default=0)),
                ('refunded', fields.IntField(default=0)),
                ('price', fields.BigIntField()),
                ('unit_price', fields.BigIntField()),
                ('currency', fields.CharField(default='RUB', max_length=3)),
                ('payment_reference', fields.CharField(unique=True, max_length=128)),
            ],
            options={'table': 'tutor_packages', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Lessons a student bought from a tutor at once: credits spent by bookings.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Lesson',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tutor', fields.ForeignKeyField('models.TutorProfile', source_field='tutor_id', db_constraint=True, to_field='id', related_name='lessons', on_delete=OnDelete.RESTRICT)),
                ('student', fields.ForeignKeyField('models.User', source_field='student_id', db_constraint=True, to_field='id', related_name='lessons', on_delete=OnDelete.RESTRICT)),
                ('lesson_type', fields.ForeignKeyField('models.LessonType', source_field='lesson_type_id', db_constraint=True, to_field='id', related_name='lessons', on_delete=OnDelete.RESTRICT)),
                ('package', fields.ForeignKeyField('models.Package', source_field='package_id', null=True, db_constraint=True, to_field='id', related_name='booked_lessons', on_delete=OnDelete.RESTRICT)),
                ('starts_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status', fields.CharEnumField(default=LessonStatus.booked, description='pending: pending\nbooked: booked\nheld: held\nno_show: no_show\ncancelled: cancelled\nlate_cancelled: late_cancelled\ncancelled_by_tutor: cancelled_by_tutor', enum_type=LessonStatus, max_length=24)),
                ('price', fields.BigIntField(default=0)),
                ('currency', fields.CharField(default='RUB', max_length=3)),
                ('note', fields.TextField(default='', unique=False)),
                ('series', fields.CharField(null=True, max_length=32)),
                ('booking_key', fields.CharField(null=True, unique=True, max_length=64)),
            ],
            options={'table': 'tutor_lessons', 'app': 'models', 'indexes': [Index(fields=['tutor_id', 'starts_at'])], 'pk_attr': 'id', 'table_description': 'A booked lesson: one student, one tutor, one time (UTC).'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='LessonEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('lesson', fields.ForeignKeyField('models.Lesson', source_field='lesson_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('action', fields.CharField(max_length=32)),
                ('actor_id', fields.IntField(null=True)),
                ('from_start', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('to_start', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('note', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'tutor_lesson_events', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The history of a lesson: booked, confirmed, moved, cancelled, held.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WaitlistEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tutor', fields.ForeignKeyField('models.TutorProfile', source_field='tutor_id', db_constraint=True, to_field='id', related_name='waitlist', on_delete=OnDelete.CASCADE)),
                ('student', fields.ForeignKeyField('models.User', source_field='student_id', db_constraint=True, to_field='id', related_name='waitlist_entries', on_delete=OnDelete.CASCADE)),
                ('lesson_type', fields.ForeignKeyField('models.LessonType', source_field='lesson_type_id', db_constraint=True, to_field='id', related_name='waitlist_entries', on_delete=OnDelete.CASCADE)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('offered_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('state', fields.CharField(default='waiting', max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'tutor_waitlist', 'app': 'models', 'unique_together': (('tutor_id', 'student_id', 'starts_at'),), 'pk_attr': 'id', 'table_description': 'A student waiting for a taken start time of a tutor.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='User',
            name='timezone',
            field=fields.CharField(null=True, max_length=64),
        ),
    ]
