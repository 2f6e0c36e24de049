"""Authenticated users kept in memory for a short while: a known person's read request costs
no query and no write.

An entry lives `ttl` seconds and only while Telegram's profile (names, username, language)
is the one stored; `last_seen_at` is written at most once per `SEEN_RESOLUTION`, batched, by a
background task, never on the request. A change of the row through the services (ban, erasure,
role, phone, language) drops the entry at once (`services.users.user_changed`); with Redis the
change is stamped there, and every process checks the stamp of the person on each hit, so a
ban in one replica stops the next request in all of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

from loguru import logger
from redis.asyncio import Redis
from redis.exceptions import RedisError

from db.models import User
from services.users import (
    SEEN_RESOLUTION,
    ChatDefaults,
    TelegramProfile,
    listen_to_user_changes,
    stop_listening,
    upsert_user,
)

REDIS_PREFIX = "prilavok:user-changed:"
DEFAULT_TTL = 60.0
DEFAULT_MAX_ENTRIES = 10_000
DEFAULT_FLUSH_DELAY = 2.0
"""Seconds `last_seen_at` writes are gathered before one UPDATE writes them all."""


@dataclass(slots=True)
class _Entry:
    user: User
    profile: TelegramProfile
    loaded: float
    """time.monotonic() of the database read."""
    stamp: bytes | None
    """The person's change stamp in Redis as it was before the read."""


class UserCache:
    """Users by Telegram id: bounded (LRU), short-lived, dropped when they change."""

    def __init__(
        self,
        redis: Redis | None = None,
        *,
        ttl: float = DEFAULT_TTL,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        flush_delay: float = DEFAULT_FLUSH_DELAY,
        defaults: ChatDefaults | None = None,
    ) -> None:
        self._redis = redis
        self._defaults = defaults
        self._ttl = ttl
        self._max_entries = max_entries
        self._flush_delay = flush_delay
        self._entries: OrderedDict[int, _Entry] = OrderedDict()
        self._seen: dict[int, datetime] = {}
        self._flusher: asyncio.Task[None] | None = None
        listen_to_user_changes(self)

    def __len__(self) -> int:
        return len(self._entries)

    async def resolve(self, profile: TelegramProfile, *, now: datetime | None = None) -> User:
        """The user behind a verified Telegram profile: from memory when it is still good,
        else loaded (created on first contact, names refreshed) and remembered."""
        now = now or datetime.now(UTC)
        entry = self._entries.get(profile.tg_id)
        if (
            entry is not None
            and time.monotonic() - entry.loaded < self._ttl
            and entry.profile == profile
            and await self._stamp(profile.tg_id) == entry.stamp
        ):
            self._entries.move_to_end(profile.tg_id)
            self._note_seen(entry.user, now)
            return entry.user
        # The stamp is read before the row: a change committed meanwhile shows next time.
        stamp = await self._stamp(profile.tg_id)
        user = await upsert_user(profile, now=now, touch_seen=False, defaults=self._defaults)
        self._note_seen(user, now)
        self._entries[profile.tg_id] = _Entry(user, profile, time.monotonic(), stamp)
        self._entries.move_to_end(profile.tg_id)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return user

    async def user_changed(self, tg_id: int) -> None:
        """Forget the person here, and stamp the change for the other processes."""
        self._entries.pop(tg_id, None)
        if self._redis is None:
            return
        try:
            await self._redis.set(
                REDIS_PREFIX + str(tg_id), str(time.time_ns()), ex=int(self._ttl * 10) + 1
            )
        except RedisError as exc:
            logger.warning("User cache: cannot tell other processes of a change: {}", exc)

    async def _stamp(self, tg_id: int) -> bytes | None:
        if self._redis is None:
            return None
        try:
            value = await self._redis.get(REDIS_PREFIX + str(tg_id))
        except RedisError as exc:
            logger.warning("User cache: Redis unavailable, reading the database: {}", exc)
            return b"unavailable:" + str(time.monotonic_ns()).encode()  # matches no entry
        if value is None:
            return None
        return value if isinstance(value, bytes) else value.encode()

    def _note_seen(self, user: User, now: datetime) -> None:
        if user.last_seen_at is not None and now - user.last_seen_at <= SEEN_RESOLUTION:
            return
        user.last_seen_at = now
        self._seen[user.id] = now
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_later(), name="last-seen-flush")

    async def _flush_later(self) -> None:
        await asyncio.sleep(self._flush_delay)
        await self.flush()

    async def flush(self) -> None:
        """Write the gathered `last_seen_at` values now (one UPDATE)."""
        if not self._seen:
            return
        seen, self._seen = self._seen, {}
        try:
            # One value for the batch: the latest; they are at most `flush_delay` apart.
            await User.filter(id__in=list(seen)).update(last_seen_at=max(seen.values()))
        except Exception:
            logger.exception("User cache: writing last_seen_at of {} users failed", len(seen))

    async def close(self) -> None:
        """Write what is pending and stop the background task (before the database closes)."""
        stop_listening(self)
        if self._flusher is not None and not self._flusher.done():
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        await self.flush()
