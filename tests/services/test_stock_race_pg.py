"""Races on PostgreSQL, where transactions really run side by side (SQLite serialises them).

The issue's proof: 50 customers race for 10 items → exactly 10 orders, 40 "sold out", stock 0.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta

import pytest
from tortoise import Tortoise

from core.errors import IllegalTransition, InvalidInput, SoldOut
from db import close_db, init_db
from db.models import (
    ActorRole,
    CartItem,
    ConsentKind,
    Fulfilment,
    Order,
    OrderItem,
    OrderStatus,
    OrderTransition,
    Product,
    Role,
    User,
)
from services import cart, consent, orders
from services.checkout import CheckoutDraft, delivery_slots, new_checkout_key, place_order
from services.checkout import slots as checkout_slots
from services.events import ShopEvents
from tests.services.shop_data import (
    RULES,
    make_product,
    make_provider,
    make_user,
    order_in,
    recording_events,
)

pytestmark = pytest.mark.postgres

POOL_SIZE = 30
"""asyncpg's pool in Tortoise defaults to 5 connections, which would queue most of the racers;
30 lets 30 transactions run at once and stays well under PostgreSQL's 100 connections."""


@pytest.fixture
async def racing_db(pg_migrated_url: str) -> AsyncIterator[None]:
    """A migrated PostgreSQL database reached through a pool big enough for real races."""
    await init_db(f"{pg_migrated_url}?maxsize={POOL_SIZE}")
    connection = Tortoise.get_connection("default")
    assert getattr(connection, "pool_maxsize", None) == POOL_SIZE
    yield
    await close_db()


async def customers_with_one_in_cart(count: int, product: Product) -> list[User]:
    people = [await make_user() for _ in range(count)]
    for person in people:
        await cart.add(person, product.id)
    return people


async def all_place_at_once(
    people: list[User],
    events: ShopEvents,
    draft: CheckoutDraft | None = None,
    checkout_key: str | None = None,
) -> list[Order | BaseException]:
    """Everyone presses "Place order" at the same moment (each on a screen of their own unless
    `checkout_key` is given); refusals are returned, not raised."""
    return await asyncio.gather(
        *(
            place_order(
                person,
                draft or CheckoutDraft(),
                settings=RULES,
                checkout_key=checkout_key or new_checkout_key(),
                events=events,
            )
            for person in people
        ),
        return_exceptions=True,
    )


async def stock_of(product: Product) -> int:
    return (await Product.get(id=product.id)).stock


@pytest.mark.usefixtures("racing_db")
async def test_fifty_customers_racing_for_ten_items_get_ten_orders() -> None:
    shop = await make_provider(low_stock_threshold=3)
    tea = await make_product(shop, "Tea", stock=10)
    people = await customers_with_one_in_cart(50, tea)
    events, recorder = recording_events()
    watching = True
    lowest = 10

    async def watch_stock() -> None:
        nonlocal lowest
        while watching:
            lowest = min(lowest, await stock_of(tea))
            await asyncio.sleep(0)

    watcher = asyncio.create_task(watch_stock())
    results = await all_place_at_once(people, events)
    watching = False
    await watcher

    kinds = Counter(type(result).__name__ for result in results)
    assert kinds == {"Order": 10, "SoldOut": 40}, results
    sold_out = [r for r in results if isinstance(r, SoldOut)]
    assert all(r.details == {"title": "Tea", "available": 0} for r in sold_out)
    assert await stock_of(tea) == 0 and lowest >= 0
    assert await Order.all().count() == 10
    assert sum(await OrderItem.all().values_list("quantity", flat=True)) == 10  # type: ignore[arg-type]
    winners = {r.customer_id for r in results if isinstance(r, Order)}
    assert await CartItem.filter(user_id__in=list(winners)).count() == 0
    assert await CartItem.all().count() == 40  # losers keep their carts
    assert len(recorder.changes) == 10


@pytest.mark.usefixtures("racing_db")
async def test_orders_of_several_items_never_oversell() -> None:
    shop = await make_provider()
    tea = await make_product(shop, "Tea", stock=10)
    people = [await make_user() for _ in range(12)]
    for person in people:
        await cart.add(person, tea.id, 3)
    events, _ = recording_events()

    results = await all_place_at_once(people, events)

    kinds = Counter(type(result).__name__ for result in results)
    assert kinds == {"Order": 3, "SoldOut": 9}, results
    assert await stock_of(tea) == 1


@pytest.mark.usefixtures("racing_db")
async def test_ten_clicks_on_place_order_make_one_order() -> None:
    customer = await make_user()
    tea = await make_product(await make_provider(), "Tea", stock=1)
    await cart.add(customer, tea.id)
    events, recorder = recording_events()

    results = await all_place_at_once([customer] * 10, events, checkout_key="one-screen")

    assert all(isinstance(r, Order) for r in results), results
    assert len({r.id for r in results if isinstance(r, Order)}) == 1
    assert await Order.all().count() == 1
    assert await stock_of(tea) == 0
    assert len(recorder.changes) == 1


@pytest.mark.usefixtures("racing_db")
async def test_twenty_concurrent_accepts_change_the_order_once() -> None:
    owner = await make_user(Role.provider)
    shop = await make_provider(owner)
    order = await order_in(OrderStatus.paid, await make_user(), shop)
    events, recorder = recording_events()

    results = await asyncio.gather(
        *(
            orders.transition(
                order.id,
                OrderStatus.accepted,
                role=ActorRole.provider,
                actor=owner,
                events=events,
                provider_id=shop.id,
            )
            for _ in range(20)
        ),
        return_exceptions=True,
    )

    kinds = Counter(type(result).__name__ for result in results)
    assert kinds == {"Change": 1, "IllegalTransition": 19}, results
    assert all(
        r.details["current"] == "accepted" for r in results if isinstance(r, IllegalTransition)
    )
    assert (await Order.get(id=order.id)).status is OrderStatus.accepted
    assert await OrderTransition.filter(order_id=order.id).count() == 2
    assert recorder.changes == [(order.id, OrderStatus.paid, OrderStatus.accepted)]


@pytest.mark.usefixtures("racing_db")
async def test_cancel_racing_expiry_releases_stock_once() -> None:
    customer = await make_user()
    admin = await make_user(Role.admin)
    tea = await make_product(await make_provider(), "Tea", stock=5)
    await cart.add(customer, tea.id, 4)
    events, recorder = recording_events()
    order = await place_order(
        customer, CheckoutDraft(), settings=RULES, checkout_key="k", events=events
    )
    assert order.expires_at is not None
    recorder.changes.clear()

    def cancel(role: ActorRole, actor: User | None) -> Awaitable[orders.Change]:
        return orders.transition(
            order.id, OrderStatus.cancelled, role=role, actor=actor, events=events, reason="x"
        )

    overdue = order.expires_at + timedelta(seconds=1)
    results = await asyncio.gather(
        *(cancel(ActorRole.customer, customer) for _ in range(5)),
        *(cancel(ActorRole.admin, admin) for _ in range(5)),
        *(orders.expire_unpaid(events, now=overdue) for _ in range(5)),
        return_exceptions=True,
    )

    changes = [r for r in results if isinstance(r, orders.Change)]
    expired = sum(r for r in results if isinstance(r, int))
    refused = [r for r in results if isinstance(r, IllegalTransition)]
    assert len(changes) + expired == 1 and len(refused) == 10 - len(changes), results
    assert await stock_of(tea) == 5
    assert await OrderTransition.filter(order_id=order.id).count() == 2
    assert len(recorder.changes) == 1


@pytest.mark.usefixtures("racing_db")
async def test_people_racing_for_a_delivery_slot_never_overbook_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(checkout_slots, "SLOT_CAPACITY", 2)
    tea = await make_product(await make_provider(), "Tea", stock=100)
    people = await customers_with_one_in_cart(12, tea)
    for person in people:
        await consent.record(person, ConsentKind.personal_data, granted=True, version="1")
    evening = delivery_slots(datetime.now(UTC), RULES.timezone)[-1]
    draft = CheckoutDraft(
        fulfilment=Fulfilment.delivery,
        address="Lenina 5",
        phone="+79990001122",
        delivery_slot=evening.id,
    )

    results = await all_place_at_once(people, ShopEvents(), draft)

    placed = [result for result in results if isinstance(result, Order)]
    refused = [result for result in results if not isinstance(result, Order)]
    assert len(placed) == 2, results
    assert all(
        isinstance(error, InvalidInput) and error.details.get("reason") == "taken"
        for error in refused
    ), refused
    assert await Order.filter(delivery_slot=evening.stored).count() == 2
    assert await stock_of(tea) == 98
