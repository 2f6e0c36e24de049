"""Booking through the services on the test database: slots, credits, policy and history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from db.models import Job, JobState, Lesson, LessonEvent, LessonStatus, Package
from services import ledger
from services.tutoring import booking, held_lesson_times, money, profiles
from services.tutoring.booking import Pay
from services.tutoring.errors import (
    LessonChanged,
    NoCredits,
    SeriesConflict,
    SlotNotOffered,
    SlotTaken,
    TooLateToMove,
)
from tests.tutoring.tutor_data import COMMISSION, NOW, make_student, make_tutor

pytestmark = pytest.mark.usefixtures("db")

BERLIN = ZoneInfo("Europe/Berlin")
TUESDAY_10 = datetime(2026, 3, 3, 10, 0, tzinfo=BERLIN)


async def test_slots_of_a_day_in_the_viewers_zone() -> None:
    tutor = await make_tutor()
    start, end = booking.viewer_range(TUESDAY_10.date(), 1, ZoneInfo("Europe/Moscow"))

    slots = await booking.free_slots(tutor.profile, tutor.hour, start, end, now=NOW)

    moscow = [s.astimezone(ZoneInfo("Europe/Moscow")).strftime("%H:%M") for s in slots]
    # Berlin 10:00–14:00 is Moscow 12:00–16:00; the Moscow day ends at Berlin 22:00.
    assert moscow == ["12:00", "12:30", "13:00", "13:30", "14:00", "14:30", "15:00"]


async def test_booking_takes_a_credit_writes_history_and_reminders() -> None:
    tutor = await make_tutor()
    student = await make_student(credits=4, tutor=tutor)

    result = await booking.book(student, tutor.provider.id, tutor.hour.id, TUESDAY_10, now=NOW)

    lesson = result.lesson
    assert result.created
    assert lesson.status == LessonStatus.booked
    assert lesson.starts_at == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    assert (await Package.get(student_id=student.id)).remaining == 3
    assert [e.action for e in await booking.history(lesson)] == ["booked"]
    reminders = await Job.filter(kind="lesson.reminder", state=JobState.pending).order_by("due_at")
    assert sorted({job.due_at for job in reminders}) == [
        datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        datetime(2026, 3, 3, 8, 0, tzinfo=UTC),
    ]
    assert sorted(job.payload["to"] for job in reminders) == ["s", "s", "t", "t"]


async def test_same_idempotency_key_books_once() -> None:
    tutor = await make_tutor()
    student = await make_student(credits=4, tutor=tutor)

    first = await booking.book(
        student, tutor.provider.id, tutor.hour.id, TUESDAY_10, client_key="key-12345", now=NOW
    )
    again = await booking.book(
        student, tutor.provider.id, tutor.hour.id, TUESDAY_10, client_key="key-12345", now=NOW
    )

    assert again.lesson.id == first.lesson.id and not again.created
    assert await Lesson.all().count() == 1
    assert (await Package.get(student_id=student.id)).remaining == 3


async def test_second_student_and_overlapping_longer_lesson_are_just_taken() -> None:
    tutor = await make_tutor()
    first = await make_student(credits=2, tutor=tutor)
    second = await make_student(credits=2, tutor=tutor)
    await booking.book(first, tutor.provider.id, tutor.hour.id, TUESDAY_10, now=NOW)

    with pytest.raises(SlotTaken):
        await booking.book(second, tutor.provider.id, tutor.hour.id, TUESDAY_10, now=NOW)
    with pytest.raises(SlotTaken):  # 10:30–12:00 overlaps 10:00–11:00
        await booking.book(
            second,
            tutor.provider.id,
            tutor.ninety.id,
            TUESDAY_10 + timedelta(minutes=30),
            now=NOW,
        )
    assert await Lesson.all().count() == 1
    assert (await Package.get(student_id=second.id)).remaining == 2


async def test_a_time_never_offered_is_refused_as_such() -> None:
    tutor = await make_tutor()
    student = await make_student(credits=2, tutor=tutor)

    with pytest.raises(SlotNotOffered):
        await booking.book(
            student, tutor.provider.id, tutor.hour.id, TUESDAY_10.replace(hour=20), now=NOW
        )


async def test_no_credit_no_booking_and_pay_per_lesson_from_the_wallet() -> None:
    tutor = await make_tutor()
    student = await make_student(wallet=200000)

    with pytest.raises(NoCredits):
        await booking.book(student, tutor.provider.id, tutor.hour.id, TUESDAY_10, now=NOW)
    paid = await booking.book(
        student, tutor.provider.id, tutor.hour.id, TUESDAY_10, pay=Pay.per_lesson, now=NOW
    )

    assert paid.lesson.price == 200000 and paid.lesson.package_id is None
    wallet = await ledger.customer_account(student.id, "RUB")
    unearned = await money.unearned_account(tutor.provider.id, "RUB")
    assert (wallet.balance, unearned.balance) == (0, 200000)
    with pytest.raises(ledger.InsufficientFunds):
        await booking.book(
            student,
            tutor.provider.id,
            tutor.hour.id,
            TUESDAY_10 + timedelta(days=1),
            pay=Pay.per_lesson,
            now=NOW,
        )


async def test_cancel_in_time_gives_the_credit_back_and_cancels_reminders() -> None:
    tutor = await make_tutor(free_cancel_hours=24)
    student = await make_student(credits=1, tutor=tutor)
    lesson = (
        await booking.book(student, tutor.provider.id, tutor.hour.id, TUESDAY_10, now=NOW)
    ).lesson

    await booking.cancel_by_student(student, lesson.id, default_percent=COMMISSION, now=NOW)

    assert (await Lesson.get(id=lesson.id)).status == LessonStatus.cancelled
    assert (await Package.get(student_id=student.id)).remaining == 1
    assert not await Job.filter(kind="lesson.reminder", state=JobState.pending).exists()
    with pytest.raises(LessonChanged):  # a stale button
        await booking.cancel_by_student(student, lesson.id, default_percent=COMMISSION, now=NOW)
    assert (await Package.get(student_id=student.id)).remaining == 1


async def test_late_cancel_consumes_the_lesson_in_the_ledger() -> None:
    tutor = await make_tutor(free_cancel_hours=24)
    student = await make_student(credits=2, tutor=tutor)
    lesson = (
        await booking.book(student, tutor.provider.id, tutor.hour.id, TUESDAY_10, now=NOW)
    ).lesson
    late = TUESDAY_10.astimezone(UTC) - timedelta(hours=2)

    with pytest.raises(TooLateToMove):
        await booking.reschedule(student, lesson.id, TUESDAY_10 + timedelta(hours=2), now=late)
    await booking.cancel_by_student(student, lesson.id, default_percent=COMMISSION, now=late)

    package = await Package.get(student_id=student.id)
    assert (await Lesson.get(id=lesson.id)).status == LessonStatus.late_cancelled
    assert (package.remaining, package.consumed) == (1, 1)
    provider_account = await ledger.provider_account(tutor.provider.id, "RUB")
    assert provider_account.balance == 180000 - 18000  # a 10 % package discount, 10 % commission
    unearned = await money.unearned_account(tutor.provider.id, "RUB")
    assert unearned.balance == 180000


async def test_reschedule_moves_the_lesson_its_reminders_and_keeps_history() -> None:
    tutor = await make_tutor()
    student = await make_student(credits=1, tutor=tutor)
    lesson = (
        await booking.book(student, tutor.provider.id, tutor.hour.id, TUESDAY_10, now=NOW)
    ).lesson
    later = TUESDAY_10 + timedelta(days=1, hours=2)

    await booking.reschedule(student, lesson.id, later, now=NOW)

    moved = await Lesson.get(id=lesson.id)
    assert moved.starts_at == later.astimezone(UTC)
    events = await LessonEvent.filter(lesson_id=lesson.id).order_by("id")
    assert [e.action for e in events] == ["booked", "moved"]
    assert events[1].from_start == TUESDAY_10.astimezone(UTC)
    pending = await Job.filter(kind="lesson.reminder", state=JobState.pending)
    assert {job.due_at for job in pending} == {
        later.astimezone(UTC) - timedelta(hours=24),
        later.astimezone(UTC) - timedelta(hours=1),
    }
    # The old time is free again.
    other = await make_student(credits=1, tutor=tutor)
    await booking.book(other, tutor.provider.id, tutor.hour.id, TUESDAY_10, now=NOW)


async def test_day_off_after_a_booking_keeps_the_lesson_and_names_it() -> None:
    tutor = await make_tutor()
    student = await make_student(credits=1, tutor=tutor)
    lesson = (
        await booking.book(student, tutor.provider.id, tutor.hour.id, TUESDAY_10, now=NOW)
    ).lesson

    kept = await profiles.add_override(tutor.profile, TUESDAY_10.date(), day_off=True)

    assert [k.id for k in kept] == [lesson.id]
    assert (await Lesson.get(id=lesson.id)).status == LessonStatus.booked
    start, end = booking.viewer_range(TUESDAY_10.date(), 1, BERLIN)
    assert await booking.free_slots(tutor.profile, tutor.hour, start, end, now=NOW) == []


async def test_tutor_confirms_holds_and_cancels() -> None:
    tutor = await make_tutor(requires_confirmation=True)
    student = await make_student(credits=3, tutor=tutor)
    first = (
        await booking.book(student, tutor.provider.id, tutor.hour.id, TUESDAY_10, now=NOW)
    ).lesson
    second = (
        await booking.book(
            student, tutor.provider.id, tutor.hour.id, TUESDAY_10 + timedelta(days=1), now=NOW
        )
    ).lesson
    assert first.status == LessonStatus.pending

    await booking.confirm(tutor.owner, first.id)
    with pytest.raises(LessonChanged):  # not started yet
        await booking.close(
            tutor.owner, first.id, LessonStatus.held, default_percent=COMMISSION, now=NOW
        )
    after = TUESDAY_10.astimezone(UTC) + timedelta(hours=1)
    await booking.close(
        tutor.owner,
        first.id,
        LessonStatus.held,
        note="Fractions",
        default_percent=COMMISSION,
        now=after,
    )
    with pytest.raises(LessonChanged):  # pressed twice
        await booking.close(
            tutor.owner, first.id, LessonStatus.held, default_percent=COMMISSION, now=after
        )
    await booking.cancel_by_tutor(tutor.owner, second.id, "ill")

    package = await Package.get(student_id=student.id)
    assert (package.remaining, package.consumed) == (2, 1)
    assert (await Lesson.get(id=first.id)).note == "Fractions"
    assert await held_lesson_times(student.id) == [TUESDAY_10.astimezone(UTC)]
    provider_account = await ledger.provider_account(tutor.provider.id, "RUB")
    assert provider_account.balance == 162000


async def test_unused_credits_go_back_to_the_wallet() -> None:
    tutor = await make_tutor()
    student = await make_student(credits=4, tutor=tutor)
    await booking.book(student, tutor.provider.id, tutor.hour.id, TUESDAY_10, now=NOW)
    package = await Package.get(student_id=student.id)

    returned = await money.return_unused(student, package.id)

    assert returned == 3 * 180000
    wallet = await ledger.customer_account(student.id, "RUB")
    assert wallet.balance == 540000
    with pytest.raises(money.NothingToReturn):
        await money.return_unused(student, package.id)


async def test_weekly_series_books_the_same_local_time_across_dst() -> None:
    tutor = await make_tutor(booking_window=60)
    student = await make_student(credits=4, tutor=tutor)
    saturday = datetime(2026, 3, 21, 10, 0, tzinfo=BERLIN)

    lessons = await booking.book_series(
        student, tutor.provider.id, tutor.hour.id, saturday, 3, now=NOW
    )

    assert [lesson.starts_at.astimezone(BERLIN).strftime("%d %H:%M") for lesson in lessons] == [
        "21 10:00",
        "28 10:00",
        "04 10:00",
    ]
    assert (await Package.get(student_id=student.id)).remaining == 1


async def test_weekly_series_with_a_taken_week_names_it_and_books_nothing() -> None:
    tutor = await make_tutor(booking_window=60)
    student = await make_student(credits=4, tutor=tutor)
    rival = await make_student(credits=1, tutor=tutor)
    saturday = datetime(2026, 3, 21, 10, 0, tzinfo=BERLIN)
    await booking.book(
        rival, tutor.provider.id, tutor.hour.id, saturday + timedelta(weeks=2), now=NOW
    )

    with pytest.raises(SeriesConflict) as refused:
        await booking.book_series(student, tutor.provider.id, tutor.hour.id, saturday, 3, now=NOW)

    assert refused.value.details["dates"] == "04.04"  # after the clocks moved: still 10:00
    assert not await Lesson.exists(student_id=student.id)
    assert (await Package.get(student_id=student.id)).remaining == 4
