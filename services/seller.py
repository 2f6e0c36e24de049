"""Seller mode: what a shop's staff see and do, the same for the chat and the Mini App.

Staff of a shop are the people who own it (`catalog.providers_of`), as in the chat's /shop.
Someone on no shop's staff is refused with NotStaff (403 in the API); an order, shop or
product of a shop the person is not on the staff of is NotFound (never revealed). Every status
change goes through `services.orders.transition`, so guards, history, jobs and the customer's
notifications are those of the chat's buttons.

Pickup confirmation: the customer shows the QR code of the order's six-digit `pickup_code`
(not unique across orders); the code completes the one order of the seller's shops that
carries it and is ready for pickup. A second scan of the same code finds that order completed
and is refused as used, so a double scan completes once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from tortoise.functions import Count, Sum

from core.errors import (
    IllegalTransition,
    InvalidInput,
    NotFound,
    NotStaff,
    PickupCodeAmbiguous,
    PickupCodeUnknown,
    PickupCodeUsed,
    PickupNotReady,
)
from db.models import (
    ActorRole,
    Fulfilment,
    Order,
    OrderItem,
    OrderStatus,
    PaymentMethod,
    Product,
    Provider,
    User,
)
from services import catalog, orders, payouts
from services.catalog import PAGE_SIZE, STOCK_TRACKED, Page, paginate
from services.events import ShopEvents
from services.orders import ACTIVE, Change

S = OrderStatus
PICKUP_CODE_RE = re.compile(r"^\d{6}$")
_CODE_SEPARATORS = re.compile(r"[\s\-\u00a0]")
TOP_PRODUCTS = 5
LOW_STOCK_LIMIT = 100
SOLD = frozenset({*ACTIVE, S.completed})
"""Orders that count as sales: placed and neither cancelled, refunded nor waiting for payment."""


class OrderFilter(StrEnum):
    """The seller's order lists, by what the orders wait for."""

    open = "open"
    new = "new"
    accepted = "accepted"
    in_work = "in_work"
    ready = "ready"
    completed = "completed"
    cancelled = "cancelled"
    all = "all"


FILTERS: dict[OrderFilter, tuple[OrderStatus, ...]] = {
    OrderFilter.open: tuple(sorted(ACTIVE)),
    OrderFilter.new: (S.placed, S.paid),
    OrderFilter.accepted: (S.accepted,),
    OrderFilter.in_work: (S.in_work,),
    OrderFilter.ready: (S.ready_for_pickup, S.out_for_delivery),
    OrderFilter.completed: (S.completed,),
    OrderFilter.cancelled: (S.cancelled, S.refunded),
    OrderFilter.all: (),
}


class Period(StrEnum):
    """The dashboard's periods, in the platform's time zone."""

    today = "today"
    week = "week"
    month = "month"


@dataclass(frozen=True, slots=True)
class Amount:
    """Money in one currency, minor units."""

    currency: str
    amount: int


@dataclass(frozen=True, slots=True)
class Sales:
    """Orders sold in a period and their revenue per currency."""

    period: Period
    since: datetime
    orders: int
    revenue: list[Amount]


@dataclass(frozen=True, slots=True)
class TopProduct:
    """A product by what it sold this month."""

    title: str
    product_id: int | None
    quantity: int
    revenue: Amount


@dataclass(frozen=True, slots=True)
class Dashboard:
    """A shop at a glance: sales, best sellers, money, what waits."""

    provider: Provider
    sales: list[Sales]
    top_products: list[TopProduct]
    balances: list[payouts.Balance]
    waiting: int
    low_stock: int


# Who is staff --------------------------------------------------------------------------------


async def staff_shops(user: User) -> list[Provider]:
    """The shops the person is on the staff of (empty for a customer)."""
    return await catalog.providers_of(user)


async def staff_of(user: User, provider_id: int | None = None) -> list[Provider]:
    """The person's shops, or the one asked for; NotStaff for a customer, NotFound for a
    shop the person is not on the staff of."""
    shops = await staff_shops(user)
    if not shops:
        raise NotStaff()
    if provider_id is None:
        return shops
    chosen = [shop for shop in shops if shop.id == provider_id]
    if not chosen:
        raise NotFound(entity="provider")
    return chosen


async def shop(user: User, provider_id: int | None = None) -> Provider:
    """One of the person's shops (the first when none is named)."""
    return (await staff_of(user, provider_id))[0]


# Orders --------------------------------------------------------------------------------------


def start_of_day(now: datetime, timezone: str) -> datetime:
    """Local midnight of `now`'s day in the zone, as an aware datetime."""
    local = now.astimezone(ZoneInfo(timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


async def seller_orders(
    user: User,
    *,
    provider_id: int | None = None,
    order_filter: OrderFilter = OrderFilter.open,
    today_only: bool = False,
    timezone: str = "UTC",
    page: int = 1,
    per_page: int = PAGE_SIZE,
    now: datetime | None = None,
) -> Page[Order]:
    """The orders of the person's shops (or of one), newest first, by list and day."""
    shops = await staff_of(user, provider_id)
    query = Order.filter(provider_id__in=[s.id for s in shops])
    statuses = FILTERS[order_filter]
    if statuses:
        query = query.filter(status__in=list(statuses))
    if today_only:
        query = query.filter(created_at__gte=start_of_day(now or datetime.now(UTC), timezone))
    query = query.order_by("-created_at", "-id").prefetch_related("provider", "customer")
    return await paginate(query, page, per_page)


async def seller_order(user: User, order_id: int) -> Order:
    """One order of the person's shops with items, customer, provider and history."""
    shops = await staff_of(user)
    order = await Order.get_or_none(
        id=order_id, provider_id__in=[s.id for s in shops]
    ).prefetch_related("items", "customer", "provider", "transitions")
    if order is None:
        raise NotFound(entity="order")
    return order


def actions(order: Order) -> list[OrderStatus]:
    """The statuses staff may move the order to now (the chat's buttons)."""
    return orders.allowed_targets(order, ActorRole.provider)


async def change_status(
    user: User, order_id: int, to: OrderStatus, events: ShopEvents, reason: str = ""
) -> Change:
    """Move an order of the person's shops as its staff, through the state machine.

    Completing a cash order records the cash as received (staff hand it over for the money);
    cancelling needs a reason the customer is told. A stale request (a double click, an order
    that changed meanwhile) is IllegalTransition.
    """
    order = await seller_order(user, order_id)
    cash_received = to is S.completed and order.payment_method is PaymentMethod.cash
    return await orders.transition(
        order.id,
        to,
        role=ActorRole.provider,
        actor=user,
        events=events,
        reason=reason,
        cash_received=cash_received,
        provider_id=order.provider_id,
    )


# Pickup by code ------------------------------------------------------------------------------


def normalize_pickup_code(text: str) -> str:
    """'123 456', '123-456' → '123456'; InvalidInput unless six digits remain."""
    code = _CODE_SEPARATORS.sub("", text or "")
    if not PICKUP_CODE_RE.match(code):
        raise InvalidInput(field="pickup_code")
    return code


async def confirm_pickup(
    user: User, code: str, events: ShopEvents, provider_id: int | None = None
) -> Change:
    """Hand over the order of the person's shops whose pickup code this is: ready for pickup
    → completed, through the state machine (cash counted as received).

    Refused with PickupCodeUnknown (no such code in these shops: a typo, another shop's
    order), PickupCodeUsed (already handed over: a second scan), PickupNotReady (the order is
    not ready, or was cancelled) and PickupCodeAmbiguous (two ready orders share the code).
    """
    code = normalize_pickup_code(code)
    shops = await staff_of(user, provider_id)
    candidates = list(
        await Order.filter(provider_id__in=[s.id for s in shops], pickup_code=code).order_by(
            "-created_at", "-id"
        )
    )
    ready = [order for order in candidates if order.status is S.ready_for_pickup]
    if len(ready) > 1:
        raise PickupCodeAmbiguous(orders=", ".join(f"#{order.id}" for order in ready))
    if not ready:
        raise _not_ready(candidates)
    order = ready[0]
    try:
        return await orders.transition(
            order.id,
            S.completed,
            role=ActorRole.provider,
            actor=user,
            events=events,
            cash_received=order.payment_method is PaymentMethod.cash,
            provider_id=order.provider_id,
        )
    except IllegalTransition:
        # Another scan (a double tap, a second device) completed it a moment ago.
        await order.refresh_from_db()
        raise _not_ready([order]) from None


def _not_ready(candidates: Sequence[Order]) -> Exception:
    """Why none of the orders with the code can be handed over now."""
    # A delivery order's code is never shown as a pickup QR: it names no pickup.
    pickups = [order for order in candidates if order.fulfilment is Fulfilment.pickup]
    if not pickups:
        return PickupCodeUnknown()
    order = pickups[0]  # the newest: an old order may share the code by chance
    if order.status is S.completed:
        return PickupCodeUsed(order_id=order.id)
    return PickupNotReady(order_id=order.id, status=OrderStatus(order.status).value)


# Stock and dashboard -------------------------------------------------------------------------


async def low_stock(user: User, provider_id: int | None = None) -> list[Product]:
    """Visible stock-counted products of the person's shops (or of one) below their shop's
    low-stock threshold, fewest first."""
    found: list[Product] = []
    for provider in await staff_of(user, provider_id):
        found += await Product.filter(
            provider_id=provider.id,
            kind__in=list(STOCK_TRACKED),
            is_active=True,
            stock__lt=provider.low_stock_threshold,
        ).prefetch_related("provider")
    found.sort(key=lambda product: (product.stock, product.title, product.id))
    return found[:LOW_STOCK_LIMIT]


def period_starts(now: datetime, timezone: str) -> dict[Period, datetime]:
    """When today, this week (from Monday) and this month began in the zone."""
    day = start_of_day(now, timezone)
    return {
        Period.today: day,
        Period.week: day - timedelta(days=day.weekday()),
        Period.month: day.replace(day=1),
    }


async def _sales(provider_id: int, period: Period, since: datetime) -> Sales:
    rows = (
        await Order.filter(provider_id=provider_id, status__in=list(SOLD), created_at__gte=since)
        .annotate(revenue=Sum("total"), count=Count("id"))
        .group_by("currency")
        .values("currency", "revenue", "count")
    )
    return Sales(
        period=period,
        since=since,
        orders=sum(int(row["count"] or 0) for row in rows),
        revenue=[
            Amount(str(row["currency"]), int(row["revenue"] or 0))
            for row in sorted(rows, key=lambda row: str(row["currency"]) != "RUB")
        ],
    )


async def _top_products(provider_id: int, since: datetime) -> list[TopProduct]:
    rows = await OrderItem.filter(
        order__provider_id=provider_id, order__status__in=list(SOLD), order__created_at__gte=since
    ).values("product_id", "title", "quantity", "price", "currency")
    quantities: dict[tuple[str, str], int] = {}
    revenues: dict[tuple[str, str], int] = {}
    names: dict[tuple[str, str], tuple[str, int | None]] = {}
    for row in rows:
        product_id = row["product_id"]
        key = (str(product_id or row["title"]), str(row["currency"]))
        names.setdefault(key, (str(row["title"]), int(product_id) if product_id else None))
        quantities[key] = quantities.get(key, 0) + int(row["quantity"])
        revenues[key] = revenues.get(key, 0) + int(row["quantity"]) * int(row["price"])
    ranked = sorted(quantities, key=lambda key: (-quantities[key], -revenues[key], key))
    return [
        TopProduct(
            title=names[key][0],
            product_id=names[key][1],
            quantity=quantities[key],
            revenue=Amount(key[1], revenues[key]),
        )
        for key in ranked[:TOP_PRODUCTS]
    ]


async def dashboard(
    user: User, provider_id: int | None, timezone: str, now: datetime | None = None
) -> Dashboard:
    """Sales today, this week and this month, the month's best sellers, the balance (from the
    ledger, with what payout requests hold), orders waiting and products running out."""
    provider = await shop(user, provider_id)
    starts = period_starts(now or datetime.now(UTC), timezone)
    sales = [await _sales(provider.id, period, since) for period, since in starts.items()]
    waiting = await Order.filter(
        provider_id=provider.id, status__in=list(FILTERS[OrderFilter.new])
    ).count()
    return Dashboard(
        provider=provider,
        sales=sales,
        top_products=await _top_products(provider.id, starts[Period.month]),
        balances=await payouts.balances(provider.id),
        waiting=waiting,
        low_stock=len(await low_stock(user, provider.id)),
    )
