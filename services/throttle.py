"""Per-user flood protection: one polite notice, then silence until the window passes."""

from __future__ import annotations

from enum import Enum

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from loguru import logger
from redis.exceptions import RedisError


class Verdict(Enum):
    """What to do with a person's update."""

    allow = "allow"
    notify = "notify"
    drop = "drop"


class Throttler:
    """Counts a person's updates in a moving window (memory or Redis storage from `limits`)."""

    def __init__(self, storage: Storage, rate: RateLimitItem) -> None:
        self._limiter = MovingWindowRateLimiter(storage)
        self._rate = rate
        # One notice per person per window of the rate, at most one a minute.
        self._notice_rate = RateLimitItemPerMinute(1, max(1, rate.get_expiry() // 60))

    async def check(self, user_key: int) -> Verdict:
        """Allow, or tell the caller to notify once and then drop.

        If the counter store (Redis) fails, people are let through: flood protection must not
        take the whole bot down with it.
        """
        key = str(user_key)
        try:
            if await self._limiter.hit(self._rate, "msg", key):
                return Verdict.allow
            if await self._limiter.hit(self._notice_rate, "notice", key):
                return Verdict.notify
        except (OSError, RedisError) as exc:
            logger.warning("Throttling store unavailable, letting the update through: {}", exc)
            return Verdict.allow
        return Verdict.drop
