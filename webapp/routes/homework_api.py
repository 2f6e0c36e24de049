"""The student's homework, materials and achievements under /api/v1 (tag `homework`).

Registered on the shop API's route table, so the same wrapper, errors and OpenAPI document
apply. Another person's homework is 404; submitting twice is 409
`homework_already_submitted`. Files are sent in chat; the API takes the text of an answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from core.homework_texts import achievement_title, grade_title
from db.models import AchievementCode, GradeKind, Homework, HomeworkStatus, MaterialKind
from services import achievements, homework, materials
from webapp.routes.shop_api import routes
from webapp.routes.shop_api_kit import Call
from webapp.routes.shop_api_models import QueryParams, RequestBody, ResponseBody

TAG = "homework"


class GradeOut(ResponseBody):
    """A grade: a mark 1–5 (`score`), or pass (1) / fail (0)."""

    kind: GradeKind
    score: int
    title: str = Field(description="The grade as the person reads it: '5/5', 'pass'.")
    comment: str


class SubmissionOut(ResponseBody):
    """The student's answer."""

    text: str
    files: int = Field(description="How many files were sent with it in chat.")
    on_time: bool
    submitted_at: datetime


class HomeworkOut(ResponseBody):
    """One homework of the person as a student."""

    id: int
    tutor_id: int
    tutor_name: str
    text: str
    checklist: list[str]
    files: int = Field(description="How many files the tutor attached (sent in chat).")
    due_at: datetime
    status: HomeworkStatus
    overdue: bool
    submission: SubmissionOut | None
    grade: GradeOut | None


class HomeworkList(ResponseBody):
    """The person's homework, soonest due first."""

    items: list[HomeworkOut]


class HomeworkQuery(QueryParams):
    """Only homework in one state."""

    status: HomeworkStatus | None = None


class SubmissionIn(RequestBody):
    """The answer's text (files are sent in chat)."""

    text: str = Field(min_length=1, max_length=homework.MAX_TEXT)


class MaterialOut(ResponseBody):
    """A file or link a tutor shared with the person (or with all their students)."""

    id: int
    tutor_id: int
    tutor_name: str
    title: str
    kind: MaterialKind
    url: str | None = Field(description="The link; files are opened in chat.")
    shared_with: Literal["me", "all"]
    shared_at: datetime


class MaterialList(ResponseBody):
    """Materials, newest first."""

    items: list[MaterialOut]


class AchievementOut(ResponseBody):
    """An earned achievement."""

    code: AchievementCode
    title: str
    period: str = Field(description="'YYYY-MM' for a monthly one, else empty.")
    earned_at: datetime


class AchievementList(ResponseBody):
    """The person's achievements, oldest first."""

    items: list[AchievementOut]


def _homework_out(item: Homework) -> HomeworkOut:
    submission = item.submission
    grade = item.grade
    return HomeworkOut(
        id=item.id,
        tutor_id=item.provider_id,
        tutor_name=item.provider.name,
        text=item.text,
        checklist=list(item.checklist),
        files=len(item.files),
        due_at=item.due_at,
        status=item.status,
        overdue=item.status is HomeworkStatus.open and item.due_at < homework.utc_now(),
        submission=SubmissionOut(
            text=submission.text,
            files=len(submission.files),
            on_time=submission.on_time,
            submitted_at=submission.created_at,
        )
        if submission is not None
        else None,
        grade=GradeOut(
            kind=grade.kind,
            score=grade.score or 0,
            title=grade_title(grade.kind, grade.score),
            comment=grade.comment,
        )
        if grade is not None
        else None,
    )


@routes.endpoint("GET", "/homework", tag=TAG)
async def list_homework(call: Call, query: HomeworkQuery) -> HomeworkList:
    """The person's homework as a student: open, submitted and graded (with grades)."""
    statuses = [query.status] if query.status is not None else None
    items = await homework.student_homework(call.user, statuses)
    return HomeworkList(items=[_homework_out(item) for item in items])


@routes.endpoint("GET", "/homework/{homework_id}", tag=TAG, errors=(404,))
async def get_homework(call: Call, homework_id: int) -> HomeworkOut:
    """One of the person's homework; anyone else's is 404."""
    return _homework_out(await homework.student_homework_one(call.user, homework_id))


@routes.endpoint(
    "POST", "/homework/{homework_id}/submissions", tag=TAG, status=201, errors=(404, 409, 422)
)
async def submit_homework(call: Call, homework_id: int, body: SubmissionIn) -> HomeworkOut:
    """Submit the answer's text once (201); the tutor is told. A second submission is 409
    `homework_already_submitted`; anyone else's homework is 404."""
    submitted = await homework.submit(
        call.user, homework_id, text=body.text, events=call.services.shop_events
    )
    return _homework_out(submitted)


@routes.endpoint("GET", "/materials", tag=TAG)
async def list_materials(call: Call) -> MaterialList:
    """Materials shared with the person, or with all students of one of their tutors."""
    items = await materials.materials_for(call.user)
    return MaterialList(
        items=[
            MaterialOut(
                id=item.id,
                tutor_id=item.provider_id,
                tutor_name=item.provider.name,
                title=item.title,
                kind=item.kind,
                url=item.url,
                shared_with="me" if item.student_id is not None else "all",
                shared_at=item.created_at,
            )
            for item in items
        ]
    )


@routes.endpoint("GET", "/achievements", tag=TAG)
async def list_achievements(call: Call) -> AchievementList:
    """The person's achievements."""
    items = await achievements.achievements_of(call.user)
    return AchievementList(
        items=[
            AchievementOut(
                code=item.code,
                title=achievement_title(item.code),
                period=item.period,
                earned_at=item.earned_at,
            )
            for item in items
        ]
    )
