"""Seller mode's tutor figures: a tutor reads their statistics and students; nobody else."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from db.models import LessonStatus, Provider
from tests.tutoring.test_tutor_admin import homework_due, lesson_at
from tests.tutoring.tutor_data import make_student, make_tutor
from tests.web.conftest import Web
from tests.web.test_shop_api import Customer, error_of


async def test_a_tutor_reads_stats_and_students_others_get_403(web: Web) -> None:
    tutor = await make_tutor()
    anna = Customer(web)
    owner = await anna.user()
    await Provider.filter(id=tutor.provider.id).update(owner_id=owner.id)
    boris = await make_student(credits=2, tutor=tutor)
    now = datetime.now(UTC)
    await lesson_at(tutor, boris, 2, LessonStatus.held, price=150000, now=now)
    await lesson_at(tutor, boris, 3, LessonStatus.no_show, price=150000, now=now)
    await lesson_at(tutor, boris, 4, LessonStatus.cancelled, price=150000, now=now)
    await homework_due(tutor, boris, 1, on_time=True, now=now)

    status, stats = await anna.get("/seller/tutor/stats")

    assert status == 200, stats
    totals = stats["totals"]
    assert (totals["held"], totals["no_shows"], totals["cancelled"]) == (1, 1, 1)
    assert totals["attendance"] == pytest.approx(0.5)
    assert [m["amount"] for m in totals["income"]] == [300000]
    assert totals["income"][0]["formatted"] == "3,000.00\xa0₽"
    assert (totals["homework_due"], totals["homework_on_time_rate"]) == (1, 1.0)
    assert stats["weeks"] == len(stats["by_week"]) == 8
    assert sum(week["held"] for week in stats["by_week"]) == 1
    assert sum(week["income"]["amount"] for week in stats["by_week"]) == 300000

    status, students = await anna.get("/seller/tutor/students")

    assert status == 200, students
    [row] = students["items"]
    assert (row["id"], row["credits"]) == (boris.id, 2)
    assert (row["figures"]["held"], row["figures"]["no_shows"]) == (1, 1)

    stranger = Customer(web, {"id": 5550099, "first_name": "Ivan", "language_code": "en"})
    for path in ("/seller/tutor/stats", "/seller/tutor/students"):
        status, refused = await stranger.get(path)
        assert status == 403
        assert "not a tutor" in error_of(refused, "not_tutor")["message"]
