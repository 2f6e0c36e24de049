"""One pace for every message the bot sends, in one process or across replicas.

Telegram answers 429 to a bot that sends more than about 30 messages a second in all, more
than about one a second into one private chat (a short burst of a few is tolerated, which a
reply to a person's own action needs), or more than 20 a minute into a group. Every send
reserves a slot first (generic cell rate: a "theoretical arrival time" per key moves by one
interval per message), so senders are spaced out evenly instead of bursting into a 429; with
Redis the slots are shared by all replicas (one Lua script, Redis's own clock). A 429 that
still comes (another bot on the token, Telegram's own judgement) pauses every sender for its
`retry_after`.

Nothing here knows aiogram: the chat face calls `acquire` before each send and `pause` on 429.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Protocol

from loguru import logger
from redis.asyncio import Redis
from redis.exceptions import RedisError

PAID_RATE = 1000.0
"""Messages a second with `allow_paid_broadcast` (Telegram's ceiling; paid in Stars)."""
CHAT_INTERVAL = 1.0
CHAT_BURST = 3
"""A private chat: one a second over time, three at once (a reply with a photo and a menu)."""
GROUP_INTERVAL = 3.0
GROUP_BURST = 3
"""A group: 20 a minute."""
MAX_MEMORY_KEYS = 50_000

slot_taken: ContextVar[bool] = ContextVar("slot_taken", default=False)
"""Set by a sender that reserved the slot itself (a broadcast marks its row "sending" only
once its slot has come, so the row is ambiguous for the shortest time); the next send in this
context does not reserve another."""

Sleep = Callable[[float], Awaitable[None]]


class SlotStore(Protocol):
    """Where the slots are kept."""

    async def reserve(self, key: str, interval: float, burst: int) -> float:
        """Take the next slot of `key`; seconds to wait for it."""
        ...

    async def pause(self, seconds: float) -> None:
        """No slot for anyone during the next `seconds`."""
        ...

    async def paused_for(self) -> float:
        """Seconds left of a pause (0: none)."""
        ...


class MemorySlots:
    """Slots of one process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._arrivals: dict[str, float] = {}
        self._paused_until = 0.0

    async def reserve(self, key: str, interval: float, burst: int) -> float:
        """Take the next slot of `key`; seconds to wait for it."""
        now = self._clock()
        if len(self._arrivals) > MAX_MEMORY_KEYS:
            self._arrivals = {k: v for k, v in self._arrivals.items() if v > now}
        arrival = max(self._arrivals.get(key, now), now)
        self._arrivals[key] = arrival + interval
        return max(0.0, arrival - (burst - 1) * interval - now)

    async def pause(self, seconds: float) -> None:
        """No slot for anyone during the next `seconds`."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def paused_for(self) -> float:
        """Seconds left of a pause (0: none)."""
        return max(0.0, self._paused_until - self._clock())


RESERVE_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local arrival = tonumber(redis.call('GET', KEYS[1]) or '0')
if arrival < now then arrival = now end
local after = arrival + interval
redis.call('SET', KEYS[1], string.format('%.3f', after), 'PX', math.ceil(after - now) + 1000)
local wait = arrival - (tonumber(ARGV[2]) - 1) * interval - now
if wait < 0 then wait = 0 end
return string.format('%.3f', wait)
"""
PAUSE_SCRIPT = """
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 1
"""


class RedisSlots:
    """Slots shared by every replica through Redis; while Redis fails, this process's own
    slots are used (sending must not stop because a counter store did)."""

    def __init__(self, redis: Redis, namespace: str) -> None:
        self._redis = redis
        self._prefix = f"prilavok:send:{namespace}:"
        self._reserve = redis.register_script(RESERVE_SCRIPT)
        self._pause = redis.register_script(PAUSE_SCRIPT)
        self._fallback = MemorySlots()

    async def reserve(self, key: str, interval: float, burst: int) -> float:
        """Take the next slot of `key`; seconds to wait for it."""
        try:
            wait = await self._reserve(keys=[self._prefix + key], args=[interval * 1000, burst])
        except (OSError, RedisError) as exc:
            logger.warning("Send pacing store unavailable, pacing this process only: {}", exc)
            return await self._fallback.reserve(key, interval, burst)
        return float(wait) / 1000

    async def pause(self, seconds: float) -> None:
        """No slot for anyone during the next `seconds`."""
        await self._fallback.pause(seconds)
        try:
            await self._pause(keys=[self._prefix + "paused"], args=[max(1, int(seconds * 1000))])
        except (OSError, RedisError) as exc:
            logger.warning("Send pacing store unavailable, pausing this process only: {}", exc)

    async def paused_for(self) -> float:
        """Seconds left of a pause (0: none)."""
        try:
            ttl = await self._redis.pttl(self._prefix + "paused")
        except (OSError, RedisError):
            return await self._fallback.paused_for()
        return max(0.0, ttl / 1000) if ttl > 0 else 0.0


class SendPacer:
    """Spaces out the bot's messages: `rate` a second in all, and per chat."""

    def __init__(
        self,
        slots: SlotStore,
        rate: float,
        *,
        paid_rate: float = PAID_RATE,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.slots = slots
        self.rate = rate
        self.paid_rate = paid_rate
        self._sleep = sleep

    async def acquire(
        self, chat_id: int | str, *, paid: bool = False, reply: bool = False
    ) -> float:
        """Wait for this chat's slot, then for a slot of the bot; seconds waited.

        A `reply` answers the person's own message or button in that chat: it keeps the chat's
        pace and any pause, but takes no slot of the bot's rate. That rate is Telegram's limit on
        bulk sending; a bot answering people as they write is not held to it, and a reply
        waiting behind a broadcast's queue would leave the person staring at a silent chat."""
        waited = 0.0
        if isinstance(chat_id, int) and chat_id > 0:
            wait = await self.slots.reserve(f"chat:{chat_id}", CHAT_INTERVAL, CHAT_BURST)
        else:
            wait = await self.slots.reserve(f"group:{chat_id}", GROUP_INTERVAL, GROUP_BURST)
        waited += await self._wait(wait)
        if reply:
            return waited + await self.wait_pause()
        key, rate = ("paid", self.paid_rate) if paid else ("all", self.rate)
        while True:
            paused = await self.slots.paused_for()
            if paused > 0:
                waited += await self._wait(paused)
                continue
            waited += await self._wait(await self.slots.reserve(key, 1 / rate, 1))
            if await self.slots.paused_for() == 0:
                return waited
            # A 429 came while this slot was awaited: take a new one after the pause.

    async def wait_pause(self) -> float:
        """Wait while senders are paused (a call that takes no slot); seconds waited."""
        waited = 0.0
        while (paused := await self.slots.paused_for()) > 0:
            waited += await self._wait(paused)
        return waited

    async def pause(self, seconds: float) -> None:
        """Telegram said 429: every sender waits `seconds`."""
        await self.slots.pause(seconds)

    async def _wait(self, seconds: float) -> float:
        if seconds > 0:
            await self._sleep(seconds)
        return seconds
