"""Loyalty points: earned once for a completed order (at the provider's rate or the
platform's), kept in their own ledger accounts, taken back by a refund, expired by a job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from db.models import (
    ActorRole,
    Job,
    JobState,
    LoyaltyRule,
    Order,
    OrderStatus,
    PaymentMethod,
    PointsLot,
    Provider,
    User,
)
from services import ledger, loyalty, orders
from services.events import ShopEvents
from services.jobs import JobKind, JobRunner
from tests.services.shop_data import make_product, make_provider, make_user, order_in

pytestmark = pytest.mark.usefixtures("db")


class Rates:
    """LOYALTY_EARN_PERCENT and LOYALTY_POINTS_DAYS as the tests set them."""

    loyalty_earn_percent = Decimal(5)
    loyalty_points_days = 30


def runner() -> JobRunner:
    jobs = JobRunner(name="test")
    loyalty.register_loyalty_jobs(jobs, Rates())
    return jobs


async def completed(customer: User, provider: Provider, price: int = 123456) -> Order:
    """A cash order the provider hands over (the completion writes the points job)."""
    product = await make_product(provider, price=price, stock=5)
    order = await order_in(
        OrderStatus.ready_for_pickup,
        customer,
        provider,
        payment_method=PaymentMethod.cash,
        product=product,
    )
    await orders.transition(
        order.id,
        OrderStatus.completed,
        role=ActorRole.provider,
        actor=None,
        events=ShopEvents(),
        cash_received=True,
    )
    return order


async def points(user: User) -> int:
    return await loyalty.balance(user.id)


async def test_a_completed_order_earns_points_once_in_their_own_accounts() -> None:
    ann, shop = await make_user(), await make_provider()
    order = await completed(ann, shop, price=123456)  # 1 234,56 ₽ → 5 % = 61 points

    assert await Job.filter(kind=JobKind.loyalty_earn).count() == 1
    jobs = runner()
    await jobs.run_due()
    await jobs.run_due()
    assert await loyalty.earn_for_order(order.id, Rates()) == 0  # a job run again: nothing

    assert await points(ann) == 61
    account = await loyalty.points_account(ann.id)
    assert account.currency == "PTS"  # never mixed with roubles
    issued = await loyalty.issuer_account()
    assert issued.balance == -61
    lot = await PointsLot.get(order_id=order.id)
    assert (lot.points, lot.remaining) == (61, 61)
    assert await Job.filter(kind=JobKind.loyalty_expire, state=JobState.pending).count() == 1
    assert (await ledger.verify()).ok


async def test_a_providers_own_rate_wins_over_the_platforms() -> None:
    ann, shop = await make_user(), await make_provider()
    await LoyaltyRule.create(provider_id=shop.id, earn_basis_points=1000)  # 10 %
    await completed(ann, shop, price=50000)
    await runner().run_due()
    assert await points(ann) == 50


async def test_a_refund_takes_back_the_points_the_order_earned() -> None:
    ann, shop = await make_user(), await make_provider()
    order = await completed(ann, shop, price=100000)
    await runner().run_due()
    assert await points(ann) == 50

    await orders.transition(
        order.id,
        OrderStatus.refunded,
        role=ActorRole.system,
        actor=None,
        events=ShopEvents(),
    )

    assert await points(ann) == 0
    assert (await PointsLot.get(order_id=order.id)).remaining == 0
    summary = await loyalty.summary(ann)
    assert [(m.kind, m.points, m.order_id) for m in summary.history] == [
        ("taken_back", -50, order.id),
        ("earned", 50, order.id),
    ]


async def test_points_of_an_order_refunded_before_the_job_ran_are_never_given() -> None:
    ann, shop = await make_user(), await make_provider()
    order = await completed(ann, shop, price=100000)
    await Order.filter(id=order.id).update(status=OrderStatus.refunded)
    await runner().run_due()
    assert await points(ann) == 0 and not await PointsLot.exists()


async def test_points_expire_when_their_lot_ends() -> None:
    ann, shop = await make_user(), await make_provider()
    await completed(ann, shop, price=100000)
    jobs = runner()
    await jobs.run_due()
    lot = await PointsLot.get(user_id=ann.id)
    assert lot.expires_at - datetime.now(UTC) > timedelta(days=29)

    assert await loyalty.expire_lot(lot.id) == 0  # not yet
    summary = await loyalty.summary(ann)
    assert (summary.points, summary.expiring, summary.next_expiry) == (50, 50, lot.expires_at)

    assert await jobs.run_due(now=lot.expires_at - timedelta(seconds=1)) == 0  # not due yet
    assert await jobs.run_due(now=lot.expires_at + timedelta(seconds=1)) == 1
    assert await points(ann) == 0
    assert await loyalty.expire_lot(lot.id, now=lot.expires_at + timedelta(days=1)) == 0  # once
    summary = await loyalty.summary(ann)
    assert summary.history[0].kind == "expired" and summary.next_expiry is None
    assert (await ledger.verify()).ok


async def test_a_member_card_is_issued_once() -> None:
    ann = await make_user()
    first, second = await loyalty.card(ann), await loyalty.card(ann)
    assert first.id == second.id and len(first.member_id) == 10 and first.member_id.isdigit()
