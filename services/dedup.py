"""Suppress duplicate deliveries of the same Telegram update."""

from __future__ import annotations

from collections import OrderedDict
from typing import Protocol

from redis.asyncio import Redis

DEFAULT_TTL_SECONDS = 24 * 3600


class UpdateDeduplicator(Protocol):
    """Says whether an update id is seen for the first time."""

    async def first_time(self, bot_id: int, update_id: int) -> bool:
        """True the first time, False for every repeat within the window."""


class MemoryDeduplicator:
    """Bounded in-process memory of recent update ids (single replica only)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._seen: OrderedDict[tuple[int, int], None] = OrderedDict()
        self._capacity = capacity

    async def first_time(self, bot_id: int, update_id: int) -> bool:
        """Remember the id; forget the oldest once over capacity."""
        key = (bot_id, update_id)
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        return True


class RedisDeduplicator:
    """`SET NX` with a TTL: one winner across all replicas."""

    def __init__(self, redis: Redis, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> None:
        self._redis = redis
        self._ttl = ttl_seconds

    async def first_time(self, bot_id: int, update_id: int) -> bool:
        """Atomically claim the update id."""
        claimed = await self._redis.set(f"upd:{bot_id}:{update_id}", 1, nx=True, ex=self._ttl)
        return bool(claimed)
