"""The one send pace: slots per chat and per bot, a pause on 429, shared through Redis."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import EditMessageText, SendMessage
from aiogram.types import Chat

from bot.factory import build_services
from middlewares.send_limit import AnsweringMiddleware, SendLimitMiddleware
from services.send_pacer import MemorySlots, RedisSlots, SendPacer, slot_taken
from tests.conftest import REDIS_URL, TEST_TOKEN


class Clock:
    """Time that moves only when somebody sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def pacer(rate: float = 28.0) -> tuple[SendPacer, Clock]:
    clock = Clock()
    return SendPacer(MemorySlots(clock), rate, sleep=clock.sleep), clock


async def test_sends_to_many_chats_are_spaced_evenly_at_the_rate() -> None:
    limiter, clock = pacer(rate=4)
    for chat in range(1, 6):
        await limiter.acquire(chat)
    assert clock.sleeps == [0.25, 0.25, 0.25, 0.25]
    assert clock.now == pytest.approx(101.0)


async def test_one_chat_gets_a_burst_of_three_then_one_a_second() -> None:
    limiter, _clock = pacer(rate=1000)
    waits = [await limiter.acquire(42) for _ in range(5)]
    assert waits[:3] == pytest.approx([0, 0.001, 0.001], abs=0.002)
    assert sum(waits) == pytest.approx(2.0, abs=0.01)  # the 4th and 5th wait a second each


async def test_groups_get_twenty_a_minute() -> None:
    limiter, clock = pacer(rate=1000)
    for _ in range(4):
        await limiter.acquire(-100)
    assert clock.now - 100 == pytest.approx(3.0, abs=0.01)


async def test_a_pause_holds_every_sender() -> None:
    limiter, clock = pacer(rate=10)
    await limiter.acquire(1)
    await limiter.pause(5)
    waited = await limiter.acquire(2)
    assert waited == pytest.approx(5.0, abs=0.11)
    assert clock.now >= 105


async def test_paid_broadcasts_have_their_own_faster_pace() -> None:
    limiter, clock = pacer(rate=1)
    for chat in range(1, 11):
        await limiter.acquire(chat, paid=True)
    assert clock.now - 100 == pytest.approx(9 / 1000, abs=0.001)


async def test_redis_slots_are_shared_by_two_pacers(real_redis: Any) -> None:
    namespace = uuid.uuid4().hex[:8]
    first = SendPacer(RedisSlots(real_redis, namespace), rate=0.1)
    second = SendPacer(RedisSlots(real_redis, namespace), rate=0.1)
    # Slots 10 s apart: what each would wait is read, nobody sleeps that long.
    first_wait = await first.slots.reserve("all", 10.0, 1)
    second_wait = await second.slots.reserve("all", 10.0, 1)
    third_wait = await first.slots.reserve("all", 10.0, 1)
    assert first_wait == pytest.approx(0, abs=0.5)
    assert second_wait == pytest.approx(10, abs=0.5)
    assert third_wait == pytest.approx(20, abs=0.5)
    await second.pause(30)
    assert await first.slots.paused_for() == pytest.approx(30, abs=1)


async def test_replies_keep_the_chats_pace_and_pauses_but_take_no_bot_slot() -> None:
    limiter, clock = pacer(rate=1)
    for chat in range(1, 6):  # five people answered at once: nobody waits for the bulk rate
        assert await limiter.acquire(chat, reply=True) == 0
    await limiter.acquire(9)  # a push takes the bot's slot…
    assert await limiter.acquire(10) == pytest.approx(1.0)  # …and the next push waits for it
    waits = [await limiter.acquire(42, reply=True) for _ in range(4)]
    assert sum(waits) == pytest.approx(1.0, abs=0.01)  # the chat's own pace still holds
    await limiter.pause(5)
    assert await limiter.acquire(1, reply=True) == pytest.approx(5.0, abs=0.01)
    assert clock.now > 100


async def test_a_send_into_the_answered_chat_is_a_reply_and_elsewhere_a_push() -> None:
    limiter, clock = pacer(rate=1)
    sending = SendLimitMiddleware(limiter)
    bot = Bot(TEST_TOKEN)

    async def handler(event: Any, data: dict[str, Any]) -> float:
        started = clock.now
        for _ in range(3):
            await sending(Recorded(failures=0), bot, SendMessage(chat_id=5, text="hi"))
        replies_took = clock.now - started
        await sending(Recorded(failures=0), bot, SendMessage(chat_id=6, text="to the seller"))
        await sending(Recorded(failures=0), bot, SendMessage(chat_id=7, text="to another"))
        return replies_took

    chat = Chat(id=5, type="private")
    replies_took = await AnsweringMiddleware()(handler, object(), {"event_chat": chat})
    assert replies_took == 0
    assert clock.now - 100 == pytest.approx(1.0)  # the second push waited for the bot's slot
    await bot.session.close()


class Recorded:
    def __init__(self, failures: int, retry_after: int = 2) -> None:
        self.failures = failures
        self.retry_after = retry_after
        self.calls = 0

    async def __call__(self, bot: Bot, method: Any) -> Any:
        self.calls += 1
        if self.calls <= self.failures:
            raise TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=2)
        return "ok"


async def test_the_middleware_pauses_everyone_on_429_and_retries() -> None:
    limiter, clock = pacer(rate=10)
    middleware = SendLimitMiddleware(limiter)
    request = Recorded(failures=1)
    bot = Bot(TEST_TOKEN)
    result = await middleware(request, bot, SendMessage(chat_id=5, text="hi"))
    assert result == "ok" and request.calls == 2
    assert clock.now - 100 >= 2  # the retry waited out retry_after
    # Another sender, right after, also waits for the pause's end, not before it.
    assert await limiter.slots.paused_for() == 0
    await bot.session.close()


async def test_the_middleware_gives_up_on_a_long_wait_and_paces_only_sends() -> None:
    limiter, clock = pacer(rate=10)
    middleware = SendLimitMiddleware(limiter, max_retry_after=1)
    bot = Bot(TEST_TOKEN)
    with pytest.raises(TelegramRetryAfter):
        await middleware(Recorded(failures=5), bot, SendMessage(chat_id=5, text="hi"))
    assert await limiter.slots.paused_for() == pytest.approx(2)
    clock.now += 3
    edit = Recorded(failures=0)
    for _ in range(5):  # edits take no send slot
        await middleware(edit, bot, EditMessageText(chat_id=5, message_id=1, text="x"))
    assert clock.now == 103
    token = slot_taken.set(True)  # a sender that reserved its slot itself
    try:
        await middleware(Recorded(failures=0), bot, SendMessage(chat_id=6, text="hi"))
    finally:
        slot_taken.reset(token)
    assert clock.now == 103
    await bot.session.close()


async def test_the_pace_is_shared_through_redis_when_configured(
    make_settings: Any, real_redis: Any
) -> None:
    shared = build_services(make_settings(redis_url=REDIS_URL, broadcast_rate=20))
    alone = build_services(make_settings())
    assert isinstance(shared.send_pacer.slots, RedisSlots) and shared.send_pacer.rate == 20
    assert isinstance(alone.send_pacer.slots, MemorySlots) and alone.send_pacer.rate == 28
    await shared.close()
    await alone.close()
