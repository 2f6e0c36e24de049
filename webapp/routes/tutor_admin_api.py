"""Seller mode's tutor figures under /api/v1/seller/tutor: the same numbers as the chat's
`/tutor` → Statistics and Students (services.tutoring.tutor_stats).

Registered on seller mode's route table; someone who owns no tutor profile gets 403
`not_tutor`. Income is in minor units per currency, before the platform's commission.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from services.tutoring import tutor_admin, tutor_stats
from services.tutoring.tutor_stats import Figures
from webapp.routes.seller_api import routes
from webapp.routes.shop_api_kit import Call
from webapp.routes.shop_api_models import Money, ResponseBody

TAG = "seller"


class FiguresOut(ResponseBody):
    """Lessons, income and homework of a set of lessons; rates are null with nothing to count."""

    held: int
    no_shows: int
    cancelled: int = Field(description="By the student, in time or too late.")
    cancelled_by_tutor: int
    attendance: float | None = Field(description="Held among held and no-shows, 0 to 1.")
    income: list[Money] = Field(
        description="Held, missed and late-cancelled lessons' prices, before commission."
    )
    homework_due: int
    homework_on_time: int
    homework_on_time_rate: float | None


class WeekOut(ResponseBody):
    """One week (from its Monday in the tutor's zone) of the chart."""

    monday: date
    held: int
    income: Money


class TutorStatsOut(ResponseBody):
    """The tutor's figures of the last weeks, and week by week."""

    since: datetime
    weeks: int
    totals: FiguresOut
    by_week: list[WeekOut]


class TutorStudentOut(ResponseBody):
    """One student of the tutor: prepaid lessons left and their record (all time)."""

    id: int
    name: str
    credits: int
    figures: FiguresOut


class TutorStudentsOut(ResponseBody):
    """The tutor's students, by name."""

    items: list[TutorStudentOut]


def _figures(call: Call, figures: Figures) -> FiguresOut:
    return FiguresOut(
        held=figures.held,
        no_shows=figures.no_shows,
        cancelled=figures.cancelled,
        cancelled_by_tutor=figures.cancelled_by_tutor,
        attendance=figures.attendance,
        income=[call.money(amount, cur) for cur, amount in sorted(figures.income.items())],
        homework_due=figures.homework_due,
        homework_on_time=figures.homework_on_time,
        homework_on_time_rate=figures.homework_rate,
    )


@routes.endpoint("GET", "/seller/tutor/stats", tag=TAG, errors=(403,))
async def tutor_stats_endpoint(call: Call) -> TutorStatsOut:
    """Lessons held, cancellations, no-shows, attendance, income and homework on time of the
    last weeks (this one included), and lessons held and income by week."""
    tutor = await tutor_admin.own_tutor(call.user)
    stats = await tutor_stats.tutor_stats(tutor)
    return TutorStatsOut(
        since=stats.since,
        weeks=tutor_stats.WEEKS,
        totals=_figures(call, stats.totals),
        by_week=[
            WeekOut(monday=week.monday, held=week.held, income=call.money(week.income, "RUB"))
            for week in stats.weeks
        ],
    )


@routes.endpoint("GET", "/seller/tutor/students", tag=TAG, errors=(403,))
async def tutor_students_endpoint(call: Call) -> TutorStudentsOut:
    """Each student's prepaid lessons left, lessons held and missed, attendance and homework
    handed in on time."""
    tutor = await tutor_admin.own_tutor(call.user)
    rows = await tutor_stats.student_figures(tutor)
    return TutorStudentsOut(
        items=[
            TutorStudentOut(
                id=row.student.id,
                name=row.student.full_name,
                credits=row.credits,
                figures=_figures(call, row.figures),
            )
            for row in rows
        ]
    )
