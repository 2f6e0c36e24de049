"""Product events for statistics: recorded without a write on the request path.

`EventRecorder.record` only appends to a buffer; one INSERT of the batch follows a moment
later (or at once when the batch is full) and when the process stops. The figures count
people, not clicks, so an event repeated within one quarter of an hour (the same person, step,
shop, product and order) is noted once: a person scrolling a catalogue costs one row, not one
per page, and no report changes (every time zone's day starts on a quarter of an hour).
Events only inform the admin's figures, so a crash may lose the last seconds of them — never
an order or a payment (those are rows of their own, and `paid` / `order_placed` are also
recorded from the order events below).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from loguru import logger

from db.models import (
    EventChannel,
    EventKind,
    Order,
    OrderTransition,
    ProductEvent,
)
from services.events import ShopListener
from services.stats import is_sold

FLUSH_DELAY = 2.0
"""Seconds events are gathered before one INSERT writes them."""
BATCH = 500
"""A batch this large is written at once."""
SOURCE_LIMIT = 64
REPEAT_WINDOW = 900
"""Seconds of one quarter of an hour: the same event within one is noted once."""
MAX_REMEMBERED = 200_000
"""Events remembered for that; beyond it, repeats are written (the figures stay right)."""


@dataclass(frozen=True, slots=True)
class Event:
    """One event waiting to be written."""

    kind: EventKind
    channel: EventChannel
    at: datetime
    user_id: int | None = None
    provider_id: int | None = None
    product_id: int | None = None
    order_id: int | None = None
    source: str | None = None


class EventRecorder:
    """Buffers events and writes them in batches (one per process, in the Services bag)."""

    def __init__(
        self,
        flush_delay: float = FLUSH_DELAY,
        batch: int = BATCH,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self._pending: list[Event] = []
        self._flush_delay = flush_delay
        self._batch = batch
        self._flusher: asyncio.Task[None] | None = None
        self._quarter = 0
        self._seen: set[tuple[object, ...]] = set()

    def record(
        self,
        kind: EventKind,
        channel: EventChannel = EventChannel.server,
        *,
        user_id: int | None = None,
        provider_id: int | None = None,
        product_id: int | None = None,
        order_id: int | None = None,
        source: str | None = None,
    ) -> None:
        """Note an event (once per quarter of an hour); it is written within `flush_delay`
        seconds."""
        source = (source or None) and source[:SOURCE_LIMIT]
        if self._repeated((kind, channel, user_id, provider_id, product_id, order_id, source)):
            return
        self._pending.append(
            Event(
                kind, channel, datetime.now(UTC), user_id, provider_id, product_id, order_id, source
            )
        )
        if len(self._pending) >= self._batch:
            self._spawn(0)
        elif self._flusher is None or self._flusher.done():
            self._spawn(self._flush_delay)

    def _repeated(self, key: tuple[object, ...]) -> bool:
        quarter = int(self._clock() // REPEAT_WINDOW)
        if quarter != self._quarter:
            self._quarter, self._seen = quarter, set()
        if key in self._seen:
            return True
        if len(self._seen) < MAX_REMEMBERED:
            self._seen.add(key)
        return False

    def _spawn(self, delay: float) -> None:
        with contextlib.suppress(RuntimeError):  # no running loop: written at close
            self._flusher = asyncio.get_running_loop().create_task(
                self._flush_later(delay), name="analytics-flush"
            )

    async def _flush_later(self, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        await self.flush()

    async def flush(self) -> int:
        """Write the gathered events now; the number written."""
        if not self._pending:
            return 0
        pending, self._pending = self._pending, []
        try:
            await ProductEvent.bulk_create(
                [
                    ProductEvent(
                        kind=event.kind,
                        channel=event.channel,
                        user_id=event.user_id,
                        provider_id=event.provider_id,
                        product_id=event.product_id,
                        order_id=event.order_id,
                        source=event.source,
                        created_at=event.at,
                    )
                    for event in pending
                ]
            )
        except Exception:
            logger.exception("Analytics: writing {} events failed", len(pending))
            return 0
        return len(pending)

    async def close(self) -> None:
        """Write what is pending (before the database closes)."""
        if self._flusher is not None and not self._flusher.done():
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        await self.flush()


class RecordOrderSteps(ShopListener):
    """`order_placed` and `paid` from the order events, whichever face placed or paid."""

    def __init__(self, recorder: EventRecorder) -> None:
        self._recorder = recorder

    async def order_changed(self, order: Order, transition: OrderTransition) -> None:
        """A placed order, and the step that makes it sold (`stats.is_sold`: online paid, cash
        handed over)."""
        kind: EventKind | None = None
        if transition.from_status is None:
            kind = EventKind.order_placed
        elif is_sold(transition.to_status, order.payment_method) and not is_sold(
            transition.from_status, order.payment_method
        ):
            kind = EventKind.paid
        if kind is not None:
            self._recorder.record(
                kind, user_id=order.customer_id, provider_id=order.provider_id, order_id=order.id
            )
