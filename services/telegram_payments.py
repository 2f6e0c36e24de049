"""Paying orders inside Telegram: invoices in roubles (Telegram Payments) and in Stars.

An invoice belongs to a `Payment` row opened before it is sent; its payload names the row, so
every later step (the pre-checkout query, successful_payment) finds the attempt, the order and
the amount without trusting anything else in the update. The pre-checkout answer re-checks
that the order still waits for payment, that its stock is still held and that the amount is
the order's; `successful_payment` settles once per `telegram_payment_charge_id` (a unique
column), however often Telegram delivers it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from loguru import logger
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.errors import DomainError, InvalidInput, PromoRefused
from core.money import STARS
from db.models import (
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentChannel,
    PaymentStatus,
    Product,
    Provider,
    User,
)
from services import ledger
from services import promo as promos
from services.events import ShopEvents
from services.ledger import LedgerKind, Posting
from services.payments import (
    DEFAULT_COMMISSION_PERCENT,
    OPEN,
    create_attempt,
    payable_order,
    payment_reference,
    refund_late,
    settle_payment,
)
from services.payments_receipts import DELIVERY_LINE, order_lines

TELEGRAM_CHANNELS = (PaymentChannel.telegram, PaymentChannel.stars)
PAYLOAD_PREFIX = "pay:"
INVOICE_RESEND_AFTER = timedelta(seconds=30)
"""A second press within this time does not send the same invoice again."""


class PaymentRefused(DomainError):
    """The pre-checkout check said no (`reason`: unknown, closed, expired, price, sold_out)."""

    code = "payment_refused"
    status = 409


class SettleOutcome(StrEnum):
    """What a successful_payment did."""

    settled = "settled"  # the order is paid, by this update
    duplicate = "duplicate"  # this charge was recorded before
    unmatched = "unmatched"  # money without an open attempt: held in the customer's wallet


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    """An attempt to pay by invoice, and whether this call opened it."""

    payment: Payment
    order: Order
    fresh: bool

    @property
    def payload(self) -> str:
        """The invoice payload that names the attempt."""
        return invoice_payload(self.payment)


def invoice_payload(payment: Payment) -> str:
    """The invoice payload of an attempt (≤ 128 bytes, as Telegram requires)."""
    return f"{PAYLOAD_PREFIX}{payment.id}"


def channel_for_currency(currency: str) -> PaymentChannel:
    """Stars for XTR, Telegram Payments for everything else."""
    return PaymentChannel.stars if currency == STARS else PaymentChannel.telegram


def _payment_id(payload: str) -> int | None:
    if not payload.startswith(PAYLOAD_PREFIX):
        return None
    digits = payload.removeprefix(PAYLOAD_PREFIX)
    return int(digits) if digits.isdigit() and len(digits) < 12 else None


# Opening an invoice --------------------------------------------------------------------------


async def open_invoice(order_id: int, user: User, channel: PaymentChannel) -> OpenInvoice:
    """The customer's open invoice attempt of the order by this channel, opened if need be.

    A second press reuses the open attempt (the same payload), so whichever invoice message
    the customer pays, it pays the same attempt.
    """
    order = await payable_order(order_id, user)
    if channel not in TELEGRAM_CHANNELS or channel is not channel_for_currency(order.currency):
        raise InvalidInput(field="currency")
    latest = await Payment.filter(order_id=order.id, channel=channel).order_by("-attempt").first()
    if latest is not None and latest.status in OPEN and latest.amount == order.total:
        return OpenInvoice(latest, order, fresh=False)
    attempt = latest.attempt + 1 if latest else 1
    key = f"{channel.value}-order-{order.id}-{attempt}"
    payment, fresh = await create_attempt(order, user, channel, PaymentStatus.pending, attempt, key)
    return OpenInvoice(payment, order, fresh=fresh)


def should_resend(invoice: OpenInvoice, now: datetime | None = None) -> bool:
    """Send the invoice message (again): a fresh attempt, or one sent a while ago."""
    now = now or datetime.now(UTC)
    return invoice.fresh or invoice.payment.updated_at < now - INVOICE_RESEND_AFTER


async def mark_sent(payment: Payment, link: str | None = None) -> None:
    """Remember when (and, for an invoice link, where) the invoice went out."""
    payment.invoice_link = link or payment.invoice_link
    await payment.save(update_fields=["invoice_link", "updated_at"])


async def invoice_lines(order: Order) -> list[tuple[str, int]]:
    """(label, amount) lines of an invoice: items, then delivery; one line for Stars."""
    items = await OrderItem.filter(order_id=order.id).order_by("id")
    if order.currency == STARS:
        return [(items[0].title if len(items) == 1 else f"№{order.id}", order.total)]
    if order.discount:  # the goods at their discounted prices, as the receipt has them
        return [
            (f"{line.description[:26]} × {line.quantity}", line.total)
            if line.description != DELIVERY_LINE
            else ("🚚", line.total)
            for line in order_lines(order, items)
        ]
    lines = [(f"{item.title[:26]} × {item.quantity}", item.price * item.quantity) for item in items]
    if order.delivery_fee:
        lines.append(("🚚", order.delivery_fee))
    return lines


async def provider_receipt(order: Order) -> dict[str, object]:
    """The 54-FZ receipt for the payment provider behind Telegram Payments (YooKassa's format,
    passed as the invoice's provider_data); the customer's e-mail comes from Telegram's form."""
    items = list(await OrderItem.filter(order_id=order.id).order_by("id"))
    provider = await Provider.get(id=order.provider_id)
    return {
        "receipt": {
            "items": [line.as_item() for line in order_lines(order, items)],
            "tax_system_code": provider.tax_system_code,
        }
    }


# Pre-checkout --------------------------------------------------------------------------------


async def check_pre_checkout(user: User, payload: str, currency: str, total_amount: int) -> Payment:
    """The attempt a pre-checkout query is about, when it may still be paid.

    Raises PaymentRefused: the attempt is unknown or not the user's, no longer open, its
    order no longer waits for payment, the amount is not the order's, or a product is gone.
    """
    payment_id = _payment_id(payload)
    payment = await Payment.get_or_none(id=payment_id, user_id=user.id) if payment_id else None
    if payment is None or payment.channel not in TELEGRAM_CHANNELS or payment.order_id is None:
        raise PaymentRefused(reason="unknown")
    if payment.status not in OPEN:
        raise PaymentRefused(reason="closed")
    order = await Order.get(id=payment.order_id)
    if order.status is not OrderStatus.pending_payment or order.stock_released:
        raise PaymentRefused(reason="expired")
    try:
        await promos.still_valid(order)
    except PromoRefused as error:
        raise PaymentRefused(reason="promo") from error
    if (total_amount, currency) != (payment.amount, payment.currency) or (
        payment.amount != order.total
    ):
        raise PaymentRefused(reason="price")
    for item in await OrderItem.filter(order_id=order.id):
        product = await Product.get_or_none(id=item.product_id) if item.product_id else None
        if product is None or not product.is_active or product.is_blocked:
            raise PaymentRefused(reason="sold_out", title=item.title)
    return payment


# successful_payment --------------------------------------------------------------------------


async def record_successful_payment(
    user: User,
    *,
    payload: str,
    currency: str,
    total_amount: int,
    charge_id: str,
    provider_charge_id: str | None,
    events: ShopEvents,
    commission_percent: Decimal = DEFAULT_COMMISSION_PERCENT,
) -> SettleOutcome:
    """Settle the attempt a successful_payment names, once per Telegram charge id.

    Money that matches no open attempt (a second payment of a paid order, an amount that is
    not the attempt's) is kept in the customer's wallet in the ledger and logged, so an admin
    can refund it; nothing is lost and nothing is credited twice.
    """
    channel = channel_for_currency(currency)
    if await Payment.exists(channel=channel, external_id=charge_id):
        return SettleOutcome.duplicate
    payment_id = _payment_id(payload)
    payment = await Payment.get_or_none(id=payment_id, user_id=user.id) if payment_id else None
    if (
        payment is not None
        and payment.channel is channel
        and (payment.amount, payment.currency) == (total_amount, currency)
        and await settle_payment(
            payment,
            charge_id,
            events,
            commission_percent,
            external_id=charge_id,
            provider_charge_id=provider_charge_id or None,
        )
    ):
        return SettleOutcome.settled
    if await Payment.exists(channel=channel, external_id=charge_id):
        return SettleOutcome.duplicate  # a concurrent delivery of the same update won
    outcome, late = await _hold_unmatched(
        user, payment, channel, currency, total_amount, charge_id, provider_charge_id
    )
    await events.jobs_added(late)
    return outcome


async def _hold_unmatched(
    user: User,
    payment: Payment | None,
    channel: PaymentChannel,
    currency: str,
    amount: int,
    charge_id: str,
    provider_charge_id: str | None,
) -> tuple[SettleOutcome, tuple[str, ...]]:
    """Keep money that matches no open attempt in the customer's wallet, and refund it (a job
    in the same transaction); the outcome and the keys of the jobs written."""
    logger.warning(
        "Telegram charge {} ({} {}) matches no open payment (payload payment {}): held in "
        "the wallet of user {} and refunded",
        charge_id,
        amount,
        currency,
        payment.id if payment else None,
        user.id,
    )
    clearing = await ledger.clearing_account(channel.value, currency)
    wallet = await ledger.customer_account(user.id, currency)
    try:
        async with in_transaction():
            extra = await Payment.create(
                order_id=payment.order_id if payment else None,
                user_id=user.id,
                channel=channel,
                status=PaymentStatus.succeeded,
                amount=amount,
                currency=currency,
                attempt=0,
                idempotence_key="charge-" + hashlib.sha256(charge_id.encode()).hexdigest()[:48],
                external_id=charge_id,
                provider_charge_id=provider_charge_id or None,
                paid_at=datetime.now(UTC),
            )
            await ledger.post(
                payment_reference(charge_id, channel),
                LedgerKind.payment_unmatched,
                [Posting(clearing, -amount), Posting(wallet, amount)],
                description=ledger.order_description(extra.order_id),
            )
            late = await refund_late(extra.id)
    except IntegrityError:
        return SettleOutcome.duplicate, ()
    return SettleOutcome.unmatched, late
