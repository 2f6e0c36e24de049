"""The optional draft answerer: an OpenAI-compatible endpoint (a local fake here) drafts an
answer from the FAQ for the agents, in the ticket's topic; the customer never gets it. A slow
endpoint is cut off by the timeout, and nothing else changes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from core.config import Settings
from db.models import Ticket
from handlers.support_drafts import DraftAnswerer
from services import faq
from tests.handlers.admin_support import make_settings
from tests.handlers.conftest import Telegram, text_of

__all__ = ["make_settings"]

SUPPORT_CHAT = -1009876543210
DRAFT = "Доставка стоит столько, сколько задал магазин; сумма видна в корзине."


class FakeOpenAI:
    """Answers /v1/chat/completions like an OpenAI-compatible server; records requests."""

    def __init__(self, delay: float = 0.0) -> None:
        self.requests: list[dict[str, Any]] = []
        self.delay = delay

    async def completions(self, request: web.Request) -> web.Response:
        self.requests.append(
            {"json": await request.json(), "auth": request.headers.get("Authorization")}
        )
        await asyncio.sleep(self.delay)
        return web.json_response(
            {"choices": [{"index": 0, "message": {"role": "assistant", "content": DRAFT}}]}
        )

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self.completions)
        return app


@pytest.fixture
async def fake_openai(
    aiohttp_server: Callable[..., Awaitable[TestServer]],
) -> tuple[FakeOpenAI, str]:
    fake = FakeOpenAI()
    server = await aiohttp_server(fake.app())
    return fake, str(server.make_url("/v1"))


@pytest.fixture
def telegram_settings(fake_openai: tuple[FakeOpenAI, str]) -> dict[str, Any]:
    return {
        "support_chat_id": SUPPORT_CHAT,
        "openai_base_url": fake_openai[1],
        "openai_api_key": "sk-test",
    }


async def test_a_draft_from_the_faq_goes_to_the_agents_not_to_the_customer(
    telegram: Telegram, fake_openai: tuple[FakeOpenAI, str]
) -> None:
    fake, _ = fake_openai
    await faq.add_entry(
        "Сколько стоит доставка?", "Цену задаёт магазин.", "How much is delivery?", "Shops set it."
    )
    group = telegram.emulator.group(SUPPORT_CHAT, "Support", forum=True)
    anna = telegram.user(1001, first_name="Анна")
    await anna.send("/start")
    await anna.click("✉️ Написать в поддержку")
    await anna.send("сколько стоит доставка до Твери")
    await anna.click("✍️ Нет, написать человеку")

    ticket = await Ticket.get()
    assert ticket.thread_id is not None
    topic = group.in_topic(ticket.thread_id)
    assert "🤖" in text_of(topic[-1]) and DRAFT in text_of(topic[-1])
    assert all(DRAFT not in text_of(m) for m in anna.messages)
    request = fake.requests[-1]
    assert request["auth"] == "Bearer sk-test"
    assert request["json"]["messages"][-1]["content"] == "сколько стоит доставка до Твери"
    assert "Цену задаёт магазин." in request["json"]["messages"][0]["content"]


async def test_a_slow_endpoint_is_cut_off_by_the_timeout(
    aiohttp_server: Callable[..., Awaitable[TestServer]], make_settings: Callable[..., Settings]
) -> None:
    fake = FakeOpenAI(delay=5)
    server = await aiohttp_server(fake.app())
    settings = make_settings(openai_base_url=str(server.make_url("/v1")), openai_timeout=0.3)
    started = time.monotonic()
    assert await DraftAnswerer(settings).draft([{"role": "user", "content": "?"}]) is None
    assert time.monotonic() - started < 3
    assert not make_settings().support_drafts_enabled  # OPENAI_BASE_URL unset: off
