"""Homework races on PostgreSQL, where transactions really run side by side: an answer sent
from the chat and the Mini App at once is taken once, a grade given twice at once is given once,
and an achievement earned by two lessons marked held at once is recorded and announced once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from db.models import Achievement, Grade, GradeKind, Job, ProviderKind, Submission
from services import achievements, homework
from services.homework import AlreadySubmitted, NotSubmitted
from services.jobs import JobKind
from tests.services.shop_data import make_provider, make_user

pytestmark = pytest.mark.usefixtures("pg_db")


async def test_racing_submissions_and_grades_count_once() -> None:
    tutor = await make_provider(await make_user(), kind=ProviderKind.tutor)
    student = await make_user()
    work = await homework.assign(
        tutor, student, text="T", due_at=datetime.now(UTC) + timedelta(days=1)
    )

    results = await asyncio.gather(
        *(homework.submit(student, work.id, text=f"answer {n}") for n in range(10)),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, AlreadySubmitted) for r in results if isinstance(r, BaseException))
    assert await Submission.filter(homework_id=work.id).count() == 1

    grades = await asyncio.gather(
        *(homework.grade(tutor, work.id, kind=GradeKind.score, score=5) for _ in range(10)),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in grades) == 1
    assert all(isinstance(r, NotSubmitted) for r in grades if isinstance(r, BaseException))
    assert await Grade.filter(homework_id=work.id).count() == 1
    assert await Job.filter(kind=str(JobKind.homework_graded)).count() == 1


async def test_an_achievement_earned_at_once_twice_is_announced_once() -> None:
    student = await make_user()
    held = [datetime(2026, 11, 2, 10, tzinfo=UTC)]
    results = await asyncio.gather(
        *(achievements.lessons_achievements(student.id, held) for _ in range(10)),
        return_exceptions=True,
    )
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(len(r) for r in results if isinstance(r, list)) == 1
    assert await Achievement.filter(user_id=student.id).count() == 1
    assert await Job.filter(kind=str(JobKind.achievement_earned)).count() == 1
