"""Domain events of the shop: services announce after their commit, listeners react.

The hub lives in the Services bag, not at module level; listeners are added by the
composition root. A failing listener is logged and never undoes what already happened.
Events are in memory and may be lost with the process: they carry what only informs (a
seller's push). What must not be lost — refunds, receipts, paid goods — is a job row
(`services.jobs`) written in the transaction; `jobs_added` only asks the runner to run it now
rather than at its next round.
"""

from __future__ import annotations

from collections.abc import Sequence

from loguru import logger

from db.models import Lesson, Order, OrderTransition, Payment, Payout, Product, Refund


class ShopListener:
    """Someone who reacts to shop events (e.g. the Telegram notifier): a listener overrides
    the events it cares about; the others do nothing."""

    async def order_changed(self, order: Order, transition: OrderTransition) -> None:
        """An order was placed (from_status None) or changed status."""

    async def low_stock(self, product: Product) -> None:
        """A product's stock fell below its provider's threshold."""

    async def payment_failed(self, order: Order, payment: Payment) -> None:
        """A payment attempt of an order awaiting payment was cancelled or declined."""

    async def refunded(self, order: Order, refund: Refund) -> None:
        """Money of an order went back to the customer (full or partial)."""

    async def payout_changed(self, payout: Payout) -> None:
        """A provider's payout was requested, approved or rejected."""

    async def jobs_added(self, keys: Sequence[str]) -> None:
        """A transaction that wrote these jobs (services.jobs) has committed."""

    async def lesson_held(self, lesson: Lesson) -> None:
        """A tutor marked a lesson held (its credit is spent)."""


class ShopEvents:
    """Fan-out of shop events to the subscribed listeners, in subscription order."""

    def __init__(self) -> None:
        self._listeners: list[ShopListener] = []

    def subscribe(self, listener: ShopListener) -> None:
        """Add a listener."""
        self._listeners.append(listener)

    async def order_changed(self, order: Order, transition: OrderTransition) -> None:
        """Tell every listener; errors are logged."""
        await self._fan_out("order_changed", order, transition)

    async def low_stock(self, product: Product) -> None:
        """Tell every listener; errors are logged."""
        await self._fan_out("low_stock", product)

    async def payment_failed(self, order: Order, payment: Payment) -> None:
        """Tell every listener; errors are logged."""
        await self._fan_out("payment_failed", order, payment)

    async def refunded(self, order: Order, refund: Refund) -> None:
        """Tell every listener; errors are logged."""
        await self._fan_out("refunded", order, refund)

    async def payout_changed(self, payout: Payout) -> None:
        """Tell every listener; errors are logged."""
        await self._fan_out("payout_changed", payout)

    async def jobs_added(self, keys: Sequence[str]) -> None:
        """Tell every listener (the job runner runs them at once); errors are logged."""
        if keys:
            await self._fan_out("jobs_added", list(keys))

    async def lesson_held(self, lesson: Lesson) -> None:
        """Tell every listener; errors are logged."""
        await self._fan_out("lesson_held", lesson)

    async def _fan_out(self, event: str, *args: object) -> None:
        for listener in self._listeners:
            try:
                await getattr(listener, event)(*args)
            except Exception:
                logger.exception("Listener {} failed on {} event", type(listener).__name__, event)
