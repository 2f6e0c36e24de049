"""Refunds of paid orders: full or partial, through the channel that took the money, once.

A refund request is keyed: its Refund rows carry `refund-{key}-{payment}` (unique), so a
double-clicked confirmation makes one refund. The amount is reserved on the payment by a
conditional update (`refunded_amount + amount <= amount` in SQL) in the same transaction that
creates the row, so two concurrent refunds can never give back more than was paid. Then the
payment provider is asked (YooKassa's refund API — also for Telegram Payments whose provider is
YooKassa —, or refundStarPayment for Stars, which Telegram refunds only in full). A refusal
releases the reservation; a timeout leaves the refund pending for `retry_pending_refunds`,
which repeats the call with the same Idempotence-Key. When the money has gone back the ledger
gets the reversal of the payment's postings (once, by reference), and a full refund moves the
order to `refunded`, which returns its stock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from loguru import logger
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from core.errors import DomainError, IllegalTransition, NotFound
from core.money import STARS
from db.models import (
    AccountKind,
    ActorRole,
    AuditAction,
    AuditLog,
    LedgerEntry,
    LedgerTransaction,
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentChannel,
    PaymentStatus,
    Provider,
    Receipt,
    ReceiptStatus,
    Refund,
    RefundStatus,
    User,
)
from services import jobs, ledger, orders, receipts
from services.events import ShopEvents
from services.jobs import JobKind
from services.ledger import LedgerKind, Posting
from services.payments import payment_reference
from services.payments_receipts import order_contact, refund_receipt
from services.yookassa_gateway import GatewayError, GatewayTimeout, YooKassaGateway

StarsRefunder = Callable[[int, str], Awaitable[object]]
"""refundStarPayment(user's Telegram id, charge id); raises when Telegram refuses."""

ReceiptBuilder = Callable[[Order, Payment, int], Awaitable[dict[str, object] | None]]
"""The 54-FZ refund receipt for (order, payment, amount), or None when none is due."""


class NothingToRefund(DomainError):
    """The order has no money left to give back (`order_id`)."""

    code = "nothing_to_refund"
    status = 409


class OverRefund(DomainError):
    """More than is left of the payment (`requested`, `available`, `currency`)."""

    code = "over_refund"
    status = 409


class RefundUnsupported(DomainError):
    """The channel cannot refund this (`reason`: stars_partial, no_provider)."""

    code = "refund_unsupported"
    status = 409


class RefundFailed(DomainError):
    """The payment provider refused the refund (`reason`); nothing changed."""

    code = "refund_failed"
    status = 502


async def refund_receipt_for(
    order: Order, payment: Payment, amount: int
) -> dict[str, object] | None:
    """The 54-FZ receipt of a refund through YooKassa, when the customer left a contact."""
    customer = await User.get(id=payment.user_id)
    contact = order_contact(order, customer.phone)
    if contact is None or payment.currency == STARS:
        return None
    items = list(await OrderItem.filter(order_id=order.id).order_by("id"))
    provider = await Provider.get(id=order.provider_id)
    return refund_receipt(
        order,
        items,
        provider,
        contact,
        amount,
        settled=await Receipt.exists(
            idempotence_key=receipts.closing_key(order.id), status__not=ReceiptStatus.canceled
        ),
    )


@dataclass(frozen=True, slots=True)
class RefundBackends:
    """Who can give money back: YooKassa (may be absent) and Telegram's Stars refunds, and
    the refund receipt that goes with a YooKassa refund."""

    gateway: YooKassaGateway | None
    refund_stars: StarsRefunder | None
    receipt: ReceiptBuilder | None = refund_receipt_for
    outside: bool = False
    """The admin already gave the money back outside the bot (in the payment provider's
    dashboard, e.g. for Telegram Payments through another provider): only record it."""


@dataclass(frozen=True, slots=True)
class RefundResult:
    """What a refund request did: the refund rows, and whether the order is now refunded."""

    refunds: list[Refund]
    order_refunded: bool

    @property
    def amount(self) -> int:
        """Money given back (or on its way back) by this request."""
        return sum(r.amount for r in self.refunds if r.status is not RefundStatus.canceled)

    @property
    def pending(self) -> bool:
        """Some of it still waits for the payment provider's answer."""
        return any(r.status is RefundStatus.pending for r in self.refunds)


def refund_key(request_key: str, payment_id: int) -> str:
    """The Idempotence-Key of one refund of a request."""
    return f"refund-{request_key}-{payment_id}"[:64]


async def refundable(order_id: int) -> tuple[list[Payment], int]:
    """The order's succeeded payments with money left to give back, and that money."""
    payments = [
        p
        for p in await Payment.filter(order_id=order_id, status=PaymentStatus.succeeded).order_by(
            "id"
        )
        if p.amount > p.refunded_amount
    ]
    return payments, sum(p.amount - p.refunded_amount for p in payments)


def check_amount(order: Order, amount: int | None, available: int) -> int:
    """What a refund of `amount` (None: everything left) gives back, when `available` is left.

    Raises NothingToRefund or OverRefund.
    """
    wanted = available if amount is None else amount
    if available <= 0 or wanted <= 0:
        raise NothingToRefund(order_id=order.id)
    if wanted > available:
        raise OverRefund(requested=wanted, available=available, currency=order.currency)
    return wanted


async def refund_order(
    order_id: int,
    amount: int | None,
    *,
    admin: User | None,
    backends: RefundBackends,
    events: ShopEvents,
    request_key: str,
    reason: str = "",
) -> RefundResult:
    """Give back `amount` (None: everything left) of an order's payments, newest attempt last.

    Raises NotFound, NothingToRefund, OverRefund (nothing changed), RefundUnsupported or
    RefundFailed (nothing changed for that payment).
    """
    order = await Order.get_or_none(id=order_id)
    if order is None:
        raise NotFound(entity="order")
    existing = await Refund.filter(idempotence_key__startswith=f"refund-{request_key}-")
    if existing:  # the same request again (a double click): its result, not a second refund
        for refund in existing:
            if refund.status is RefundStatus.pending:  # e.g. the process stopped mid-way
                await schedule_check(refund.id)
        return RefundResult(list(existing), await _is_refunded(order.id))
    payments, available = await refundable(order.id)
    wanted = check_amount(order, amount, available)
    plan: list[tuple[Payment, int]] = []
    left = wanted
    for payment in payments:
        share = min(left, payment.amount - payment.refunded_amount)
        if share > 0:
            _check_supported(payment, share, backends)
            plan.append((payment, share))
            left -= share
    await AuditLog.create(
        actor=admin,
        action=AuditAction.order_refund,
        target=f"order:{order.id}",
        data={"amount": wanted, "currency": order.currency, "reason": reason[:300]},
    )
    done: list[Refund] = []
    for payment, share in plan:
        done.append(
            await _refund_payment(
                order, payment, share, admin, backends, events, request_key, reason
            )
        )
    return RefundResult(done, await _is_refunded(order.id))


def _check_supported(payment: Payment, amount: int, backends: RefundBackends) -> None:
    channel = PaymentChannel(payment.channel)
    if backends.outside and channel is not PaymentChannel.stars:
        return
    if channel is PaymentChannel.stars:
        if amount != payment.amount or payment.refunded_amount:
            raise RefundUnsupported(reason="stars_partial")
        if backends.refund_stars is None:
            raise RefundUnsupported(reason="no_provider")
        return
    if backends.gateway is None:
        raise RefundUnsupported(reason="no_provider")
    if channel is PaymentChannel.telegram and not payment.provider_charge_id:
        raise RefundUnsupported(reason="no_provider")


async def _refund_payment(
    order: Order,
    payment: Payment,
    amount: int,
    admin: User | None,
    backends: RefundBackends,
    events: ShopEvents,
    request_key: str,
    reason: str,
) -> Refund:
    key = refund_key(request_key, payment.id)
    try:
        async with in_transaction():
            refund = await Refund.create(
                payment_id=payment.id,
                amount=amount,
                currency=payment.currency,
                status=RefundStatus.pending,
                idempotence_key=key,
                reason=reason[:500],
                requested_by_id=admin.id if admin else None,
            )
            reserved = await Payment.filter(
                id=payment.id, refunded_amount__lte=payment.amount - amount
            ).update(refunded_amount=F("refunded_amount") + amount)
            if not reserved:
                fresh = await Payment.get(id=payment.id)
                raise OverRefund(
                    requested=amount,
                    available=fresh.amount - fresh.refunded_amount,
                    currency=payment.currency,
                )
    except IntegrityError:  # the same request, concurrently
        return await Refund.get(idempotence_key=key)
    return await _ask_provider(refund, payment, order, backends, events)


async def _ask_provider(
    refund: Refund,
    payment: Payment,
    order: Order,
    backends: RefundBackends,
    events: ShopEvents,
) -> Refund:
    """Make the payment provider give the money back; settle, release or leave pending."""
    channel = PaymentChannel(payment.channel)
    try:
        if backends.outside and channel is not PaymentChannel.stars:
            external_id, status = f"outside-{refund.id}", "succeeded"
        elif channel is PaymentChannel.stars:
            assert backends.refund_stars is not None and payment.external_id is not None
            user = await User.get(id=payment.user_id)
            await backends.refund_stars(int(user.tg_id or 0), payment.external_id)
            external_id = f"stars-refund-{refund.id}"
            status = "succeeded"
        else:
            assert backends.gateway is not None
            target = (
                payment.provider_charge_id
                if channel is PaymentChannel.telegram
                else payment.external_id
            )
            assert target is not None
            receipt = None
            if backends.receipt is not None:
                receipt = await backends.receipt(order, payment, refund.amount)
            if receipt is not None:  # YooKassa sends it with the refund
                await receipts.record_refund_receipt(refund, ReceiptStatus.pending)
            remote = await backends.gateway.create_refund(
                payment_id=target,
                amount=refund.amount,
                currency=refund.currency,
                idempotence_key=refund.idempotence_key,
                description=f"Возврат по заказу №{order.id}",
                receipt=receipt,
            )
            external_id, status = remote.id, remote.status
    except GatewayTimeout:
        logger.warning("Refund {}: YooKassa did not answer; it stays pending", refund.id)
        await schedule_check(refund.id)
        return refund
    except GatewayError as exc:
        await _release(refund, str(exc.details.get("reason", "rejected")))
        raise RefundFailed(reason=str(exc.details.get("reason", "rejected"))) from exc
    except Exception as exc:  # Telegram refused the Stars refund
        await _release(refund, str(exc))
        raise RefundFailed(reason=str(exc)[:200]) from exc
    if status == "canceled":
        await _release(refund, "canceled by the payment provider")
        raise RefundFailed(reason="canceled")
    await Refund.filter(id=refund.id, external_id__isnull=True).update(external_id=external_id)
    if status == "succeeded":
        await complete_refund(refund.id, events)
    await refund.refresh_from_db()
    return refund


async def _release(refund: Refund, why: str) -> None:
    """The provider refused: the refund is cancelled and its amount is free again, once."""
    async with in_transaction():
        if await Refund.filter(id=refund.id, status=RefundStatus.pending).update(
            status=RefundStatus.canceled, reason=(refund.reason + f" [{why}]")[:1000]
        ):
            await Payment.filter(id=refund.payment_id).update(
                refunded_amount=F("refunded_amount") - refund.amount
            )
    if await Receipt.exists(refund_id=refund.id):
        await receipts.record_refund_receipt(refund, ReceiptStatus.canceled)
    logger.warning("Refund {} refused: {}", refund.id, why)


# Completing ----------------------------------------------------------------------------------


async def complete_refund(refund_id: int, events: ShopEvents) -> bool:
    """The money went back: reverse the postings and, when all is back, refund the order.

    Once: the refund moves from pending to succeeded by a conditional update in the same
    transaction as its postings. Returns whether this call did it.
    """
    refund = await Refund.get(id=refund_id)
    payment = await Payment.get(id=refund.payment_id)
    postings = await _reversal(payment, refund)
    change: orders.Change | None = None
    async with in_transaction():
        if not await Refund.filter(id=refund.id, status=RefundStatus.pending).update(
            status=RefundStatus.succeeded, completed_at=datetime.now(UTC)
        ):
            return False
        await ledger.post(
            f"refund:{refund.id}",
            LedgerKind.refund,
            postings,
            description=ledger.order_description(payment.order_id),
            allow_overdraft=True,
        )
        if payment.order_id is not None and await _fully_refunded(payment.order_id):
            # A paid order cancelled before (its money comes back after) stays cancelled.
            with suppress(IllegalTransition):
                change = await orders.apply_transition(
                    payment.order_id,
                    OrderStatus.refunded,
                    role=ActorRole.system,
                    actor=None,
                    reason=refund.reason[:200],
                )
    logger.info("Refund {} of payment {} completed", refund.id, payment.id)
    if await Receipt.exists(refund_id=refund.id):
        await receipts.record_refund_receipt(refund)
    if change is not None:
        await orders.announce(events, change)
    if payment.order_id is not None:
        order = await Order.get(id=payment.order_id)
        await refund.refresh_from_db()
        await events.refunded(order, refund)
    return True


async def _reversal(payment: Payment, refund: Refund) -> list[Posting]:
    """The payment's postings turned around, in proportion to the refunded part.

    Each share other than the holder's (the provider's, or the customer's wallet) is the
    change in its proportional share of everything refunded so far, so a refund in parts
    gives back exactly the original commission (and promo expense); the holder balances it.
    """
    assert payment.external_id is not None
    original = await LedgerTransaction.get(
        reference=payment_reference(payment.external_id, PaymentChannel(payment.channel))
    )
    entries = await LedgerEntry.filter(transaction_id=original.id).prefetch_related("account")
    clearing = next(
        e for e in entries if e.amount < 0 and e.account.kind is not AccountKind.platform
    )
    shared = [e for e in entries if e.account.kind is AccountKind.platform]
    holder = next(e for e in entries if e is not clearing and e not in shared)
    postings = [Posting(clearing.account, refund.amount)]
    parts = 0
    if shared:
        before = await _refunded_before(refund)
        after = before + refund.amount
        for entry in shared:
            part = _share(entry.amount, payment.amount, after) - _share(
                entry.amount, payment.amount, before
            )
            if part:
                postings.append(Posting(entry.account, -part))
                parts += part
    if refund.amount - parts:
        postings.append(Posting(holder.account, -(refund.amount - parts)))
    return postings


def _share(total: int, whole: int, part: int) -> int:
    """`total` × part / whole, rounded half up, in integers."""
    return (2 * total * part + whole) // (2 * whole)


async def _refunded_before(refund: Refund) -> int:
    earlier = await Refund.filter(
        payment_id=refund.payment_id, status=RefundStatus.succeeded, id__lt=refund.id
    )
    return sum(r.amount for r in earlier)


async def _fully_refunded(order_id: int) -> bool:
    paid = await Payment.filter(order_id=order_id, status=PaymentStatus.succeeded)
    return bool(paid) and all(p.refunded_amount >= p.amount for p in paid)


async def _is_refunded(order_id: int) -> bool:
    order = await Order.get(id=order_id)
    return order.status is OrderStatus.refunded


# Deferred refunds (jobs) ------------------------------------------------------------------------

CHECK_AFTER = timedelta(minutes=3)
LATE_PAYMENT_REASON = "payment arrived after the order closed"
"""The reason of a refund of money no order waited for (the customer is told why)."""


async def schedule_check(refund_id: int, *, after: timedelta = CHECK_AFTER) -> None:
    """Ask the payment provider again about a refund left pending (a job, once per refund)."""
    await jobs.enqueue(
        JobKind.refund_check,
        JobKind.refund_check.key(refund_id),
        {"refund_id": refund_id},
        due_at=datetime.now(UTC) + after,
        max_attempts=40,
    )


async def check_refund(refund_id: int, backends: RefundBackends, events: ShopEvents) -> None:
    """Ask again (same key) about a refund whose answer never came: settle or release it.

    Raises jobs.Retry while the payment provider still does not answer.
    """
    refund = await Refund.get_or_none(id=refund_id)
    if refund is None or refund.status is not RefundStatus.pending:
        return
    payment = await Payment.get(id=refund.payment_id)
    order = await Order.get(id=payment.order_id) if payment.order_id else None
    if order is None:
        raise jobs.Fail(f"refund {refund.id} belongs to no order")
    try:
        await _ask_provider(refund, payment, order, backends, events)
    except RefundFailed as error:
        raise jobs.Fail(f"the provider refused refund {refund.id}: {error.details}") from error
    await refund.refresh_from_db()
    if refund.status is RefundStatus.pending:
        raise jobs.Retry("the payment provider has not answered yet")


async def refund_cancelled_order(
    order_id: int, backends: RefundBackends, events: ShopEvents
) -> None:
    """A paid order was cancelled: give back everything paid for it, once (keyed by the order).

    A refund the bot cannot make (no channel for it, the provider refused) fails the job, which
    alerts the admins to refund it by hand (`/refund`).
    """
    try:
        await refund_order(
            order_id,
            None,
            admin=None,
            backends=backends,
            events=events,
            request_key=f"cancel-{order_id}",
            reason="order cancelled",
        )
    except NothingToRefund:
        return
    except DomainError as error:
        raise jobs.Fail(
            f"order {order_id} was cancelled after payment but its refund failed "
            f"({error.code}: {error.details}): refund it with /refund"
        ) from error


async def refund_late_payment(
    payment_id: int, backends: RefundBackends, events: ShopEvents
) -> None:
    """Money that arrived when no order waited for it (cancelled meanwhile, paid twice) goes
    back in full, once; the customer is told why by the refund event."""
    payment = await Payment.get_or_none(id=payment_id)
    if payment is None or payment.amount <= payment.refunded_amount:
        return
    order = await Order.get_or_none(id=payment.order_id) if payment.order_id else None
    if order is None:
        raise jobs.Fail(f"late payment {payment_id} belongs to no order: refund it by hand")
    key = refund_key(f"late-{payment.id}", payment.id)
    existing = await Refund.get_or_none(idempotence_key=key)
    if existing is not None:
        if existing.status is RefundStatus.pending:
            await check_refund(existing.id, backends, events)
        return
    amount = payment.amount - payment.refunded_amount
    try:
        _check_supported(payment, amount, backends)
        await AuditLog.create(
            actor=None,
            action=AuditAction.payment_refund_late,
            target=f"payment:{payment.id}",
            data={"amount": amount, "currency": payment.currency, "order": order.id},
        )
        await _refund_payment(
            order,
            payment,
            amount,
            None,
            backends,
            events,
            f"late-{payment.id}",
            LATE_PAYMENT_REASON,
        )
    except DomainError as error:
        raise jobs.Fail(
            f"payment {payment_id} arrived for order {order.id} that no longer waited for it, "
            f"and its refund failed ({error.code}: {error.details}): refund it by hand"
        ) from error
