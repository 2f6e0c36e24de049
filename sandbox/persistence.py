"""Keep the sandbox's people, chats and files across restarts: one JSON file.

Sandbox mode is for trying the bot by hand; a restart (a code change, `make run` again) must
not throw away the users someone made and what they were in the middle of. Changes are
written at most once per `delay` seconds, off the event loop, to a temporary file that then
replaces the old one, so a crash mid-write leaves the previous state whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

from sandbox.common import JsonDict

logger = logging.getLogger(__name__)

STATE_VERSION = 1
"""Bumped when the file's shape changes; a file of another version is set aside, not read."""


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, flush it to disk, then replace `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def read_state(path: Path) -> JsonDict | None:
    """The saved state, or None when there is none; an unreadable file is renamed aside."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        state = json.loads(text)
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            raise ValueError(f"not a version {STATE_VERSION} sandbox state")
    except ValueError as exc:
        aside = path.with_name(path.name + ".unreadable")
        os.replace(path, aside)
        logger.warning("sandbox: %s could not be read (%s); kept as %s", path, exc, aside)
        return None
    return state


class StateWriter:
    """Saves a snapshot soon after something changed, and once more when closed."""

    def __init__(self, path: Path, snapshot: Callable[[], JsonDict], delay: float = 1.0) -> None:
        self.path = path
        self._snapshot = snapshot
        self._delay = delay
        self._dirty = False
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def changed(self) -> None:
        """Note a change; it is written within `delay` seconds (or on close)."""
        self._dirty = True
        if self._task is not None and not self._task.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # set-up code outside the loop: close() writes it
            return
        self._task = loop.create_task(self._write_soon())

    async def flush(self) -> None:
        """Write the current state now if it changed since the last write."""
        async with self._lock:
            if not self._dirty:
                return
            self._dirty = False
            # The snapshot is taken on the loop (the state is only consistent there); the
            # encoding and the disk work run in a thread.
            state = self._snapshot()
            try:
                await asyncio.to_thread(_encode_and_write, self.path, state)
            except OSError:
                self._dirty = True
                logger.exception("sandbox: could not save %s", self.path)

    async def close(self) -> None:
        """Stop the pending write and write what is left."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()

    async def _write_soon(self) -> None:
        await asyncio.sleep(self._delay)
        await self.flush()


def _encode_and_write(path: Path, state: JsonDict) -> None:
    write_atomically(path, json.dumps(state, ensure_ascii=False, separators=(",", ":")))
