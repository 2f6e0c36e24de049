"""Shared fixtures: settings, a migrated database per test, services.

Every test runs on SQLite; tests marked `postgres` / `redis` run against the real servers
named by TEST_POSTGRES_URL / TEST_REDIS_URL and are skipped when those are unset.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fakeredis import FakeAsyncRedis
from tortoise import Tortoise

from bot.factory import build_services
from bot.logs import setup_logging
from core.config import Settings, load_settings
from db import apply_migrations, close_db, init_db
from services.container import Services

TEST_TOKEN = "123456789:TEST-token-for-the-emulator-only"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")


@pytest.fixture(autouse=True, scope="session")
def _quiet_logging() -> None:
    """Log as production does (secrets masked, no variable dumps), warnings and up."""
    setup_logging("WARNING", "text")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read the developer's .env or real configuration."""
    for name in list(os.environ):
        if name in Settings.model_fields or name.lower() in Settings.model_fields:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings for a test: a test token, SQLite in tmp_path, overrides by keyword."""

    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "bot_token": TEST_TOKEN,
            "database_url": f"sqlite://{tmp_path}/test.sqlite3",
            "data_dir": str(tmp_path / "data"),
            "admin_ids": "999",
            # Telegram Payments on, so online orders can be paid (the emulator takes any token)
            "telegram_payments_provider_token": "TEST:provider-token",
        }
        values.update(overrides)
        return load_settings(**values)

    return factory


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    """Default test settings."""
    return make_settings()


async def assert_ledger_intact(request: pytest.FixtureRequest) -> None:
    """Whatever a test did, the ledger it leaves behind verifies (`ledger verify`), unless the
    test broke it on purpose (marked `ledger_tampered`)."""
    if request.node.get_closest_marker("ledger_tampered") is not None:
        return
    from services import ledger

    report = await ledger.verify()
    assert report.ok, f"the ledger this test left does not verify: {report}"


@pytest.fixture
async def db(settings: Settings, request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """A database built by the committed migrations, connected as the app connects; its
    ledger must verify when the test is over."""
    await apply_migrations(settings.database_url)
    await init_db(settings.database_url)
    yield
    try:
        await assert_ledger_intact(request)
    finally:
        await close_db()


@pytest.fixture
async def pg_database_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database for one test (needs TEST_POSTGRES_URL)."""
    if not POSTGRES_URL:
        pytest.skip("TEST_POSTGRES_URL is not set")
    import asyncpg

    name = f"prilavok_t_{uuid.uuid4().hex[:12]}"
    admin_dsn = POSTGRES_URL.replace("postgres://", "postgresql://", 1)
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, _ = POSTGRES_URL.rpartition("/")
    yield f"{base}/{name}"
    await Tortoise.close_connections()
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def pg_db(pg_database_url: str, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A migrated PostgreSQL database, connected; its ledger must verify at the end."""
    await apply_migrations(pg_database_url)
    await init_db(pg_database_url)
    yield pg_database_url
    try:
        await assert_ledger_intact(request)
    finally:
        await close_db()


@pytest.fixture
async def real_redis() -> AsyncIterator[Any]:
    """A client of the real Redis (needs TEST_REDIS_URL); tests use random keys."""
    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL is not set")
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


@pytest.fixture
def fake_redis() -> Iterator[FakeAsyncRedis]:
    """An in-process Redis."""
    yield FakeAsyncRedis()


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    """Services on in-memory state."""
    built = build_services(settings)
    yield built
    await built.close()


@pytest.fixture(autouse=True)
def _fresh_tortoise_sql_cache() -> Iterator[None]:
    """Tortoise caches INSERT SQL per connection name, not per dialect: SQLite's SQL would
    leak into a PostgreSQL test of the same process ("syntax error at or near ',')."""
    from tortoise.backends.base.executor import EXECUTOR_CACHE

    EXECUTOR_CACHE.clear()
    yield
    EXECUTOR_CACHE.clear()
