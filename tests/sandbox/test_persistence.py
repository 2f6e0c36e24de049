"""Sandbox users, their chats and files survive a restart (the state file in DATA_DIR)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram.types import BufferedInputFile
from aiohttp.test_utils import TestServer

from sandbox import TelegramEmulator, create_emulator_app
from sandbox.persistence import StateWriter, write_atomically
from tests.sandbox.conftest import TOKEN, ServerFactory, make_bot, make_emulator


async def start(aiohttp_server: ServerFactory, files: Path) -> tuple[TelegramEmulator, TestServer]:
    emulator = make_emulator(files, state_file=files / "state.json")
    return emulator, await aiohttp_server(create_emulator_app(emulator))


async def get(http: aiohttp.ClientSession, server: TestServer, path: str) -> Any:
    async with http.get(server.make_url(path)) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def test_users_chats_and_files_survive_a_restart(
    aiohttp_server: ServerFactory, tmp_path: Path, make_png: Callable[..., bytes]
) -> None:
    files = tmp_path / "sandbox"
    emulator, server = await start(aiohttp_server, files)
    bot = make_bot(str(server.make_url("/tg")))
    async with aiohttp.ClientSession() as http:
        async with http.post(
            server.make_url("/api/users"),
            json={"id": 77, "first_name": "Анна", "language_code": "ru", "username": "anna"},
        ) as response:
            assert response.status == 200
        async with http.post(
            server.make_url("/api/chats/77/send"), json={"text": "привет"}
        ) as response:
            assert response.status == 200
        await bot.send_message(77, "Здравствуйте!", reply_markup=None)
        photo = await bot.send_photo(77, BufferedInputFile(make_png(), "cat.png"), caption="кот")
        await bot.set_chat_menu_button(chat_id=77)
        before = await get(http, server, "/api/chats/77")
        await bot.session.close()
        await server.close()  # the emulator saves on close

        assert json.loads((files / "state.json").read_text(encoding="utf-8"))["version"] == 1
        emulator, server = await start(aiohttp_server, files)
        bot = make_bot(str(server.make_url("/tg")))
        users = await get(http, server, "/api/users")
        assert users["users"] == [before["user"]]
        after = await get(http, server, "/api/chats/77")
        assert after["messages"] == before["messages"]
        assert after["seq"] == before["seq"]  # an open page keeps polling from where it was
        assert [m.get("text") or m.get("caption") for m in after["messages"]] == [
            "привет",
            "Здравствуйте!",
            "кот",
        ]
        async with http.get(  # a page that saw more than was saved reloads the chat
            server.make_url("/api/chats/77/events"), params={"after": before["seq"] + 3}
        ) as response:
            assert (await response.json())["reset"] is True
        largest = photo.photo[-1].file_id  # type: ignore[index]
        async with http.get(server.make_url(f"/api/files/{largest}")) as response:
            assert response.status == 200
            assert response.content_type == "image/jpeg"
        again = await bot.send_photo(77, largest)  # the bot's saved file_id still works
        assert again.message_id == photo.message_id + 1  # ids go on, never reused
        async with http.post(server.make_url("/api/chats/77/send"), json={"text": "ещё"}):
            pass
        update_ids = [update.update_id for update in emulator.updates()]
        assert update_ids and min(update_ids) > 1  # the update counter goes on too
        await bot.session.close()


async def test_an_unreadable_state_file_is_set_aside_and_the_sandbox_starts_empty(
    aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    files = tmp_path / "sandbox"
    files.mkdir()
    (files / "state.json").write_text("{not json", encoding="utf-8")

    emulator, _ = await start(aiohttp_server, files)

    assert emulator.users(TOKEN) == []
    assert (files / "state.json.unreadable").read_text(encoding="utf-8") == "{not json"
    emulator.user(5, first_name="Ира")
    await emulator.close()
    saved = json.loads((files / "state.json").read_text(encoding="utf-8"))
    assert [p["first_name"] for p in saved["profiles"]] == ["Ира"]


async def test_changes_are_written_together_off_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"
    writes: list[tuple[str, bool]] = []
    loop_thread = threading.get_ident()

    def recording_write(target: Path, text: str) -> None:
        writes.append((text, threading.get_ident() != loop_thread))
        write_atomically(target, text)

    monkeypatch.setattr("sandbox.persistence.write_atomically", recording_write)
    state = {"version": 1, "n": 0}
    writer = StateWriter(path, lambda: dict(state), delay=0.05)
    for n in range(1, 6):
        state["n"] = n
        writer.changed()
    await asyncio.sleep(0.3)

    assert len(writes) == 1 and writes[0][1], "one write, in a worker thread"
    assert json.loads(path.read_text(encoding="utf-8"))["n"] == 5
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary file left
    await writer.close()
    assert len(writes) == 1  # nothing changed since: nothing written
