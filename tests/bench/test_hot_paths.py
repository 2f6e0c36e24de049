"""Benchmark: the two hot paths beside bare aiogram and bare aiohttp (`make bench`).

1. `/start` from new users: webhook POSTs (64 connections), each answered after the reply went
   to the Bot API (a local stub that answers at once). Prilavok (`python -m bot run`, webhook
   mode, demo data) against `tests/bench/bare_aiogram.py`.
2. `GET /api/v1/providers/1/products` (demo data, 8 products, `Authorization: tma` of 64
   people), 64 connections. Prilavok against `tests/bench/bare_aiohttp.py`.

Every program is its own process; the load comes from `wrk` (Debian package `wrk`), in rounds
that alternate bare and Prilavok so that both see the same machine. Prints requests/s, the
ratio to bare and p99 latency, on SQLite and, when TEST_POSTGRES_URL is set, on PostgreSQL.
Targets (issue "hot paths"): `/start` ≥ 0.5 of bare aiogram; catalogue ≥ 0.35 of bare aiohttp
with p99 < 50 ms. The figures are printed, not asserted: a loaded machine moves them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from sandbox.initdata import sign_init_data
from tests.bench.bare_aiogram import SECRET as BARE_SECRET
from tests.bench.bare_aiogram import TOKEN

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
CONNECTIONS = 64
SECRET = "bench-secret"
WRK = shutil.which("wrk")

START_SCRIPT = (
    """
local thread_id = 0
local counter = 0
local offset = OFFSET
function setup(thread)
  thread:set("thread_id", thread_id)
  thread_id = thread_id + 1
end
function request()
  counter = counter + 1
  local id = offset + thread_id * 10000000 + counter
  local body = string.format(
    '{"update_id":%d,"message":{"message_id":%d,"date":1700000000,' ..
    '"chat":{"id":%d,"type":"private","first_name":"Bench"},' ..
    '"from":{"id":%d,"is_bot":false,"first_name":"Bench","language_code":"ru"},' ..
    '"text":"/start","entities":[{"type":"bot_command","offset":0,"length":6}]}}',
    id, id, id, id)
  return wrk.format("POST", "/webhook/telegram", {
    ["Content-Type"] = "application/json",
    ["X-Telegram-Bot-Api-Secret-Token"] = "SECRET"}, body)
end
"""
    + """
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %.3f\\n", summary.requests, summary.duration,
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, latency:percentile(99) / 1000))
end
"""
)

CATALOGUE_SCRIPT = (
    """
local headers = {HEADERS}
local counter = 0
function request()
  counter = counter + 1
  local auth = headers[(counter % #headers) + 1]
  return wrk.format("GET", "/api/v1/providers/1/products", {["Authorization"] = auth})
end
"""
    + """
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %.3f\\n", summary.requests, summary.duration,
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, latency:percentile(99) / 1000))
end
"""
)


def start_script(offset: int, secret: str) -> str:
    """The wrk script of the `/start` run: update ids (and new users) from `offset` up."""
    return START_SCRIPT.replace("OFFSET", str(offset)).replace("SECRET", secret)


@dataclass
class Figures:
    """One wrk run."""

    per_second: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def process(*args: str, env: dict[str, str], cwd: Path) -> Iterator[subprocess.Popen[bytes]]:
    # The log goes to a file: a pipe nobody reads fills up under load and stalls the program.
    log = (cwd / f"program-{uuid.uuid4().hex[:8]}.log").open("wb")
    child = subprocess.Popen(  # noqa: S603 - our own programs
        [sys.executable, *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    child.log_path = Path(log.name)  # type: ignore[attr-defined]
    try:
        yield child
    finally:
        log.close()
        child.terminate()
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()


async def wait_ready(url: str, child: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if child.poll() is not None:
                log: Path = child.log_path  # type: ignore[attr-defined]
                raise AssertionError(log.read_text(errors="replace")[-3000:])
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(url) as response:
                    if response.status < 500:
                        return
            await asyncio.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


def run_wrk(base: str, script: str, directory: Path) -> Figures:
    assert WRK is not None
    path = directory / f"script-{uuid.uuid4().hex}.lua"
    path.write_text(script)
    output = subprocess.run(  # noqa: S603
        [
            WRK,
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{SECONDS}s",
            "--timeout",
            "10s",
            "-s",
            str(path),
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT"))
    _, requests, duration_us, errors, p99_ms = line.split()
    return Figures(int(requests) / (int(duration_us) / 1e6), float(p99_ms), int(errors))


def base_env(tmp: Path) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "HOME": str(tmp)}


@contextlib.asynccontextmanager
async def prilavok(tmp: Path, database_url: str, api: str) -> AsyncIterator[str]:
    """Prilavok in webhook mode on demo data; yields its base URL."""
    port = free_port()
    env = base_env(tmp) | {
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": api,
        "WEBHOOK_BASE_URL": "https://bench.example.ru",
        "WEBHOOK_SECRET": SECRET,
        "DATABASE_URL": database_url,
        "DATA_DIR": str(tmp / "data"),
        "HTTP_PORT": str(port),
        "INIT_DATA_MAX_AGE": "86400",
        "OPERATOR_LEGAL_NAME": "ООО «Бенчмарк»",
        "OPERATOR_INN": "7707083893",
        "OPERATOR_CONTACT": "privacy@bench.example.ru",
        "PRIVACY_POLICY_URL": "https://bench.example.ru/privacy",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", ""),
    }
    env = {key: value for key, value in env.items() if value}
    for command in (("migrate",), ("demo-data",)):
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "bot", *command],
            env=env,
            cwd=tmp,
            check=True,
            capture_output=True,
        )
    with process("-m", "bot", "run", "--no-migrate", env=env, cwd=tmp) as child:
        base = f"http://127.0.0.1:{port}"
        await wait_ready(f"{base}/health", child)
        yield base


@contextlib.asynccontextmanager
async def bare(tmp: Path, module: str, *args: str) -> AsyncIterator[str]:
    port = free_port()
    with process("-m", module, str(port), *args, env=base_env(tmp), cwd=tmp) as child:
        base = f"http://127.0.0.1:{port}"
        await wait_ready(f"{base}/", child)
        yield base


def auth_headers(count: int = CONNECTIONS) -> str:
    values = []
    for number in range(count):
        user = {"id": 7_000_000 + number, "first_name": "Bench", "language_code": "ru"}
        values.append(f'"tma {sign_init_data(TOKEN, user)}"')
    return ", ".join(values)


def report(title: str, bare_runs: list[Figures], product_runs: list[Figures]) -> str:
    bare_rate = statistics.median(f.per_second for f in bare_runs)
    rate = statistics.median(f.per_second for f in product_runs)
    lines = [f"{title}:"]
    for number, (b, p) in enumerate(zip(bare_runs, product_runs, strict=True), 1):
        lines.append(
            f"  round {number}: bare {b.per_second:8.0f}/s p99 {b.p99_ms:6.1f} ms"
            f" | prilavok {p.per_second:8.0f}/s p99 {p.p99_ms:6.1f} ms"
            f" | errors {b.errors}/{p.errors}"
        )
    p99 = statistics.median(f.p99_ms for f in product_runs)
    lines.append(
        f"  median: bare {bare_rate:.0f}/s, prilavok {rate:.0f}/s, ratio {rate / bare_rate:.3f},"
        f" prilavok p99 {p99:.1f} ms"
    )
    return "\n".join(lines)


async def measure(database: str, database_url: str, tmp: Path) -> str:
    api_port = free_port()
    api = f"http://127.0.0.1:{api_port}"
    with process("-m", "tests.bench.stub_bot_api", str(api_port), env=base_env(tmp), cwd=tmp):
        async with (
            prilavok(tmp, database_url, api) as product,
            bare(tmp, "tests.bench.bare_aiogram", api) as bot,
            bare(tmp, "tests.bench.bare_aiohttp") as web,
        ):
            start_bare, start_product, shop_bare, shop_product = [], [], [], []
            headers = auth_headers()
            for number in range(ROUNDS):
                offset = (number + 1) * 100_000_000
                start_bare.append(run_wrk(bot, start_script(offset, BARE_SECRET), tmp))
                start_product.append(run_wrk(product, start_script(offset, SECRET), tmp))
                shop_bare.append(run_wrk(web, CATALOGUE_SCRIPT.replace("HEADERS", headers), tmp))
                shop_product.append(
                    run_wrk(product, CATALOGUE_SCRIPT.replace("HEADERS", headers), tmp)
                )
    return "\n".join(
        [
            f"== {database}: {ROUNDS} rounds of {SECONDS} s, {CONNECTIONS} connections ==",
            report("/start (new users, reply sent)", start_bare, start_product),
            report("GET /api/v1/providers/1/products", shop_bare, shop_product),
        ]
    )


@pytest.mark.skipif(WRK is None, reason="wrk is not installed (apt-get install wrk)")
async def test_hot_paths_beside_bare_programs(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    results = [await measure("SQLite", f"sqlite://{tmp_path}/bench.sqlite3", tmp_path)]
    postgres = os.environ.get("TEST_POSTGRES_URL")
    if postgres:
        import asyncpg

        name = f"prilavok_bench_{uuid.uuid4().hex[:8]}"
        admin = postgres.replace("postgres://", "postgresql://", 1)
        connection = await asyncpg.connect(admin)
        await connection.execute(f'CREATE DATABASE "{name}"')
        await connection.close()
        pg_tmp = tmp_path / "pg"
        pg_tmp.mkdir()
        try:
            base, _, _ = postgres.rpartition("/")
            results.append(await measure("PostgreSQL", f"{base}/{name}", pg_tmp))
        finally:
            connection = await asyncpg.connect(admin)
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await connection.close()
    print("\n" + "\n\n".join(results))
