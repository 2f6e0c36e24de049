"""The HTTP server under test: `create_app(...)` served by pytest-aiohttp, and Mini App sign-in.

`make_web()` builds the app exactly as the process does (services → bot → dispatcher → app)
on a migrated SQLite file; the app starts Tortoise itself in its cleanup context.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from redis.asyncio import Redis

from bot.factory import build_services, create_bot, create_dispatcher, wire
from core.config import Settings
from core.i18n import I18n
from services.container import Services
from tests.migrated import migrated
from webapp import create_app

UNREACHABLE_BOT_API = "http://127.0.0.1:9"
"""Tests never talk to Telegram: a Bot API call would fail fast here instead."""

WEBHOOK_SECRET = "s3cret"

TG_USER: dict[str, Any] = {
    "id": 5550001,
    "first_name": "Анна",
    "last_name": "Смирнова",
    "username": "anna_s",
    "language_code": "en",
    "allows_write_to_pm": True,
}


def sign_init_data(
    token: str,
    *,
    user: dict[str, Any] | None = TG_USER,
    auth_date: float | None = None,
    **fields: str,
) -> str:
    """initData as Telegram signs it: HMAC-SHA256 over the sorted `key=value` lines.

    `user` is sent as a JSON string; `user=None` leaves it out.
    """
    values = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "auth_date": str(int(time.time() if auth_date is None else auth_date)),
        **fields,
    }
    if user is not None:
        values["user"] = json.dumps(user, ensure_ascii=False)
    values["hash"] = init_data_hash(token, values)
    return urlencode(values)


def init_data_hash(token: str, values: dict[str, str]) -> str:
    """Telegram's hash of initData fields (everything except `hash`)."""
    data_check_string = "\n".join(f"{k}={v}" for k, v in sorted(values.items()) if k != "hash")
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    return hmac.new(secret, data_check_string.encode(), hashlib.sha256).hexdigest()


def fields_of(raw: str) -> dict[str, str]:
    """initData decoded into its fields."""
    return dict(parse_qsl(raw, strict_parsing=True))


def tamper(raw: str, **changes: str) -> str:
    """The same initData with fields changed but the original hash kept."""
    return urlencode({**fields_of(raw), **changes})


def tma(raw: str) -> dict[str, str]:
    """The Authorization header the Mini App sends."""
    return {"Authorization": f"tma {raw}"}


def russian_catalogue(tmp_path: Path, english: str, russian: str) -> I18n:
    """A catalogue that translates one message into Russian, to watch the API pick the
    language per request."""
    catalog = Catalog(locale="ru", domain="messages")
    catalog.add(english, russian)
    directory = tmp_path / "locales" / "ru" / "LC_MESSAGES"
    directory.mkdir(parents=True)
    with (directory / "messages.mo").open("wb") as file:
        write_mo(file, catalog)
    return I18n(path=tmp_path / "locales", default_locale="en", domain="messages")


class LiveMiniApp:
    """The Mini App of TG_USER against an app that listens at `app_url`: JSON requests over
    HTTP with the person's signed initData, in English."""

    def __init__(self, app_url: str, token: str) -> None:
        self.base = app_url + "/api/v1"
        self.headers = {**tma(sign_init_data(token, user=TG_USER)), "Accept-Language": "en"}

    async def call(
        self, method: str, path: str, body: Any = None, **headers: str
    ) -> tuple[int, Any]:
        """The status and JSON answer of one API request."""
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                method, self.base + path, json=body, headers={**self.headers, **headers}
            ) as response,
        ):
            return response.status, await response.json()


@dataclass
class Web:
    """A running app and what it was built from."""

    client: TestClient
    services: Services

    @property
    def settings(self) -> Settings:
        """The app's settings."""
        return self.services.settings


MakeWeb = Callable[..., Awaitable[Web]]


@pytest.fixture
async def make_web(
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    make_settings: Callable[..., Settings],
) -> AsyncIterator[MakeWeb]:
    """Build and serve the app; `redis`/`i18n` replace services, other keywords settings."""
    built: list[Services] = []

    async def factory(
        *,
        redis: Redis | None = None,
        i18n: I18n | None = None,
        migrate: bool = True,
        **overrides: Any,
    ) -> Web:
        settings = make_settings(telegram_api_url=UNREACHABLE_BOT_API, **overrides)
        if migrate:
            await migrated(settings.database_url)
        services = build_services(settings, redis=redis)
        built.append(services)
        if i18n is not None:
            services = dataclasses.replace(services, i18n=i18n)
        bot = create_bot(settings, services.metrics)
        dp = create_dispatcher(services)
        wire(services, bot, dp)
        app = create_app(services, bot, dp)
        return Web(client=await aiohttp_client(app), services=services)

    yield factory
    for services in built:
        await services.close()


@pytest.fixture
async def web(make_web: MakeWeb) -> Web:
    """The app with default test settings."""
    return await make_web()


@pytest.fixture
async def webhook_web(make_web: MakeWeb) -> Web:
    """The app in webhook mode with the secret `s3cret`."""
    return await make_web(webhook_base_url="https://example.com", webhook_secret=WEBHOOK_SECRET)
