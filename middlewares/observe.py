"""Count updates and time their handling for /metrics."""

from __future__ import annotations

import time
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from core.metrics import Metrics
from middlewares.chain import NextHandler


class ObserveMiddleware(BaseMiddleware):
    """The outermost middleware: every update is counted and timed, errors included."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    async def __call__(
        self, handler: NextHandler, event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        """Time the rest of the chain."""
        kind = event.event_type if isinstance(event, Update) else type(event).__name__
        self._metrics.updates.labels(kind).inc()
        started = time.perf_counter()
        try:
            return await handler(event, data)
        except Exception:
            self._metrics.handler_errors.labels(kind).inc()
            raise
        finally:
            self._metrics.handler_latency.labels(kind).observe(time.perf_counter() - started)
