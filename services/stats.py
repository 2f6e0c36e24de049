"""The admin's figures: sales for a period, the funnel by link source, and their exports.

Days begin at midnight in TIMEZONE. An order is *sold* once its money is in: an online order
from `paid` on (until refunded or cancelled), a cash order when it is completed (handed over).
Conversion is the share of people who viewed a catalogue in the period and paid in it.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from db.models import (
    EventKind,
    Order,
    OrderItem,
    OrderStatus,
    PaymentMethod,
    ProductEvent,
    User,
)
from services import charts
from services.admin import PERIOD_DAYS, OrderPeriod, period_start

ONLINE_SOLD = frozenset(
    {
        OrderStatus.paid,
        OrderStatus.accepted,
        OrderStatus.in_work,
        OrderStatus.ready_for_pickup,
        OrderStatus.out_for_delivery,
        OrderStatus.completed,
    }
)
FUNNEL_STEPS = (
    EventKind.start,
    EventKind.catalog_viewed,
    EventKind.product_viewed,
    EventKind.cart_added,
    EventKind.checkout_started,
    EventKind.paid,
)
"""The steps of the funnel, in order; each counts people, not clicks."""
DIRECT = "direct"
"""The source of people who came without a /start payload."""
TOP = 5
CHART_DAYS_TODAY = 7
"""A chart of one day says nothing: today's figures come with the week's chart."""


@dataclass(frozen=True, slots=True)
class Sales:
    """Sales of a period (amounts in minor units, per currency)."""

    period: OrderPeriod
    since: datetime
    placed: int
    sold: int
    revenue: dict[str, int]
    average: dict[str, int]
    new_users: int
    viewers: int
    buyers: int
    top: list[tuple[str, int]]
    daily: list[tuple[date, dict[str, int], int]] = field(default_factory=list)

    @property
    def conversion(self) -> float | None:
        """Share (0–1) of catalogue viewers who paid; None without viewers."""
        return self.buyers / self.viewers if self.viewers else None


def is_sold(status: OrderStatus, method: PaymentMethod) -> bool:
    """Money in: online from paid on, cash once completed."""
    if method is PaymentMethod.cash:
        return status is OrderStatus.completed
    return status in ONLINE_SOLD


async def sales(period: OrderPeriod, timezone: str, now: datetime | None = None) -> Sales:
    """The sales figures of today, the last 7 or the last 30 days."""
    now = now or datetime.now(UTC)
    since = period_start(period, timezone, now)
    assert since is not None, "statistics need a bounded period"
    chart_since = since
    if period is OrderPeriod.today:
        chart_since = period_start(OrderPeriod.week, timezone, now) or since
    zone = ZoneInfo(timezone)
    rows = await Order.filter(created_at__gte=chart_since).values_list(
        "id", "status", "payment_method", "total", "currency", "created_at"
    )
    revenue: Counter[str] = Counter()
    sold_ids: list[int] = []
    placed = 0
    by_day: dict[date, Counter[str]] = defaultdict(Counter)
    sold_by_day: Counter[date] = Counter()
    for order_id, status, method, total, currency, created in rows:
        sold = is_sold(OrderStatus(status), PaymentMethod(method))
        if sold:
            day = created.astimezone(zone).date()
            by_day[day][currency] += total
            sold_by_day[day] += 1
        if created < since:
            continue
        placed += 1
        if sold:
            revenue[currency] += total
            sold_ids.append(order_id)
    sold_count = len(sold_ids)
    top: Counter[str] = Counter()
    for title, quantity in await OrderItem.filter(order_id__in=sold_ids).values_list(
        "title", "quantity"
    ):
        top[title] += quantity
    viewers = set(
        await ProductEvent.filter(
            kind=EventKind.catalog_viewed, created_at__gte=since, user_id__not_isnull=True
        ).values_list("user_id", flat=True)
    )
    buyers = set(
        await ProductEvent.filter(
            kind=EventKind.paid, created_at__gte=since, user_id__in=list(viewers)
        ).values_list("user_id", flat=True)
    )
    first = chart_since.astimezone(zone).date()
    last = now.astimezone(zone).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return Sales(
        period=period,
        since=since,
        placed=placed,
        sold=sold_count,
        revenue=dict(revenue),
        average={c: amount // sold_count for c, amount in revenue.items()} if sold_count else {},
        new_users=await User.filter(created_at__gte=since).count(),
        viewers=len(viewers),
        buyers=len(buyers),
        top=top.most_common(TOP),
        daily=[(day, dict(by_day.get(day, {})), sold_by_day.get(day, 0)) for day in days],
    )


@dataclass(frozen=True, slots=True)
class FunnelRow:
    """People of one source who reached each step (`counts` in FUNNEL_STEPS order)."""

    source: str
    counts: tuple[int, ...]

    @property
    def conversion(self) -> float | None:
        """Share (0–1) of those who started that paid."""
        return self.counts[-1] / self.counts[0] if self.counts[0] else None


def source_group(payload: str | None) -> str:
    """The source of a /start payload: the payload itself (a campaign's own link), direct
    without one; referral links are grouped (one per person would drown the report)."""
    if not payload:
        return DIRECT
    if payload.startswith("ref_"):
        return "ref"
    return payload


async def funnel(
    period: OrderPeriod, timezone: str, now: datetime | None = None
) -> list[FunnelRow]:
    """Who started in the period (by their first start's source) and how far they got."""
    since = period_start(period, timezone, now or datetime.now(UTC))
    assert since is not None
    starts = await (
        ProductEvent.filter(kind=EventKind.start, created_at__gte=since, user_id__not_isnull=True)
        .order_by("created_at", "id")
        .values_list("user_id", "source")
    )
    source_of: dict[int, str] = {}
    for user_id, source in starts:
        source_of.setdefault(user_id, source_group(source))
    reached: dict[EventKind, set[int]] = defaultdict(set)
    steps = await ProductEvent.filter(
        created_at__gte=since, user_id__in=list(source_of), kind__in=list(FUNNEL_STEPS[1:])
    ).values_list("user_id", "kind")
    for user_id, kind in steps:
        reached[EventKind(kind)].add(user_id)
    rows = []
    for source in sorted(set(source_of.values()), key=lambda s: (s != DIRECT, s)):
        people = {user for user, group in source_of.items() if group == source}
        counts = [len(people)] + [len(people & reached[step]) for step in FUNNEL_STEPS[1:]]
        rows.append(FunnelRow(source, tuple(counts)))
    rows.sort(key=lambda row: -row.counts[0])
    return rows


def funnel_csv(rows: list[FunnelRow], headings: list[str]) -> bytes:
    """The funnel as a CSV for Excel with Russian settings (BOM, `;`, decimal comma)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(headings)
    for row in rows:
        share = row.conversion
        writer.writerow(
            [
                row.source,
                *row.counts,
                "" if share is None else f"{share * 100:.1f}".replace(".", ","),
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode()


@dataclass(frozen=True, slots=True)
class ChartLabels:
    """The chart's words, in the reader's language (the face translates them)."""

    title: str
    revenue: str
    orders: str


async def chart_png(sales: Sales, currency: str, labels: ChartLabels) -> bytes:
    """Revenue (bars) and sold orders (line) per day, as a PNG (drawn in a thread)."""
    unit = 100 if currency == "RUB" else 1
    return await charts.bars_and_line_png(
        [day.strftime("%d.%m") for day, _, _ in sales.daily],
        [by_currency.get(currency, 0) / unit for _, by_currency, _ in sales.daily],
        [count for _, _, count in sales.daily],
        title=labels.title,
        bars_label=labels.revenue,
        line_label=labels.orders,
    )


def chart_days(period: OrderPeriod) -> int:
    """How many days the period's chart shows."""
    return CHART_DAYS_TODAY if period is OrderPeriod.today else PERIOD_DAYS[period] + 1
