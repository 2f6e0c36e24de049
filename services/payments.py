"""Paying orders through YooKassa: attempts, verified notifications, settlement in the ledger.

An attempt is a `Payment` row whose stable key `order-{id}-{attempt}` goes to YooKassa with
every create call, so a double-clicked Pay or a retry after a timeout gets the same YooKassa
payment (and the same confirmation URL) back. A notification is only a hint: the payment is
re-fetched from the API and only the fetched status, amount and currency count. Settling is
one database transaction: a conditional update of the payment from an open status (so
duplicate or concurrent notifications credit once), the ledger postings and the order's move
to paid. The order's event fires after the commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, Protocol

from loguru import logger
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.config import DEFAULT_COMMISSION_PERCENT
from core.errors import DomainError, IllegalTransition, InvalidInput, NotFound
from core.money import STARS
from db.models import (
    Account,
    ActorRole,
    Job,
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentChannel,
    PaymentMethod,
    PaymentStatus,
    Provider,
    User,
)
from services import jobs, ledger, loyalty, orders, receipts
from services import promo as promos
from services.events import ShopEvents
from services.jobs import JobKind
from services.ledger import LedgerKind, Posting
from services.payments_receipts import order_contact, order_receipt, parse_receipt_contact
from services.yookassa_gateway import (
    GatewayError,
    GatewayNotFound,
    GatewayRejected,
    GatewayTimeout,
    RemotePayment,
    YooKassaGateway,
)

YOOKASSA = PaymentChannel.yookassa
YOOKASSA_CURRENCIES = frozenset({"RUB"})
OPEN = (PaymentStatus.created, PaymentStatus.pending)
RECHECK_AFTER = timedelta(minutes=10)
"""When a pending attempt is first asked about, if its notification has not come."""
RECHECK_EVERY = timedelta(minutes=5)
RECHECKS = 36
"""Checks of one attempt (three hours) before it is left to YooKassa and the order's expiry."""
PAYMENT_DESCRIPTION = "Заказ №{order_id}"
"""Shown on YooKassa's (Russian) payment page; it must not change between retries of a key."""

MAX_REFERENCE_ID = 100
META_PAYMENT = "prilavok_payment"
META_KEY = "prilavok_key"
META_ORDER = "prilavok_order"


class PaymentSettings(Protocol):
    """What channel selection reads of core.config.Settings."""

    @property
    def yookassa_enabled(self) -> bool: ...

    @property
    def telegram_payments_enabled(self) -> bool: ...


class NotificationOutcome(StrEnum):
    """What a notification (or a re-check) did."""

    settled = "settled"  # money credited and the order paid, by this call
    canceled = "canceled"  # the attempt is over, by this call
    unchanged = "unchanged"  # already settled or cancelled: duplicates and late arrivals
    pending = "pending"  # YooKassa still waits for the customer
    mismatch = "mismatch"  # YooKassa's amount or currency is not ours
    unknown = "unknown"  # not one of our payments
    ignored = "ignored"  # an event we do not act on


class InvalidNotification(DomainError):
    """A notification body without the fields every YooKassa notification has."""

    code = "invalid_notification"
    status = 400


def attempt_key(order_id: int, attempt: int) -> str:
    """The Idempotence-Key of one attempt to pay an order."""
    return f"order-{order_id}-{attempt}"


def payment_reference(external_id: str, channel: PaymentChannel = YOOKASSA) -> str:
    """The ledger reference of a payment's settlement (by the provider's id of it; a long
    Telegram Stars charge id by its SHA-256, to fit the reference column)."""
    if len(external_id) > MAX_REFERENCE_ID:
        external_id = "sha256-" + hashlib.sha256(external_id.encode()).hexdigest()
    return f"{channel.value}:payment:{external_id}"


def commission_of(amount: int, percent: Decimal) -> int:
    """The platform's share of an amount, in minor units, rounded half up."""
    share = Decimal(amount) * Decimal(percent) / 100
    return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def commission_percent_of(provider: Provider, default_percent: Decimal) -> Decimal:
    """The provider's own commission percentage, or the platform's default."""
    if provider.commission_basis_points is None:
        return Decimal(default_percent)
    return Decimal(provider.commission_basis_points) / 100


def channels_for(currency: str, settings: PaymentSettings) -> list[PaymentChannel]:
    """The ways an order in this currency can be paid, as Telegram's rules and the
    configuration allow: Stars only for Stars (digital goods), never for roubles."""
    if currency == STARS:
        return [PaymentChannel.stars]
    channels = []
    if currency in YOOKASSA_CURRENCIES and settings.yookassa_enabled:
        channels.append(YOOKASSA)
    if settings.telegram_payments_enabled:
        channels.append(PaymentChannel.telegram)
    return channels


async def _tell_failed(payment: Payment, events: ShopEvents) -> None:
    """A failed attempt of an order that still waits for payment: the customer may retry."""
    order = await Order.get_or_none(id=payment.order_id) if payment.order_id else None
    if order is not None and order.status is OrderStatus.pending_payment:
        await events.payment_failed(order, payment)


# Starting a payment ------------------------------------------------------------------------


async def payable_order(order_id: int, user: User) -> Order:
    """The customer's own order that waits for online payment, by whatever channel.

    Raises NotFound (anybody else's order too), InvalidInput (a cash order) or
    IllegalTransition (paid, cancelled or expired meanwhile).
    """
    order = await Order.get_or_none(id=order_id, customer_id=user.id)
    if order is None:
        raise NotFound(entity="order")
    if order.payment_method is not PaymentMethod.online:
        raise InvalidInput(field="payment_method")
    if order.status is not OrderStatus.pending_payment:
        raise IllegalTransition(
            order_id=order.id, current=order.status.value, target=OrderStatus.paid.value
        )
    await promos.still_valid(order)  # PromoRefused: a code disabled or expired meanwhile
    return order


async def _payable_order(order_id: int, user: User) -> Order:
    """A payable order in a currency YooKassa takes."""
    order = await payable_order(order_id, user)
    if order.currency not in YOOKASSA_CURRENCIES:
        raise InvalidInput(field="currency")
    return order


async def latest_attempt(order_id: int) -> Payment | None:
    """The order's most recent YooKassa attempt."""
    return await Payment.filter(order_id=order_id, channel=YOOKASSA).order_by("-attempt").first()


async def create_attempt(
    order: Order,
    user: User,
    channel: PaymentChannel,
    status: PaymentStatus,
    attempt: int,
    key: str,
) -> tuple[Payment, bool]:
    """The order's payment attempt under `key` for its total: created now (True), or the one a
    concurrent press created first (False)."""
    try:
        payment = await Payment.create(
            order_id=order.id,
            user_id=user.id,
            channel=channel,
            status=status,
            amount=order.total,
            currency=order.currency,
            attempt=attempt,
            idempotence_key=key,
        )
    except IntegrityError:
        return await Payment.get(idempotence_key=key), False
    return payment, True


async def _new_attempt(order: Order, user: User, attempt: int) -> Payment:
    key = attempt_key(order.id, attempt)
    payment, _ = await create_attempt(order, user, YOOKASSA, PaymentStatus.created, attempt, key)
    return payment


def _metadata(payment: Payment, order: Order) -> dict[str, str]:
    return {
        META_PAYMENT: str(payment.id),
        META_KEY: payment.idempotence_key,
        META_ORDER: str(order.id),
    }


async def _create_remote(
    payment: Payment, order: Order, user: User, gateway: YooKassaGateway
) -> Payment:
    items = list(await OrderItem.filter(order_id=order.id).order_by("id"))
    provider = await Provider.get(id=order.provider_id)
    customer = order_contact(order, user.phone)
    try:
        remote = await gateway.create_payment(
            amount=payment.amount,
            currency=payment.currency,
            description=PAYMENT_DESCRIPTION.format(order_id=order.id),
            idempotence_key=payment.idempotence_key,
            metadata=_metadata(payment, order),
            receipt=order_receipt(order, items, provider, customer) if customer else None,
        )
    except GatewayRejected as exc:
        # Retrying this key can only fail again (YooKassa refuses a known key with other
        # data, e.g. a phone given since): close the attempt so the next click uses the next
        # key. No payment page of this attempt was ever shown, so nothing can be paid twice.
        await _close_attempt(payment, str(exc.details.get("reason", "rejected")))
        raise
    if not _same_money(payment, remote) or remote.metadata.get(META_KEY) != payment.idempotence_key:
        # The key was used before for another payment (a database restored within
        # YooKassa's 24 h of key memory): never show a stranger's payment page. The attempt
        # is closed, so the next click tries the next key.
        logger.error(
            "YooKassa answered key {} with payment {} that is not ours",
            payment.idempotence_key,
            remote.id,
        )
        await _close_attempt(payment, "key_reused")
        raise GatewayError(operation="create payment", reason="key reused")
    async with in_transaction():
        if await Payment.filter(id=payment.id, status=PaymentStatus.created).update(
            status=PaymentStatus.pending,
            external_id=remote.id,
            confirmation_url=remote.confirmation_url,
        ):
            # If YooKassa's notification is lost, this job settles or closes the attempt.
            await jobs.enqueue(
                JobKind.payment_check,
                JobKind.payment_check.key(payment.id),
                {"payment_id": payment.id},
                due_at=datetime.now(UTC) + RECHECK_AFTER,
                max_attempts=RECHECKS + 1,
            )
    await payment.refresh_from_db()
    return payment


async def _close_attempt(payment: Payment, reason: str) -> None:
    await Payment.filter(id=payment.id, status=PaymentStatus.created).update(
        status=PaymentStatus.canceled, cancellation_reason=reason[:64]
    )


async def start_yookassa_payment(order: Order, user: User, gateway: YooKassaGateway) -> Payment:
    """The customer's YooKassa payment of an order awaiting payment, with its confirmation URL.

    A pending attempt is reused (a double click gets the same payment and URL); an attempt
    whose create call got no answer is retried with the same key.
    """
    order = await _payable_order(order.id, user)
    latest = await latest_attempt(order.id)
    if latest is not None and latest.status in (PaymentStatus.pending, PaymentStatus.succeeded):
        return latest
    if latest is not None and latest.status is PaymentStatus.created:
        payment = latest
    else:
        payment = await _new_attempt(order, user, latest.attempt + 1 if latest else 1)
    if payment.status is not PaymentStatus.created:  # a concurrent click finished it
        return payment
    return await _create_remote(payment, order, user, gateway)


async def new_payment_link(
    order: Order,
    user: User,
    gateway: YooKassaGateway,
    events: ShopEvents,
    *,
    commission_percent: Decimal = DEFAULT_COMMISSION_PERCENT,
) -> Payment:
    """A fresh attempt when the last one expired or was cancelled; the live one otherwise.

    The last attempt is re-checked with YooKassa first: a pending payment's link still works,
    and one paid meanwhile is settled (and returned) instead of being replaced.
    """
    order = await _payable_order(order.id, user)
    latest = await latest_attempt(order.id)
    if latest is not None and latest.status is PaymentStatus.pending and latest.external_id:
        remote = await gateway.get_payment(latest.external_id)
        await _apply_remote(latest, remote, events, commission_percent)
        await latest.refresh_from_db()
        if latest.status is not PaymentStatus.canceled:
            return latest
    return await start_yookassa_payment(order, user, gateway)


async def check_attempt(
    order: Order,
    user: User,
    gateway: YooKassaGateway,
    events: ShopEvents,
    *,
    commission_percent: Decimal = DEFAULT_COMMISSION_PERCENT,
) -> Payment | None:
    """Ask YooKassa about the customer's latest attempt now ("I have paid") and act on it."""
    if not await Order.exists(id=order.id, customer_id=user.id):
        raise NotFound(entity="order")
    latest = await latest_attempt(order.id)
    if latest is not None and latest.status is PaymentStatus.pending and latest.external_id:
        remote = await gateway.get_payment(latest.external_id)
        await _apply_remote(latest, remote, events, commission_percent)
        await latest.refresh_from_db()
    return latest


def needs_receipt_contact(order: Order, user: User, channel: PaymentChannel) -> bool:
    """A YooKassa payment sends a 54-FZ receipt: it needs the customer's e-mail or phone."""
    return channel is YOOKASSA and order_contact(order, user.phone) is None


async def set_receipt_contact(order: Order, user: User, text: str) -> Order:
    """Store the e-mail or phone the customer typed for the receipt (InvalidInput if neither)."""
    order = await payable_order(order.id, user)
    contact = parse_receipt_contact(text)
    if contact is None:
        raise InvalidInput(field="receipt_contact")
    kind, value = contact
    setattr(order, kind, value)
    await order.save(update_fields=[kind, "updated_at"])
    return order


# Notifications and settlement --------------------------------------------------------------


def _parse_notification(payload: Any) -> tuple[str, str]:
    if not isinstance(payload, Mapping):
        raise InvalidNotification(reason="not an object")
    event, subject = payload.get("event"), payload.get("object")
    if not isinstance(event, str) or not isinstance(subject, Mapping):
        raise InvalidNotification(reason="no event or object")
    object_id = subject.get("id")
    if not isinstance(object_id, str) or not 0 < len(object_id) <= 64:
        raise InvalidNotification(reason="no object id")
    return event, object_id


async def process_yookassa_notification(
    payload: Any,
    gateway: YooKassaGateway,
    events: ShopEvents,
    *,
    commission_percent: Decimal = DEFAULT_COMMISSION_PERCENT,
) -> NotificationOutcome:
    """Act on a YooKassa notification as the API (re-fetched) describes the payment.

    Raises InvalidNotification for a malformed body and GatewayError when YooKassa cannot be
    asked now (nothing is stored: the sender should retry later).
    """
    event, object_id = _parse_notification(payload)
    if not event.startswith("payment."):
        logger.info("YooKassa notification {} about {} ignored", event, object_id)
        return NotificationOutcome.ignored
    payment = await Payment.get_or_none(channel=YOOKASSA, external_id=object_id)
    try:
        remote = await gateway.get_payment(object_id)
    except GatewayNotFound:
        logger.warning("YooKassa notification about payment {} it does not know", object_id)
        return NotificationOutcome.unknown
    if payment is None:
        payment = await _claim_by_metadata(remote)
    if payment is None:
        logger.warning("YooKassa notification about payment {} that is not ours", object_id)
        return NotificationOutcome.unknown
    if event != f"payment.{remote.status}":
        # Stale (a later change overtook it) or forged: the API's word counts.
        logger.warning(
            "YooKassa notification {} about payment {} but the API says {}",
            event,
            object_id,
            remote.status,
        )
    return await _apply_remote(payment, remote, events, commission_percent)


async def _claim_by_metadata(remote: RemotePayment) -> Payment | None:
    """Our attempt whose create call went through unanswered: the fetched metadata names it."""
    key = remote.metadata.get(META_KEY)
    if not key:
        return None
    payment = await Payment.get_or_none(idempotence_key=key, channel=YOOKASSA, external_id=None)
    if payment is None or remote.metadata.get(META_PAYMENT) != str(payment.id):
        return None
    await Payment.filter(id=payment.id, external_id=None).update(external_id=remote.id)
    await payment.refresh_from_db()
    return payment if payment.external_id == remote.id else None


def _same_money(payment: Payment, remote: RemotePayment) -> bool:
    return remote.amount == payment.amount and remote.currency == payment.currency


async def _apply_remote(
    payment: Payment,
    remote: RemotePayment,
    events: ShopEvents,
    commission_percent: Decimal,
) -> NotificationOutcome:
    if not _same_money(payment, remote):
        logger.error(
            "YooKassa payment {} is {} {} but our payment {} is {} {}: nothing changed",
            remote.id,
            remote.amount,
            remote.currency,
            payment.id,
            payment.amount,
            payment.currency,
        )
        return NotificationOutcome.mismatch
    if remote.status == "succeeded":
        return await _settle(payment, remote, events, commission_percent)
    if remote.status == "canceled":
        changed = await Payment.filter(id=payment.id, status__in=OPEN).update(
            status=PaymentStatus.canceled,
            cancellation_reason=(remote.cancellation_reason or "")[:64] or None,
        )
        if changed:
            logger.info("Payment {} cancelled: {}", payment.id, remote.cancellation_reason)
            await _tell_failed(payment, events)
            return NotificationOutcome.canceled
        return NotificationOutcome.unchanged
    return NotificationOutcome.pending


async def _settle(
    payment: Payment,
    remote: RemotePayment,
    events: ShopEvents,
    default_percent: Decimal,
) -> NotificationOutcome:
    won = await settle_payment(payment, remote.id, events, default_percent)
    if won and payment.order_id is not None and await _sent_with_receipt(payment):
        await receipts.record_prepayment_receipt(payment)
    return NotificationOutcome.settled if won else NotificationOutcome.unchanged


async def _sent_with_receipt(payment: Payment) -> bool:
    """The payment was created with a 54-FZ receipt (the customer had a contact)."""
    order = await Order.get(id=payment.order_id)
    user = await User.get(id=payment.user_id)
    return order_contact(order, user.phone) is not None


async def settle_payment(
    payment: Payment,
    provider_id: str,
    events: ShopEvents,
    default_percent: Decimal,
    **fields: Any,
) -> bool:
    """Mark the payment succeeded, post it and mark the order paid, all or nothing, once.

    `provider_id` is the provider's id of the money (YooKassa's payment id, Telegram's charge
    id): the ledger reference. `fields` are stored on the payment in the same conditional
    update (a Telegram charge id: unique, so a charge recorded on another payment makes this
    one lose). Returns whether this call did it; a payment no longer open changes nothing.
    """
    if payment.status not in OPEN:
        return False
    channel = PaymentChannel(payment.channel)
    currency = payment.currency
    order = await Order.get_or_none(id=payment.order_id) if payment.order_id else None
    provider = await Provider.get(id=order.provider_id) if order else None
    # Accounts are created before the transaction: on PostgreSQL a unique violation inside
    # it (two first payments racing to create an account) would abort the whole settlement.
    clearing = await ledger.clearing_account(channel.value, currency)
    customer = await ledger.customer_account(payment.user_id, currency)
    provider_postings: list[Posting] = []
    if provider is not None and order is not None:
        provider_postings = await sale_postings(
            order, provider, payment.amount, clearing, default_percent
        )
    change: orders.Change | None = None
    late: tuple[str, ...] = ()
    try:
        async with in_transaction():
            won = await Payment.filter(id=payment.id, status__in=OPEN).update(
                status=PaymentStatus.succeeded, paid_at=datetime.now(UTC), **fields
            )
            if not won:
                return False
            if order is not None:
                try:
                    change = await orders.apply_transition(
                        order.id, OrderStatus.paid, role=ActorRole.system, actor=None
                    )
                except IllegalTransition:
                    logger.warning(
                        "Payment {} succeeded but order {} is no longer awaiting payment: "
                        "the money goes back to the customer",
                        payment.id,
                        order.id,
                    )
            if change is not None:
                postings, kind = [p for p in provider_postings if p.amount], LedgerKind.payment
            else:
                postings = [Posting(clearing, -payment.amount), Posting(customer, payment.amount)]
                kind = LedgerKind.payment_unmatched
                late = await refund_late(payment.id)
            await ledger.post(
                payment_reference(provider_id, channel),
                kind,
                postings,
                description=ledger.order_description(payment.order_id),
            )
    except IntegrityError:
        logger.warning("Payment {}: charge {} is recorded already", payment.id, provider_id)
        return False
    logger.info("Payment {} of order {} settled", payment.id, payment.order_id)
    if change is not None:
        await orders.announce(events, change)
    await events.jobs_added(late)
    return True


async def sale_postings(
    order: Order,
    provider: Provider,
    amount: int,
    clearing: Account,
    default_percent: Decimal,
) -> list[Posting]:
    """How `amount` paid for the order splits between the provider and the platform.

    Without a discount, or with a provider's own promo code (the provider funds it), the
    commission is taken from what was paid. A platform-wide code and loyalty points are the
    platform's marketing: the provider gets its share of the price before them, the
    commission is taken from it too, and they are the platform's expense (`platform:promo`,
    `platform:loyalty`).
    """
    percent = commission_percent_of(provider, default_percent)
    currency = order.currency
    provider_account = await ledger.provider_account(provider.id, currency)
    platform = await ledger.commission_account(currency)
    redemption = await promos.redemption_of(order.id) if order.discount else None
    promo_part = redemption.amount if redemption and promos.platform_funded(redemption) else 0
    points_part = order.points_spent * loyalty.POINT
    if not promo_part + points_part or amount != order.total:
        commission = min(commission_of(amount, percent), amount)
        return [
            Posting(clearing, -amount),
            Posting(provider_account, amount - commission),
            Posting(platform, commission),
        ]
    gross = amount + promo_part + points_part
    commission = min(commission_of(gross, percent), gross)
    postings = [
        Posting(clearing, -amount),
        Posting(provider_account, gross - commission),
        Posting(platform, commission),
    ]
    if promo_part:
        postings.append(Posting(await ledger.promo_account(currency), -promo_part))
    if points_part:
        postings.append(Posting(await ledger.loyalty_account(currency), -points_part))
    return postings


async def refund_late(payment_id: int) -> tuple[str, ...]:
    """Money that no order waits for goes back (a job, in the caller's transaction); the keys
    of the jobs written."""
    key = JobKind.refund_late_payment.key(payment_id)
    if await jobs.enqueue(JobKind.refund_late_payment, key, {"payment_id": payment_id}, once=True):
        return (key,)
    return ()


# Recovery (a job per attempt) ---------------------------------------------------------------


async def check_payment(
    job: Job,
    gateway: YooKassaGateway | None,
    events: ShopEvents,
    commission_percent: Decimal,
) -> None:
    """Job: ask YooKassa about an attempt whose notification may have been lost, and settle or
    close it as the notification would. Raises jobs.Retry while the customer may still pay."""
    payment = await Payment.get_or_none(id=int(job.payload["payment_id"]))
    if payment is None or payment.status is not PaymentStatus.pending or not payment.external_id:
        return  # settled, cancelled or never created at YooKassa
    if gateway is None:
        raise jobs.Fail("YooKassa is not configured: a pending payment cannot be checked")
    try:
        remote = await gateway.get_payment(payment.external_id)
    except GatewayTimeout as exc:
        raise jobs.Retry("YooKassa does not answer") from exc
    except GatewayError as exc:
        raise jobs.Retry(f"YooKassa: {exc.details}") from exc
    outcome = await _apply_remote(payment, remote, events, commission_percent)
    if outcome is not NotificationOutcome.pending:
        return
    if job.attempts > RECHECKS:
        # YooKassa closes abandoned payments itself; the order's own expiry frees its stock.
        logger.warning("Payment {} still pending at YooKassa; no more checks", payment.id)
        return
    raise jobs.Retry("the customer has not paid yet", delay=RECHECK_EVERY)
