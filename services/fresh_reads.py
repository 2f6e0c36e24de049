"""Concurrent reads of one small fact (a storefront's catalogue version) share queries, and
none of them is answered from before it asked.

A flash sale sends many readers of the same storefront at once; each of them needs the
shop's version, a query on one row. Sharing the query that is already running would answer
some readers with a value read before they asked — possibly before a change they have just
seen committed. So a reader never joins a running query: it waits for the next one, which
starts when the running one ends and answers everybody who came meanwhile. Each answer comes
from a query that started after its reader asked (as fresh as a query of its own), and a
burst of N readers costs two or three queries instead of N.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Key:
    next: asyncio.Future[Any] | None = None
    """The round that starts when the running query ends; None when nobody waits for it."""


@dataclass
class FreshReads(Generic[T]):
    """Coalesces concurrent reads per key; the query of a key must not depend on the caller."""

    _running: dict[Hashable, _Key] = field(default_factory=dict)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def read(self, key: Hashable, query: Callable[[], Awaitable[T]]) -> T:
        """The value, from a query that started after this call."""
        state = self._running.get(key)
        if state is None:  # nothing runs: this caller queries, others wait for the next round
            self._running[key] = state = _Key()
            try:
                return await query()
            finally:
                self._next_round(key, state, query)
        if state.next is None:
            state.next = asyncio.get_running_loop().create_future()
        # A waiter that is cancelled must not cancel the round the others wait for.
        result: T = await asyncio.shield(state.next)
        return result

    def _next_round(self, key: Hashable, state: _Key, query: Callable[[], Awaitable[T]]) -> None:
        waiting, state.next = state.next, None
        if waiting is None:
            del self._running[key]
            return
        task = asyncio.get_running_loop().create_task(self._round(key, state, query, waiting))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _round(
        self,
        key: Hashable,
        state: _Key,
        query: Callable[[], Awaitable[T]],
        waiting: asyncio.Future[Any],
    ) -> None:
        try:
            value = await query()
        except Exception as error:  # every waiter of the round gets it
            if not waiting.done():
                waiting.set_exception(error)
        else:
            if not waiting.done():
                waiting.set_result(value)
        finally:
            self._next_round(key, state, query)
