"""The waitlist: a taken time can be waited for; when it frees, the first in line gets it
offered (held for them) for a limited time, then the next.

Each step is a job row (`lesson.waitlist_offer`): the cancellation that frees a time writes the
first, and each offer writes the next step at its expiry. While an offer runs, the time counts
as busy for everyone but the student it is offered to (`booking._calendar`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from core.errors import InvalidInput
from db.models import Lesson, LessonType, TutorProfile, User, WaitlistEntry
from services import jobs
from services.jobs import JobKind

OFFER_FOR = timedelta(minutes=30)
WAITING = "waiting"
OFFERED = "offered"
BOOKED = "booked"
EXPIRED = "expired"


def _step_key(tutor_id: int, starts_at: datetime, step: int) -> str:
    return JobKind.waitlist_offer.key(f"{tutor_id}:{int(starts_at.timestamp())}:{step}")


async def join(
    student: User, tutor: TutorProfile, lesson_type: LessonType, start: datetime
) -> WaitlistEntry:
    """Wait for a taken start time (once per person and time)."""
    start = start.astimezone(UTC)
    if lesson_type.tutor_id != tutor.id:
        raise InvalidInput(field="lesson_type")
    entry, _ = await WaitlistEntry.get_or_create(
        tutor_id=tutor.id,
        student_id=student.id,
        starts_at=start,
        defaults={"lesson_type_id": lesson_type.id},
    )
    if entry.state == EXPIRED:
        await WaitlistEntry.filter(id=entry.id).update(state=WAITING, offered_until=None)
        entry.state = WAITING
    return entry


async def time_freed(lesson: Lesson, now: datetime) -> str | None:
    """A lesson was cancelled (in the caller's transaction): if someone waits for its time,
    write the first offer step; its job key."""
    if not await WaitlistEntry.exists(
        tutor_id=lesson.tutor_id, starts_at=lesson.starts_at, state=WAITING
    ):
        return None
    key = _step_key(lesson.tutor_id, lesson.starts_at, 0)
    payload = {"tutor_id": lesson.tutor_id, "starts_at": lesson.starts_at.isoformat(), "step": 0}
    await jobs.enqueue(JobKind.waitlist_offer, key, payload, due_at=now)
    return key


async def active_offers(tutor_id: int, now: datetime) -> list[WaitlistEntry]:
    """Offers still running for this tutor (their times count as busy for others)."""
    return await WaitlistEntry.filter(
        tutor_id=tutor_id, state=OFFERED, offered_until__gt=now
    ).prefetch_related("lesson_type")


async def advance(
    tutor_id: int, starts_at: datetime, step: int, now: datetime
) -> WaitlistEntry | None:
    """Expire the running offer of this time if its time is up, offer it to the next in line
    and write the step at that offer's expiry; the entry offered now, if any."""
    async with in_transaction():
        await WaitlistEntry.filter(
            tutor_id=tutor_id, starts_at=starts_at, state=OFFERED, offered_until__lte=now
        ).update(state=EXPIRED)
        if await WaitlistEntry.exists(
            tutor_id=tutor_id, starts_at=starts_at, state=OFFERED, offered_until__gt=now
        ):
            return None
        if starts_at <= now or await Lesson.exists(
            tutor_id=tutor_id, starts_at=starts_at, status__in=("pending", "booked")
        ):
            await WaitlistEntry.filter(
                tutor_id=tutor_id, starts_at=starts_at, state=WAITING
            ).update(state=EXPIRED)
            return None
        entry = (
            await WaitlistEntry.filter(tutor_id=tutor_id, starts_at=starts_at, state=WAITING)
            .order_by("id")
            .first()
        )
        if entry is None:
            return None
        until = min(now + OFFER_FOR, starts_at)
        taken = await WaitlistEntry.filter(id=entry.id, state=WAITING).update(
            state=OFFERED, offered_until=until
        )
        if not taken:
            return None
        payload = {"tutor_id": tutor_id, "starts_at": starts_at.isoformat(), "step": step + 1}
        await jobs.enqueue(
            JobKind.waitlist_offer, _step_key(tutor_id, starts_at, step + 1), payload, due_at=until
        )
    entry.state, entry.offered_until = OFFERED, until
    return entry


async def booked_by(student_id: int, tutor_id: int, starts_at: datetime) -> None:
    """The student booked the time (in the booking's transaction): their entry is done."""
    await WaitlistEntry.filter(
        tutor_id=tutor_id, student_id=student_id, starts_at=starts_at, state__in=(WAITING, OFFERED)
    ).update(state=BOOKED)


async def entries_of(student_id: int, now: datetime) -> list[WaitlistEntry]:
    """The student's entries still in play, soonest first: waiting, or offered and not yet
    run out (with the tutor's provider and the lesson type loaded)."""
    entries = await (
        WaitlistEntry.filter(student_id=student_id, starts_at__gt=now, state__in=(WAITING, OFFERED))
        .order_by("starts_at", "id")
        .prefetch_related("lesson_type", "tutor__provider")
    )
    return [x for x in entries if x.state == WAITING or (x.offered_until or now) > now]
