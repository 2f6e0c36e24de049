"""Loyalty points: earned once for a completed order (at the provider's rate or the
platform's), kept in their own ledger accounts, taken back by a refund, expired by a job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.errors import InvalidInput
from db.models import (
    ActorRole,
    CartItem,
    Fulfilment,
    Job,
    JobState,
    LoyaltyRule,
    Order,
    OrderStatus,
    PaymentMethod,
    PointsLot,
    PointsLotKind,
    Provider,
    User,
)
from services import cart, checkout, ledger, loyalty, orders, privacy
from services.events import ShopEvents
from services.jobs import JobKind, JobRunner
from services.payments import process_yookassa_notification, start_yookassa_payment
from services.yookassa_gateway import YooKassaGateway
from tests.fakes.yookassa import FakeYooKassa
from tests.services.payments_data import postings_of
from tests.services.shop_data import (
    RULES,
    make_product,
    make_provider,
    make_user,
    order_in,
    order_of,
)

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

    exported = await privacy.export_user_data(ann)  # /my_data carries the points too
    assert exported["loyalty"]["points"] == 61
    assert [
        (lot["kind"], lot["order_id"], lot["remaining"]) for lot in exported["loyalty"]["lots"]
    ] == [("earned", order.id, 61)]


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


async def with_points(count: int) -> tuple[User, Provider]:
    """Ann holds `count` points (earned on a completed order of a 10 % shop)."""
    ann, shop = await make_user(), await make_provider()
    await LoyaltyRule.create(provider_id=shop.id, earn_basis_points=1000)
    await completed(ann, shop, price=count * 1000)
    await runner().run_due()
    assert await points(ann) == count
    return ann, shop


async def test_points_pay_part_of_an_order_up_to_the_cap_and_a_cancel_gives_them_back() -> None:
    ann, shop = await with_points(50)
    tea = await make_product(shop, price=10000, stock=10)  # 100 ₽: at most 30 % in points
    await cart.add(ann, tea.id, 1)
    offered = await checkout.options(ann, RULES, points=30)
    assert (offered.points_balance, offered.points_max, offered.points) == (50, 30, 30)
    assert offered.total(Fulfilment.pickup) == 7000
    with pytest.raises(InvalidInput) as refused:
        await checkout.options(ann, RULES, points=31)
    assert refused.value.details == {"field": "points", "max": 30}
    await CartItem.filter(user_id=ann.id).delete()

    order = await order_of(ann, tea, points=30)

    assert (order.points_spent, order.discount, order.total) == (30, 3000, 7000)
    assert await points(ann) == 20
    assert sum(lot.remaining for lot in await PointsLot.filter(user_id=ann.id)) == 20
    await orders.transition(
        order.id, OrderStatus.cancelled, role=ActorRole.customer, actor=ann, events=ShopEvents()
    )
    assert await points(ann) == 50  # the points came back, as a lot of their own
    returned = await PointsLot.get(order_id=order.id, kind=PointsLotKind.returned)
    assert returned.remaining == 30
    assert (await ledger.verify()).ok


async def test_points_of_an_online_order_are_the_platforms_expense(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    ann, shop = await with_points(50)
    tea = await make_product(shop, price=10000, stock=10)
    order = await order_of(ann, tea, points=20)
    payment = await start_yookassa_payment(order, ann, gateway)
    assert payment.amount == 8000 and payment.external_id is not None
    fake.succeed(payment.external_id)
    await process_yookassa_notification(
        fake.notification(payment.external_id), gateway, ShopEvents()
    )

    assert await postings_of(payment.external_id) == {
        ledger.clearing_code("yookassa", "RUB"): -8000,
        ledger.provider_code(shop.id, "RUB"): 9000,  # 100 ₽ before the points, − 10 %
        ledger.commission_code("RUB"): 1000,
        "platform:loyalty:RUB": -2000,
    }
    assert (await ledger.verify()).ok


class Referrals:
    referral_points = 100
    referral_max_rewards = 1
    loyalty_points_days = 30


async def test_an_inviter_gets_points_once_when_the_invited_persons_first_order_completes() -> None:
    from services import onboarding

    inviter, shop = await make_user(), await make_provider()
    newcomer, regular, third = await make_user(), await make_user(), await make_user()
    await order_in(OrderStatus.completed, regular, shop)  # a customer already
    assert (await onboarding.start(newcomer, f"ref_{inviter.pseudonym}")).referrer is not None
    assert (await onboarding.start(regular, f"ref_{inviter.pseudonym}")).referrer is None
    assert (await onboarding.start(inviter, f"ref_{inviter.pseudonym}")).referrer is None
    await onboarding.start(third, f"ref_{inviter.pseudonym}")

    first = await completed(newcomer, shop, price=10000)
    second = await completed(newcomer, shop, price=10000)
    assert await loyalty.reward_referrer(second.id, Referrals()) == 0  # not the first order
    assert await loyalty.reward_referrer(first.id, Referrals()) == 100
    assert await loyalty.reward_referrer(first.id, Referrals()) == 0  # once
    later = await completed(third, shop, price=10000)
    assert await loyalty.reward_referrer(later.id, Referrals()) == 0  # the cap of 1

    assert await points(inviter) == 100
    summary = await loyalty.referral_summary(inviter)
    assert (summary.invited, summary.rewarded, summary.points) == (2, 1, 100)
    assert (await ledger.verify()).ok
