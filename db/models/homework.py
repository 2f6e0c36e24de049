"""Tutoring homework, its submissions and grades, shared materials and earned achievements."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields

from db.models.base import TimestampedModel
from db.models.catalog import Provider
from db.models.users import User


class HomeworkStatus(StrEnum):
    """Where a homework stands for its student."""

    open = "open"
    submitted = "submitted"
    graded = "graded"


class GradeKind(StrEnum):
    """How a tutor grades: a mark from 1 to 5, or pass and fail."""

    score = "score"
    pass_fail = "pass_fail"  # noqa: S105 - a grading scheme, not a password


class MaterialKind(StrEnum):
    """A material is a Telegram file (document or photo) or a link."""

    document = "document"
    photo = "photo"
    link = "link"


class AchievementCode(StrEnum):
    """Every achievement a student can earn."""

    first_lesson = "first_lesson"
    ten_lessons = "ten_lessons"
    four_week_streak = "four_week_streak"
    homework_on_time_month = "homework_on_time_month"


class Homework(TimestampedModel):
    """A task a tutor gave one student, with files by Telegram file_id and a due time (UTC)."""

    id = fields.IntField(primary_key=True)
    provider: fields.ForeignKeyRelation[Provider] = fields.ForeignKeyField(
        "models.Provider", related_name="homework", on_delete=fields.CASCADE
    )
    student: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="homework", on_delete=fields.CASCADE
    )
    assigned_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User",
        related_name="homework_assigned",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )
    text = fields.TextField()
    files: list[dict[str, Any]] = fields.JSONField(default=list)
    """A list of {"file_id", "kind" (document or photo), "name", "size"}."""
    checklist: list[str] = fields.JSONField(default=list)
    """Task titles, in order (may be empty)."""
    due_at = fields.DatetimeField()
    status = fields.CharEnumField(HomeworkStatus, max_length=16, default=HomeworkStatus.open)
    provider_id: int
    student_id: int
    submission: fields.BackwardOneToOneRelation[Submission]
    grade: fields.BackwardOneToOneRelation[Grade]

    class Meta:
        table = "homework"
        indexes = (("student_id", "status"),)


class Submission(TimestampedModel):
    """A student's answer to a homework: one per homework."""

    id = fields.IntField(primary_key=True)
    homework: fields.OneToOneRelation[Homework] = fields.OneToOneField(
        "models.Homework", related_name="submission", on_delete=fields.CASCADE
    )
    text = fields.TextField(default="")
    files: list[dict[str, Any]] = fields.JSONField(default=list)
    on_time = fields.BooleanField(default=True)

    class Meta:
        table = "homework_submissions"


class Grade(TimestampedModel):
    """The tutor's grade of a submitted homework: one per homework."""

    id = fields.IntField(primary_key=True)
    homework: fields.OneToOneRelation[Homework] = fields.OneToOneField(
        "models.Homework", related_name="grade", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(GradeKind, max_length=16)
    score = fields.SmallIntField(null=True)
    """1 to 5 for a score, 1 (pass) or 0 (fail) for pass and fail."""
    comment = fields.TextField(default="")
    graded_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User",
        related_name="grades_given",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )

    class Meta:
        table = "homework_grades"


class Material(TimestampedModel):
    """A file or link a tutor shares with one student, or with all of them (no student)."""

    id = fields.IntField(primary_key=True)
    provider: fields.ForeignKeyRelation[Provider] = fields.ForeignKeyField(
        "models.Provider", related_name="materials", on_delete=fields.CASCADE
    )
    student: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="materials", null=True, on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=256)
    kind = fields.CharEnumField(MaterialKind, max_length=16)
    file_id = fields.CharField(max_length=256, null=True)
    url = fields.CharField(max_length=1024, null=True)
    size = fields.BigIntField(default=0)
    provider_id: int
    student_id: int | None

    class Meta:
        table = "materials"


class Achievement(TimestampedModel):
    """An achievement a person earned, once (the period tells monthly ones apart)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="achievements", on_delete=fields.CASCADE
    )
    code = fields.CharEnumField(AchievementCode, max_length=32)
    period = fields.CharField(max_length=16, default="")
    earned_at = fields.DatetimeField()

    class Meta:
        table = "achievements"
        unique_together = (("user_id", "code", "period"),)
