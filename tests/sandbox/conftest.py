"""Fixtures for the emulator's tests: an emulator served over HTTP and a real aiogram Bot."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiohttp.test_utils import TestServer
from PIL import Image

from sandbox import FloodLimits, SandboxTimings, TelegramEmulator, create_emulator_app

TOKEN = "123456:TEST-token"
BOT_USERNAME = "prilavok_bot"

ServerFactory = Callable[..., Awaitable[TestServer]]


@dataclass(frozen=True)
class Sandbox:
    """An emulator on a real port and a real aiogram Bot pointed at it."""

    emulator: TelegramEmulator
    bot: Bot
    api_base: str


def make_emulator(files_dir: Path, **kwargs: Any) -> TelegramEmulator:
    """An emulator with the test bot registered (flood limits off unless asked for)."""
    kwargs.setdefault("flood", FloodLimits(enabled=False))
    kwargs.setdefault("timings", SandboxTimings(settle_timeout=5.0, webhook_retry_delay=0.05))
    emulator = TelegramEmulator(files_dir=files_dir, **kwargs)
    emulator.register_bot(TOKEN, username=BOT_USERNAME, first_name="Prilavok")
    return emulator


def make_bot(api_base: str) -> Bot:
    """A real aiogram Bot whose API server is the emulator at `api_base`."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base))
    return Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


@pytest.fixture
async def start_sandbox(
    tmp_path: Path, aiohttp_server: ServerFactory
) -> AsyncIterator[Callable[..., Any]]:
    """`await start_sandbox(clock=..., flood=..., timings=...)` -> Sandbox, for custom setups."""
    bots: list[Bot] = []

    async def start(**kwargs: Any) -> Sandbox:
        emulator = make_emulator(tmp_path / f"files-{len(bots)}", **kwargs)
        server = await aiohttp_server(create_emulator_app(emulator))
        api_base = str(server.make_url("/tg"))
        bots.append(make_bot(api_base))
        return Sandbox(emulator, bots[-1], api_base)

    yield start
    for bot in bots:
        await bot.session.close()


@pytest.fixture
def emulator(tmp_path: Path) -> TelegramEmulator:
    """A fresh emulator per test."""
    return make_emulator(tmp_path / "files")


@pytest.fixture
async def server(aiohttp_server: ServerFactory, emulator: TelegramEmulator) -> TestServer:
    """The emulator app on a real port."""
    return await aiohttp_server(create_emulator_app(emulator))


@pytest.fixture
def api_base(server: TestServer) -> str:
    """What the product passes to TelegramAPIServer.from_base()."""
    return str(server.make_url("/tg"))


@pytest.fixture
async def bot(api_base: str) -> AsyncIterator[Bot]:
    """A real aiogram Bot talking HTTP to the emulator."""
    bot = make_bot(api_base)
    yield bot
    await bot.session.close()


@contextlib.asynccontextmanager
async def _polling(dispatcher: Dispatcher, bot: Bot) -> AsyncIterator[None]:
    task = asyncio.create_task(
        dispatcher.start_polling(
            bot, handle_signals=False, close_bot_session=False, polling_timeout=1
        )
    )
    try:
        yield
    finally:
        await dispatcher.stop_polling()
        await task


Polling = Callable[[Dispatcher, Bot], contextlib.AbstractAsyncContextManager[None]]


@pytest.fixture
def polling() -> Polling:
    """`async with polling(dp, bot):` runs long polling in the background for the block."""
    return _polling


@pytest.fixture
def make_png() -> Callable[..., bytes]:
    """`make_png(width, height)` -> PNG bytes of a solid image."""

    def make(width: int = 640, height: int = 480, color: str = "orange") -> bytes:
        buffer = io.BytesIO()
        Image.new("RGB", (width, height), color).save(buffer, format="PNG")
        return buffer.getvalue()

    return make
