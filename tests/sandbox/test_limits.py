"""Telegram's refusals, as a real aiogram Bot sees them."""

from __future__ import annotations

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramUnauthorizedError,
)
from aiogram.types import BotCommand, BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from sandbox import ManualClock, SandboxTimings, TelegramEmulator


def keyboard(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[list(buttons)])


@pytest.fixture
async def user_id(emulator: TelegramEmulator) -> int:
    """A user who has started the bot (a bot cannot write first)."""
    user = emulator.user(user_id=1001, first_name="Anna")
    await user.send("/start", wait=False)
    return user.id


async def test_text_limit_counts_text_after_html_parsing(bot: Bot, user_id: int) -> None:
    body = "я" * 4096
    sent = await bot.send_message(user_id, f"<b>{body}</b>")
    assert sent.text == body
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(user_id, f"<b>{body}x</b>")


async def test_text_must_not_be_empty_after_parsing(bot: Bot, user_id: int) -> None:
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(user_id, "<b> </b>")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("a <b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("price < 100", 'Unsupported start tag "" at byte offset 6'),
    ],
)
async def test_bad_html_is_refused(bot: Bot, user_id: int, text: str, error: str) -> None:
    with pytest.raises(TelegramBadRequest) as caught:
        await bot.send_message(user_id, text)
    assert caught.value.message == f"Bad Request: can't parse entities: {error}"


async def test_markdown_v2_needs_escapes(bot: Bot, user_id: int) -> None:
    with pytest.raises(TelegramBadRequest, match=r"Character '\.' is reserved"):
        await bot.send_message(user_id, "Total: 10.5", parse_mode="MarkdownV2")
    sent = await bot.send_message(user_id, "*Total:* 10\\.5", parse_mode="MarkdownV2")
    assert sent.text == "Total: 10.5"


async def test_caption_limit(bot: Bot, user_id: int, make_png) -> None:
    photo = BufferedInputFile(make_png(), "p.png")
    sent = await bot.send_photo(user_id, photo, caption="c" * 1024)
    assert sent.caption == "c" * 1024
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(user_id, (sent.photo or [])[-1].file_id, caption="c" * 1025)


async def test_callback_data_is_limited_to_64_bytes(bot: Bot, user_id: int) -> None:
    fits = "ж" * 32  # 64 bytes in UTF-8
    await bot.send_message(
        user_id, "ok", reply_markup=keyboard(InlineKeyboardButton(text="A", callback_data=fits))
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(
            user_id,
            "too long",
            reply_markup=keyboard(InlineKeyboardButton(text="A", callback_data=fits + "x")),
        )


async def test_a_button_has_exactly_one_action(bot: Bot, user_id: int) -> None:
    with pytest.raises(TelegramBadRequest, match="exactly one of the optional fields"):
        await bot.send_message(
            user_id,
            "x",
            reply_markup=keyboard(
                InlineKeyboardButton(text="A", callback_data="a", url="https://example.com")
            ),
        )
    with pytest.raises(TelegramBadRequest, match="Text buttons are unallowed"):
        await bot.send_message(user_id, "x", reply_markup=keyboard(InlineKeyboardButton(text="A")))


async def test_at_most_100_inline_buttons(bot: Bot, user_id: int) -> None:
    rows = [
        [InlineKeyboardButton(text=str(i), callback_data=str(i)) for i in range(r, r + 5)]
        for r in range(0, 105, 5)
    ]
    with pytest.raises(TelegramBadRequest, match="BUTTONS_TOO_MUCH"):
        await bot.send_message(
            user_id, "x", reply_markup=InlineKeyboardMarkup(inline_keyboard=rows)
        )


async def test_edits(bot: Bot, user_id: int) -> None:
    sent = await bot.send_message(user_id, "same")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("same", chat_id=user_id, message_id=sent.message_id)
    edited = await bot.edit_message_text("<i>same</i>", chat_id=user_id, message_id=sent.message_id)
    assert isinstance(edited, type(sent)) and edited.edit_date is not None
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=user_id, message_id=999)
    await bot.delete_message(user_id, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=user_id, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(user_id, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("x", chat_id=user_id, message_id=1)  # the user's /start


async def test_chat_not_found_until_the_user_writes(bot: Bot, emulator: TelegramEmulator) -> None:
    emulator.user(user_id=555, first_name="Silent")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(555, "hello")


async def test_blocked_user(bot: Bot, emulator: TelegramEmulator, user_id: int) -> None:
    user = emulator.user(user_id)
    user.block()
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(user_id, "are you there?")
    user.unblock()
    await bot.send_message(user_id, "welcome back")
    kinds = [
        update.get("my_chat_member", {}).get("new_chat_member", {}).get("status")
        for update in emulator.bot().history.values()
    ]
    assert kinds[-2:] == ["kicked", "member"]


async def test_callback_answers_are_checked(start_sandbox) -> None:
    clock = ManualClock()
    sandbox = await start_sandbox(clock=clock, timings=SandboxTimings(callback_query_ttl=15.0))
    emulator, bot = sandbox.emulator, sandbox.bot
    user = emulator.user(user_id=1, first_name="A")
    await user.send("/start", wait=False)
    await bot.send_message(
        1, "pick", reply_markup=keyboard(InlineKeyboardButton(text="A", callback_data="a"))
    )
    await user.click("A", wait=False)
    query_id = next(iter(emulator.bot().callback_queries))
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(query_id, text="x" * 201)
    assert await bot.answer_callback_query(query_id, text="ok")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id, text="twice")

    await user.click("A", wait=False)
    late_query = list(emulator.bot().callback_queries)[-1]
    clock.advance(16)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(late_query, text="late")
    assert [answer.text for answer in user.callback_answers] == ["ok"]


async def test_set_my_commands_limits(bot: Bot) -> None:
    good = [
        BotCommand(command="start", description="Start"),
        BotCommand(command="my_orders2", description="d" * 256),
    ]
    assert await bot.set_my_commands(good)
    assert [c.command for c in await bot.get_my_commands()] == ["start", "my_orders2"]
    for bad, error in [
        ([BotCommand(command="Start", description="x")], "BOT_COMMAND_INVALID"),
        ([BotCommand(command="a" * 33, description="x")], "BOT_COMMAND_INVALID"),
        ([BotCommand(command="a", description="d" * 257)], "BOT_COMMAND_DESCRIPTION_INVALID"),
        (
            [BotCommand(command=f"c{i}", description="x") for i in range(101)],
            "BOT_COMMANDS_TOO_MUCH",
        ),
    ]:
        with pytest.raises(TelegramBadRequest, match=error):
            await bot.set_my_commands(bad)


async def test_unknown_token_and_method(api_base: str) -> None:
    bad_bot = Bot("42:UNKNOWN", session=AiohttpSession(api=TelegramAPIServer.from_base(api_base)))
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await bad_bot.get_me()
    finally:
        await bad_bot.session.close()
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{api_base}/bot42:UNKNOWN/getMe") as response:
            assert response.status == 401
            assert await response.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with http.post(f"{api_base}/bot123456:TEST-token/noSuchMethod") as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }
        async with http.get(
            f"{api_base}/bot123456:TEST-token/sendMessage", params={"chat_id": "1", "text": ""}
        ) as response:
            body = await response.json()
            assert response.status == 400 and body["description"].startswith("Bad Request: ")
        async with http.post(f"{api_base}/bot123456:TEST-token/getme", json={}) as response:
            body = await response.json()
            assert body["ok"] is True and body["result"]["username"] == "prilavok_bot"
