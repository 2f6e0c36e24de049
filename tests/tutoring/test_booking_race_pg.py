"""Booking races on PostgreSQL, where transactions really run side by side."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from tortoise import Tortoise

from db import close_db, init_db
from db.models import Job, JobState, Lesson, Package
from handlers.tutoring_jobs import REMINDER_POLICY
from services.jobs import JobKind, JobRunner
from services.tutoring import booking
from services.tutoring.errors import NoCredits, SlotTaken
from tests.services.test_stock_race_pg import POOL_SIZE
from tests.tutoring.tutor_data import NOW, make_student, make_tutor

pytestmark = pytest.mark.postgres

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
async def racing_db(pg_migrated_url: str) -> AsyncIterator[None]:
    """A migrated PostgreSQL database with a pool big enough for real races."""
    await init_db(f"{pg_migrated_url}?maxsize={POOL_SIZE}")
    assert getattr(Tortoise.get_connection("default"), "pool_maxsize", None) == POOL_SIZE
    yield
    await close_db()


async def test_twenty_students_racing_for_one_slot_get_one_lesson(racing_db: None) -> None:
    tutor = await make_tutor()
    students = [await make_student(credits=1, tutor=tutor) for _ in range(20)]
    start = datetime(2026, 3, 3, 10, 0, tzinfo=BERLIN)

    results = await asyncio.gather(
        *(
            booking.book(
                s,
                tutor.provider.id,
                (tutor.hour if n % 2 else tutor.ninety).id,  # overlapping lengths too
                start,
                now=NOW,
            )
            for n, s in enumerate(students)
        ),
        return_exceptions=True,
    )

    won = [r for r in results if isinstance(r, booking.Booked)]
    assert len(won) == 1
    assert all(isinstance(r, SlotTaken) for r in results if r not in won)
    assert await Lesson.all().count() == 1
    # The losers kept their credits.
    assert sum(p.remaining for p in await Package.all()) == 19


async def test_ten_bookings_against_three_credits_book_three(racing_db: None) -> None:
    tutor = await make_tutor()
    student = await make_student(credits=3, tutor=tutor)
    starts = [datetime(2026, 3, 3 + day, 10, 0, tzinfo=BERLIN) for day in range(10)]

    results = await asyncio.gather(
        *(booking.book(student, tutor.provider.id, tutor.hour.id, s, now=NOW) for s in starts),
        return_exceptions=True,
    )

    assert sum(isinstance(r, booking.Booked) for r in results) == 3
    assert sum(isinstance(r, NoCredits) for r in results) == 7
    package = await Package.get(student_id=student.id)
    assert package.remaining == 0
    assert await Lesson.filter(package_id=package.id).count() == 3


async def test_one_idempotency_key_pressed_ten_times_at_once_books_once(racing_db: None) -> None:
    tutor = await make_tutor()
    student = await make_student(credits=5, tutor=tutor)
    start = datetime(2026, 3, 3, 10, 0, tzinfo=BERLIN)

    results = await asyncio.gather(
        *(
            booking.book(
                student, tutor.provider.id, tutor.hour.id, start, client_key="same-key-1", now=NOW
            )
            for _ in range(10)
        ),
        return_exceptions=True,
    )

    assert {r.lesson.id for r in results if isinstance(r, booking.Booked)} == {
        (await Lesson.get()).id
    }
    assert (await Package.get(student_id=student.id)).remaining == 4


async def test_two_runners_on_one_database_send_each_reminder_once(racing_db: None) -> None:
    tutor = await make_tutor()
    students = [await make_student(credits=1, tutor=tutor) for _ in range(6)]
    for day, student in enumerate(students):
        start = datetime(2026, 3, 3 + day, 10, 0, tzinfo=BERLIN)
        await booking.book(student, tutor.provider.id, tutor.hour.id, start, now=NOW)
    sent: list[str] = []

    async def send(job: Job) -> None:
        await asyncio.sleep(0.01)  # a Bot API call: the other runner gets a chance to race
        sent.append(str(job.key))

    runners = [JobRunner(name=name) for name in ("one", "two")]
    for runner in runners:
        runner.register(JobKind.lesson_reminder, send, REMINDER_POLICY)

    late = datetime(2026, 3, 20, tzinfo=BERLIN)  # every reminder is due
    await asyncio.gather(*(runner.run_due(now=late) for runner in runners))

    assert len(sent) == len(set(sent)) == 6 * 2 * 2
    assert await Job.filter(kind=JobKind.lesson_reminder, state=JobState.done).count() == 24


async def test_the_same_charge_delivered_twice_at_once_buys_one_package(racing_db: None) -> None:
    from db.models import PaymentChannel
    from services import ledger
    from services.tutoring import money, purchases

    class Channels:
        yookassa_enabled = False
        telegram_payments_enabled = True

    tutor = await make_tutor()
    offer = await purchases.add_offer(tutor.profile, tutor.hour, 4, 10)
    student = await make_student()
    payment = await purchases.open_package_payment(
        student, offer.id, PaymentChannel.telegram, Channels()
    )

    results = await asyncio.gather(
        *(
            purchases.record_successful_payment(
                student,
                payload=purchases.invoice_payload(payment),
                currency="RUB",
                total_amount=payment.amount,
                charge_id="charge-raced",
                now=NOW,
            )
            for _ in range(10)
        )
    )

    outcomes = sorted(str(outcome) for outcome, _keys in results)
    assert outcomes == ["duplicate"] * 9 + ["settled"]
    assert await Package.filter(student_id=student.id).count() == 1
    assert await money.credits_left(student.id, tutor.profile.id) == 4
    assert (await money.unearned_account(tutor.provider.id, "RUB")).balance == payment.amount
    assert (await ledger.verify()).ok
