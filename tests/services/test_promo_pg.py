"""On PostgreSQL, where orders placed at once really overlap: a code's last use goes to one
order, an expired code applied twice in parallel is refused twice, and the same
points pay for one order only."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from tortoise.transactions import in_transaction

from core.errors import InvalidInput, PromoRefused
from db.models import Order, OrderStatus, PromoCode, PromoKind, PromoRedemption
from services import ledger, loyalty
from tests.services.shop_data import make_product, make_provider, make_user, order_in, order_of

pytestmark = pytest.mark.postgres


async def test_the_last_use_of_a_code_goes_to_one_of_five_orders_at_once(pg_db: str) -> None:
    shop = await make_provider()
    tea = await make_product(shop, price=15000, stock=50)
    await PromoCode.create(code="LAST2", kind=PromoKind.percent, value=10, total_limit=2)
    people = [await make_user() for _ in range(5)]

    results = await asyncio.gather(
        *(order_of(person, tea, promo_code="LAST2") for person in people), return_exceptions=True
    )

    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, PromoRefused)]
    assert len(placed) == 2 and len(refused) == 3, results
    assert {r.details["reason"] for r in refused} == {"used_up"}
    assert (await PromoCode.get(code="LAST2")).used == 2
    assert await PromoRedemption.all().count() == 2


async def test_an_expired_code_applied_twice_in_parallel_is_refused_twice(pg_db: str) -> None:
    shop = await make_provider()
    tea = await make_product(shop, price=15000, stock=50)
    ends = datetime.now(UTC) - timedelta(seconds=1)
    await PromoCode.create(code="OVER", kind=PromoKind.percent, value=10, ends_at=ends)
    ann = await make_user()

    results = await asyncio.gather(
        order_of(ann, tea, promo_code="OVER"),
        order_of(ann, tea, promo_code="OVER"),
        return_exceptions=True,
    )

    assert all(isinstance(r, PromoRefused) for r in results), results
    assert {r.details["reason"] for r in results if isinstance(r, PromoRefused)} == {"expired"}
    assert not await Order.exists() and not await PromoRedemption.exists()
    assert (await PromoCode.get(code="OVER")).used == 0


async def test_one_person_racing_a_once_only_code_gets_it_once(pg_db: str) -> None:
    shop = await make_provider()
    tea = await make_product(shop, price=15000, stock=50)
    await PromoCode.create(code="ONCE", kind=PromoKind.percent, value=10, per_user_limit=1)
    ann = await make_user()

    results = await asyncio.gather(
        *(order_of(ann, tea, promo_code="ONCE") for _ in range(4)), return_exceptions=True
    )

    assert await PromoRedemption.filter(user_id=ann.id).count() == 1
    assert await Order.filter(customer_id=ann.id, discount__gt=0).count() == 1
    assert all(isinstance(r, Order | PromoRefused) for r in results), results


async def test_the_same_points_spent_by_two_orders_at_once_pay_only_one(pg_db: str) -> None:
    ann, shop = await make_user(), await make_provider()
    holder, issuer = await loyalty.points_account(ann.id), await loyalty.issuer_account()
    await ledger.post(
        "points-earned-race",
        ledger.LedgerKind.points_earned,
        [ledger.Posting(issuer, -300), ledger.Posting(holder, 300)],
    )
    tea = await make_product(shop, price=100000, stock=50)
    first = await order_in(OrderStatus.pending_payment, ann, shop, product=tea)
    second = await order_in(OrderStatus.pending_payment, ann, shop, product=tea)

    async def spend(order: Order) -> bool:
        try:
            async with in_transaction():
                await loyalty.spend(order, 300)
        except InvalidInput:
            return False
        return True

    results = await asyncio.gather(spend(first), spend(second))

    assert sorted(results) == [False, True]
    assert await loyalty.balance(ann.id) == 0
