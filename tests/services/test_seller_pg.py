"""Pickup by code on PostgreSQL, where scans really run side by side: ten devices scanning one
customer's code at once complete the order once; the others are told it was handed over."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from tortoise import Tortoise

from core.errors import PickupCodeUsed
from db import close_db, init_db
from db.models import Order, OrderStatus, OrderTransition
from services import seller
from tests.services.shop_data import make_provider, make_user, order_in, recording_events

pytestmark = pytest.mark.postgres

SCANS = 10
POOL_SIZE = 15


@pytest.fixture
async def racing_db(pg_migrated_url: str) -> AsyncIterator[None]:
    """A migrated PostgreSQL database with a pool that lets every scan run at once."""
    await init_db(f"{pg_migrated_url}?maxsize={POOL_SIZE}")
    assert getattr(Tortoise.get_connection("default"), "pool_maxsize", None) == POOL_SIZE
    yield
    await close_db()


@pytest.mark.usefixtures("racing_db")
async def test_simultaneous_scans_of_one_code_complete_the_order_once() -> None:
    owner, customer = await make_user(), await make_user()
    shop = await make_provider(owner)
    order = await order_in(OrderStatus.ready_for_pickup, customer, shop)
    events, recorder = recording_events()

    results = await asyncio.gather(
        *(seller.confirm_pickup(owner, "123456", events) for _ in range(SCANS)),
        return_exceptions=True,
    )

    completed = [r for r in results if not isinstance(r, BaseException)]
    assert len(completed) == 1, results
    assert all(isinstance(r, PickupCodeUsed) for r in results if r not in completed)
    assert (await Order.get(id=order.id)).status is OrderStatus.completed
    done = OrderTransition.filter(order_id=order.id, to_status=OrderStatus.completed)
    assert await done.count() == 1
    assert recorder.changes == [(order.id, OrderStatus.ready_for_pickup, OrderStatus.completed)]
