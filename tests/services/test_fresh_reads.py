"""Concurrent reads share queries, and nobody is answered from before they asked."""

from __future__ import annotations

import asyncio

import pytest

from services.fresh_reads import FreshReads


class Shop:
    """A storefront version behind a slow query that counts its runs."""

    def __init__(self) -> None:
        self.version = 1
        self.queries = 0
        self.started: list[int] = []

    async def read(self) -> int:
        self.queries += 1
        self.started.append(self.version)
        await asyncio.sleep(0.01)
        return self.started[-1]  # what the query saw when it started


async def test_a_burst_of_readers_costs_a_few_queries_not_one_each() -> None:
    shop, reads = Shop(), FreshReads[int]()

    answers = await asyncio.gather(*(reads.read("shop", shop.read) for _ in range(50)))

    assert answers == [1] * 50
    assert shop.queries == 2  # the first reader's, then one for the 49 who came meanwhile


async def test_a_reader_who_asks_after_a_change_never_gets_the_old_value() -> None:
    shop, reads = Shop(), FreshReads[int]()
    first = asyncio.create_task(reads.read("shop", shop.read))
    await asyncio.sleep(0)  # its query runs and has read version 1
    shop.version = 2  # a change commits while that query is still on its way

    after = await reads.read("shop", shop.read)

    assert await first == 1
    assert after == 2  # not the running query's answer: a query that started after it asked
    assert shop.queries == 2


async def test_keys_are_separate_and_errors_reach_everyone_of_their_round() -> None:
    reads = FreshReads[int]()
    calls = 0

    async def failing() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        raise RuntimeError("database is gone")

    async def fine() -> int:
        return 7

    results = await asyncio.gather(
        *(reads.read("broken", failing) for _ in range(5)),
        reads.read("other", fine),
        return_exceptions=True,
    )

    assert [type(r) for r in results[:5]] == [RuntimeError] * 5
    assert results[5] == 7
    assert calls == 2
    assert await reads.read("other", fine) == 7  # nothing is left behind between bursts


async def test_a_cancelled_waiter_does_not_cancel_the_others() -> None:
    shop, reads = Shop(), FreshReads[int]()
    leader = asyncio.create_task(reads.read("shop", shop.read))
    await asyncio.sleep(0)
    quitter = asyncio.create_task(reads.read("shop", shop.read))
    stayer = asyncio.create_task(reads.read("shop", shop.read))
    await asyncio.sleep(0)
    quitter.cancel()

    assert await leader == 1 and await stayer == 1
    with pytest.raises(asyncio.CancelledError):
        await quitter
