"""Flood control: 429 with retry_after, on a clock the test moves by hand."""

from __future__ import annotations

import pytest
from aiogram.exceptions import TelegramRetryAfter

from sandbox import FloodLimits, ManualClock

LIMITS = FloodLimits(
    enabled=True,
    per_bot_per_second=30,
    per_chat_per_second=1,
    per_chat_burst=3,
    per_group_per_minute=20,
)


async def started(sandbox, *user_ids: int) -> None:
    for user_id in user_ids:
        await sandbox.emulator.user(user_id).send("/start", wait=False)


async def test_private_chat_burst_then_429(start_sandbox) -> None:
    clock = ManualClock()
    sandbox = await start_sandbox(clock=clock, flood=LIMITS)
    await started(sandbox, 1)
    bot = sandbox.bot
    for i in range(3):
        await bot.send_message(1, f"burst {i}")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(1, "one too many")
    assert caught.value.retry_after == 1
    assert sandbox.emulator.calls[-1].error_code == 429

    # edits, callback answers and chat actions do not count
    first = sandbox.emulator.user(1).messages[1]
    await bot.edit_message_text("edited", chat_id=1, message_id=first.message_id)
    await bot.send_chat_action(1, "typing")

    clock.advance(1.0)
    await bot.send_message(1, "after a second")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(1, "again too fast")


async def test_retry_after_grows_with_the_debt(start_sandbox) -> None:
    clock = ManualClock()
    limits = FloodLimits(per_chat_per_second=1, per_chat_burst=1, per_group_per_minute=20)
    sandbox = await start_sandbox(clock=clock, flood=limits)
    sandbox.emulator.group(-100500, "Support", [sandbox.emulator.user(2)])
    for _ in range(20):
        await sandbox.bot.send_message(-100500, "group message")
    with pytest.raises(TelegramRetryAfter) as caught:
        await sandbox.bot.send_message(-100500, "21st in a minute")
    assert caught.value.retry_after == 3  # one message per 3 s refills a 20/min bucket


async def test_per_bot_limit_across_chats(start_sandbox) -> None:
    clock = ManualClock()
    limits = FloodLimits(per_bot_per_second=30, per_chat_burst=3)
    sandbox = await start_sandbox(clock=clock, flood=limits)
    user_ids = list(range(1, 12))
    await started(sandbox, *user_ids)
    sent = 0
    with pytest.raises(TelegramRetryAfter):
        for user_id in user_ids:
            for _ in range(3):
                await sandbox.bot.send_message(user_id, "broadcast")
                sent += 1
    assert sent == 30


async def test_disabled_limits_never_answer_429(start_sandbox) -> None:
    sandbox = await start_sandbox(clock=ManualClock(), flood=FloodLimits(enabled=False))
    await started(sandbox, 1)
    for _ in range(50):
        await sandbox.bot.send_message(1, "spam")
