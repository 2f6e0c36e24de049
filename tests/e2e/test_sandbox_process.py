"""`python -m bot run` with no configuration: a real process in sandbox mode."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path

import aiohttp

from tests.e2e.test_webhook_mode import free_port

ROOT = Path(__file__).resolve().parents[2]


async def _wait_healthy(
    http: aiohttp.ClientSession, base: str, process: asyncio.subprocess.Process
) -> None:
    deadline = time.monotonic() + 30
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


async def test_sandbox_mode_from_a_bare_checkout(tmp_path: Path) -> None:
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
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            await _wait_healthy(http, base, process)
            assert (tmp_path / "data" / "prilavok.sqlite3").exists()  # the default database
            async with http.get(f"{base}/sandbox") as response:
                assert response.status == 200 and "<html" in (await response.text()).lower()
            async with http.post(
                f"{base}/sandbox/api/users",
                json={"id": 4242, "first_name": "Тест", "language_code": "ru"},
            ) as response:
                assert response.status == 200
            async with http.post(
                f"{base}/sandbox/api/chats/4242/send", json={"text": "/start"}
            ) as response:
                assert response.status == 200
            deadline = time.monotonic() + 15
            chat = ""
            while "Здравствуйте, Тест!" not in chat:
                assert time.monotonic() < deadline, f"no reply in the sandbox chat: {chat[:500]}"
                await asyncio.sleep(0.2)
                async with http.get(f"{base}/sandbox/api/chats/4242") as response:
                    chat = json.dumps(await response.json(), ensure_ascii=False)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert "sandbox at /sandbox" in stderr.decode()
