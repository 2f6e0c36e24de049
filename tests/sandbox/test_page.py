"""The sandbox chat page and its JSON API, mounted the way the product mounts it."""

from __future__ import annotations

from urllib.parse import unquote

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    WebAppInfo,
)
from aiogram.utils.web_app import safe_parse_webapp_init_data
from aiohttp import web

from sandbox import TelegramEmulator, create_emulator_app


def page_dispatcher() -> Dispatcher:
    dp = Dispatcher()

    @dp.message(F.photo)
    async def photo(message: Message) -> None:
        await message.answer("nice photo")

    @dp.message(F.text == "/start")
    async def start(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text="Like", callback_data="like"),
                    InlineKeyboardButton(
                        text="Shop", web_app=WebAppInfo(url="https://shop.example/")
                    ),
                ]
            ]
        )
        await message.answer("<b>Hi</b>", parse_mode="HTML", reply_markup=keyboard)

    @dp.callback_query(F.data == "like")
    async def like(callback: CallbackQuery) -> None:
        await callback.answer("Thanks!")

    return dp


@pytest.fixture
async def mounted(aiohttp_server, emulator: TelegramEmulator):
    """The product's layout: the emulator app as a sub-app at /sandbox/."""
    main_app = web.Application()
    main_app.add_subapp("/sandbox/", create_emulator_app(emulator))
    server = await aiohttp_server(main_app)
    return str(server.make_url("/sandbox/")).rstrip("/")


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


async def events(http, base: str, user_id: int, after: int, until: str) -> list[dict]:
    """Long-poll the page API until an event with `until` in it arrives."""
    seen: list[dict] = []
    for _ in range(20):
        async with http.get(
            f"{base}/api/chats/{user_id}/events", params={"after": str(after), "timeout": "2"}
        ) as response:
            body = await response.json()
        seen += body["events"]
        after = body["seq"]
        if until in str(body["events"]):
            return seen
    raise AssertionError(f"no event with {until!r} in {seen}")


async def test_page_and_assets_are_served(mounted: str, http) -> None:
    async with http.get(f"{mounted}/") as response:
        assert response.status == 200
        page = await response.text()
    assert 'src="static/app.js"' in page and 'src="static/webapp.js"' in page
    assert "https://" not in page  # no CDN
    async with http.get(f"{mounted}/static/app.js") as response:
        assert response.status == 200 and "javascript" in response.content_type
    async with http.get(f"{mounted}/static/secret.py") as response:
        assert response.status == 404
    async with http.get(f"{mounted}/api/bots") as response:
        assert (await response.json())["bots"][0]["username"] == "prilavok_bot"


async def test_a_person_chats_through_the_page(mounted: str, http, polling, make_png) -> None:
    bot = Bot(
        "123456:TEST-token",
        session=AiohttpSession(api=TelegramAPIServer.from_base(f"{mounted}/tg")),
    )
    try:
        async with polling(page_dispatcher(), bot):
            async with http.post(
                f"{mounted}/api/users", json={"id": 77, "first_name": "Page", "language_code": "en"}
            ) as response:
                assert (await response.json())["user"]["first_name"] == "Page"
            async with http.post(f"{mounted}/api/chats/77/send", json={"text": "/start"}) as r:
                assert r.status == 200
            seen = await events(http, mounted, 77, 0, "inline_keyboard")
            bot_message = next(e["data"] for e in seen if e["data"].get("text") == "Hi")
            assert bot_message["entities"][0]["type"] == "bold"

            async with http.post(
                f"{mounted}/api/chats/77/click",
                json={"message_id": bot_message["message_id"], "label": "Like"},
            ) as response:
                assert response.status == 200
            answers = await events(http, mounted, 77, seen[-1]["seq"], "callback_answer")
            assert any(
                e["kind"] == "callback_answer" and e["data"]["text"] == "Thanks!" for e in answers
            )

            async with http.post(
                f"{mounted}/api/chats/77/click",
                json={"message_id": bot_message["message_id"], "label": "Nope"},
            ) as response:
                assert response.status == 400 and "Nope" in (await response.json())["error"]

            async with http.post(
                f"{mounted}/api/chats/77/webapp",
                json={"message_id": bot_message["message_id"], "label": "Shop"},
            ) as response:
                url = (await response.json())["url"]
            init_data = unquote(url.split("#tgWebAppData=", 1)[1].split("&", 1)[0])
            web_app_user = safe_parse_webapp_init_data(bot.token, init_data).user
            assert web_app_user is not None and web_app_user.id == 77

            form = aiohttp.FormData()
            form.add_field("kind", "photo")
            form.add_field("file", make_png(), filename="cat.png", content_type="image/png")
            async with http.post(f"{mounted}/api/chats/77/upload", data=form) as response:
                assert response.status == 200
            uploaded = await events(http, mounted, 77, answers[-1]["seq"], "nice photo")
            photo = next(e["data"]["photo"] for e in uploaded if "photo" in e["data"])
            async with http.get(f"{mounted}/api/files/{photo[-1]['file_id']}") as response:
                assert await response.read() == make_png()

        async with http.get(f"{mounted}/api/chats/77") as response:
            state = await response.json()
        assert [m.get("text") for m in state["messages"]] == ["/start", "Hi", None, "nice photo"]
    finally:
        await bot.session.close()
