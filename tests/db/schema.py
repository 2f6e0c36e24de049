"""Read a database's schema back into one dialect-neutral shape, for comparing databases.

A table becomes a dict of plain values so that a failing comparison prints a readable diff:
columns as `name -> "type"` / `"type null"`, the primary key, unique column sets, other
index column sets and foreign keys as `column -> table.column on delete ACTION`.
Constraint and index names are left out: SQLite and PostgreSQL name column-level UNIQUE
constraints differently, and the names carry no meaning for the application.
Comments are left out too: Tortoise writes them on PostgreSQL only, and migrations never
update them (AlterModelOptions has no database effect).
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import asyncpg

Schema = dict[str, dict[str, Any]]

BOOKKEEPING_TABLES = frozenset({"tortoise_migrations"})
"""Tables of the migration machinery, not of the models."""

_SQLITE_TYPES = {
    "INTEGER": "int",
    "INT": "int",
    "BIGINT": "bigint",
    "SMALLINT": "smallint",
    "TEXT": "text",
    "JSON": "json",
    "TIMESTAMP": "timestamp",
    "DATE": "date",
    "TIME": "time",
    "REAL": "float",
    "BLOB": "binary",
}
_PG_TYPES = {
    "integer": "int",
    "bigint": "bigint",
    "smallint": "smallint",
    "text": "text",
    "json": "json",
    "jsonb": "json",
    "boolean": "bool",
    "timestamp with time zone": "timestamp",
    "timestamp without time zone": "timestamp",
    "date": "date",
    "time without time zone": "time",
    "double precision": "float",
    "real": "float",
    "bytea": "binary",
    "uuid": "uuid",
}
_SIZED = re.compile(r"^(?P<name>[a-z ]+)\((?P<size>[\d, ]+)\)$", re.IGNORECASE)
_SIZED_NAMES = {
    "varchar": "varchar",
    "character varying": "varchar",
    "char": "char",
    "character": "char",
    "decimal": "decimal",
    "numeric": "decimal",
}
_PG_ON_DELETE = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}


def normalize_type(raw: str, dialect: str) -> str:
    """Map a dialect's column type onto the common vocabulary; unknown types stay visible."""
    sized = _SIZED.match(raw.strip())
    if sized and sized["name"].lower() in _SIZED_NAMES:
        size = sized["size"].replace(" ", "")
        return f"{_SIZED_NAMES[sized['name'].lower()]}({size})"
    known = _SQLITE_TYPES.get(raw.upper()) if dialect == "sqlite" else _PG_TYPES.get(raw.lower())
    return known or f"unknown {dialect} type {raw!r}"


def _column(type_: str, nullable: bool) -> str:
    return f"{type_} null" if nullable else type_


def _table(
    columns: dict[str, str],
    primary_key: list[str],
    uniques: list[tuple[str, ...]],
    indexes: list[tuple[str, ...]],
    foreign_keys: dict[str, str],
) -> dict[str, Any]:
    return {
        "columns": columns,
        "primary_key": tuple(primary_key),
        "unique": sorted(uniques),
        "indexes": sorted(indexes),
        "foreign_keys": foreign_keys,
    }


def sqlite_schema(path: str) -> Schema:
    """Introspect a SQLite file with PRAGMAs."""
    schema: Schema = {}
    with sqlite3.connect(path) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            columns: dict[str, str] = {}
            primary: list[tuple[int, str]] = []
            for _cid, name, type_, notnull, _default, pk in conn.execute(
                f'PRAGMA table_info("{table}")'
            ):
                columns[name] = _column(normalize_type(type_, "sqlite"), not notnull)
                if pk:
                    primary.append((pk, name))
            uniques: list[tuple[str, ...]] = []
            indexes: list[tuple[str, ...]] = []
            for _seq, index, unique, origin, _partial in conn.execute(
                f'PRAGMA index_list("{table}")'
            ):
                if origin == "pk":
                    continue
                info = conn.execute(f'PRAGMA index_info("{index}")').fetchall()
                cols = tuple(name for _seqno, _cid, name in sorted(info))
                (uniques if unique else indexes).append(cols)
            foreign_keys = {
                source: f"{target_table}.{target} on delete {on_delete}"
                for _id, _seq, target_table, source, target, _upd, on_delete, _match in (
                    conn.execute(f'PRAGMA foreign_key_list("{table}")')
                )
            }
            schema[table] = _table(
                columns, [name for _, name in sorted(primary)], uniques, indexes, foreign_keys
            )
    return schema


_PG_COLUMNS = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum
"""
_PG_INDEXES = """
SELECT t.relname, i.indisprimary, i.indisunique,
       ARRAY(SELECT a.attname
             FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             ORDER BY k.n)
FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
WHERE t.relnamespace = 'public'::regnamespace
"""
_PG_FOREIGN_KEYS = """
SELECT t.relname, a.attname, r.relname, ra.attname, con.confdeltype
FROM pg_constraint con
JOIN pg_class t ON t.oid = con.conrelid
JOIN pg_class r ON r.oid = con.confrelid
JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[1]
WHERE con.contype = 'f' AND t.relnamespace = 'public'::regnamespace
"""


async def postgres_schema(url: str) -> Schema:
    """Introspect the public schema of a PostgreSQL database through pg_catalog."""
    conn = await asyncpg.connect(url)
    try:
        columns = await conn.fetch(_PG_COLUMNS)
        indexes = await conn.fetch(_PG_INDEXES)
        foreign_keys = await conn.fetch(_PG_FOREIGN_KEYS)
    finally:
        await conn.close()
    raw: dict[str, dict[str, Any]] = {}
    for table, name, type_, nullable in columns:
        entry = raw.setdefault(
            table, {"columns": {}, "pk": [], "unique": [], "indexes": [], "fks": {}}
        )
        entry["columns"][name] = _column(normalize_type(type_, "postgres"), nullable)
    for table, primary, unique, cols in indexes:
        entry = raw[table]
        if primary:
            entry["pk"] = list(cols)
        else:
            entry["unique" if unique else "indexes"].append(tuple(cols))
    for table, source, target_table, target, on_delete in foreign_keys:
        action = _PG_ON_DELETE[on_delete.decode() if isinstance(on_delete, bytes) else on_delete]
        raw[table]["fks"][source] = f"{target_table}.{target} on delete {action}"
    return {
        table: _table(e["columns"], e["pk"], e["unique"], e["indexes"], e["fks"])
        for table, e in raw.items()
    }


def without_bookkeeping(schema: Schema) -> Schema:
    """Only the tables the models describe."""
    return {table: value for table, value in schema.items() if table not in BOOKKEEPING_TABLES}


def as_sqlite_sees_it(schema: Schema) -> Schema:
    """A PostgreSQL schema projected onto what SQLite can express: no boolean type (INT)."""
    projected: Schema = {}
    for table, value in schema.items():
        columns = {
            name: re.sub(r"^bool\b", "int", column) for name, column in value["columns"].items()
        }
        projected[table] = {**value, "columns": columns}
    return projected


def assert_same_schema(actual: Schema, expected: Schema, what: str) -> None:
    """Compare table by table so that a failure names the table that differs."""
    assert sorted(actual) == sorted(expected), f"{what}: different tables"
    for table in sorted(expected):
        assert actual[table] == expected[table], f"{what}: table {table!r} differs"
