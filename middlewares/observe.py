"""Count updates and time their handling for /metrics."""

from __future__ import annotations

import time
from typing import Any

from aiogram import BaseMiddleware, Dispatcher
from aiogram.dispatcher.event.handler import HandlerObject
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


class HandlerTimingMiddleware(BaseMiddleware):
    """An inner middleware: the time of the handler the update reached, by its name, so a
    slow screen shows in /metrics by name."""

    def __init__(self, metrics: Metrics) -> None:
        self._seconds = metrics.handler_seconds

    async def __call__(
        self, handler: NextHandler, event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        """Time the handler."""
        found: HandlerObject | None = data.get("handler")
        callback = found.callback if found is not None else handler
        name = f"{callback.__module__}.{getattr(callback, '__qualname__', type(callback).__name__)}"
        started = time.perf_counter()
        try:
            return await handler(event, data)
        finally:
            self._seconds.labels(name).observe(time.perf_counter() - started)


def time_every_handler(dp: Dispatcher, metrics: Metrics) -> None:
    """Register the handler timer on every kind of event but the update and the error."""
    timer = HandlerTimingMiddleware(metrics)
    for name, observer in dp.observers.items():
        if name not in ("update", "error"):
            observer.middleware(timer)
