"""savePreparedInlineMessage in the emulator and the page's side of a Mini App's shareMessage,
requestContact: what the sandbox page fetches to show the card or hand the phone over."""

from __future__ import annotations

from urllib.parse import parse_qsl

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineQueryResultArticle, InputTextMessageContent
from aiohttp.test_utils import TestServer

from sandbox import TelegramEmulator

CARD = InlineQueryResultArticle(
    id="product-1",
    title="Green tea",
    description="150 ₽ · Tea House",
    input_message_content=InputTextMessageContent(message_text="<b>Green tea</b>"),
)


async def test_a_prepared_message_is_kept_for_its_user(
    bot: Bot, emulator: TelegramEmulator, server: TestServer
) -> None:
    emulator.user(user_id=501, first_name="Ann")
    prepared = await bot.save_prepared_inline_message(
        user_id=501, result=CARD, allow_user_chats=True
    )
    assert prepared.id and prepared.expiration_date

    async with aiohttp.ClientSession() as http:
        url = server.make_url("/api/chats/501/prepared")
        async with http.post(url, json={"id": prepared.id}) as response:
            body = await response.json()
        assert response.status == 200
        assert body["result"]["title"] == "Green tea"
        assert body["result"]["input_message_content"]["message_text"] == "<b>Green tea</b>"

        emulator.user(user_id=502, first_name="Bob")
        other = server.make_url("/api/chats/502/prepared")
        async with http.post(other, json={"id": prepared.id}) as response:
            assert response.status == 400  # not Bob's to send

        contact_url = server.make_url("/api/chats/501/requested-contact")
        async with http.post(contact_url, json={}) as response:
            signed = (await response.json())["result"]
    fields = dict(parse_qsl(signed))
    assert '"phone_number":"+7999' in fields["contact"] and fields["hash"]


async def test_a_card_that_can_go_nowhere_is_refused(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat type"):
        await bot.save_prepared_inline_message(user_id=501, result=CARD)
