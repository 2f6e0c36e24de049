"""Students pay tutors: packages of lessons, one held lesson, a monthly Stars plan.

A payment attempt is a `TutoringPayment` row opened before the invoice (Telegram Payments,
Stars) goes out; the invoice payload names the row, so the pre-checkout query and
successful_payment find what is bought and for how much without trusting anything else in the
update. Settling happens once per provider charge id:

- a package or a month of a plan is `money.buy_package` with the charge id as its payment
  reference (a unique column): a repeated or concurrent delivery of the same charge finds the
  package recorded and adds nothing; every renewal of a plan is a new charge, so a new month;
- a held lesson (booked while the student had no credit) turns booked by a conditional update
  from `awaiting_payment`, its price going from the channel's clearing account to the tutor's
  unearned money under the charge's ledger reference; money for a lesson whose hold ran out is
  kept in the student's wallet (it pays the next lesson) under the same reference.

The student hears of it from a `tutoring.paid` job written in the settling transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from loguru import logger
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from core.errors import InvalidInput, NotFound
from core.i18n import gettext as _
from core.money import STARS
from db.models import (
    LedgerTransaction,
    Lesson,
    LessonEvent,
    LessonStatus,
    LessonType,
    Package,
    PackageOffer,
    PaymentChannel,
    TutoringPayment,
    TutoringPaymentKind,
    TutorProfile,
    User,
)
from services import jobs, ledger
from services.jobs import JobKind
from services.ledger import LedgerKind, Posting
from services.payments import channels_for, payment_reference
from services.tutoring import money, reminders, waitlist
from services.tutoring.errors import ChannelUnavailable, TutorPaymentRefused

PAYLOAD_PREFIX = "tut:"
HOLD_FOR = timedelta(minutes=15)
"""How long a lesson booked without a credit keeps its time while the invoice waits."""
SUBSCRIPTION_PERIOD = 2592000
"""30 days: the only period Telegram Stars subscriptions have."""
PENDING, PAID, CANCELED = "pending", "paid", "canceled"
TITLE_LIMIT, DESCRIPTION_LIMIT = 32, 255


class PaymentSettings(Protocol):
    """What channel selection reads of core.config.Settings."""

    @property
    def yookassa_enabled(self) -> bool: ...

    @property
    def telegram_payments_enabled(self) -> bool: ...


class Settled(StrEnum):
    """What a successful_payment did."""

    settled = "settled"  # recorded by this call
    duplicate = "duplicate"  # this charge was recorded before
    to_wallet = "to_wallet"  # nothing waited for it: kept in the student's wallet


@dataclass(frozen=True, slots=True)
class OfferPrice:
    """An offer with its prices: in roubles, and in Stars when its lesson type has one."""

    offer: PackageOffer
    lesson_type: LessonType
    price: int
    unit_price: int
    stars_price: int | None
    stars_unit: int | None

    @property
    def currency(self) -> str:
        """The currency of `price`."""
        return self.lesson_type.currency


def _now() -> datetime:
    return datetime.now(UTC)


# Offers --------------------------------------------------------------------------------------


def price_of(offer: PackageOffer, lesson_type: LessonType) -> OfferPrice:
    """The offer's package prices (the discount taken per lesson, as money.package_price)."""
    price, unit = money.package_price(lesson_type.price, offer.lessons, offer.discount_percent)
    stars = stars_unit = None
    if lesson_type.stars_price:
        stars, stars_unit = money.package_price(
            lesson_type.stars_price, offer.lessons, offer.discount_percent
        )
    return OfferPrice(offer, lesson_type, price, unit, stars, stars_unit)


async def offers(tutor: TutorProfile) -> list[OfferPrice]:
    """The tutor's active offers of active lesson types, fewest lessons first (plans last)."""
    found = await (
        PackageOffer.filter(tutor_id=tutor.id, is_active=True, lesson_type__is_active=True)
        .prefetch_related("lesson_type")
        .order_by("monthly", "lessons", "id")
    )
    return [price_of(offer, offer.lesson_type) for offer in found]


async def add_offer(
    tutor: TutorProfile,
    lesson_type: LessonType,
    lessons: int,
    discount_percent: int = 0,
    *,
    monthly: bool = False,
) -> PackageOffer:
    """A new package (or, with `monthly`, a Stars plan, which needs a Stars price) on offer."""
    money.package_price(lesson_type.price, lessons, discount_percent)  # InvalidInput if wrong
    if lesson_type.tutor_id != tutor.id:
        raise NotFound(entity="lesson_type")
    if monthly and not lesson_type.stars_price:
        raise InvalidInput(field="currency")
    return await PackageOffer.create(
        tutor_id=tutor.id,
        lesson_type_id=lesson_type.id,
        lessons=lessons,
        discount_percent=discount_percent,
        monthly=monthly,
    )


def offer_channels(priced: OfferPrice, settings: PaymentSettings) -> list[PaymentChannel]:
    """How an offer can be bought: a plan only with Stars; a package in roubles as orders are
    paid, and with Stars too when the lesson type has a Stars price."""
    stars = [PaymentChannel.stars] if priced.stars_price else []
    if priced.offer.monthly:
        return stars
    return [*_invoice_channels(priced.currency, settings), *stars]


def lesson_channels(lesson_type: LessonType, settings: PaymentSettings) -> list[PaymentChannel]:
    """How one lesson of this type can be paid."""
    stars = [PaymentChannel.stars] if lesson_type.stars_price else []
    return [*_invoice_channels(lesson_type.currency, settings), *stars]


def _invoice_channels(currency: str, settings: PaymentSettings) -> list[PaymentChannel]:
    # YooKassa's notifications settle orders only: tutoring is paid by Telegram invoices
    return [c for c in channels_for(currency, settings) if c is not PaymentChannel.yookassa]


# Opening an attempt --------------------------------------------------------------------------


def _key(student_id: int, client_key: str) -> str:
    return "tp-" + hashlib.sha256(f"{student_id}:{client_key}".encode()).hexdigest()[:48]


async def _open(
    student: User,
    tutor: TutorProfile,
    kind: TutoringPaymentKind,
    channel: PaymentChannel,
    *,
    amount: int,
    currency: str,
    lessons: int,
    unit_price: int,
    offer_id: int | None = None,
    lesson_id: int | None = None,
    client_key: str | None = None,
) -> TutoringPayment:
    """The open attempt for the same thing by the same channel, else a new one; a repeated
    `client_key` returns the attempt it opened."""
    if client_key is not None:
        key = _key(student.id, client_key)
        if (existing := await TutoringPayment.get_or_none(idempotence_key=key)) is not None:
            return existing
    same = await TutoringPayment.filter(
        student_id=student.id,
        kind=kind,
        offer_id=offer_id,
        lesson_id=lesson_id,
        channel=channel.value,
        status=PENDING,
        amount=amount,
    ).first()
    if same is not None:
        return same
    key = _key(student.id, client_key or f"{kind}-{offer_id}-{lesson_id}-{channel}-{_now()}")
    try:
        return await TutoringPayment.create(
            student_id=student.id,
            tutor_id=tutor.id,
            kind=kind,
            offer_id=offer_id,
            lesson_id=lesson_id,
            channel=channel.value,
            amount=amount,
            currency=currency,
            lessons=lessons,
            unit_price=unit_price,
            idempotence_key=key,
        )
    except IntegrityError:  # the same client key, a moment earlier
        return await TutoringPayment.get(idempotence_key=key)


async def priced_offer(offer_id: int, tutor_id: int | None = None) -> OfferPrice:
    """An active offer with its prices (of the tutor with this provider id, when given)."""
    query = PackageOffer.filter(id=offer_id, is_active=True, lesson_type__is_active=True)
    if tutor_id is not None:
        query = query.filter(tutor__provider_id=tutor_id)
    offer = await query.prefetch_related("lesson_type").first()
    if offer is None:
        raise NotFound(entity="offer")
    return price_of(offer, offer.lesson_type)


async def open_package_payment(
    student: User,
    offer_id: int,
    channel: PaymentChannel,
    settings: PaymentSettings,
    *,
    tutor_id: int | None = None,
    client_key: str | None = None,
) -> TutoringPayment:
    """An attempt to buy an offer by `channel` (a plan: a Stars subscription)."""
    priced = await priced_offer(offer_id, tutor_id)
    offer = priced.offer
    tutor = await TutorProfile.get(id=offer.tutor_id)
    if channel not in offer_channels(priced, settings):
        raise ChannelUnavailable(channel=channel.value)
    stars = channel is PaymentChannel.stars
    assert not stars or (priced.stars_price is not None and priced.stars_unit is not None)
    return await _open(
        student,
        tutor,
        TutoringPaymentKind.subscription if offer.monthly else TutoringPaymentKind.package,
        channel,
        amount=priced.stars_price if stars else priced.price,  # type: ignore[arg-type]
        currency=STARS if stars else priced.currency,
        lessons=offer.lessons,
        unit_price=priced.stars_unit if stars else priced.unit_price,  # type: ignore[arg-type]
        offer_id=offer.id,
        client_key=client_key,
    )


async def open_lesson_payment(
    student: User,
    lesson_id: int,
    channel: PaymentChannel,
    settings: PaymentSettings,
    *,
    client_key: str | None = None,
) -> TutoringPayment:
    """An attempt to pay one's lesson that is held until paid."""
    lesson = await Lesson.get_or_none(id=lesson_id, student_id=student.id)
    if lesson is None:
        raise NotFound(entity="lesson")
    if lesson.status != LessonStatus.awaiting_payment:
        raise TutorPaymentRefused(reason="closed")
    lesson_type = await LessonType.get(id=lesson.lesson_type_id)
    if channel not in lesson_channels(lesson_type, settings):
        raise ChannelUnavailable(channel=channel.value)
    stars = channel is PaymentChannel.stars
    amount = lesson_type.stars_price if stars else lesson.price
    assert amount is not None
    tutor = await TutorProfile.get(id=lesson.tutor_id)
    return await _open(
        student,
        tutor,
        TutoringPaymentKind.lesson,
        channel,
        amount=amount,
        currency=STARS if stars else lesson.currency,
        lessons=1,
        unit_price=amount,
        lesson_id=lesson.id,
        client_key=client_key,
    )


async def mark_sent(payment: TutoringPayment, link: str | None = None) -> None:
    """Remember the invoice link (or when the invoice message went out)."""
    payment.invoice_link = link or payment.invoice_link
    await payment.save(update_fields=["invoice_link", "updated_at"])


def invoice_payload(payment: TutoringPayment) -> str:
    """The invoice payload that names the attempt (≤ 128 bytes)."""
    return f"{PAYLOAD_PREFIX}{payment.id}"


def is_tutoring_payload(payload: str) -> bool:
    """Whether an invoice payload is a tutoring payment's (else an order's)."""
    return payload.startswith(PAYLOAD_PREFIX)


def _payment_id(payload: str) -> int | None:
    digits = payload.removeprefix(PAYLOAD_PREFIX)
    return int(digits) if is_tutoring_payload(payload) and digits.isdigit() else None


async def invoice_fields(payment: TutoringPayment, provider_token: str) -> dict[str, Any]:
    """Keyword arguments of Bot.send_invoice / create_invoice_link for an attempt (texts in the
    current locale); a plan's carries the 30-day subscription period."""
    tutor = await TutorProfile.get(id=payment.tutor_id).prefetch_related("provider")
    stars = payment.currency == STARS
    if payment.kind == TutoringPaymentKind.lesson:
        title = _("Lesson with {tutor}").format(tutor=tutor.provider.name)
        label = _("One lesson")
    elif payment.kind == TutoringPaymentKind.subscription:
        title = _("Monthly plan: {tutor}").format(tutor=tutor.provider.name)
        label = _("{count} lessons a month").format(count=payment.lessons)
    else:
        title = _("{count} lessons with {tutor}").format(
            count=payment.lessons, tutor=tutor.provider.name
        )
        label = _("{count} lessons").format(count=payment.lessons)
    description = _("Prepaid lessons are booked from the tutor's page; unused ones are refunded.")
    fields: dict[str, Any] = {
        "title": title[:TITLE_LIMIT],
        "description": description[:DESCRIPTION_LIMIT],
        "payload": invoice_payload(payment),
        "currency": payment.currency,
        "prices": [{"label": label[:TITLE_LIMIT], "amount": payment.amount}],
        "provider_token": "" if stars else provider_token,
    }
    if payment.kind == TutoringPaymentKind.subscription:
        fields["subscription_period"] = SUBSCRIPTION_PERIOD
    if not stars:
        fields.update(need_email=True, send_email_to_provider=True)
    return fields


# Pre-checkout --------------------------------------------------------------------------------


async def check_pre_checkout(
    user: User, payload: str, currency: str, total_amount: int, now: datetime | None = None
) -> TutoringPayment:
    """The attempt a pre-checkout query is about, when it may still be paid (a plan's renewals
    are charged by Telegram without asking)."""
    now = now or _now()
    payment_id = _payment_id(payload)
    payment = (
        await TutoringPayment.get_or_none(id=payment_id, student_id=user.id) if payment_id else None
    )
    if payment is None:
        raise TutorPaymentRefused(reason="unknown")
    if payment.status != PENDING:
        raise TutorPaymentRefused(reason="closed")
    if (total_amount, currency) != (payment.amount, payment.currency):
        raise TutorPaymentRefused(reason="price")
    if payment.lesson_id is not None:
        lesson = await Lesson.get(id=payment.lesson_id)
        if lesson.status != LessonStatus.awaiting_payment or now >= hold_until(lesson):
            raise TutorPaymentRefused(reason="expired")
    return payment


def hold_until(lesson: Lesson) -> datetime:
    """When an unpaid lesson's time is released."""
    return lesson.created_at + HOLD_FOR


# successful_payment --------------------------------------------------------------------------


async def record_successful_payment(
    user: User,
    *,
    payload: str,
    currency: str,
    total_amount: int,
    charge_id: str,
    default_reminders: str = "24h,1h",
    now: datetime | None = None,
) -> tuple[Settled, tuple[str, ...]]:
    """Settle a charge once per `charge_id`: a package or a month of a plan, or a held lesson;
    money nothing waits for goes to the student's wallet. The outcome and the job keys."""
    now = now or _now()
    channel = PaymentChannel.stars if currency == STARS else PaymentChannel.telegram
    reference = payment_reference(charge_id, channel)
    payment_id = _payment_id(payload)
    payment = (
        await TutoringPayment.get_or_none(id=payment_id, student_id=user.id) if payment_id else None
    )
    if payment is not None and (payment.amount, payment.currency) != (total_amount, currency):
        payment = None
    return await settle(
        user, payment, channel, reference, charge_id, total_amount, currency, default_reminders, now
    )


async def settle(
    user: User,
    payment: TutoringPayment | None,
    channel: PaymentChannel,
    reference: str,
    charge_id: str,
    amount: int,
    currency: str,
    default_reminders: str,
    now: datetime,
) -> tuple[Settled, tuple[str, ...]]:
    """Record money that arrived by `channel` under `reference` (once): see the module."""
    if await _recorded(reference):
        return Settled.duplicate, ()
    try:
        async with in_transaction():
            if payment is not None:
                # one delivery of a charge at a time per attempt (a row lock on PostgreSQL;
                # SQLite has one writer anyway), then look again: the other may have won
                await TutoringPayment.filter(id=payment.id).select_for_update().first()
                if await _recorded(reference):
                    return Settled.duplicate, ()
            if payment is None:
                outcome, keys = await _to_wallet(user.id, channel, reference, amount, currency)
            elif payment.kind == TutoringPaymentKind.lesson:
                outcome, keys = await _settle_lesson(
                    payment, channel, reference, charge_id, default_reminders, now
                )
            else:
                outcome, keys = await _settle_package(payment, channel, reference, charge_id)
            notice = JobKind.tutoring_paid.key(reference[-60:])
            await jobs.enqueue(
                JobKind.tutoring_paid,
                notice,
                {
                    "user_id": user.id,
                    "payment_id": payment.id if payment else None,
                    "outcome": str(outcome),
                },
                once=True,
            )
    except IntegrityError:
        if await _recorded(reference):  # a concurrent delivery of the same charge won
            return Settled.duplicate, ()
        raise
    return outcome, (*keys, notice)


async def _recorded(reference: str) -> bool:
    return await Package.exists(payment_reference=reference) or await ledger_has(reference)


async def ledger_has(reference: str) -> bool:
    """Whether a ledger transaction with this reference exists."""
    return await LedgerTransaction.exists(reference=reference)


async def _first_charge(payment: TutoringPayment, charge_id: str) -> None:
    """The attempt is paid (a plan stays paid through its renewals)."""
    await TutoringPayment.filter(id=payment.id, status=PENDING).update(
        status=PAID, charge_id=charge_id[:255], paid_at=_now()
    )


async def _settle_package(
    payment: TutoringPayment, channel: PaymentChannel, reference: str, charge_id: str
) -> tuple[Settled, tuple[str, ...]]:
    student = await User.get(id=payment.student_id)
    tutor = await TutorProfile.get(id=payment.tutor_id)
    await _first_charge(payment, charge_id)
    await money.buy_package(
        student,
        tutor,
        lessons=payment.lessons,
        lesson_price=payment.unit_price,
        currency=payment.currency,
        payment_reference=reference,
        channel=channel.value,
    )
    return Settled.settled, ()


async def _settle_lesson(
    payment: TutoringPayment,
    channel: PaymentChannel,
    reference: str,
    charge_id: str,
    default_reminders: str,
    now: datetime,
) -> tuple[Settled, tuple[str, ...]]:
    assert payment.lesson_id is not None
    lesson = await Lesson.get(id=payment.lesson_id)
    tutor = await TutorProfile.get(id=lesson.tutor_id)
    to = LessonStatus.pending if tutor.requires_confirmation else LessonStatus.booked
    taken = await Lesson.filter(id=lesson.id, status=LessonStatus.awaiting_payment).update(
        status=to, price=payment.amount, currency=payment.currency
    )
    if not taken:  # the hold ran out or the student cancelled: the money pays the next lesson
        return await _to_wallet(
            payment.student_id, channel, reference, payment.amount, payment.currency
        )
    await _first_charge(payment, charge_id)
    await ledger.post(
        reference,
        LedgerKind.lessons_prepaid,
        [
            Posting(
                await ledger.clearing_account(channel.value, payment.currency), -payment.amount
            ),
            Posting(
                await money.unearned_account(tutor.provider_id, payment.currency), payment.amount
            ),
        ],
        description=f"lesson {lesson.id}",
    )
    await LessonEvent.create(lesson_id=lesson.id, action="paid", actor_id=payment.student_id)
    await jobs.cancel(JobKind.lesson_hold_expired.key(lesson.id), "paid")
    lesson.status = to
    keys = await reminders.schedule(lesson, reminders.offsets_of(tutor, default_reminders), now)
    return Settled.settled, tuple(keys)


async def _to_wallet(
    student_id: int, channel: PaymentChannel, reference: str, amount: int, currency: str
) -> tuple[Settled, tuple[str, ...]]:
    logger.warning(
        "Tutoring charge {} ({} {}) matches nothing open: kept in the wallet of user {}",
        reference,
        amount,
        currency,
        student_id,
    )
    await ledger.post(
        reference,
        LedgerKind.payment_unmatched,
        [
            Posting(await ledger.clearing_account(channel.value, currency), -amount),
            Posting(await ledger.customer_account(student_id, currency), amount),
        ],
        description="tutoring",
    )
    return Settled.to_wallet, ()


# Holding a lesson until it is paid -----------------------------------------------------------


async def hold(lesson: Lesson, now: datetime) -> str:
    """Write the job that releases an unpaid lesson's time (in the booking's transaction)."""
    key = JobKind.lesson_hold_expired.key(lesson.id)
    await jobs.enqueue(
        JobKind.lesson_hold_expired, key, {"lesson_id": lesson.id}, due_at=now + HOLD_FOR
    )
    return key


async def release_unpaid(lesson_id: int, now: datetime | None = None) -> tuple[str, ...]:
    """The hold ran out: an unpaid lesson is cancelled and its time offered to the waitlist;
    the keys of the jobs written (nothing when it was paid meanwhile)."""
    now = now or _now()
    async with in_transaction():
        lesson = await Lesson.get_or_none(id=lesson_id)
        if lesson is None:
            return ()
        await TutorProfile.filter(id=lesson.tutor_id).update(
            booking_version=F("booking_version") + 1
        )  # the tutor's lock, as every calendar change takes it
        if not await Lesson.filter(id=lesson_id, status=LessonStatus.awaiting_payment).update(
            status=LessonStatus.cancelled
        ):
            return ()
        lesson.status = LessonStatus.cancelled
        await LessonEvent.create(lesson_id=lesson_id, action="payment_expired")
        await close_attempts(lesson_id)
        offer = await waitlist.time_freed(lesson, now)
    return (offer,) if offer else ()


async def close_attempts(lesson_id: int) -> None:
    """An unpaid lesson is gone: its open attempts cannot be paid any more."""
    await TutoringPayment.filter(lesson_id=lesson_id, status=PENDING).update(status=CANCELED)


# Reading -------------------------------------------------------------------------------------


async def paid_notice(
    user_id: int, payment_id: int | None
) -> tuple[User | None, TutoringPayment | None, int]:
    """Who is told of a settled payment, the attempt it paid, and their credits left with
    its tutor."""
    user = await User.get_or_none(id=user_id)
    payment = await TutoringPayment.get_or_none(id=payment_id) if payment_id else None
    credits = 0
    if user is not None and payment is not None:
        credits = await money.credits_left(user.id, payment.tutor_id)
    return user, payment, credits


# Returning unused credits --------------------------------------------------------------------


async def packages_with_credits(actor: User, *, admin: bool) -> list[Package]:
    """Packages with unused credits the person may return: a tutor's own, or, for an admin,
    every tutor's (newest first, at most 20)."""
    query = Package.filter(remaining__gt=0)
    if not admin:
        query = query.filter(tutor__provider__owner_id=actor.id)
    return await query.prefetch_related("student").order_by("-id").limit(20)


async def return_credits(actor: User, package_id: int, *, admin: bool) -> tuple[Package, int]:
    """A tutor (their own package) or an admin gives a package's unused credits back to the
    student's wallet (`money.return_unused`); the package and the amount returned."""
    query = Package.filter(id=package_id)
    if not admin:
        query = query.filter(tutor__provider__owner_id=actor.id)
    package = await query.prefetch_related("student").first()
    if package is None:
        raise NotFound(entity="package")
    amount = await money.return_unused(package.student, package.id)
    await package.refresh_from_db()
    return package, amount
