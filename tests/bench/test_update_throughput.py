"""Benchmark: updates handled per second by the real dispatcher (run with `make bench`).

The Bot API is replaced by an in-process session that answers instantly, so the figures are
the product's own cost: middlewares (dedup, user upsert, i18n, throttling), routing, the
handler and the database. Prints throughput, latency percentiles and peak memory.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import AsyncGenerator, Callable
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, Message

from bot.factory import build_services, create_dispatcher
from core.config import Settings
from tests.conftest import TEST_TOKEN

USERS = 200
UPDATES_PER_USER = 3


class InstantSession(BaseSession):
    """Answers every Bot API call at once, as Telegram would on success."""

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> Any:
        if isinstance(method, SendMessage):
            return Message(
                message_id=1,
                date=datetime.now(UTC),
                chat=Chat(id=int(method.chat_id), type="private"),
                text=method.text,
            )
        return True

    async def stream_content(self, *args: Any, **kwargs: Any) -> AsyncGenerator[bytes, None]:
        yield b""

    async def close(self) -> None:
        return None


def _update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    sender = {"id": user_id, "is_bot": False, "first_name": "Bench", "language_code": "ru"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Bench"},
            "from": sender,
            "text": text,
        },
    }


async def test_update_throughput(make_settings: Callable[..., Settings], db: None) -> None:
    services = build_services(make_settings(throttle_rate="1000/second"))
    dp = create_dispatcher(services)
    bot = Bot(TEST_TOKEN, session=InstantSession())
    texts = ["/start", "/help", "привет"]
    latencies: list[float] = []
    tracemalloc.start()
    started = time.perf_counter()
    update_id = 0
    for round_ in range(UPDATES_PER_USER):
        for user_id in range(1, USERS + 1):
            update_id += 1
            t0 = time.perf_counter()
            await dp.feed_raw_update(bot, _update(update_id, 10_000 + user_id, texts[round_]))
            latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    await services.close()
    count = len(latencies)
    quantiles = statistics.quantiles(latencies, n=100)
    print(
        f"\n{count} updates from {USERS} users in {elapsed:.2f} s: "
        f"{count / elapsed:.0f} updates/s; latency p50 {quantiles[49] * 1000:.1f} ms, "
        f"p95 {quantiles[94] * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms; "
        f"peak traced memory {peak / 1024 / 1024:.1f} MiB"
    )
    assert count == USERS * UPDATES_PER_USER
