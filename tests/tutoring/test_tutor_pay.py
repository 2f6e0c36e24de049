"""Paying tutors through the services: packages once per charge, held lessons paid or released."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from core.i18n import create_i18n
from core.money import STARS
from db.models import (
    Job,
    JobState,
    LedgerTransaction,
    Lesson,
    LessonStatus,
    Package,
    PaymentChannel,
    TutoringPayment,
)
from services import ledger
from services.jobs import JobKind
from services.tutoring import booking, money, purchases
from services.tutoring.booking import Pay
from services.tutoring.errors import TutorPaymentRefused
from services.tutoring.purchases import Settled
from tests.tutoring.tutor_data import NOW, make_student, make_tutor

pytestmark = pytest.mark.usefixtures("db")

BERLIN = ZoneInfo("Europe/Berlin")
TUESDAY_10 = datetime(2026, 3, 3, 10, 0, tzinfo=BERLIN)


class Channels:
    """Telegram Payments on, YooKassa off."""

    yookassa_enabled = False
    telegram_payments_enabled = True


async def pay(student: object, payment: TutoringPayment, charge: str) -> tuple[Settled, tuple]:
    return await purchases.record_successful_payment(
        student,  # type: ignore[arg-type]
        payload=purchases.invoice_payload(payment),
        currency=payment.currency,
        total_amount=payment.amount,
        charge_id=charge,
        now=NOW,
    )


async def test_a_package_is_recorded_once_per_charge_and_the_ledger_balances() -> None:
    tutor = await make_tutor()
    offer = await purchases.add_offer(tutor.profile, tutor.hour, 4, 5)
    student = await make_student()
    payment = await purchases.open_package_payment(
        student, offer.id, PaymentChannel.telegram, Channels()
    )
    assert (payment.amount, payment.unit_price) == (4 * 190000, 190000)
    again = await purchases.open_package_payment(
        student, offer.id, PaymentChannel.telegram, Channels()
    )
    assert again.id == payment.id  # a second press reuses the open attempt

    first = await pay(student, payment, "charge-1")
    second = await pay(student, payment, "charge-1")  # Telegram delivers it again

    assert first[0] is Settled.settled and second == (Settled.duplicate, ())
    package = await Package.get(student_id=student.id)
    assert (package.lessons, package.remaining, package.price) == (4, 4, 760000)
    assert await money.credits_left(student.id, tutor.profile.id) == 4
    await payment.refresh_from_db()
    assert payment.status == purchases.PAID and payment.charge_id == "charge-1"
    unearned = await money.unearned_account(tutor.provider.id, "RUB")
    assert unearned.balance == 760000
    assert await LedgerTransaction.filter(reference__startswith="package:").count() == 1
    assert await Job.filter(kind=JobKind.tutoring_paid).count() == 1
    assert (await ledger.verify()).ok


async def test_unused_credits_go_back_to_the_wallet() -> None:
    tutor = await make_tutor()
    offer = await purchases.add_offer(tutor.profile, tutor.hour, 4, 5)
    student = await make_student()
    payment = await purchases.open_package_payment(
        student, offer.id, PaymentChannel.telegram, Channels()
    )
    await pay(student, payment, "charge-2")
    await booking.book(student, tutor.provider.id, tutor.hour.id, TUESDAY_10, now=NOW)
    package = await Package.get(student_id=student.id)

    returned = await money.return_unused(student, package.id)

    assert returned == 3 * 190000
    assert (await ledger.customer_account(student.id, "RUB")).balance == returned
    assert (await ledger.verify()).ok


async def test_a_plan_grants_its_lessons_on_every_renewal_once() -> None:
    tutor = await make_tutor()
    tutor.hour.stars_price = 500
    await tutor.hour.save()
    plan = await purchases.add_offer(tutor.profile, tutor.hour, 4, 0, monthly=True)
    student = await make_student()
    payment = await purchases.open_package_payment(
        student, plan.id, PaymentChannel.stars, Channels()
    )
    i18n = create_i18n("en")
    with i18n.context(), i18n.use_locale("en"):
        fields = await purchases.invoice_fields(payment, "")
    assert fields["subscription_period"] == 2592000 and fields["currency"] == STARS
    assert fields["prices"] == [{"label": "4 lessons a month", "amount": 2000}]

    await pay(student, payment, "stx-first")
    await pay(student, payment, "stx-renewal")
    await pay(student, payment, "stx-renewal")

    assert await money.credits_left(student.id, tutor.profile.id) == 8
    assert await Package.filter(student_id=student.id).count() == 2
    assert (await ledger.verify()).ok


async def test_without_credit_a_lesson_is_held_and_confirmed_by_its_payment() -> None:
    tutor = await make_tutor()
    student = await make_student()

    held = (
        await booking.book(
            student, tutor.provider.id, tutor.hour.id, TUESDAY_10, pay=Pay.auto, now=NOW
        )
    ).lesson

    assert held.status == LessonStatus.awaiting_payment
    assert not await Job.filter(kind="lesson.reminder").exists()  # not before it is paid
    hold = await Job.get(key=JobKind.lesson_hold_expired.key(held.id))
    assert hold.due_at == NOW + purchases.HOLD_FOR
    other = await make_student()
    with pytest.raises(booking.SlotTaken):  # the held time is nobody else's
        await booking.book(other, tutor.provider.id, tutor.hour.id, TUESDAY_10, now=NOW)

    payment = await purchases.open_lesson_payment(
        student, held.id, PaymentChannel.telegram, Channels()
    )
    await purchases.check_pre_checkout(student, purchases.invoice_payload(payment), "RUB", 200000)
    outcome, _keys = await pay(student, payment, "charge-lesson")

    assert outcome is Settled.settled
    lesson = await Lesson.get(id=held.id)
    assert lesson.status == LessonStatus.booked
    assert (await money.unearned_account(tutor.provider.id, "RUB")).balance == 200000
    assert await Job.filter(kind="lesson.reminder", state=JobState.pending).count() == 4
    await hold.refresh_from_db()
    assert hold.state == JobState.cancelled
    assert (await ledger.verify()).ok


async def test_an_unpaid_hold_expires_and_late_money_goes_to_the_wallet() -> None:
    tutor = await make_tutor()
    student = await make_student()
    held = (
        await booking.book(
            student, tutor.provider.id, tutor.hour.id, TUESDAY_10, pay=Pay.invoice, now=NOW
        )
    ).lesson
    payment = await purchases.open_lesson_payment(
        student, held.id, PaymentChannel.telegram, Channels()
    )

    await purchases.release_unpaid(held.id, now=NOW)

    assert (await Lesson.get(id=held.id)).status == LessonStatus.cancelled
    with pytest.raises(TutorPaymentRefused):
        await purchases.check_pre_checkout(
            student, purchases.invoice_payload(payment), "RUB", 200000
        )
    other = await make_student(credits=1, tutor=tutor)  # the time is free again
    await booking.book(other, tutor.provider.id, tutor.hour.id, TUESDAY_10, now=NOW)
    # money that was already on its way when the hold ran out
    outcome, _keys = await pay(student, payment, "charge-late")
    assert outcome is Settled.to_wallet
    assert (await ledger.customer_account(student.id, "RUB")).balance == 200000
    assert (await ledger.verify()).ok


async def test_a_free_lesson_books_at_once() -> None:
    tutor = await make_tutor()
    tutor.hour.price = 0
    await tutor.hour.save()
    student = await make_student()

    lesson = (
        await booking.book(
            student, tutor.provider.id, tutor.hour.id, TUESDAY_10, pay=Pay.auto, now=NOW
        )
    ).lesson

    assert lesson.status == LessonStatus.booked


async def test_cancelling_a_held_lesson_moves_no_money() -> None:
    tutor = await make_tutor()
    student = await make_student()
    held = (
        await booking.book(
            student, tutor.provider.id, tutor.hour.id, TUESDAY_10, pay=Pay.auto, now=NOW
        )
    ).lesson

    await booking.cancel_by_student(student, held.id, default_percent=10, now=NOW)

    assert await LedgerTransaction.all().count() == 0
    hold = await Job.get(key=JobKind.lesson_hold_expired.key(held.id))
    assert hold.state == JobState.cancelled
