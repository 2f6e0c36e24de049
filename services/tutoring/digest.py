"""The tutor's morning digest: a job row per tutor and date, due at 08:00 in the tutor's zone.

The first is written with the tutoring profile; each one, when it runs, writes the next day's
(`once`, so a retry or a second runner never writes two), so the chain needs no scheduler.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from db.models import Lesson, TutorProfile
from services import jobs
from services.jobs import JobKind
from services.tutoring.availability import local_instant
from services.tutoring.booking import ACTIVE, viewer_range

DIGEST_MINUTE = 8 * 60


def digest_key(tutor_id: int, day: date) -> str:
    """The job key of one tutor's digest of one date."""
    return JobKind.tutor_digest.key(f"{tutor_id}:{day.isoformat()}")


async def schedule_next(tutor: TutorProfile, now: datetime) -> str:
    """Write the tutor's next digest not yet due (today's 08:00 if ahead, else tomorrow's)."""
    zone = ZoneInfo(tutor.timezone)
    day = now.astimezone(zone).date()
    if local_instant(day, DIGEST_MINUTE, zone) <= now:
        day += timedelta(days=1)
    key = digest_key(tutor.id, day)
    await jobs.enqueue(
        JobKind.tutor_digest,
        key,
        {"tutor_id": tutor.id, "date": day.isoformat()},
        due_at=local_instant(day, DIGEST_MINUTE, zone),
        once=True,
    )
    return key


async def lessons_of_day(tutor: TutorProfile, day: date) -> list[Lesson]:
    """The tutor's booked lessons of one date of their calendar, soonest first."""
    start, end = viewer_range(day, 1, ZoneInfo(tutor.timezone))
    return (
        await Lesson.filter(
            tutor_id=tutor.id, status__in=ACTIVE, starts_at__gte=start, starts_at__lt=end
        )
        .prefetch_related("lesson_type", "student")
        .order_by("starts_at")
    )


def still_that_day(tutor: TutorProfile, day: date, now: datetime) -> bool:
    """A digest that runs late (the process was down) is sent only on its own date."""
    return now.astimezone(ZoneInfo(tutor.timezone)).date() == day and now <= datetime.combine(
        day, datetime.max.time(), tzinfo=ZoneInfo(tutor.timezone)
    ).astimezone(UTC)
