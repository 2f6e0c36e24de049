"""`python -m bot run` with no configuration: a real process in sandbox mode."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from tests.e2e.test_webhook_mode import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Sandbox:
    process: asyncio.subprocess.Process
    base: str
    http: aiohttp.ClientSession
    stderr: str = ""

    async def stop(self) -> float:
        """SIGTERM; the seconds until the process exited."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(self.process.communicate(), 30)
        self.stderr = stderr.decode()
        return time.monotonic() - started


async def _wait_healthy(
    http: aiohttp.ClientSession, base: str, process: asyncio.subprocess.Process
) -> None:
    # Start-up applies every migration to a fresh SQLite file first: on a loaded CI machine
    # that alone has taken 48 s. The test checks what starts, not how fast (benchmarks do).
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.returncode is None, "the process exited early"
        try:
            async with http.get(f"{base}/health") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError("the server did not become healthy")


@contextlib.asynccontextmanager
async def sandbox_process(workdir: Path) -> AsyncIterator[Sandbox]:
    """`python -m bot run` in an empty directory: the defaults, nothing configured."""
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "HTTP_PORT": str(port),
        "LOG_LEVEL": "INFO",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            await _wait_healthy(http, base, process)
            yield Sandbox(process, base, http)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _open_chat(sandbox: Sandbox, user_id: int) -> None:
    async with sandbox.http.post(
        f"{sandbox.base}/sandbox/api/users",
        json={"id": user_id, "first_name": "Тест", "language_code": "ru"},
    ) as response:
        assert response.status == 200
    async with sandbox.http.post(
        f"{sandbox.base}/sandbox/api/chats/{user_id}/send", json={"text": "/start"}
    ) as response:
        assert response.status == 200
    deadline = time.monotonic() + 15
    chat = ""
    while "Здравствуйте, Тест!" not in chat:
        assert time.monotonic() < deadline, f"no reply in the sandbox chat: {chat[:500]}"
        await asyncio.sleep(0.2)
        async with sandbox.http.get(f"{sandbox.base}/sandbox/api/chats/{user_id}") as response:
            chat = json.dumps(await response.json(), ensure_ascii=False)


async def test_sandbox_mode_from_a_bare_checkout(tmp_path: Path) -> None:
    async with sandbox_process(tmp_path) as sandbox:
        assert (tmp_path / "data" / "prilavok.sqlite3").exists()  # the default database
        async with sandbox.http.get(f"{sandbox.base}/sandbox") as response:
            assert response.status == 200 and "<html" in (await response.text()).lower()
        await _open_chat(sandbox, 4242)
        await sandbox.stop()
    assert sandbox.process.returncode == 0, sandbox.stderr[-2000:]
    log = sandbox.stderr
    assert "sandbox at /sandbox" in log
    assert "make demo-data" in log  # an empty database says how to get something to buy
    assert "OPERATOR_INN" in log and "placeholders" in log  # the made-up operator is named
    assert "Tortoise-ORM shutdown" not in log  # the migrate step closes quietly
    assert "is handled" not in log  # per-update lines are DEBUG
    assert not any(line.rstrip().endswith("{}") for line in log.splitlines())

    async with sandbox_process(tmp_path) as restarted:  # the person's chat is still there
        async with restarted.http.get(f"{restarted.base}/sandbox/api/users") as response:
            assert [user["id"] for user in (await response.json())["users"]] == [4242]
        async with restarted.http.get(f"{restarted.base}/sandbox/api/chats/4242") as response:
            chat = json.dumps(await response.json(), ensure_ascii=False)
        assert "Здравствуйте, Тест!" in chat
        await restarted.stop()
    assert "users and chats restored from data/sandbox/state.json (users: 1)" in restarted.stderr


async def test_sigterm_with_a_sandbox_page_waiting_for_events_stops_promptly(
    tmp_path: Path,
) -> None:
    async with sandbox_process(tmp_path) as sandbox:
        await _open_chat(sandbox, 4343)
        async with sandbox.http.get(f"{sandbox.base}/sandbox/api/chats/4343") as response:
            seq = (await response.json())["seq"]

        async def wait_for_events() -> float:
            """What an open /sandbox tab keeps waiting: the time its long poll ended."""
            url = f"{sandbox.base}/sandbox/api/chats/4343/events"
            with contextlib.suppress(aiohttp.ClientError):
                async with sandbox.http.get(url, params={"after": seq, "timeout": 25}) as answer:
                    await answer.read()
            return time.monotonic()

        page = asyncio.create_task(wait_for_events())
        await asyncio.sleep(1)
        assert not page.done()
        sigterm = time.monotonic()
        seconds = await sandbox.stop()
        page_ended = await asyncio.wait_for(page, 5) - sigterm
    assert sandbox.process.returncode == 0, sandbox.stderr[-2000:]
    # Before: the server waited the whole 25 s long poll out. Now the poll ends at once; the
    # process exit includes the interpreter's teardown, seconds on a loaded 2-core machine.
    assert page_ended < 3, f"the page's long poll lasted {page_ended:.1f} s after SIGTERM"
    assert seconds < 10, f"took {seconds:.1f} s to stop"
