"""Scheduled jobs: unpaid orders expire every minute, on one replica per tick."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.triggers.interval import IntervalTrigger
from fakeredis import FakeAsyncRedis
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.factory import build_services
from bot.scheduler import EXPIRE_UNPAID, RUN_JOBS, create_scheduler, expire_unpaid_orders
from core.config import Settings
from db.models import Order, OrderStatus, Product
from services.container import Services
from tests.services.shop_data import make_product, make_provider, make_user, order_of

pytestmark = pytest.mark.usefixtures("db")

NOW = datetime(2025, 3, 1, 12, 0, 10, tzinfo=UTC)


@pytest.fixture
async def replicas(settings: Settings, fake_redis: FakeAsyncRedis) -> AsyncIterator[list[Services]]:
    """Two processes' service bags sharing one Redis."""
    built = [build_services(settings, redis=fake_redis) for _ in range(2)]
    yield built
    await fake_redis.aclose()


async def overdue_order(stock: int = 5, quantity: int = 2) -> tuple[Order, Product]:
    product = await make_product(await make_provider(), stock=stock)
    order = await order_of(await make_user(), product, quantity)
    await Order.filter(id=order.id).update(expires_at=NOW - timedelta(seconds=1))
    return order, product


async def test_the_job_cancels_an_overdue_order_and_returns_its_stock(services: Services) -> None:
    order, product = await overdue_order()
    assert services.redis is None

    assert await expire_unpaid_orders(services, now=NOW) == 1

    assert (await Order.get(id=order.id)).status is OrderStatus.cancelled
    assert (await Product.get(id=product.id)).stock == 5
    assert await expire_unpaid_orders(services, now=NOW) == 0  # without Redis every tick runs


async def test_with_two_replicas_one_runs_each_tick(replicas: list[Services]) -> None:
    first, second = replicas
    order, _ = await overdue_order()

    results = await asyncio.gather(
        expire_unpaid_orders(first, now=NOW), expire_unpaid_orders(second, now=NOW)
    )
    assert sorted(results, key=str) == [1, None]
    assert (await Order.get(id=order.id)).status is OrderStatus.cancelled

    later = NOW + timedelta(seconds=40)  # the same minute: the tick is taken
    assert await expire_unpaid_orders(first, now=later) is None
    assert await expire_unpaid_orders(second, now=later) is None

    next_tick = NOW + timedelta(minutes=1)
    assert await expire_unpaid_orders(second, now=next_tick) == 0
    assert await expire_unpaid_orders(first, now=next_tick) is None


async def test_a_redis_outage_does_not_stop_expiry(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    redis = FakeAsyncRedis()

    async def broken(*args: object, **kwargs: object) -> None:
        raise RedisConnectionError("connection refused")

    monkeypatch.setattr(redis, "set", broken)
    replica = build_services(settings, redis=redis)
    order, _ = await overdue_order()

    assert await expire_unpaid_orders(replica, now=NOW) == 1
    assert (await Order.get(id=order.id)).status is OrderStatus.cancelled


async def test_the_scheduler_runs_the_job_every_minute_in_its_own_store(
    services: Services,
) -> None:
    scheduler, other = create_scheduler(services), create_scheduler(services)
    scheduler.start(paused=True)  # job defaults are applied when the scheduler starts
    other.start(paused=True)
    try:
        job = scheduler.get_job(EXPIRE_UNPAID)
        assert job is not None
        assert isinstance(job.trigger, IntervalTrigger)
        assert job.trigger.interval == timedelta(minutes=1)
        assert (job.misfire_grace_time, job.coalesce, job.max_instances) == (30, True, 1)
        assert job.next_run_time - datetime.now(UTC) <= timedelta(minutes=1)
        store = scheduler._lookup_jobstore("default")
        assert isinstance(store, MemoryJobStore)
        assert store is not other._lookup_jobstore("default")
        assert sorted(j.id for j in other.get_jobs()) == sorted([EXPIRE_UNPAID, RUN_JOBS])
        runner = scheduler.get_job(RUN_JOBS)
        assert runner is not None and runner.trigger.interval == timedelta(seconds=5)
        # it starts at once: jobs left by a stopped process run within seconds of a restart
        assert runner.next_run_time - datetime.now(UTC) <= timedelta(seconds=1)
    finally:
        scheduler.shutdown(wait=False)
        other.shutdown(wait=False)


async def test_a_started_scheduler_expires_orders(services: Services) -> None:
    order, _ = await overdue_order()
    scheduler = create_scheduler(services)
    scheduler.start()
    try:
        scheduler.modify_job(EXPIRE_UNPAID, next_run_time=datetime.now(UTC))
        for _ in range(100):
            if (await Order.get(id=order.id)).status is OrderStatus.cancelled:
                break
            await asyncio.sleep(0.02)
    finally:
        scheduler.shutdown(wait=False)

    assert (await Order.get(id=order.id)).status is OrderStatus.cancelled
