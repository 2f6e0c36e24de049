"""Telegram's size limits and flood control, with an injectable clock."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox.errors import too_many_requests

Clock = Callable[[], float]
"""Seconds on a monotonic scale; `time.monotonic` in production, `ManualClock` in tests."""

MESSAGE_TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
CALLBACK_ANSWER_LIMIT = 200
INLINE_KEYBOARD_BUTTONS_LIMIT = 100
INLINE_KEYBOARD_ROW_LIMIT = 8
COMMANDS_LIMIT = 100
COMMAND_DESCRIPTION_LIMIT = 256
DESCRIPTION_LIMIT = 512
SHORT_DESCRIPTION_LIMIT = 120
PHOTO_SIZE_LIMIT = 10 * 1024 * 1024
DOCUMENT_SIZE_LIMIT = 50 * 1024 * 1024
MEDIA_GROUP_MIN, MEDIA_GROUP_MAX = 2, 10


class ManualClock:
    """A clock that moves only when told to: `clock.advance(1.5)`."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now += seconds


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's broadcast limits; a message-sending call over any of them answers 429."""

    enabled: bool = True
    per_bot_per_second: int = 30
    per_chat_per_second: int = 1
    # Telegram tolerates short bursts in a private chat before it starts answering 429.
    per_chat_burst: int = 3
    per_group_per_minute: int = 20


@dataclass
class _TokenBucket:
    capacity: float
    refill_per_second: float
    tokens: float
    updated: float

    def wait_time(self, now: float) -> float:
        self._refill(now)
        if self.tokens >= 1:
            return 0.0
        return (1 - self.tokens) / self.refill_per_second

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.refill_per_second)
        self.updated = now


@dataclass
class FloodControl:
    """Token buckets per bot, per private chat and per group; raises 429 when one is empty."""

    limits: FloodLimits
    clock: Clock
    _buckets: dict[tuple[str, int | str], _TokenBucket] = field(default_factory=dict)

    def check(self, bot_id: int, chat_id: int, is_group: bool) -> None:
        """Take one message from every bucket this send uses, or raise `ApiError(429)`."""
        if not self.limits.enabled:
            return
        now = self.clock()
        buckets = [self._bot_bucket(bot_id, now), self._chat_bucket(bot_id, chat_id, is_group, now)]
        wait = max(bucket.wait_time(now) for bucket in buckets)
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.take(now)

    def _bot_bucket(self, bot_id: int, now: float) -> _TokenBucket:
        rate = float(self.limits.per_bot_per_second)
        return self._bucket(("bot", bot_id), capacity=rate, rate=rate, now=now)

    def _chat_bucket(self, bot_id: int, chat_id: int, is_group: bool, now: float) -> _TokenBucket:
        key = ("group" if is_group else "chat", f"{bot_id}:{chat_id}")
        if is_group:
            per_minute = float(self.limits.per_group_per_minute)
            return self._bucket(key, capacity=per_minute, rate=per_minute / 60, now=now)
        return self._bucket(
            key,
            capacity=float(max(1, self.limits.per_chat_burst)),
            rate=float(self.limits.per_chat_per_second),
            now=now,
        )

    def _bucket(
        self, key: tuple[str, int | str], *, capacity: float, rate: float, now: float
    ) -> _TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _TokenBucket(
                capacity=capacity, refill_per_second=rate, tokens=capacity, updated=now
            )
            self._buckets[key] = bucket
        return bucket


@dataclass(frozen=True)
class SandboxTimings:
    """How long the emulator waits for things, in seconds."""

    # "The bot has finished handling an update" = this long without a Bot API call.
    settle_quiet: float = 0.15
    # Give up waiting for a bot to take an update / go quiet after this long.
    settle_timeout: float = 10.0
    # answerCallbackQuery after this long fails with "query is too old".
    callback_query_ttl: float = 15.0
    # Telegram cancels a payment whose pre_checkout_query is not answered in 10 s.
    pre_checkout_timeout: float = 10.0
    webhook_attempts: int = 3
    webhook_retry_delay: float = 0.5
    webhook_timeout: float = 30.0
