"""Migrated test databases without re-running every migration for every test.

A worker process applies the committed migrations once, to a template SQLite file, and each
test's fresh database is a copy of it: the same schema the migrations build (tests/db checks
the migrations themselves on empty databases), in milliseconds instead of seconds. Anything
but a fresh SQLite file (PostgreSQL, a database a test already holds) gets the real
`apply_migrations`.
"""

from __future__ import annotations

import asyncio
import atexit
import shutil
import tempfile
from pathlib import Path

from db import apply_migrations
from db.setup import _sqlite_file

_template: Path | None = None


async def migrated(database_url: str) -> None:
    """Make `database_url` a database at the newest migration."""
    target = _sqlite_file(database_url)
    if target is None or target.exists() or "?" in database_url:
        await apply_migrations(database_url)
        return
    template = await _template_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(shutil.copyfile, template, target)


async def _template_file() -> Path:
    global _template  # one per worker process; its tests run one at a time
    if _template is None:
        folder = Path(tempfile.mkdtemp(prefix="prilavok-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = folder / "template.sqlite3"
        await apply_migrations(f"sqlite://{path}")
        _template = path
    return _template
