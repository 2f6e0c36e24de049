"""The real server (`bot.runner.serve`) in webhook mode against the Telegram emulator.

Everything goes over real sockets: the emulator posts updates to /webhook/telegram and the
bot calls the emulator through TELEGRAM_API_URL, exactly as with Telegram.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.runner import serve
from core.config import Settings
from db.models import User
from sandbox import FloodLimits, TelegramEmulator, create_emulator_app, sign_init_data
from tests.conftest import TEST_TOKEN
from tests.migrated import migrated

SECRET = "e2e-webhook-secret"
ServerFactory = Callable[..., Awaitable[TestServer]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Running:
    emulator: TelegramEmulator
    settings: Settings
    base: str
    http: aiohttp.ClientSession


@pytest.fixture
async def running(
    make_settings: Callable[..., Settings], aiohttp_server: ServerFactory, tmp_path: Path
) -> AsyncIterator[Running]:
    emulator = TelegramEmulator(flood=FloodLimits(enabled=True), files_dir=tmp_path / "tg")
    emulator.register_bot(TEST_TOKEN, username="prilavok_e2e_bot", first_name="Prilavok")
    emulator_server = await aiohttp_server(create_emulator_app(emulator))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = make_settings(
        telegram_api_url=str(emulator_server.make_url("/tg")),
        webhook_base_url=base,
        webhook_secret=SECRET,
        webapp_url="https://shop.example.ru/app",
        http_port=port,
    )
    await migrated(settings.database_url)
    stop = asyncio.Event()
    server = asyncio.create_task(serve(settings, stop))
    async with aiohttp.ClientSession() as http:
        deadline = time.monotonic() + 15
        while emulator.bot().webhook is None:
            assert not server.done(), server.exception()
            assert time.monotonic() < deadline, "the server did not set its webhook"
            await asyncio.sleep(0.05)
        yield Running(emulator, settings, base, http)
    stop.set()
    await asyncio.wait_for(server, 15)
    await emulator.close()


async def test_start_gets_a_localized_reply_with_the_main_menu(running: Running) -> None:
    webhook = running.emulator.bot().webhook
    assert webhook is not None and webhook.url == f"{running.base}/webhook/telegram"
    replies = await running.emulator.user(user_id=501, first_name="Олег", language_code="ru").send(
        "/start"
    )
    assert "Здравствуйте, Олег!" in (replies[0].text or "")
    english = running.emulator.user(user_id=502, first_name="Ann", language_code="en")
    replies = await english.send("/start")
    assert "Hello, Ann!" in (replies[0].text or "")
    await english.click("👤 Profile")
    assert "Profile" in (english.last_message.text or "")  # type: ignore[union-attr]


async def test_startup_configures_commands_and_menu_button(running: Running) -> None:
    calls = running.emulator.calls_to("setMyCommands")
    languages = {call.params.get("language_code") for call in calls}
    assert {None, "ru", "en"} <= languages
    menu = running.emulator.calls_to("setChatMenuButton")
    assert menu and "https://shop.example.ru/app" in json.dumps(menu[-1].params)


async def test_a_repeated_update_is_handled_once(running: Running) -> None:
    user = running.emulator.user(user_id=503, first_name="Ира")
    await user.send("/start")
    before = len(user.messages)
    await running.emulator.redeliver(TEST_TOKEN, max(running.emulator.bot().history))
    await running.emulator.wait_idle()
    assert len(user.messages) == before


async def test_missing_or_wrong_secret_is_refused_without_side_effects(running: Running) -> None:
    update = {
        "update_id": 90001,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": 777, "type": "private", "first_name": "Mallory"},
            "from": {"id": 777, "is_bot": False, "first_name": "Mallory"},
            "text": "/start",
        },
    }
    url = f"{running.base}/webhook/telegram"
    for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
        async with running.http.post(url, json=update, headers=headers) as response:
            assert response.status == 401
    assert not await User.exists(tg_id=777)
    assert not running.emulator.calls_to("sendMessage")


async def test_malformed_bodies_get_4xx_and_the_server_stays_up(running: Running) -> None:
    url = f"{running.base}/webhook/telegram"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    for body in (b"{not json", b"[]", b'{"update_id": "x"}', b"\xff\xfe"):
        async with running.http.post(url, data=body, headers=headers) as response:
            assert 400 <= response.status < 500, body
    async with running.http.get(f"{running.base}/health") as response:
        assert response.status == 200
        assert (await response.json())["database"] == "ok"


async def test_mini_app_api_accepts_only_fresh_valid_init_data(running: Running) -> None:
    user = {"id": 504, "first_name": "Мила", "language_code": "ru"}
    good = sign_init_data(TEST_TOKEN, user=user)
    url = f"{running.base}/api/v1/me"
    async with running.http.get(url, headers={"Authorization": f"tma {good}"}) as response:
        assert response.status == 200
        assert (await response.json())["first_name"] == "Мила"
    tampered = good.replace("%D0%9C%D0%B8%D0%BB%D0%B0", "%D0%95%D0%B2%D0%B0")
    assert tampered != good
    stale = sign_init_data(TEST_TOKEN, user=user, auth_date=int(time.time()) - 2 * 86400)
    for raw, code in ((tampered, "auth_invalid"), (stale, "auth_expired")):
        async with running.http.get(url, headers={"Authorization": f"tma {raw}"}) as response:
            assert response.status == 401
            assert (await response.json())["error"]["code"] == code


async def test_metrics_and_app_page(running: Running) -> None:
    await running.emulator.user(user_id=505, first_name="Лев").send("/start")
    async with running.http.get(f"{running.base}/metrics") as response:
        text = await response.text()
    assert 'prilavok_updates_total{type="message"}' in text
    assert 'prilavok_http_requests_total{method="POST",route="/webhook/telegram"' in text
    async with running.http.get(f"{running.base}/app") as response:
        assert response.status == 200
        assert "telegram-web-app.js" in await response.text()
