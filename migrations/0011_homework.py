from tortoise import migrations
from tortoise.migrations import operations as ops
from db.models.homework import AchievementCode, GradeKind, HomeworkStatus, MaterialKind
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0008_personal_text")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Achievement",
            fields=[
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="achievements",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "code",
                    fields.CharEnumField(
                        description="first_lesson: first_lesson\nten_lessons: ten_lessons\nfour_week_streak: four_week_streak\nhomework_on_time_month: homework_on_time_month",
                        enum_type=AchievementCode,
                        max_length=32,
                    ),
                ),
                ("period", fields.CharField(default="", max_length=16)),
                ("earned_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "achievements",
                "app": "models",
                "unique_together": (("user_id", "code", "period"),),
                "pk_attr": "id",
                "table_description": "An achievement a person earned, once (the period tells monthly ones apart).",
            },
            bases=["TimestampedModel"],
        ),
        ops.CreateModel(
            name="Homework",
            fields=[
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "provider",
                    fields.ForeignKeyField(
                        "models.Provider",
                        source_field="provider_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="homework",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "student",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="student_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="homework",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "assigned_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="assigned_by_id",
                        null=True,
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="homework_assigned",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("text", fields.TextField(unique=False)),
                ("files", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("checklist", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("due_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "status",
                    fields.CharEnumField(
                        default=HomeworkStatus.open,
                        description="open: open\nsubmitted: submitted\ngraded: graded",
                        enum_type=HomeworkStatus,
                        max_length=16,
                    ),
                ),
            ],
            options={
                "table": "homework",
                "app": "models",
                "indexes": [Index(fields=["student_id", "status"])],
                "pk_attr": "id",
                "table_description": "A task a tutor gave one student, with files by Telegram file_id and a due time (UTC).",
            },
            bases=["TimestampedModel"],
        ),
        ops.CreateModel(
            name="Grade",
            fields=[
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "homework",
                    fields.OneToOneField(
                        "models.Homework",
                        source_field="homework_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="grade",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="score: score\npass_fail: pass_fail",
                        enum_type=GradeKind,
                        max_length=16,
                    ),
                ),
                ("score", fields.SmallIntField(null=True)),
                ("comment", fields.TextField(default="", unique=False)),
                (
                    "graded_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="graded_by_id",
                        null=True,
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="grades_given",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
            ],
            options={
                "table": "homework_grades",
                "app": "models",
                "pk_attr": "id",
                "table_description": "The tutor's grade of a submitted homework: one per homework.",
            },
            bases=["TimestampedModel"],
        ),
        ops.CreateModel(
            name="Material",
            fields=[
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "provider",
                    fields.ForeignKeyField(
                        "models.Provider",
                        source_field="provider_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="materials",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "student",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="student_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="materials",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("title", fields.CharField(max_length=256)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="document: document\nphoto: photo\nlink: link",
                        enum_type=MaterialKind,
                        max_length=16,
                    ),
                ),
                ("file_id", fields.CharField(null=True, max_length=256)),
                ("url", fields.CharField(null=True, max_length=1024)),
                ("size", fields.BigIntField(default=0)),
            ],
            options={
                "table": "materials",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A file or link a tutor shares with one student, or with all of them (no student).",
            },
            bases=["TimestampedModel"],
        ),
        ops.CreateModel(
            name="Submission",
            fields=[
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "homework",
                    fields.OneToOneField(
                        "models.Homework",
                        source_field="homework_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="submission",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("text", fields.TextField(default="", unique=False)),
                ("files", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("on_time", fields.BooleanField(default=True)),
            ],
            options={
                "table": "homework_submissions",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A student's answer to a homework: one per homework.",
            },
            bases=["TimestampedModel"],
        ),
    ]
