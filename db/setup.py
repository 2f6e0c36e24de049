"""Start and stop Tortoise, and apply the committed migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loguru import logger
from tortoise import Tortoise
from tortoise.migrations.api.migrate import migrate

MODELS_APP = "models"


def _sqlite_file(database_url: str) -> Path | None:
    if not database_url.startswith("sqlite://"):
        return None
    path = database_url.removeprefix("sqlite://").split("?", 1)[0]
    return None if path in ("", ":memory:") else Path(path)


def with_pool_size(database_url: str, pool_size: int | None) -> str:
    """A PostgreSQL URL whose asyncpg pool holds at most `pool_size` connections (a
    `maxsize` already in the URL wins); other databases have no pool to size."""
    if pool_size is None or not database_url.startswith(("postgres://", "postgresql://")):
        return database_url
    base, _, query = database_url.partition("?")
    params = [part for part in query.split("&") if part]
    if any(part.split("=", 1)[0] == "maxsize" for part in params):
        return database_url
    params.append(f"maxsize={pool_size}")
    return f"{base}?{'&'.join(params)}"


def tortoise_config(database_url: str, pool_size: int | None = None) -> dict[str, Any]:
    """Tortoise config with one app whose migrations live in the top-level `migrations`."""
    return {
        "connections": {"default": with_pool_size(database_url, pool_size)},
        "apps": {
            MODELS_APP: {
                "models": ["db.models"],
                "migrations": "migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def init_db(database_url: str, *, pool_size: int | None = None) -> None:
    """Connect Tortoise as the process-wide context (scheduler jobs and web tasks share it)."""
    sqlite_file = _sqlite_file(database_url)
    if sqlite_file is not None:
        sqlite_file.parent.mkdir(parents=True, exist_ok=True)
    await Tortoise.init(
        config=tortoise_config(database_url, pool_size), _enable_global_fallback=True
    )


async def close_db() -> None:
    """Close every connection of the current context."""
    await Tortoise.close_connections()


async def apply_migrations(database_url: str) -> None:
    """Apply every committed migration that the database has not seen yet."""
    sqlite_file = _sqlite_file(database_url)
    if sqlite_file is not None:
        sqlite_file.parent.mkdir(parents=True, exist_ok=True)

    def progress(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            logger.info("Applied migration {}.{}", app_label, name)

    try:
        await migrate(config=tortoise_config(database_url), progress=progress)
    finally:  # a failed migration must not leave a connection (and the process) hanging
        await Tortoise.close_connections()
