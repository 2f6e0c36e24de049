"""Update de-duplication, flood control and FSM storage, in memory and on Redis.

Real-Redis variants run when TEST_REDIS_URL is set; they use random ids and delete their keys,
so they can share a Redis with other test runs.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import limits
import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage as MemoryFSMStorage
from aiogram.fsm.storage.redis import RedisStorage as RedisFSMStorage
from fakeredis import FakeAsyncRedis, FakeServer
from limits.aio.storage import MemoryStorage
from loguru import logger
from redis.asyncio import Redis

from bot.factory import build_services, create_storage
from core.config import Settings
from services.dedup import DEFAULT_TTL_SECONDS, MemoryDeduplicator, RedisDeduplicator
from services.throttle import Throttler, Verdict
from tests.conftest import REDIS_URL

ALLOW, NOTIFY, DROP = Verdict.allow, Verdict.notify, Verdict.drop
Connect = Callable[[], Redis]


def random_id() -> int:
    return secrets.randbelow(10**12) + 10**12


@pytest.fixture(params=["fakeredis", pytest.param("redis", marks=pytest.mark.redis)])
async def connect(request: pytest.FixtureRequest) -> AsyncIterator[Connect]:
    """Opens clients of one Redis server: a fake one, or the real one of TEST_REDIS_URL."""
    clients: list[Redis] = []
    if request.param == "redis":
        if not REDIS_URL:
            pytest.skip("TEST_REDIS_URL is not set")
        url = REDIS_URL

        def new_client() -> Redis:
            clients.append(Redis.from_url(url))
            return clients[-1]
    else:
        server = FakeServer()

        def new_client() -> Redis:
            clients.append(FakeAsyncRedis(server=server))
            return clients[-1]

    yield new_client
    for client in clients:
        await client.aclose()


async def verdicts(throttler: Throttler, user: int, count: int) -> list[Verdict]:
    return [await throttler.check(user) for _ in range(count)]


# --- De-duplication -------------------------------------------------------------------------


async def test_memory_dedup_lets_each_update_through_once() -> None:
    dedup = MemoryDeduplicator()

    assert await dedup.first_time(1, 100)
    assert not await dedup.first_time(1, 100)
    assert not await dedup.first_time(1, 100)
    assert await dedup.first_time(1, 101)
    assert await dedup.first_time(2, 100), "another bot's update 100 is a different update"


async def test_memory_dedup_forgets_the_oldest_beyond_capacity() -> None:
    dedup = MemoryDeduplicator(capacity=3)
    for update_id in (1, 2, 3, 4):
        assert await dedup.first_time(7, update_id)

    assert await dedup.first_time(7, 1), "the oldest id was forgotten"
    assert not await dedup.first_time(7, 4), "recent ids are still remembered"
    assert not await dedup.first_time(7, 3)


async def test_redis_dedup_claims_an_update_once_with_a_ttl(connect: Connect) -> None:
    redis = connect()
    bot_id, update_id = random_id(), 5
    dedup = RedisDeduplicator(redis)
    try:
        assert await dedup.first_time(bot_id, update_id)
        assert not await dedup.first_time(bot_id, update_id)
        assert await dedup.first_time(bot_id, update_id + 1)
        ttl = await redis.ttl(f"upd:{bot_id}:{update_id}")
        assert 0 < ttl <= DEFAULT_TTL_SECONDS, "keys must expire, or Redis grows forever"
    finally:
        await redis.delete(f"upd:{bot_id}:{update_id}", f"upd:{bot_id}:{update_id + 1}")


async def test_redis_dedup_has_one_winner_among_concurrent_replicas(connect: Connect) -> None:
    replicas = [RedisDeduplicator(connect()) for _ in range(4)]
    bot_id = random_id()
    try:
        results = await asyncio.gather(
            *(replicas[i % len(replicas)].first_time(bot_id, 1) for i in range(20))
        )
        assert results.count(True) == 1
    finally:
        await connect().delete(f"upd:{bot_id}:1")


async def test_a_new_replica_sees_updates_claimed_before_it_started(connect: Connect) -> None:
    bot_id = random_id()
    try:
        assert await RedisDeduplicator(connect()).first_time(bot_id, 9)
        assert not await RedisDeduplicator(connect()).first_time(bot_id, 9)
    finally:
        await connect().delete(f"upd:{bot_id}:9")


# --- Flood control --------------------------------------------------------------------------


async def test_a_flood_gets_one_notice_then_silence() -> None:
    throttler = Throttler(MemoryStorage(), limits.parse("3/minute"))

    assert await verdicts(throttler, 1, 7) == [ALLOW] * 3 + [NOTIFY] + [DROP] * 3


async def test_one_persons_flood_does_not_throttle_another() -> None:
    throttler = Throttler(MemoryStorage(), limits.parse("2/minute"))
    await verdicts(throttler, 1, 5)

    assert await verdicts(throttler, 2, 3) == [ALLOW, ALLOW, NOTIFY]


async def test_messages_pass_again_when_the_window_moves_on() -> None:
    throttler = Throttler(MemoryStorage(), limits.parse("2/second"))
    assert await verdicts(throttler, 1, 3) == [ALLOW, ALLOW, NOTIFY]

    await asyncio.sleep(1.1)

    # The message window passed; the notice budget (one a minute) did not.
    assert await verdicts(throttler, 1, 3) == [ALLOW, ALLOW, DROP]


@pytest.mark.redis
async def test_throttle_state_lives_in_redis_when_configured(
    real_redis: Redis, make_settings: Callable[..., Settings]
) -> None:
    services = build_services(make_settings(redis_url=REDIS_URL, throttle_rate="2/second"))
    user = random_id()
    try:
        assert await verdicts(services.throttler, user, 4) == [ALLOW, ALLOW, NOTIFY, DROP]
        keys = await real_redis.keys(f"*{user}*")
        assert keys, "the throttler did not write to Redis"

        # A second replica (new services, same Redis) shares the count.
        replica = build_services(make_settings(redis_url=REDIS_URL, throttle_rate="2/second"))
        try:
            assert await replica.throttler.check(user) is DROP
            await asyncio.sleep(1.1)
            assert await replica.throttler.check(user) is ALLOW
        finally:
            await replica.close()
    finally:
        keys = await real_redis.keys(f"*{user}*")
        if keys:
            await real_redis.delete(*keys)
        await services.close()


@pytest.mark.redis
async def test_closing_services_closes_the_throttles_redis_connections(
    real_redis: Redis, make_settings: Callable[..., Settings]
) -> None:
    name = f"prilavok-test-{secrets.token_hex(4)}"
    services = build_services(make_settings(redis_url=f"{REDIS_URL}?client_name={name}"))
    user = random_id()
    await services.throttler.check(user)
    await services.dedup.first_time(user, 1)
    assert await connections_named(real_redis, name) > 0

    await real_redis.delete(*await real_redis.keys(f"*{user}*"))
    await services.close()

    for _ in range(50):
        if await connections_named(real_redis, name) == 0:
            break
        await asyncio.sleep(0.01)
    assert await connections_named(real_redis, name) == 0


async def connections_named(redis: Redis, name: str) -> int:
    return sum(1 for client in await redis.client_list() if client.get("name") == name)


async def test_a_unix_socket_redis_url_reaches_redis_py(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """`limits` takes a bare unix:// URL for Valkey and fails without the valkey package.

    With redis-py behind it, a missing socket is a connection error, which the throttler
    survives by letting the person through (and logging the socket it tried).
    """
    socket = tmp_path / "no-redis.sock"
    services = build_services(make_settings(redis_url=f"unix://{socket}"))
    logged: list[str] = []
    sink = logger.add(logged.append, level="WARNING", format="{message}")
    try:
        assert await services.throttler.check(1) is Verdict.allow
    finally:
        logger.remove(sink)
        await services.close()
    assert any(str(socket) in line for line in logged), logged


# --- FSM storage ------------------------------------------------------------------------------


async def test_fsm_state_survives_a_restart_with_redis(
    connect: Connect, make_settings: Callable[..., Settings]
) -> None:
    key = StorageKey(bot_id=random_id(), chat_id=random_id(), user_id=random_id())
    before = create_storage(build_services(make_settings(), redis=connect()))
    assert isinstance(before, RedisFSMStorage)
    await before.set_state(key, "Checkout:address")
    await before.set_data(key, {"cart": [1, 2], "note": "у подъезда"})
    await before.close()

    after = create_storage(build_services(make_settings(), redis=connect()))
    try:
        assert await after.get_state(key) == "Checkout:address"
        assert await after.get_data(key) == {"cart": [1, 2], "note": "у подъезда"}
    finally:
        await after.set_state(key, None)
        await after.set_data(key, {})
        await after.close()


async def test_fsm_state_in_memory_is_lost_on_restart(
    make_settings: Callable[..., Settings],
) -> None:
    """The contrast that makes the test above meaningful."""
    key = StorageKey(bot_id=1, chat_id=2, user_id=2)
    before = create_storage(build_services(make_settings()))
    assert isinstance(before, MemoryFSMStorage)
    await before.set_state(key, "Checkout:address")

    after = create_storage(build_services(make_settings()))

    assert await after.get_state(key) is None
