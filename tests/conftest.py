"""Shared fixtures: settings, a migrated database per test, services.

Every test runs on SQLite; tests marked `postgres` / `redis` run against the real servers
named by TEST_POSTGRES_URL / TEST_REDIS_URL and are skipped when those are unset.
"""

from __future__ import annotations

import asyncio
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
from tests.migrated import migrated

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
            # No quiet hours unless a test sets them: pushes must not depend on the hour it runs
            "quiet_hours": "",
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
    await migrated(settings.database_url)
    await init_db(settings.database_url)
    yield
    try:
        await assert_ledger_intact(request)
    finally:
        await close_db()


def _admin_dsn() -> str:
    assert POSTGRES_URL is not None
    return POSTGRES_URL.replace("postgres://", "postgresql://", 1)


def _database_url(name: str) -> str:
    assert POSTGRES_URL is not None
    base, _, _ = POSTGRES_URL.rpartition("/")
    return f"{base}/{name}"


async def _create_database(name: str, template: str | None = None) -> None:
    import asyncpg

    conn = await asyncpg.connect(_admin_dsn())
    try:
        like = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{like}')
    finally:
        await conn.close()


async def _drop_database(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_admin_dsn())
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def pg_database_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for one test (needs TEST_POSTGRES_URL)."""
    if not POSTGRES_URL:
        pytest.skip("TEST_POSTGRES_URL is not set")
    name = f"prilavok_t_{uuid.uuid4().hex[:12]}"
    await _create_database(name)
    yield _database_url(name)
    await Tortoise.close_connections()
    await _drop_database(name)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A PostgreSQL database migrated once per worker process, copied by the tests that need
    a migrated one (CREATE DATABASE … TEMPLATE: milliseconds instead of every migration)."""
    if not POSTGRES_URL:
        pytest.skip("TEST_POSTGRES_URL is not set")
    name = f"prilavok_tpl_{uuid.uuid4().hex[:12]}"

    async def build() -> None:
        await _create_database(name)
        await apply_migrations(_database_url(name))

    asyncio.run(build())
    yield name
    asyncio.run(_drop_database(name))


@pytest.fixture
async def pg_migrated_url(pg_template: str) -> AsyncIterator[str]:
    """A fresh PostgreSQL database at the newest migration (needs TEST_POSTGRES_URL)."""
    name = f"prilavok_t_{uuid.uuid4().hex[:12]}"
    await _create_database(name, template=pg_template)
    yield _database_url(name)
    await Tortoise.close_connections()
    await _drop_database(name)


@pytest.fixture
async def pg_db(pg_migrated_url: str, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A migrated PostgreSQL database, connected; its ledger must verify at the end."""
    await init_db(pg_migrated_url)
    yield pg_migrated_url
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
