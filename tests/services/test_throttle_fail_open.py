"""A broken counter store must not silence the bot."""

from __future__ import annotations

import limits
from limits.aio.storage import RedisStorage

from services.throttle import Throttler, Verdict


async def test_throttling_lets_people_through_when_redis_is_down() -> None:
    storage = RedisStorage("redis://127.0.0.1:1/0", implementation="redispy")
    throttler = Throttler(storage, limits.parse("1/minute"))
    assert [await throttler.check(7) for _ in range(3)] == [Verdict.allow] * 3
