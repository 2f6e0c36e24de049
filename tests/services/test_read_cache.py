"""The read cache: bounded, shared through Redis, one build per key however many ask at once."""

from __future__ import annotations

import asyncio

import pytest
from fakeredis import FakeAsyncRedis
from redis.exceptions import ConnectionError as RedisConnectionError

from services.read_cache import ReadCache


async def test_the_least_recently_used_entries_go_first() -> None:
    cache = ReadCache(max_entries=2)
    await cache.put("a", b"1")
    await cache.put("b", b"2")
    assert await cache.get("a") is not None  # "a" is now the most recent
    await cache.put("c", b"3")
    assert await cache.get("b") is None
    assert [await cache.get(key) is not None for key in ("a", "c")] == [True, True]
    assert len(cache) == 2


async def test_the_byte_budget_bounds_the_cache_too() -> None:
    cache = ReadCache(max_bytes=400)
    for key in "abcd":
        await cache.put(key, b"x" * 90)
    await cache.put("e", b"y" * 90)
    assert len(cache) == 4 and await cache.get("a") is None
    await cache.put("huge", b"z" * 200)  # over a quarter of the budget: not kept
    assert await cache.get("huge") is None


async def test_concurrent_misses_build_once() -> None:
    cache = ReadCache()
    builds = 0

    async def build() -> bytes:
        nonlocal builds
        builds += 1
        await asyncio.sleep(0.01)
        return b'{"page":1}'

    entries = await asyncio.gather(*(cache.get_or_build("k", build) for _ in range(20)))
    assert builds == 1
    assert {entry.etag for entry in entries} == {entries[0].etag}


async def test_when_the_first_build_fails_the_others_build_themselves() -> None:
    cache = ReadCache()
    calls = 0

    async def build() -> bytes:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        if calls == 1:
            raise LookupError("gone")
        return b"{}"

    results = await asyncio.gather(
        *(cache.get_or_build("k", build) for _ in range(3)), return_exceptions=True
    )
    assert isinstance(results[0], LookupError)
    assert all(not isinstance(result, Exception) for result in results[1:])


async def test_entries_are_shared_through_redis_per_database() -> None:
    redis = FakeAsyncRedis()
    one = ReadCache(redis, namespace="db1")
    other_process = ReadCache(redis, namespace="db1")
    other_database = ReadCache(redis, namespace="db2")
    entry = await one.put("catalog|p1:7|ru|", b'{"items":[]}')
    shared = await other_process.get("catalog|p1:7|ru|")
    assert shared is not None and shared.etag == entry.etag
    assert await other_database.get("catalog|p1:7|ru|") is None


async def test_a_broken_redis_leaves_the_process_cache_working(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    redis = FakeAsyncRedis()

    async def down(*_: object, **__: object) -> None:
        raise RedisConnectionError("down")

    monkeypatch.setattr(redis, "get", down)
    monkeypatch.setattr(redis, "set", down)
    cache = ReadCache(redis)
    await cache.put("k", b"{}")
    assert await cache.get("k") is not None
    assert await cache.get("other") is None
