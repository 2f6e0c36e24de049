"""A cache of serialised responses that many read and few change (catalogue pages, cards).

Keys name everything a response depends on, the catalogue version included
(services.catalog_versions), so an entry is never invalidated: a change bumps the version and
the next reader asks for another key; the old entries age out of the LRU (and out of Redis by
their TTL). With Redis, entries are shared: a replica that has not built a page yet takes the
one another replica built.

Redis is an optimisation here, never a source of truth: when it fails, the cache answers from
the process alone (and logs), as the throttler does.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from loguru import logger
from redis.asyncio import Redis
from redis.exceptions import RedisError

REDIS_PREFIX = "prilavok:rc:"
DEFAULT_MAX_ENTRIES = 4096
DEFAULT_MAX_BYTES = 64 * 1024**2
DEFAULT_REDIS_TTL = 600
"""Seconds a shared entry lives in Redis: old versions' pages expire instead of piling up."""


@dataclass(frozen=True, slots=True)
class Entry:
    """A serialised body and its strong ETag (a digest of the body)."""

    body: bytes
    etag: str

    @classmethod
    def of(cls, body: bytes) -> Entry:
        """The entry for a body, its ETag computed."""
        return cls(body=body, etag='"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"')


class ReadCache:
    """A bounded LRU of bodies in the process, in front of Redis when there is one.

    `namespace` separates databases that share a Redis (staging and production, tests): the
    same shop id and version in two databases are different pages."""

    def __init__(
        self,
        redis: Redis | None = None,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        max_bytes: int = DEFAULT_MAX_BYTES,
        redis_ttl: int = DEFAULT_REDIS_TTL,
        namespace: str = "",
    ) -> None:
        self._redis = redis
        self._prefix = f"{REDIS_PREFIX}{namespace}:"
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._redis_ttl = redis_ttl
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._bytes = 0
        self._building: dict[str, asyncio.Future[Entry | None]] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: str) -> Entry | None:
        """The entry under `key`: from the process, else from Redis (kept locally then)."""
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            self.hits += 1
            return entry
        if self._redis is not None:
            try:
                body = await self._redis.get(self._prefix + key)
            except RedisError as exc:
                logger.warning("Read cache: Redis get failed, answering from the process: {}", exc)
                body = None
            if body is not None:
                entry = Entry.of(body if isinstance(body, bytes) else body.encode())
                self._keep(key, entry)
                self.hits += 1
                return entry
        self.misses += 1
        return None

    async def get_or_build(self, key: str, build: Callable[[], Awaitable[bytes]]) -> Entry:
        """The entry under `key`, built by `build` on a miss. Concurrent misses of one key
        wait for the first one's body instead of each building it (a flash sale bumps the
        version with every order, and 64 readers would otherwise all query at once); when
        that build fails, each of them builds (and fails) on its own."""
        entry = await self.get(key)
        if entry is not None:
            return entry
        pending = self._building.get(key)
        if pending is not None:
            entry = await asyncio.shield(pending)
            if entry is not None:
                return entry
            return await self.put(key, await build())
        future: asyncio.Future[Entry | None] = asyncio.get_running_loop().create_future()
        self._building[key] = future
        built: Entry | None = None
        try:
            built = await self.put(key, await build())
            return built
        finally:
            del self._building[key]
            future.set_result(built)  # None: the build failed, the waiters try themselves

    async def put(self, key: str, body: bytes) -> Entry:
        """Store a body under `key` (and share it through Redis)."""
        entry = Entry.of(body)
        self._keep(key, entry)
        if self._redis is not None:
            try:
                await self._redis.set(self._prefix + key, body, ex=self._redis_ttl)
            except RedisError as exc:
                logger.warning("Read cache: Redis set failed, kept in the process: {}", exc)
        return entry

    def _keep(self, key: str, entry: Entry) -> None:
        if len(entry.body) > self._max_bytes // 4:
            return  # one huge page must not push out everything else
        previous = self._entries.pop(key, None)
        if previous is not None:
            self._bytes -= len(previous.body)
        self._entries[key] = entry
        self._bytes += len(entry.body)
        while len(self._entries) > self._max_entries or self._bytes > self._max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= len(evicted.body)
