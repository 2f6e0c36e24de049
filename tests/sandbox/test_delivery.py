"""Update delivery: getUpdates semantics, webhooks, settling and redelivery."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import TelegramConflictError
from aiogram.methods import SendMessage
from aiogram.types import Message, Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from sandbox import SandboxTimings, TelegramEmulator


def echo_dispatcher(seen: list[int] | None = None) -> Dispatcher:
    dp = Dispatcher()

    @dp.message(F.text)
    async def echo(message: Message, event_update: Update) -> None:
        if seen is not None:
            seen.append(event_update.update_id)
        await message.answer(f"echo: {message.text}")

    return dp


async def start_webhook(
    aiohttp_server, dp: Dispatcher, bot: Bot, *, secret: str = "s3cret", in_background: bool = True
) -> str:
    app = web.Application()
    SimpleRequestHandler(
        dispatcher=dp, bot=bot, secret_token=secret, handle_in_background=in_background
    ).register(app, path="/webhook")
    server = await aiohttp_server(app)
    return str(server.make_url("/webhook"))


async def test_get_updates_offset_limit_and_confirmation(
    emulator: TelegramEmulator, bot: Bot
) -> None:
    user = emulator.user(1, "Anna")
    for text in ("a", "b", "c"):
        await user.send(text, wait=False)
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first if u.message] == ["a", "b"]
    again = await bot.get_updates()
    assert [u.update_id for u in again] == [
        first[0].update_id,
        first[1].update_id,
        first[1].update_id + 1,
    ]
    rest = await bot.get_updates(offset=again[-1].update_id)
    assert [u.message.text for u in rest if u.message] == ["c"]
    assert await bot.get_updates(offset=again[-1].update_id + 1) == []


async def test_long_poll_wakes_up_for_a_new_update(emulator: TelegramEmulator, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await emulator.user(1, "Anna").send("wake up", wait=False)
    updates = await poll
    assert time.monotonic() - started < 1
    assert updates[0].message is not None and updates[0].message.text == "wake up"


async def test_second_long_poll_conflicts_with_the_first(bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(bot.get_updates(timeout=1))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await first
    assert await second == []


async def test_allowed_updates_drop_other_types(emulator: TelegramEmulator, bot: Bot) -> None:
    await bot.get_updates(allowed_updates=["callback_query"])
    user = emulator.user(1, "Anna")
    assert await user.send("nobody listens") == []  # dropped at once, nothing to wait for
    assert await bot.get_updates() == []


async def test_feed_and_redeliver_the_same_update(
    emulator: TelegramEmulator, bot: Bot, polling
) -> None:
    seen: list[int] = []
    dp = echo_dispatcher(seen)
    user = emulator.user(1, "Anna")
    async with polling(dp, bot):
        replies = await user.send("first")
        update_id = seen[0]
        await emulator.redeliver(bot.token, update_id)
        raw = {
            "message": {
                "message_id": 99,
                "date": 0,
                "chat": {"id": 1, "type": "private"},
                "from": {"id": 1, "is_bot": False, "first_name": "Anna"},
                "text": "raw",
            }
        }
        fed = await emulator.feed(bot.token, raw)
        await user.send("after")
    assert [m.text for m in replies] == ["echo: first"]
    assert seen == [update_id, update_id, fed["update_id"], fed["update_id"] + 1]
    assert [m.text for m in user.messages if m.from_user and m.from_user.is_bot] == [
        "echo: first",
        "echo: first",
        "echo: raw",
        "echo: after",
    ]


@pytest.mark.parametrize("in_background", [True, False])
async def test_webhook_delivery_settles(
    emulator: TelegramEmulator, bot: Bot, aiohttp_server, in_background: bool
) -> None:
    dp = echo_dispatcher()
    url = await start_webhook(aiohttp_server, dp, bot, in_background=in_background)
    assert await bot.set_webhook(url, secret_token="s3cret")
    user = emulator.user(1, "Anna")
    assert [m.text for m in await user.send("hello")] == ["echo: hello"]
    info = await bot.get_webhook_info()
    assert info.url == url and info.pending_update_count == 0 and info.last_error_date is None
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()


async def test_method_in_the_webhook_reply_is_executed(
    emulator: TelegramEmulator, bot: Bot, aiohttp_server
) -> None:
    dp = Dispatcher()

    @dp.message()
    async def reply_in_response(message: Message) -> SendMessage:
        return message.answer(f"<b>via reply</b> to {message.text}")

    url = await start_webhook(aiohttp_server, dp, bot, in_background=False)
    await bot.set_webhook(url, secret_token="s3cret")
    replies = await emulator.user(1, "Anna").send("ping")
    assert [m.text for m in replies] == ["via reply to ping"]
    assert replies[0].entities is not None and replies[0].entities[0].type == "bold"


async def test_failed_webhook_is_retried_then_reported(
    emulator: TelegramEmulator, bot: Bot, aiohttp_server
) -> None:
    url = await start_webhook(aiohttp_server, echo_dispatcher(), bot, secret="right")
    await bot.set_webhook(url, secret_token="wrong")
    attempts_before = len(emulator.calls)
    assert await emulator.user(1, "Anna").send("hello") == []
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 401 Unauthorized"
    assert info.pending_update_count == 0
    assert len(emulator.calls) == attempts_before + 1  # only getWebhookInfo: nothing handled

    await bot.delete_webhook()
    await emulator.user(1).send("kept", wait=False)
    await bot.set_webhook(url, secret_token="right", drop_pending_updates=True)
    assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_settle_timeout_names_the_problem(start_sandbox) -> None:
    sandbox = await start_sandbox(timings=SandboxTimings(settle_timeout=0.3))
    with pytest.raises(AssertionError, match="is it polling, or is its webhook set"):
        await sandbox.emulator.user(1, "Anna").send("anyone?")


async def test_wait_idle_after_background_sends(
    emulator: TelegramEmulator, bot: Bot, polling
) -> None:
    user = emulator.user(1, "Anna")
    async with polling(echo_dispatcher(), bot):
        for text in ("x", "y"):
            await user.send(text, wait=False)
        await emulator.wait_idle()
    assert [m.text for m in user.messages] == ["x", "y", "echo: x", "echo: y"]
