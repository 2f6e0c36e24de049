"""Booking, confirming, moving, cancelling and closing lessons — never double-booked.

Every change to a tutor's calendar first bumps `TutorProfile.booking_version` in its
transaction: on PostgreSQL the update locks the tutor's row until the commit, on SQLite it takes
the database's write lock, so the check "is this time still free" and the insert of the lesson
are one step for everyone booking that tutor. Two students racing for one time (or for
overlapping times of lessons of different lengths) get one lesson and one `SlotTaken`.

A date override added after a booking changes only what is offered next; booked lessons stay
(`conflicting_lessons` lists them so the tutor is told).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from core.errors import InvalidInput, NotFound
from db.models import (
    AvailabilityOverride,
    AvailabilityRule,
    Lesson,
    LessonEvent,
    LessonStatus,
    LessonType,
    OverrideKind,
    Package,
    ProviderKind,
    TutorProfile,
    User,
    WaitlistEntry,
)
from services import jobs, ledger
from services.events import ShopEvents
from services.jobs import JobKind
from services.tutoring import availability, money, purchases, reminders, waitlist
from services.tutoring.availability import Busy, DateOverride, Policy, Window
from services.tutoring.errors import (
    LessonChanged,
    NoCredits,
    SeriesConflict,
    SlotNotOffered,
    SlotTaken,
    TooLateToMove,
)

ACTIVE = (LessonStatus.pending, LessonStatus.booked, LessonStatus.awaiting_payment)
"""Lessons that hold the tutor's time."""
MAX_SERIES_WEEKS = 26


class Pay(StrEnum):
    """How a booking is paid."""

    credit = "credit"  # a credit of a package bought before
    per_lesson = "per_lesson"  # the lesson's price from the student's wallet
    invoice = "invoice"  # held until an invoice for its price is paid (services.tutoring.purchases)
    auto = "auto"  # a credit if there is one, else free or from the wallet when it covers the
    # price, else held until paid


@dataclass(frozen=True, slots=True)
class Booked:
    """The result of a booking: the lesson, and whether this call created it (a repeated
    Idempotency-Key finds the first one); `jobs` are the job keys written."""

    lesson: Lesson
    created: bool
    jobs: tuple[str, ...] = ()


def _now() -> datetime:
    return datetime.now(UTC)


def booking_key(student_id: int, client_key: str) -> str:
    """The stored key of a booking: the client's key scoped to the person (a digest)."""
    return "bk-" + hashlib.sha256(f"{student_id}:{client_key}".encode()).hexdigest()[:48]


def policy_of(tutor: TutorProfile) -> Policy:
    """The tutor's booking settings as the availability engine takes them."""
    return Policy(
        zone=ZoneInfo(tutor.timezone),
        buffer_before=tutor.buffer_before,
        buffer_after=tutor.buffer_after,
        min_notice=tutor.min_notice,
        booking_window=tutor.booking_window,
        slot_step=tutor.slot_step,
        daily_limit=tutor.daily_limit,
    )


async def get_tutor(tutor_id: int) -> TutorProfile:
    """An active tutor by provider id (404 otherwise), with its provider loaded."""
    tutor = await TutorProfile.get_or_none(
        provider_id=tutor_id, provider__kind=ProviderKind.tutor, provider__is_active=True
    ).prefetch_related("provider")
    if tutor is None:
        raise NotFound(entity="tutor")
    return tutor


async def tutor_of(user: User) -> TutorProfile | None:
    """The tutor profile the person owns, if any."""
    return await TutorProfile.get_or_none(
        provider__owner_id=user.id, provider__kind=ProviderKind.tutor
    ).prefetch_related("provider")


async def list_tutors(subject: str | None = None) -> list[TutorProfile]:
    """Active tutors, by name; with `subject`, those who teach it (case-insensitive)."""
    query = TutorProfile.filter(provider__kind=ProviderKind.tutor, provider__is_active=True)
    if subject:
        query = query.filter(subjects__icontains=subject.strip())
    return await query.prefetch_related("provider").order_by("provider__name", "id")


async def lesson_types(tutor: TutorProfile) -> list[LessonType]:
    """The tutor's lesson types on offer, shortest first."""
    return await LessonType.filter(tutor_id=tutor.id, is_active=True).order_by("duration", "id")


async def lesson_type_of(
    tutor: TutorProfile, lesson_type_id: int, *, offered_only: bool = True
) -> LessonType:
    """One of the tutor's lesson types (on offer, unless `offered_only` is False); NotFound
    for anyone else's."""
    found = LessonType.filter(id=lesson_type_id, tutor_id=tutor.id)
    if offered_only:
        found = found.filter(is_active=True)
    lesson_type = await found.first()
    if lesson_type is None:
        raise NotFound(entity="lesson_type")
    return lesson_type


async def _calendar(
    tutor: TutorProfile,
    start: datetime,
    end: datetime,
    exclude: int | None = None,
    for_student: int | None = None,
    now: datetime | None = None,
) -> tuple[dict[int, list[Window]], list[DateOverride], list[Busy]]:
    """Weekly windows, overrides near the span, and what is busy (lessons, and times offered
    to someone else from the waitlist)."""
    weekly: dict[int, list[Window]] = {}
    for rule in await AvailabilityRule.filter(tutor_id=tutor.id):
        weekly.setdefault(rule.weekday, []).append(Window(rule.start_minute, rule.end_minute))
    margin = timedelta(days=2)
    overrides = [
        DateOverride(
            o.date,
            o.kind == OverrideKind.day_off,
            Window(o.start_minute, o.end_minute) if o.kind == OverrideKind.extra else None,
        )
        for o in await AvailabilityOverride.filter(
            tutor_id=tutor.id,
            date__gte=(start - margin).date(),
            date__lte=(end + margin).date(),
        )
    ]
    lessons = Lesson.filter(
        tutor_id=tutor.id,
        status__in=ACTIVE,
        starts_at__lt=end + margin,
        ends_at__gt=start - margin,
    )
    if exclude is not None:
        lessons = lessons.exclude(id=exclude)
    busy = [Busy(lesson.starts_at, lesson.ends_at) for lesson in await lessons]
    for offer in await waitlist.active_offers(tutor.id, now or _now()):
        if offer.student_id != for_student:
            ends = offer.starts_at + timedelta(minutes=offer.lesson_type.duration)
            busy.append(Busy(offer.starts_at, ends))
    return weekly, overrides, busy


async def free_slots(
    tutor: TutorProfile,
    lesson_type: LessonType,
    start: datetime,
    end: datetime,
    *,
    now: datetime | None = None,
    exclude: int | None = None,
    for_student: int | None = None,
) -> list[datetime]:
    """Free UTC start times of this lesson type in `[start, end)` (as `for_student` sees
    them: a time offered to them from the waitlist is free for them alone)."""
    weekly, overrides, busy = await _calendar(tutor, start, end, exclude, for_student, now)
    return availability.free_starts(
        start=start,
        end=end,
        duration=lesson_type.duration,
        policy=policy_of(tutor),
        weekly=weekly,
        overrides=overrides,
        busy=busy,
        now=now or _now(),
    )


def viewer_range(first_day: date, days: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC span of `days` whole dates from `first_day` on the viewer's wall clock."""
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(first_day + timedelta(days=days), datetime.min.time(), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


async def _lock(tutor_id: int) -> None:
    """Serialise calendar changes of one tutor (see the module's docstring)."""
    await TutorProfile.filter(id=tutor_id).update(booking_version=F("booking_version") + 1)


async def _ensure_free(
    tutor: TutorProfile,
    lesson_type: LessonType,
    start: datetime,
    now: datetime,
    exclude: int | None = None,
    for_student: int | None = None,
) -> None:
    """Refuse a start that is not free now: taken (or overlapping) → SlotTaken, otherwise
    never offered → SlotNotOffered. Runs under the tutor's lock."""
    end = start + timedelta(minutes=lesson_type.duration)
    weekly, overrides, busy = await _calendar(tutor, start, end, exclude, for_student, now)
    policy = policy_of(tutor)

    def offered(busy_now: list[Busy]) -> bool:
        return start in availability.free_starts(
            start=start,
            end=start + timedelta(minutes=1),
            duration=lesson_type.duration,
            policy=policy,
            weekly=weekly,
            overrides=overrides,
            busy=busy_now,
            now=now,
        )

    if offered(busy):
        return
    if busy and offered([]):
        raise SlotTaken(start=start.isoformat())
    raise SlotNotOffered(start=start.isoformat())


EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
"""A start outside these years is never offered (and would overflow date arithmetic)."""


def _utc(start: datetime) -> datetime:
    if start.tzinfo is None:
        raise InvalidInput(field="start", reason="offset")
    if not EARLIEST_YEAR <= start.year <= LATEST_YEAR:
        raise SlotNotOffered(start=start.isoformat())
    return start.astimezone(UTC).replace(second=0, microsecond=0)


async def _take_credit(student_id: int, tutor_id: int) -> Package:
    """Take one credit of the student's oldest package with this tutor that has one."""
    for package in await Package.filter(
        student_id=student_id, tutor_id=tutor_id, remaining__gt=0
    ).order_by("id"):
        if await Package.filter(id=package.id, remaining__gte=1).update(
            remaining=F("remaining") - 1
        ):
            return package
    raise NoCredits()


async def book(
    student: User,
    tutor_id: int,
    lesson_type_id: int,
    start: datetime,
    *,
    client_key: str | None = None,
    pay: Pay = Pay.credit,
    default_reminders: str = "24h,1h",
    now: datetime | None = None,
) -> Booked:
    """Book one lesson, race-proof; a repeated `client_key` returns the first booking."""
    now = now or _now()
    key = booking_key(student.id, client_key) if client_key else None
    if key is not None and (existing := await Lesson.get_or_none(booking_key=key)):
        return Booked(existing, created=False)
    tutor = await get_tutor(tutor_id)
    lesson_type = await lesson_type_of(tutor, lesson_type_id)
    start = _utc(start)
    try:
        async with in_transaction():
            lesson, job_keys = await _book_locked(
                student, tutor, lesson_type, start, key, pay, default_reminders, now
            )
    except IntegrityError:
        if key is not None and (existing := await Lesson.get_or_none(booking_key=key)):
            return Booked(existing, created=False)
        raise
    return Booked(lesson, created=True, jobs=tuple(job_keys))


async def _book_locked(
    student: User,
    tutor: TutorProfile,
    lesson_type: LessonType,
    start: datetime,
    key: str | None,
    pay: Pay,
    default_reminders: str,
    now: datetime,
    series: str | None = None,
) -> tuple[Lesson, list[str]]:
    await _lock(tutor.id)
    if key is not None and await Lesson.exists(booking_key=key):
        raise IntegrityError("booked by the same key meanwhile")
    await _ensure_free(tutor, lesson_type, start, now, for_student=student.id)
    if pay == Pay.auto:
        pay = await _resolve_pay(student.id, tutor.id, lesson_type)
    package = await _take_credit(student.id, tutor.id) if pay == Pay.credit else None
    if pay == Pay.invoice and lesson_type.price <= 0:
        pay = Pay.per_lesson  # a free lesson books at once
    if pay == Pay.invoice:
        status = LessonStatus.awaiting_payment
    else:
        status = LessonStatus.pending if tutor.requires_confirmation else LessonStatus.booked
    lesson = await Lesson.create(
        tutor_id=tutor.id,
        student_id=student.id,
        lesson_type_id=lesson_type.id,
        package_id=package.id if package else None,
        starts_at=start,
        ends_at=start + timedelta(minutes=lesson_type.duration),
        status=status,
        price=package.unit_price if package else lesson_type.price,
        currency=package.currency if package else lesson_type.currency,
        booking_key=key,
        series=series,
    )
    await waitlist.booked_by(student.id, tutor.id, start)
    await LessonEvent.create(
        lesson_id=lesson.id, action="booked", actor_id=student.id, to_start=start
    )
    if status == LessonStatus.awaiting_payment:  # reminders come once it is paid
        return lesson, [await purchases.hold(lesson, now)]
    if package is None:
        await money.prepay_lesson(lesson, tutor.provider_id)
    job_keys = await reminders.schedule(lesson, reminders.offsets_of(tutor, default_reminders), now)
    return lesson, job_keys


def series_starts(tutor: TutorProfile, start: datetime, weeks: int) -> list[datetime]:
    """The UTC starts of a weekly series: the same wall-clock time in the tutor's zone."""
    zone = ZoneInfo(tutor.timezone)
    local = _utc(start).astimezone(zone).replace(tzinfo=None)
    return [
        (local + timedelta(weeks=week)).replace(tzinfo=zone).astimezone(UTC)
        for week in range(weeks)
    ]


async def _series_conflicts(
    student: User,
    tutor: TutorProfile,
    lesson_type: LessonType,
    starts: list[datetime],
    now: datetime,
) -> list[datetime]:
    """The starts of a series that are taken or not offered (under the tutor's lock)."""
    conflicts = []
    for start in starts:
        try:
            await _ensure_free(tutor, lesson_type, start, now, for_student=student.id)
        except (SlotTaken, SlotNotOffered):
            conflicts.append(start)
    return conflicts


async def _resolve_pay(student_id: int, tutor_id: int, lesson_type: LessonType) -> Pay:
    """How `Pay.auto` pays: a credit, else the wallet when the lesson is free or covered by
    it, else an invoice."""
    if await Package.exists(student_id=student_id, tutor_id=tutor_id, remaining__gt=0):
        return Pay.credit
    wallet = await ledger.customer_account(student_id, lesson_type.currency)
    if lesson_type.price <= wallet.balance:
        return Pay.per_lesson
    return Pay.invoice


async def book_series(
    student: User,
    tutor_id: int,
    lesson_type_id: int,
    start: datetime,
    weeks: int,
    *,
    pay: Pay = Pay.credit,
    default_reminders: str = "24h,1h",
    now: datetime | None = None,
) -> list[Lesson]:
    """Book the same local time for `weeks` weeks, all or nothing: the weeks that are not
    free are refused together (SeriesConflict lists each date)."""
    if not 1 <= weeks <= MAX_SERIES_WEEKS:
        raise InvalidInput(field="weeks", min=1, max=MAX_SERIES_WEEKS)
    now = now or _now()
    tutor = await get_tutor(tutor_id)
    lesson_type = await lesson_type_of(tutor, lesson_type_id)
    starts = series_starts(tutor, start, weeks)
    local = starts[0].astimezone(ZoneInfo(tutor.timezone))
    series = hashlib.sha256(f"{student.id}:{local.isoformat()}:{now}".encode()).hexdigest()[:16]
    booked = []
    async with in_transaction():
        await _lock(tutor.id)
        if conflicts := await _series_conflicts(student, tutor, lesson_type, starts, now):
            zone = ZoneInfo(tutor.timezone)
            raise SeriesConflict(
                dates=", ".join(f"{x.astimezone(zone):%d.%m}" for x in conflicts),
                starts=[x.isoformat() for x in conflicts],
            )
        for week_start in starts:
            lesson, _ = await _book_locked(
                student,
                tutor,
                lesson_type,
                week_start,
                None,
                pay,
                default_reminders,
                now,
                series,
            )
            booked.append(lesson)
    return booked


async def wait_for(
    student: User, tutor_id: int, lesson_type_id: int, start: datetime
) -> WaitlistEntry:
    """Join the waitlist of a taken start time of a tutor's lesson type."""
    tutor = await get_tutor(tutor_id)
    lesson_type = await LessonType.get_or_none(id=lesson_type_id, tutor_id=tutor.id)
    if lesson_type is None:
        raise NotFound(entity="lesson_type")
    return await waitlist.join(student, tutor, lesson_type, _utc(start))


async def student_lesson(student: User, lesson_id: int) -> Lesson:
    """One of the student's own lessons (404 for anyone else's)."""
    lesson = await Lesson.get_or_none(id=lesson_id, student_id=student.id)
    if lesson is None:
        raise NotFound(entity="lesson")
    return lesson


async def _tutor_lesson(user: User, lesson_id: int) -> tuple[Lesson, TutorProfile]:
    lesson = await Lesson.get_or_none(id=lesson_id)
    tutor = await tutor_of(user)
    if lesson is None or tutor is None or lesson.tutor_id != tutor.id:
        raise NotFound(entity="lesson")
    return lesson, tutor


def free_change_until(lesson: Lesson, tutor: TutorProfile) -> datetime:
    """Until when the student may cancel or move the lesson for free."""
    return lesson.starts_at - timedelta(hours=tutor.free_cancel_hours)


async def _set_status(lesson: Lesson, to: LessonStatus, allowed: tuple[LessonStatus, ...]) -> None:
    if not await Lesson.filter(id=lesson.id, status__in=allowed).update(status=to):
        current = await Lesson.get(id=lesson.id)
        raise LessonChanged(status=str(current.status))
    lesson.status = to


async def cancel_by_student(
    student: User,
    lesson_id: int,
    *,
    default_percent: Decimal,
    events: ShopEvents | None = None,
    now: datetime | None = None,
) -> Lesson:
    """Cancel one's lesson: free (credit or money back) until the deadline, consumed after."""
    now = now or _now()
    lesson = await student_lesson(student, lesson_id)
    tutor = await TutorProfile.get(id=lesson.tutor_id).prefetch_related("provider")
    late = now > free_change_until(lesson, tutor) and lesson.status == LessonStatus.booked
    async with in_transaction():
        await _lock(tutor.id)
        status = LessonStatus.late_cancelled if late else LessonStatus.cancelled
        unpaid = lesson.status == LessonStatus.awaiting_payment
        await _set_status(lesson, status, ACTIVE)
        if unpaid:
            await _drop_hold(lesson.id)
        elif late:
            await money.consume(lesson, tutor.provider, default_percent)
        else:
            await money.give_back(lesson, tutor.provider_id)
        await LessonEvent.create(
            lesson_id=lesson.id,
            action=str(status),
            actor_id=student.id,
            from_start=lesson.starts_at,
        )
        await reminders.cancel_all(lesson.id, "the lesson was cancelled")
        offer = await waitlist.time_freed(lesson, now)
    if events is not None and offer is not None:
        await events.jobs_added([offer])
    return lesson


async def _drop_hold(lesson_id: int) -> None:
    """An unpaid lesson was cancelled: nothing to give back; its invoice and hold are over."""
    await purchases.close_attempts(lesson_id)
    await jobs.cancel(JobKind.lesson_hold_expired.key(lesson_id), "the lesson was cancelled")


async def reschedule(
    student: User,
    lesson_id: int,
    start: datetime,
    *,
    default_reminders: str = "24h,1h",
    now: datetime | None = None,
) -> Lesson:
    """Move one's lesson to another free start, until the free-change deadline."""
    now = now or _now()
    lesson = await student_lesson(student, lesson_id)
    tutor = await TutorProfile.get(id=lesson.tutor_id)
    if lesson.status not in ACTIVE:
        raise LessonChanged(status=str(lesson.status))
    if now > free_change_until(lesson, tutor):
        raise TooLateToMove(hours=tutor.free_cancel_hours)
    lesson_type = await LessonType.get(id=lesson.lesson_type_id)
    start = _utc(start)
    async with in_transaction():
        await _lock(tutor.id)
        current = await Lesson.get(id=lesson.id)
        if current.status not in ACTIVE or current.starts_at != lesson.starts_at:
            raise LessonChanged(status=str(current.status))
        await _ensure_free(
            tutor, lesson_type, start, now, exclude=lesson.id, for_student=student.id
        )
        before = lesson.starts_at
        lesson.starts_at = start
        lesson.ends_at = start + timedelta(minutes=lesson_type.duration)
        await lesson.save(update_fields=["starts_at", "ends_at", "updated_at"])
        await LessonEvent.create(
            lesson_id=lesson.id,
            action="moved",
            actor_id=student.id,
            from_start=before,
            to_start=start,
        )
        await reminders.move(lesson, reminders.offsets_of(tutor, default_reminders), now)
    return lesson


async def confirm(tutor_user: User, lesson_id: int) -> Lesson:
    """The tutor confirms a booking that waited for it."""
    lesson, _ = await _tutor_lesson(tutor_user, lesson_id)
    async with in_transaction():
        await _set_status(lesson, LessonStatus.booked, (LessonStatus.pending,))
        await LessonEvent.create(lesson_id=lesson.id, action="confirmed", actor_id=tutor_user.id)
    return lesson


async def cancel_by_tutor(tutor_user: User, lesson_id: int, note: str = "") -> Lesson:
    """The tutor cancels: the student keeps the credit (or gets the money back)."""
    lesson, tutor = await _tutor_lesson(tutor_user, lesson_id)
    async with in_transaction():
        await _lock(tutor.id)
        unpaid = lesson.status == LessonStatus.awaiting_payment
        await _set_status(lesson, LessonStatus.cancelled_by_tutor, ACTIVE)
        if unpaid:
            await _drop_hold(lesson.id)
        else:
            await money.give_back(lesson, tutor.provider_id)
        await LessonEvent.create(
            lesson_id=lesson.id,
            action="cancelled_by_tutor",
            actor_id=tutor_user.id,
            note=note[:1000],
        )
        await reminders.cancel_all(lesson.id, "the tutor cancelled the lesson")
    return lesson


async def close(
    tutor_user: User,
    lesson_id: int,
    outcome: LessonStatus,
    *,
    note: str = "",
    default_percent: Decimal,
    events: ShopEvents | None = None,
    now: datetime | None = None,
) -> Lesson:
    """The tutor marks a started lesson held (with a note) or a no-show: its credit is spent;
    a held lesson is announced (`lesson_held`) after the commit."""
    if outcome not in (LessonStatus.held, LessonStatus.no_show):
        raise InvalidInput(field="status")
    now = now or _now()
    lesson, tutor = await _tutor_lesson(tutor_user, lesson_id)
    if now < lesson.starts_at:
        raise LessonChanged(status="not_started")
    async with in_transaction():
        await _set_status(lesson, outcome, (LessonStatus.booked,))
        if note:
            lesson.note = note[:4000]
            await Lesson.filter(id=lesson.id).update(note=lesson.note)
        await money.consume(lesson, tutor.provider, default_percent)
        await LessonEvent.create(
            lesson_id=lesson.id, action=str(outcome), actor_id=tutor_user.id, note=note[:4000]
        )
        await reminders.cancel_all(lesson.id, "the lesson is over")
    if events is not None and outcome == LessonStatus.held:
        await events.lesson_held(lesson)
    return lesson


async def student_lessons(
    student: User, *, upcoming: bool, now: datetime | None = None
) -> list[Lesson]:
    """The person's lessons: upcoming (active, soonest first) or past (latest first)."""
    now = now or _now()
    query = Lesson.filter(student_id=student.id)
    if upcoming:
        query = query.filter(status__in=ACTIVE, ends_at__gt=now).order_by("starts_at")
    else:
        query = query.exclude(status__in=ACTIVE, ends_at__gt=now).order_by("-starts_at")
    return await query.prefetch_related("lesson_type", "tutor__provider").limit(100)


async def tutor_lessons(tutor: TutorProfile, start: datetime, end: datetime) -> list[Lesson]:
    """The tutor's lessons starting in `[start, end)`, soonest first."""
    return await (
        Lesson.filter(tutor_id=tutor.id, starts_at__gte=start, starts_at__lt=end)
        .prefetch_related("lesson_type", "student")
        .order_by("starts_at")
    )


async def history(lesson: Lesson) -> list[LessonEvent]:
    """What happened to a lesson, oldest first."""
    return await LessonEvent.filter(lesson_id=lesson.id).order_by("id")


async def conflicting_lessons(tutor: TutorProfile, day: date) -> list[Lesson]:
    """Booked lessons on a date of the tutor's calendar (kept when the tutor takes it off)."""
    start, end = viewer_range(day, 1, ZoneInfo(tutor.timezone))
    return await Lesson.filter(
        tutor_id=tutor.id, status__in=ACTIVE, starts_at__gte=start, starts_at__lt=end
    ).order_by("starts_at")


async def held_lesson_times(student_id: int) -> list[datetime]:
    """UTC start times of the student's held lessons, oldest first (for achievements)."""
    held = await Lesson.filter(student_id=student_id, status=LessonStatus.held).order_by(
        "starts_at"
    )
    return [lesson.starts_at.astimezone(UTC) for lesson in held]
