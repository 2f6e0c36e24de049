"""The handler tier: the real dispatcher behind the real webhook, driven through the emulator.

A test "is" a Telegram user: it sends text, clicks buttons by their labels and shares contacts;
the emulator delivers each update to /webhook/telegram and returns once the bot has answered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiogram.types import InlineKeyboardMarkup, Message
from aiohttp.test_utils import TestServer

from bot.factory import build_services, create_bot, create_dispatcher, wire
from core.config import Settings
from sandbox import FloodLimits, SandboxUser, TelegramEmulator, create_emulator_app
from services.container import Services
from tests.conftest import TEST_TOKEN, assert_ledger_intact
from tests.migrated import migrated
from webapp import create_app

WEBHOOK_SECRET = "handler-tests-secret"
ServerFactory = Callable[..., Awaitable[TestServer]]


def faster_clicks(rate: str) -> Any:
    """A `make_settings` override for a test module: a test answers every prompt within
    milliseconds, faster than anyone types, so the per-person throttle (8 updates in 5 s) is
    widened to `rate`; Telegram's flood limits of the emulator stay on.

    Use: `make_settings = faster_clicks("100/5seconds")` at the module's top level."""

    @pytest.fixture
    def make_settings(make_settings: Callable[..., Settings]) -> Callable[..., Settings]:
        def factory(**overrides: Any) -> Settings:
            overrides.setdefault("throttle_rate", rate)
            return make_settings(**overrides)

        return factory

    return make_settings


def labels(message: Message | None) -> list[str]:
    """Labels of a message's inline buttons."""
    assert message is not None
    markup = message.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup), f"no inline keyboard on {message.text!r}"
    return [button.text for row in markup.inline_keyboard for button in row]


def text_of(message: Message | None) -> str:
    """A message's text or caption."""
    assert message is not None
    return message.text or message.caption or ""


@dataclass
class Telegram:
    """The emulated Telegram with the product's bot registered and its webhook set."""

    emulator: TelegramEmulator
    bot: Bot
    services: Services
    settings: Settings
    app_url: str = ""
    """The product's HTTP server (for JSON API requests next to the chat)."""

    def user(self, user_id: int = 1001, **profile: Any) -> SandboxUser:
        """A Telegram user writing to the bot (Russian client by default)."""
        profile.setdefault("first_name", "Анна")
        profile.setdefault("language_code", "ru")
        return self.emulator.user(user_id=user_id, **profile)


@pytest.fixture
def telegram_settings() -> dict[str, Any]:
    """Extra settings of the `telegram` fixture; a test module overrides it (e.g. YooKassa)."""
    return {}


@pytest.fixture
async def telegram(
    make_settings: Callable[..., Settings],
    aiohttp_server: ServerFactory,
    tmp_path: Path,
    telegram_settings: dict[str, Any],
    request: pytest.FixtureRequest,
) -> AsyncIterator[Telegram]:
    """Emulator + product app (webhook mode) on real ports, wired like production."""
    emulator = TelegramEmulator(flood=FloodLimits(enabled=True), files_dir=tmp_path / "tg")
    emulator.register_bot(TEST_TOKEN, username="prilavok_test_bot", first_name="Prilavok")
    emulator_server = await aiohttp_server(create_emulator_app(emulator))
    settings = make_settings(
        telegram_api_url=str(emulator_server.make_url("/tg")),
        webhook_base_url="https://bot.example.ru",
        webhook_secret=WEBHOOK_SECRET,
        webapp_url="https://bot.example.ru/app",
        **telegram_settings,
    )
    await migrated(settings.database_url)
    services = build_services(settings)
    bot = create_bot(settings, services.metrics)
    dp = create_dispatcher(services)
    wire(services, bot, dp)
    app_server = await aiohttp_server(create_app(services, bot, dp))
    await bot.set_webhook(
        str(app_server.make_url("/webhook/telegram")),
        secret_token=WEBHOOK_SECRET,
        allowed_updates=dp.resolve_used_update_types(),
    )
    yield Telegram(
        emulator=emulator,
        bot=bot,
        services=services,
        settings=settings,
        app_url=str(app_server.make_url("")).rstrip("/"),
    )
    await assert_ledger_intact(request)
    await bot.session.close()
    await services.close()
    await emulator.close()
