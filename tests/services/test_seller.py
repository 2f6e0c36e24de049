"""Seller mode's rules: who is staff, pickup by code, lists, low stock and the dashboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

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
    OrderStatus,
    OrderTransition,
    PaymentMethod,
    Product,
)
from services import seller
from services.seller import OrderFilter, Period
from tests.services.shop_data import (
    make_product,
    make_provider,
    make_user,
    order_in,
    recording_events,
)

pytestmark = pytest.mark.usefixtures("db")

S = OrderStatus


async def test_a_customer_is_not_staff_and_another_shop_is_not_found() -> None:
    owner, other_owner, customer = await make_user(), await make_user(), await make_user()
    mine, theirs = await make_provider(owner), await make_provider(other_owner)
    order = await order_in(S.paid, customer, theirs)
    events, _ = recording_events()

    with pytest.raises(NotStaff):
        await seller.seller_orders(customer)
    with pytest.raises(NotStaff):
        await seller.seller_order(customer, order.id)
    with pytest.raises(NotFound):
        await seller.seller_order(owner, order.id)
    with pytest.raises(NotFound):
        await seller.change_status(owner, order.id, S.accepted, events)
    with pytest.raises(NotFound):
        await seller.seller_orders(owner, provider_id=theirs.id)
    assert (await Order.get(id=order.id)).status is S.paid
    assert [s.id for s in await seller.staff_shops(owner)] == [mine.id]


async def test_a_pickup_code_completes_its_order_once() -> None:
    owner, customer = await make_user(), await make_user()
    shop = await make_provider(owner)
    order = await order_in(S.ready_for_pickup, customer, shop)
    events, recorder = recording_events()

    change = await seller.confirm_pickup(owner, " 123 456 ", events)

    assert change.order.id == order.id and change.order.status is S.completed
    assert recorder.changes == [(order.id, S.ready_for_pickup, S.completed)]
    last = await OrderTransition.filter(order_id=order.id).order_by("-id").first()
    assert last is not None and last.actor_role is ActorRole.provider
    assert last.actor_id == owner.id  # type: ignore[attr-defined]

    with pytest.raises(PickupCodeUsed) as second:
        await seller.confirm_pickup(owner, "123456", events)
    assert second.value.details["order_id"] == order.id
    assert len(recorder.changes) == 1
    assert await OrderTransition.filter(order_id=order.id, to_status=S.completed).count() == 1


async def test_a_cash_order_handed_over_by_code_counts_the_cash() -> None:
    owner, customer = await make_user(), await make_user()
    shop = await make_provider(owner)
    order = await order_in(S.ready_for_pickup, customer, shop, payment_method=PaymentMethod.cash)
    await seller.confirm_pickup(owner, "123456", recording_events()[0])
    order = await Order.get(id=order.id)
    assert order.status is S.completed and order.cash_confirmed


async def test_wrong_and_foreign_codes_are_refused_and_change_nothing() -> None:
    owner, other_owner, customer = await make_user(), await make_user(), await make_user()
    mine, theirs = await make_provider(owner), await make_provider(other_owner)
    foreign = await order_in(S.ready_for_pickup, customer, theirs)
    events, recorder = recording_events()

    for bad in ("12345", "1234567", "abcdef", ""):
        with pytest.raises(InvalidInput):
            await seller.confirm_pickup(owner, bad, events)
    with pytest.raises(PickupCodeUnknown):
        await seller.confirm_pickup(owner, "123456", events)  # the other shop's order
    with pytest.raises(NotStaff):
        await seller.confirm_pickup(customer, "123456", events)

    in_work = await order_in(S.in_work, customer, mine)
    with pytest.raises(PickupNotReady) as early:
        await seller.confirm_pickup(owner, "123456", events)
    assert early.value.details == {"order_id": in_work.id, "status": "in_work"}
    assert (await Order.get(id=foreign.id)).status is S.ready_for_pickup
    assert (await Order.get(id=in_work.id)).status is S.in_work
    assert recorder.changes == []


async def test_two_ready_orders_with_one_code_are_not_guessed_between() -> None:
    owner, customer = await make_user(), await make_user()
    shop = await make_provider(owner)
    first = await order_in(S.ready_for_pickup, customer, shop)
    second = await order_in(S.ready_for_pickup, customer, shop)
    with pytest.raises(PickupCodeAmbiguous):
        await seller.confirm_pickup(owner, "123456", recording_events()[0])
    assert {o.status for o in await Order.filter(id__in=[first.id, second.id])} == {
        S.ready_for_pickup
    }


async def test_a_stale_status_change_is_refused_like_the_chat_refuses_it() -> None:
    owner, customer = await make_user(), await make_user()
    shop = await make_provider(owner)
    order = await order_in(S.paid, customer, shop)
    events, recorder = recording_events()
    await seller.change_status(owner, order.id, S.accepted, events)
    with pytest.raises(IllegalTransition):
        await seller.change_status(owner, order.id, S.accepted, events)
    with pytest.raises(InvalidInput):
        await seller.change_status(owner, order.id, S.cancelled, events)  # no reason
    assert recorder.changes == [(order.id, S.paid, S.accepted)]
    assert seller.actions(await Order.get(id=order.id)) == [S.in_work, S.cancelled]


async def test_orders_by_list_and_day() -> None:
    owner, customer = await make_user(), await make_user()
    shop = await make_provider(owner)
    new = await order_in(S.paid, customer, shop)
    done = await order_in(S.completed, customer, shop)
    old = await order_in(S.paid, customer, shop)
    await Order.filter(id=old.id).update(created_at=datetime.now(UTC) - timedelta(days=3))

    def ids(page: seller.Page[Order]) -> list[int]:
        return [o.id for o in page.items]

    assert ids(await seller.seller_orders(owner)) == [new.id, old.id]
    assert ids(await seller.seller_orders(owner, order_filter=OrderFilter.completed)) == [done.id]
    assert ids(await seller.seller_orders(owner, order_filter=OrderFilter.all)) == [
        done.id,
        new.id,
        old.id,
    ]
    today = await seller.seller_orders(owner, today_only=True, timezone="Europe/Moscow")
    assert new.id in ids(today) and old.id not in ids(today)
    paged = await seller.seller_orders(owner, order_filter=OrderFilter.all, per_page=2, page=2)
    assert ids(paged) == [old.id] and paged.pages == 2


async def test_low_stock_lists_visible_products_below_their_shops_threshold() -> None:
    owner = await make_user()
    shop = await make_provider(owner, low_stock_threshold=3)
    low = await make_product(shop, "Honey", stock=2)
    empty = await make_product(shop, "Jam", stock=0)
    await make_product(shop, "Tea", stock=3)
    hidden = await make_product(shop, "Salt", stock=1)
    await Product.filter(id=hidden.id).update(is_active=False)
    assert [p.id for p in await seller.low_stock(owner)] == [empty.id, low.id]


async def test_the_dashboard_counts_sales_top_products_and_balance() -> None:
    owner, customer = await make_user(), await make_user()
    shop = await make_provider(owner)
    honey = await make_product(shop, "Honey", price=50000, stock=20)
    tea = await make_product(shop, "Tea", price=10000, stock=20)
    await order_in(S.completed, customer, shop, product=honey, quantity=2)
    await order_in(S.paid, customer, shop, product=tea, quantity=3)
    await order_in(S.cancelled, customer, shop, product=honey, quantity=5)
    await order_in(S.pending_payment, customer, shop, product=honey, quantity=5)
    old = await order_in(S.completed, customer, shop, product=tea, quantity=1)
    now = datetime(2026, 3, 18, 12, tzinfo=UTC)  # a Wednesday
    await Order.filter(id=old.id).update(created_at=now - timedelta(days=40))
    await Order.filter(id__not=old.id).update(created_at=now - timedelta(hours=1))

    board = await seller.dashboard(owner, None, "Europe/Moscow", now=now)

    by_period = {sales.period: sales for sales in board.sales}
    assert by_period[Period.today].orders == 2
    assert [(a.currency, a.amount) for a in by_period[Period.month].revenue] == [("RUB", 130000)]
    assert [(p.title, p.quantity, p.revenue.amount) for p in board.top_products] == [
        ("Tea", 3, 30000),
        ("Honey", 2, 100000),
    ]
    assert board.waiting == 1
    assert board.provider.id == shop.id
    assert board.balances == []  # nothing paid through the ledger yet


async def test_a_delivery_order_is_never_handed_over_by_a_pickup_code() -> None:
    owner, customer = await make_user(), await make_user()
    shop = await make_provider(owner)
    await order_in(S.out_for_delivery, customer, shop, fulfilment=Fulfilment.delivery)
    with pytest.raises(PickupCodeUnknown):
        await seller.confirm_pickup(owner, "123456", recording_events()[0])


async def test_an_old_order_with_the_same_code_does_not_hide_the_new_ones_state() -> None:
    owner, customer = await make_user(), await make_user()
    shop = await make_provider(owner)
    old = await order_in(S.completed, customer, shop)
    await Order.filter(id=old.id).update(created_at=datetime.now(UTC) - timedelta(days=30))
    new = await order_in(S.in_work, customer, shop)
    with pytest.raises(PickupNotReady) as refused:
        await seller.confirm_pickup(owner, "123456", recording_events()[0])
    assert refused.value.details["order_id"] == new.id
