"""The order state machine: the only way an order's status changes.

pending payment → paid → accepted → in work → ready for pickup | out for delivery → completed,
with `placed` (cash at hand-over) standing in for pending payment + paid; cancelled and
refunded branches. Every change is a conditional update from the expected status, so a double
click or two racing actors change the order once, and every change is stored as a transition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from core.errors import IllegalTransition, InvalidInput, NotFound, NothingToSend
from core.money import STARS
from db.models import (
    ActorRole,
    Fulfilment,
    Job,
    Order,
    OrderStatus,
    OrderTransition,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Product,
    ProductKind,
    User,
)
from services import catalog_versions, jobs, loyalty, reviews
from services import promo as promos
from services.catalog import PAGE_SIZE, STOCK_TRACKED, Page, paginate
from services.events import ShopEvents
from services.jobs import JobKind

OPEN_PAYMENT_GRACE = timedelta(hours=1)

S = OrderStatus
R = ActorRole
STAFF = frozenset({R.provider, R.admin})
REFUNDABLE_BY = frozenset({R.admin, R.system})

TRANSITIONS: dict[OrderStatus, dict[OrderStatus, frozenset[ActorRole]]] = {
    S.pending_payment: {
        S.paid: frozenset({R.system}),
        S.cancelled: frozenset({R.customer, R.system, R.admin}),
    },
    S.placed: {
        S.accepted: STAFF,
        S.cancelled: frozenset({R.customer, R.provider, R.admin}),
    },
    S.paid: {
        S.accepted: STAFF,
        S.cancelled: frozenset({R.customer, R.provider, R.admin}),
        S.refunded: REFUNDABLE_BY,
    },
    S.accepted: {S.in_work: STAFF, S.cancelled: STAFF, S.refunded: REFUNDABLE_BY},
    S.in_work: {
        S.ready_for_pickup: STAFF,
        S.out_for_delivery: STAFF,
        S.cancelled: STAFF,
        S.refunded: REFUNDABLE_BY,
    },
    S.ready_for_pickup: {S.completed: STAFF, S.refunded: REFUNDABLE_BY},
    S.out_for_delivery: {S.completed: STAFF, S.refunded: REFUNDABLE_BY},
    S.completed: {S.refunded: REFUNDABLE_BY},
    S.cancelled: {},
    S.refunded: {},
}
"""from → to → who may do it."""

ACTIVE = frozenset(
    {S.placed, S.paid, S.accepted, S.in_work, S.ready_for_pickup, S.out_for_delivery}
)
RESERVING = frozenset({S.pending_payment, *ACTIVE})
"""Statuses whose order holds stock; leaving them for cancelled releases it."""
MONEY_IN = frozenset(
    {S.paid, S.accepted, S.in_work, S.ready_for_pickup, S.out_for_delivery, S.completed}
)
"""Statuses of an online order whose money is in (not cancelled, not refunded)."""
RESEND_COOLDOWN = timedelta(minutes=1)
"""A second "send again" within this time after a delivery is refused (a double click, spam)."""


@dataclass(frozen=True, slots=True)
class Change:
    """A transition that happened, and the keys of the jobs it wrote."""

    order: Order
    transition: OrderTransition
    jobs: tuple[str, ...] = ()


async def announce(events: ShopEvents, change: Change) -> None:
    """After the commit: tell listeners about the change and run the jobs it wrote."""
    await events.order_changed(change.order, change.transition)
    await events.jobs_added(change.jobs)


def allowed_targets(order: Order, role: ActorRole) -> list[OrderStatus]:
    """Statuses this actor may move the order to now (for buttons)."""
    targets = [to for to, roles in TRANSITIONS[order.status].items() if role in roles]
    return [to for to in targets if _fits_order(order, to)]


def _fits_order(order: Order, to: OrderStatus) -> bool:
    """Moves the table allows that this order's fulfilment or payment rules out."""
    if to is S.ready_for_pickup:
        return order.fulfilment is Fulfilment.pickup
    if to is S.out_for_delivery:
        return order.fulfilment is Fulfilment.delivery
    if to is S.refunded and order.payment_method is PaymentMethod.cash:
        return order.cash_confirmed  # cash never received cannot be given back
    return True


def _check(
    order: Order, to: OrderStatus, role: ActorRole, reason: str, cash_received: bool
) -> None:
    roles = TRANSITIONS[order.status].get(to)
    if roles is None or role not in roles or not _fits_order(order, to):
        raise IllegalTransition(order_id=order.id, current=order.status.value, target=to.value)
    needs_reason = role is R.admin or (to is S.cancelled and role is R.provider)
    if needs_reason and not reason.strip():
        raise InvalidInput(field="reason")
    if (
        to is S.completed
        and order.payment_method is PaymentMethod.cash
        and not (order.cash_confirmed or cash_received)
    ):
        raise InvalidInput(field="cash_received")


async def transition(
    order_id: int,
    to: OrderStatus,
    *,
    role: ActorRole,
    actor: User | None,
    events: ShopEvents,
    reason: str = "",
    cash_received: bool = False,
    provider_id: int | None = None,
) -> Change:
    """Move an order; refused (IllegalTransition) unless the table allows it from its status.

    `provider_id` scopes a provider's action to their own orders (others are NotFound).
    """
    async with in_transaction():
        change = await apply_transition(
            order_id,
            to,
            role=role,
            actor=actor,
            reason=reason,
            cash_received=cash_received,
            provider_id=provider_id,
        )
    await announce(events, change)
    return change


async def apply_transition(
    order_id: int,
    to: OrderStatus,
    *,
    role: ActorRole,
    actor: User | None,
    reason: str = "",
    cash_received: bool = False,
    provider_id: int | None = None,
) -> Change:
    """`transition` inside the caller's database transaction, without announcing it.

    For callers that change more in the same transaction (a payment's settlement): they
    call `announce(events, change)` after their commit. The effects a status brings (a refund
    for a paid order cancelled, the closing receipt of a completed one, the digital goods of a
    paid one) are written here as jobs, in the same transaction.
    """
    order = await Order.get_or_none(id=order_id)
    if order is None or (provider_id is not None and order.provider_id != provider_id):
        raise NotFound(entity="order")
    if role is R.customer and (actor is None or order.customer_id != actor.id):
        raise NotFound(entity="order")
    _check(order, to, role, reason, cash_received)
    previous = order.status
    updates: dict[str, object] = {"status": to}
    if to is S.cancelled:
        updates["cancel_reason"] = reason.strip() or None
    if cash_received:
        updates["cash_confirmed"] = True
    changed = await Order.filter(id=order.id, status=previous).update(**updates)
    if not changed:  # somebody else changed it between our read and our write
        await order.refresh_from_db()
        raise IllegalTransition(order_id=order.id, current=order.status.value, target=to.value)
    if to in (S.cancelled, S.refunded) and previous in RESERVING:
        await release_stock(order)
    if to in (S.cancelled, S.refunded):
        await promos.release(order.id)  # its promo code's use goes back
    if to is S.refunded:
        await loyalty.take_back(order.id)  # the points it earned
    if to in (S.cancelled, S.refunded):
        await loyalty.give_back_spent(order)  # the points it was paid with
    record = await OrderTransition.create(
        order_id=order.id,
        from_status=previous,
        to_status=to,
        actor=actor,
        actor_role=role,
        reason=reason.strip(),
    )
    await order.refresh_from_db()
    return Change(order, record, await _effects(order, previous, to))


async def _effects(order: Order, previous: OrderStatus, to: OrderStatus) -> tuple[str, ...]:
    """Write the jobs this move brings; their keys."""
    wanted: list[JobKind] = []
    online = order.payment_method is PaymentMethod.online
    if to is S.cancelled and online and previous is not S.pending_payment:
        wanted.append(JobKind.refund_cancelled_order)
    if to is S.completed and online and order.currency != STARS:
        wanted.append(JobKind.closing_receipt)
    if to is S.completed and order.currency != STARS:
        wanted.append(JobKind.loyalty_earn)  # points for the goods, at the provider's rate
    if to is S.paid and await order.items.filter(kind=ProductKind.digital).exists():
        wanted.append(JobKind.deliver_digital)
    if to is S.completed:
        await reviews.request_review(order)  # a day later, if not rated by then
    keys = []
    for kind in wanted:
        key = kind.key(order.id)
        if await jobs.enqueue(kind, key, {"order_id": order.id}, once=True):
            keys.append(key)
    return tuple(keys)


def goods_are_paid(order: Order) -> bool:
    """Whether the order's digital goods may go to the customer: its money is in (a cash
    order once it is completed)."""
    if order.payment_method is PaymentMethod.online:
        return order.status in MONEY_IN
    return order.status is S.completed


def can_resend_digital(order: Order) -> bool:
    """Whether "send my files again" is offered for the order (its items prefetched)."""
    return goods_are_paid(order) and any(item.kind is ProductKind.digital for item in order.items)


async def resend_digital(user: User, order_id: int, events: ShopEvents) -> bool:
    """Queue the order's digital goods to the customer once more; False when a delivery is
    already on its way or has just been made (a double click sends once). NotFound for
    another person's order; NothingToSend when the order has no paid digital goods."""
    order = await customer_order(user, order_id)
    if not can_resend_digital(order):
        raise NothingToSend(order_id=order.id)
    key = JobKind.deliver_digital.key(order.id)
    recent = datetime.now(UTC) - RESEND_COOLDOWN
    if await Job.filter(key=key, finished_at__gte=recent).exists():
        return False
    if not await jobs.enqueue(JobKind.deliver_digital, key, {"order_id": order.id}):
        return False
    await events.jobs_added([key])
    return True


async def release_stock(order: Order) -> None:
    """Give reserved stock back, once per order (the flag makes it idempotent)."""
    if not await Order.filter(id=order.id, stock_released=False).update(stock_released=True):
        return
    released = False
    for item in await order.items.all():
        if item.product_id is not None and item.kind in STOCK_TRACKED:
            await Product.filter(id=item.product_id).update(stock=F("stock") + item.quantity)
            released = True
    if released:
        # In the caller's transaction (apply_transition): the storefront shows the stock back.
        await catalog_versions.bump([order.provider_id])


async def expire_unpaid(events: ShopEvents, now: datetime | None = None) -> int:
    """Cancel unpaid orders whose payment time ran out; returns how many.

    An order whose customer opened a payment less than OPEN_PAYMENT_GRACE ago is kept: they may
    be on the payment page right now, and the payment recheck job settles or closes it.
    """
    now = now or datetime.now(UTC)
    paying = await Payment.filter(
        status__in=(PaymentStatus.created, PaymentStatus.pending),
        created_at__gt=now - OPEN_PAYMENT_GRACE,
        order_id__isnull=False,
    ).values_list("order_id", flat=True)
    expired = (
        await Order.filter(status=S.pending_payment, expires_at__lt=now)
        .exclude(id__in=list(paying))
        .values_list("id", flat=True)
    )
    count = 0
    for order_id in expired:
        try:
            await transition(
                int(str(order_id)),
                S.cancelled,
                role=R.system,
                actor=None,
                events=events,
                reason="expired",
            )
            count += 1
        except IllegalTransition:
            continue  # paid or cancelled meanwhile
    return count


# Reading ------------------------------------------------------------------------------------


async def customer_orders(user: User, page: int = 1, per_page: int = PAGE_SIZE) -> Page[Order]:
    """The person's orders, newest first."""
    query = (
        Order.filter(customer_id=user.id)
        .order_by("-created_at", "-id")
        .prefetch_related("provider")
    )
    return await paginate(query, page, per_page)


async def customer_order(user: User, order_id: int) -> Order:
    """One of the person's orders with items, provider and history; NotFound for others'."""
    order = await Order.get_or_none(id=order_id, customer_id=user.id).prefetch_related(
        "items", "provider", "transitions"
    )
    if order is None:
        raise NotFound(entity="order")
    return order


async def provider_orders(
    provider_id: int,
    statuses: list[OrderStatus] | None = None,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> Page[Order]:
    """A provider's orders (optionally by status), newest first."""
    query = Order.filter(provider_id=provider_id)
    if statuses:
        query = query.filter(status__in=statuses)
    return await paginate(query.order_by("-created_at", "-id"), page, per_page)


async def provider_order(provider_id: int, order_id: int) -> Order:
    """One of the provider's orders; NotFound for other providers' orders."""
    order = await Order.get_or_none(id=order_id, provider_id=provider_id).prefetch_related(
        "items", "customer", "transitions"
    )
    if order is None:
        raise NotFound(entity="order")
    return order


async def history(order: Order) -> list[OrderTransition]:
    """The order's transitions, oldest first."""
    return list(await OrderTransition.filter(order_id=order.id).order_by("created_at", "id"))
