"""Product events: batched off the request path, never lost at a clean stop; sales figures."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from db.models import EventChannel, EventKind, OrderStatus, PaymentMethod, ProductEvent
from services.admin import OrderPeriod
from services.analytics import EventRecorder
from services.stats import ChartLabels, chart_png, funnel, is_sold, sales, source_group
from tests.services.shop_data import make_product, make_provider, make_user, order_in

pytestmark = pytest.mark.usefixtures("db")


async def test_events_are_written_in_one_batch_after_a_moment() -> None:
    recorder = EventRecorder(flush_delay=0.05)
    for number in range(3):
        recorder.record(EventKind.catalog_viewed, EventChannel.app, user_id=number + 1)
    assert await ProductEvent.all().count() == 0  # nothing on the request path
    await asyncio.sleep(0.3)
    assert await ProductEvent.all().count() == 3


async def test_a_full_batch_is_written_at_once_and_close_writes_the_rest() -> None:
    recorder = EventRecorder(flush_delay=60, batch=5)
    for number in range(5):
        recorder.record(EventKind.product_viewed, user_id=1, product_id=number + 1)
    await asyncio.sleep(0.1)
    assert await ProductEvent.all().count() == 5  # not a minute later: the batch is full
    for number in range(2):
        recorder.record(EventKind.product_viewed, user_id=1, product_id=number + 6)
    await asyncio.sleep(0.1)
    assert await ProductEvent.all().count() == 5
    await recorder.close()
    assert await ProductEvent.all().count() == 7
    assert await recorder.flush() == 0


async def test_a_repeat_within_a_quarter_of_an_hour_is_noted_once() -> None:
    now = [900.0 * 1000 + 10]
    recorder = EventRecorder(flush_delay=60, clock=lambda: now[0])
    for _ in range(50):  # one person scrolling the catalogue
        recorder.record(EventKind.catalog_viewed, EventChannel.app, user_id=1, provider_id=1)
    recorder.record(EventKind.catalog_viewed, EventChannel.app, user_id=2, provider_id=1)
    recorder.record(EventKind.catalog_viewed, EventChannel.chat, user_id=1, provider_id=1)
    recorder.record(EventKind.product_viewed, EventChannel.app, user_id=1, product_id=3)
    now[0] += 889  # still the same quarter
    recorder.record(EventKind.catalog_viewed, EventChannel.app, user_id=1, provider_id=1)
    now[0] += 2  # the next quarter: a new day in some zone may have begun
    recorder.record(EventKind.catalog_viewed, EventChannel.app, user_id=1, provider_id=1)
    await recorder.close()
    assert await ProductEvent.filter(user_id=1, kind=EventKind.catalog_viewed).count() == 3
    assert await ProductEvent.all().count() == 5


async def test_long_sources_are_cut_and_referrals_grouped() -> None:
    recorder = EventRecorder()
    recorder.record(EventKind.start, user_id=1, source="x" * 100)
    await recorder.close()
    event = await ProductEvent.get(user_id=1)
    assert event.source == "x" * 64
    assert source_group("ref_AbC123") == "ref" and source_group(None) == "direct"


async def test_sold_means_money_in() -> None:
    assert is_sold(OrderStatus.paid, PaymentMethod.online)
    assert not is_sold(OrderStatus.accepted, PaymentMethod.cash)  # not handed over yet
    assert is_sold(OrderStatus.completed, PaymentMethod.cash)
    assert not is_sold(OrderStatus.refunded, PaymentMethod.online)
    assert not is_sold(OrderStatus.pending_payment, PaymentMethod.online)


async def test_sales_of_a_week_with_the_chart() -> None:
    shop = await make_provider(name="Lavka")
    tea = await make_product(shop, title="Tea", price=10000, stock=50)
    ann = await make_user()
    await order_in(OrderStatus.paid, ann, shop, product=tea, quantity=2)
    await order_in(OrderStatus.completed, ann, shop, product=tea, payment_method=PaymentMethod.cash)
    await order_in(OrderStatus.cancelled, ann, shop, product=tea)
    await order_in(OrderStatus.accepted, ann, shop, product=tea, payment_method=PaymentMethod.cash)
    week = await sales(OrderPeriod.week, "Europe/Moscow")
    assert week.placed == 4 and week.sold == 2
    assert week.revenue == {"RUB": 30000} and week.average == {"RUB": 15000}
    assert week.top == [("Tea", 3)]
    assert len(week.daily) == 7 and week.daily[-1][2] == 2
    picture = await chart_png(week, "RUB", ChartLabels("Revenue", "RUB", "Orders"))
    assert picture.startswith(b"\x89PNG")
    later = await sales(
        OrderPeriod.today, "Europe/Moscow", now=datetime.now(UTC) + timedelta(days=3)
    )
    assert later.sold == 0 and len(later.daily) == 7  # today's chart shows the week


async def test_funnel_counts_people_once_per_step_by_their_first_source() -> None:
    recorder = EventRecorder()
    for kind in (EventKind.start, EventKind.catalog_viewed, EventKind.catalog_viewed):
        recorder.record(kind, user_id=1, source="promo" if kind is EventKind.start else None)
    recorder.record(EventKind.start, user_id=1, source="later")  # the first source counts
    recorder.record(EventKind.start, user_id=2)
    recorder.record(EventKind.paid, user_id=2)
    await recorder.close()
    rows = {row.source: row.counts for row in await funnel(OrderPeriod.week, "Europe/Moscow")}
    assert rows == {"promo": (1, 1, 0, 0, 0, 0), "direct": (1, 0, 0, 0, 0, 1)}
