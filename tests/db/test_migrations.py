"""The committed migrations build the schema the models describe, on SQLite and PostgreSQL.

A model changed without a migration fails here twice: the autodetector reports pending
changes, and the schema generated from the models differs from the migrated one.
"""

from __future__ import annotations

import inspect
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from tortoise import Tortoise
from tortoise.context import TortoiseContext
from tortoise.migrations.api.migrate import migrate
from tortoise.migrations.autodetector import MigrationAutodetector
from tortoise.models import Model

import db.models
from db import apply_migrations, tortoise_config
from db.models import User
from db.setup import MODELS_APP
from tests.db.schema import (
    Schema,
    as_sqlite_sees_it,
    assert_same_schema,
    postgres_schema,
    sqlite_schema,
    without_bookkeeping,
)

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def sqlite_url(path: Path) -> str:
    return f"sqlite://{path}"


async def generate_from_models(database_url: str) -> None:
    """Create the tables straight from the models, bypassing the migrations."""
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url))
        await ctx.generate_schemas(safe=False)


async def migrate_to_zero(database_url: str) -> None:
    """What `python -m tortoise ... downgrade models` does: unapply every migration."""
    try:
        await migrate(
            config=tortoise_config(database_url),
            target=f"{MODELS_APP}.__first__",
            direction="backward",
        )
    finally:
        await Tortoise.close_connections()


async def migrate_sqlite(tmp_path: Path, name: str = "migrated.sqlite3") -> Schema:
    path = tmp_path / name
    await apply_migrations(sqlite_url(path))
    return sqlite_schema(str(path))


def model_classes() -> list[type[Model]]:
    return [
        value
        for value in vars(db.models).values()
        if isinstance(value, type) and issubclass(value, Model) and not value._meta.abstract
    ]


# --- SQLite ------------------------------------------------------------------------------


async def test_migrations_build_every_model_table_on_sqlite(tmp_path: Path) -> None:
    schema = await migrate_sqlite(tmp_path)

    assert set(without_bookkeeping(schema)) == {m._meta.db_table for m in model_classes()}
    assert {"users", "consents", "audit_log", "providers", "products"} <= set(schema)
    users = schema["users"]
    assert users["primary_key"] == ("id",)
    assert users["columns"]["tg_id"] == "bigint null"
    assert users["columns"]["pseudonym"] == "varchar(32)"
    assert ("tg_id",) in users["unique"]
    assert users["foreign_keys"]["referrer_id"] == "users.id on delete SET NULL"
    assert ("provider_id", "sku") in schema["products"]["unique"]
    assert ("user_id", "kind", "created_at") in schema["consents"]["indexes"]


async def test_sqlite_migrations_match_the_models(tmp_path: Path) -> None:
    migrated = await migrate_sqlite(tmp_path)
    generated_path = tmp_path / "generated.sqlite3"
    await generate_from_models(sqlite_url(generated_path))

    assert_same_schema(
        without_bookkeeping(migrated),
        sqlite_schema(str(generated_path)),
        "SQLite: migrations vs models",
    )


async def test_migrations_are_recorded_and_reapplying_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    await apply_migrations(sqlite_url(path))
    first = sqlite_schema(str(path))
    await apply_migrations(sqlite_url(path))

    assert sqlite_schema(str(path)) == first
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT app, name FROM tortoise_migrations").fetchall()
    on_disk = sorted(p.stem for p in MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.py"))
    assert rows == [(MODELS_APP, name) for name in on_disk]


async def test_downgrade_to_zero_and_reapply_on_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    await apply_migrations(sqlite_url(path))
    migrated = sqlite_schema(str(path))

    await migrate_to_zero(sqlite_url(path))
    assert set(sqlite_schema(str(path))) == {"tortoise_migrations"}

    await apply_migrations(sqlite_url(path))
    assert_same_schema(sqlite_schema(str(path)), migrated, "SQLite: re-applied vs first")


# --- PostgreSQL ----------------------------------------------------------------------------


@pytest.fixture
async def pg_models_database_url(pg_database_url: str) -> AsyncIterator[str]:
    """A second fresh PostgreSQL database, next to pg_database_url's."""
    base, _, name = pg_database_url.rpartition("/")
    second = f"{name}_models"
    conn = await asyncpg.connect(pg_database_url)
    try:
        await conn.execute(f'CREATE DATABASE "{second}"')
    finally:
        await conn.close()
    yield f"{base}/{second}"
    await Tortoise.close_connections()
    conn = await asyncpg.connect(pg_database_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{second}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.mark.postgres
async def test_postgres_migrations_match_sqlite_and_the_models(
    pg_database_url: str, pg_models_database_url: str, tmp_path: Path
) -> None:
    await apply_migrations(pg_database_url)
    migrated_pg = await postgres_schema(pg_database_url)
    await generate_from_models(pg_models_database_url)
    generated_pg = await postgres_schema(pg_models_database_url)

    assert_same_schema(
        as_sqlite_sees_it(migrated_pg), await migrate_sqlite(tmp_path), "PostgreSQL vs SQLite"
    )
    # What SQLite cannot tell apart (bool/int) is checked here, against the models.
    assert_same_schema(
        without_bookkeeping(migrated_pg), generated_pg, "PostgreSQL: migrations vs models"
    )
    assert migrated_pg["users"]["columns"]["is_banned"] == "bool"


@pytest.mark.postgres
async def test_downgrade_to_zero_and_reapply_on_postgres(pg_database_url: str) -> None:
    await apply_migrations(pg_database_url)
    migrated = await postgres_schema(pg_database_url)

    await migrate_to_zero(pg_database_url)
    assert set(await postgres_schema(pg_database_url)) == {"tortoise_migrations"}

    await apply_migrations(pg_database_url)
    assert_same_schema(await postgres_schema(pg_database_url), migrated, "PG: re-applied")


# --- Migrations and models in step ---------------------------------------------------------


async def pending_changes() -> list[str]:
    """What `makemigrations` would write now (it has no --dry-run, so ask its autodetector)."""
    config: dict[str, Any] = tortoise_config("sqlite://:memory:")
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        assert ctx.apps is not None
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    return [f"{w.name}: {op.describe()}" for w in writers for op in w.operations]


async def test_no_model_change_lacks_a_migration() -> None:
    hint = "run: python -m tortoise -c db.migrations_config.TORTOISE_ORM makemigrations"
    assert await pending_changes() == [], hint


async def test_the_pending_changes_check_sees_a_model_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(User._meta, "table_description", "Changed without a migration.")

    changes = await pending_changes()

    assert any(change.endswith(": Alter options for User") for change in changes), changes


def test_no_model_comment_contains_a_semicolon() -> None:
    """Tortoise's SQLite migrations split DDL on ';' and mangle backticks in comments."""
    offenders = []
    for model in model_classes():
        first_line = inspect.cleandoc(model.__doc__ or "").split("\n")[0]
        for text in (first_line, model._meta.table_description or ""):
            if ";" in text or "`" in text:
                offenders.append(f"{model.__name__} docstring: {text!r}")
        for name, field in model._meta.fields_map.items():
            if any(mark in (field.description or "") for mark in ";`"):
                offenders.append(f"{model.__name__}.{name} description: {field.description!r}")
    assert model_classes(), "no models found in db.models"
    assert offenders == []


MIGRATIONS = sorted(p.stem for p in MIGRATIONS_DIR.glob("0*.py"))
_DUMMIES = {"INT": 1, "CHAR": "x", "TEXT": "x", "CLOB": "x", "REAL": 1.0, "FLOA": 1.0}


def _fill_every_table(path: Path) -> int:
    """One row in every table, with a value for each NOT NULL column that has no default
    (foreign keys are not enforced by a bare sqlite3 connection); how many rows."""
    rows = 0
    with sqlite3.connect(path) as conn:
        tables = [
            name
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not name.startswith(("sqlite_", "tortoise_"))
        ]
        for table in tables:
            columns = [
                (name, kind.upper())
                for _, name, kind, notnull, default, pk in conn.execute(
                    f'PRAGMA table_info("{table}")'
                )
                if notnull and default is None and not pk
            ]
            values = [
                next((v for k, v in _DUMMIES.items() if k in kind), "2026-01-01 00:00:00+00:00")
                for _, kind in columns
            ]
            names = ", ".join(f'"{name}"' for name, _ in columns)
            marks = ", ".join("?" for _ in columns)
            sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'  # noqa: S608 (our names)
            conn.execute(sql if columns else f'INSERT INTO "{table}" DEFAULT VALUES', values)
            rows += 1
    return rows


@pytest.mark.parametrize("applied", MIGRATIONS[4:-1])
async def test_a_database_with_rows_upgrades_from_every_migration(
    tmp_path: Path, applied: str
) -> None:
    """A production database has rows: a column added NOT NULL needs a default the database
    knows (`db_default`), or the upgrade fails ("Cannot add a NOT NULL column"). From 0005 on:
    the dummy rows do not satisfy every foreign key that 0005's table rebuild re-checks."""
    path = tmp_path / "old.sqlite3"
    try:
        await migrate(config=tortoise_config(sqlite_url(path)), target=f"{MODELS_APP}.{applied}")
    finally:
        await Tortoise.close_connections()
    assert _fill_every_table(path) > 5

    await apply_migrations(sqlite_url(path))

    with sqlite3.connect(path) as conn:
        (done,) = conn.execute("SELECT COUNT(*) FROM tortoise_migrations").fetchone()
    assert done == len(MIGRATIONS)
