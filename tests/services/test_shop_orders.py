"""The order state machine: every legal move recorded, every other move refused untouched."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from core.errors import IllegalTransition, InvalidInput, NotFound
from db.models import (
    ActorRole,
    Fulfilment,
    Order,
    OrderStatus,
    OrderTransition,
    PaymentMethod,
    Product,
    Provider,
    Role,
    User,
)
from db.models.payments import Payment, PaymentChannel, PaymentStatus
from services import orders
from services.events import ShopEvents
from services.orders import RESERVING, TRANSITIONS, allowed_targets, transition
from tests.services.shop_data import (
    Recorder,
    make_product,
    make_provider,
    make_user,
    order_in,
    order_of,
    recording_events,
)

pytestmark = pytest.mark.usefixtures("db")

S = OrderStatus
R = ActorRole
STOCK = 10
QUANTITY = 3


@dataclass
class Shop:
    """A provider with its owner, a customer, an admin and a product with stock."""

    provider: Provider
    owner: User
    customer: User
    admin: User
    product: Product
    events: ShopEvents
    recorder: Recorder

    def actor(self, role: ActorRole) -> User | None:
        return {
            R.customer: self.customer,
            R.provider: self.owner,
            R.admin: self.admin,
            R.system: None,
        }[role]

    async def order(
        self,
        status: OrderStatus,
        fulfilment: Fulfilment = Fulfilment.pickup,
        payment_method: PaymentMethod = PaymentMethod.online,
    ) -> Order:
        return await order_in(
            status,
            self.customer,
            self.provider,
            fulfilment=fulfilment,
            payment_method=payment_method,
            product=self.product,
            quantity=QUANTITY,
        )

    async def move(
        self, order: Order, to: OrderStatus, role: ActorRole, **kwargs: object
    ) -> orders.Change:
        scope = {"provider_id": self.provider.id} if role is R.provider else {}
        return await transition(
            order.id,
            to,
            role=role,
            actor=self.actor(role),
            events=self.events,
            **scope,  # type: ignore[arg-type]
            **kwargs,  # type: ignore[arg-type]
        )

    async def stock(self) -> int:
        return (await Product.get(id=self.product.id)).stock


@pytest.fixture
async def shop() -> Shop:
    owner = await make_user(Role.provider)
    provider = await make_provider(owner)
    events, recorder = recording_events()
    return Shop(
        provider=provider,
        owner=owner,
        customer=await make_user(),
        admin=await make_user(Role.admin),
        product=await make_product(provider, "Tea", stock=STOCK),
        events=events,
        recorder=recorder,
    )


LEGAL = [
    (source, target, role)
    for source, targets in TRANSITIONS.items()
    for target, roles in targets.items()
    for role in sorted(roles)
]
ILLEGAL = [
    (source, target, role)
    for source in S
    for target in S
    for role in R
    if role not in TRANSITIONS[source].get(target, frozenset())
]


def test_the_table_names_every_status_and_the_issues_path() -> None:
    assert set(TRANSITIONS) == set(S)
    path = [S.pending_payment, S.paid, S.accepted, S.in_work, S.ready_for_pickup, S.completed]
    for source, target in itertools.pairwise(path):
        assert target in TRANSITIONS[source]
    assert S.out_for_delivery in TRANSITIONS[S.in_work]
    assert not TRANSITIONS[S.cancelled] and not TRANSITIONS[S.refunded]
    # The issue's rules: only the payment (system) marks an order paid; customers cancel
    # only before acceptance; refunds are never the provider's or the customer's own call.
    assert TRANSITIONS[S.pending_payment][S.paid] == {R.system}
    for status in (S.accepted, S.in_work, S.ready_for_pickup, S.out_for_delivery):
        assert R.customer not in TRANSITIONS[status].get(S.cancelled, frozenset())
    assert R.customer in TRANSITIONS[S.paid][S.cancelled]
    for targets in TRANSITIONS.values():
        assert not {R.customer, R.provider} & targets.get(S.refunded, frozenset())
    assert len(LEGAL) + len(ILLEGAL) == len(S) * len(S) * len(R)


async def test_every_legal_transition_is_applied_and_recorded(shop: Shop) -> None:
    for source, target, role in LEGAL:
        fulfilment = Fulfilment.delivery if target is S.out_for_delivery else Fulfilment.pickup
        await Product.filter(id=shop.product.id).update(stock=STOCK)
        order = await shop.order(source, fulfilment)
        shop.recorder.changes.clear()

        change = await shop.move(order, target, role, reason="  checked  ")

        case = (source, target, role)
        assert change.order.status is target, case
        assert (await Order.get(id=order.id)).status is target, case
        record = change.transition
        actor = shop.actor(role)
        assert (record.from_status, record.to_status, record.actor_role, record.reason) == (
            source,
            target,
            role,
            "checked",
        ), case
        assert record.actor_id == (actor.id if actor else None), case  # type: ignore[attr-defined]
        assert await OrderTransition.filter(order_id=order.id).count() == 2, case
        assert shop.recorder.changes == [(order.id, source, target)], case
        releases = target in (S.cancelled, S.refunded) and source in RESERVING
        assert await shop.stock() == (STOCK if releases else STOCK - QUANTITY), case
        if target is S.cancelled:
            assert change.order.cancel_reason == "checked", case


async def test_every_transition_not_in_the_table_is_refused_and_changes_nothing(
    shop: Shop,
) -> None:
    for source in S:
        await Product.filter(id=shop.product.id).update(stock=STOCK)
        order = await shop.order(source)
        illegal = [(target, role) for s, target, role in ILLEGAL if s is source]
        assert illegal, source

        for target, role in illegal:
            case = (source, target, role)
            with pytest.raises(IllegalTransition) as refused:
                await shop.move(order, target, role, reason="because", cash_received=True)
            assert refused.value.details == {
                "order_id": order.id,
                "current": source.value,
                "target": target.value,
            }, case

        after = await Order.get(id=order.id)
        assert (after.status, after.cash_confirmed, after.stock_released) == (
            source,
            False,
            False,
        ), source
        assert after.cancel_reason is None, source
        assert await OrderTransition.filter(order_id=order.id).count() == 1, source
        assert await shop.stock() == STOCK - QUANTITY, source
    assert shop.recorder.changes == []


async def test_an_illegal_transition_from_paid_back_to_pending_is_refused(shop: Shop) -> None:
    order = await shop.order(S.paid)

    with pytest.raises(IllegalTransition):
        await shop.move(order, S.pending_payment, R.admin, reason="undo")

    assert (await Order.get(id=order.id)).status is S.paid


# Guards --------------------------------------------------------------------------------------


async def test_ready_for_pickup_only_for_pickup_and_out_for_delivery_only_for_delivery(
    shop: Shop,
) -> None:
    delivered = await shop.order(S.in_work, Fulfilment.delivery)
    picked_up = await shop.order(S.in_work, Fulfilment.pickup)

    with pytest.raises(IllegalTransition):
        await shop.move(delivered, S.ready_for_pickup, R.provider)
    with pytest.raises(IllegalTransition):
        await shop.move(picked_up, S.out_for_delivery, R.provider)

    assert S.ready_for_pickup not in allowed_targets(delivered, R.provider)
    assert S.out_for_delivery in allowed_targets(delivered, R.provider)
    assert allowed_targets(picked_up, R.provider) == [S.ready_for_pickup, S.cancelled]
    assert allowed_targets(picked_up, R.customer) == []
    assert await OrderTransition.filter(to_status__in=[S.ready_for_pickup]).count() == 0


async def test_admins_and_cancelling_providers_must_give_a_reason(shop: Shop) -> None:
    needing = [
        (source, target, role)
        for source, target, role in LEGAL
        if role is R.admin or (role is R.provider and target is S.cancelled)
    ]
    assert (S.paid, S.accepted, R.admin) in needing and (
        S.placed,
        S.cancelled,
        R.provider,
    ) in needing

    for source, target, role in needing:
        fulfilment = Fulfilment.delivery if target is S.out_for_delivery else Fulfilment.pickup
        order = await shop.order(source, fulfilment)
        for reason in ("", "   "):
            with pytest.raises(InvalidInput) as refused:
                await shop.move(order, target, role, reason=reason)
            assert refused.value.details == {"field": "reason"}, (source, target, role)
        assert (await Order.get(id=order.id)).status is source

    assert shop.recorder.changes == []


async def test_customers_and_providers_accepting_need_no_reason(shop: Shop) -> None:
    mine = await shop.order(S.paid)
    accepted = await shop.move(mine, S.accepted, R.provider)
    unpaid = await shop.order(S.pending_payment)
    cancelled = await shop.move(unpaid, S.cancelled, R.customer)

    assert accepted.transition.reason == "" and cancelled.order.cancel_reason is None


async def test_a_cash_order_is_completed_only_with_the_cash_received(shop: Shop) -> None:
    order = await shop.order(S.ready_for_pickup, payment_method=PaymentMethod.cash)

    with pytest.raises(InvalidInput) as refused:
        await shop.move(order, S.completed, R.provider)
    assert refused.value.details == {"field": "cash_received"}
    assert (await Order.get(id=order.id)).status is S.ready_for_pickup

    change = await shop.move(order, S.completed, R.provider, cash_received=True)
    assert change.order.status is S.completed and change.order.cash_confirmed


async def test_a_cash_order_confirmed_earlier_completes_without_asking_again(shop: Shop) -> None:
    order = await shop.order(S.ready_for_pickup, payment_method=PaymentMethod.cash)
    await Order.filter(id=order.id).update(cash_confirmed=True)

    change = await shop.move(order, S.completed, R.provider)

    assert change.order.status is S.completed


# Ownership --------------------------------------------------------------------------------


async def test_a_provider_cannot_reach_another_providers_order(shop: Shop) -> None:
    other = await make_provider(await make_user(Role.provider))
    order = await shop.order(S.paid)

    with pytest.raises(NotFound):
        await transition(
            order.id,
            S.accepted,
            role=R.provider,
            actor=shop.owner,
            events=shop.events,
            provider_id=other.id,
        )
    with pytest.raises(NotFound):
        await orders.provider_order(other.id, order.id)

    assert (await Order.get(id=order.id)).status is S.paid
    assert (await orders.provider_orders(other.id)).total == 0
    assert [o.id for o in (await orders.provider_orders(shop.provider.id)).items] == [order.id]


async def test_a_customer_cannot_touch_someone_elses_order(shop: Shop) -> None:
    order = await shop.order(S.pending_payment)
    stranger = await make_user()

    for actor in (stranger, None):
        with pytest.raises(NotFound):
            await transition(
                order.id, S.cancelled, role=R.customer, actor=actor, events=shop.events
            )
    with pytest.raises(NotFound):
        await orders.customer_order(stranger, order.id)

    assert (await Order.get(id=order.id)).status is S.pending_payment
    assert (await orders.customer_orders(stranger)).total == 0
    assert (await orders.customer_order(shop.customer, order.id)).id == order.id


async def test_an_unknown_order_is_not_found(shop: Shop) -> None:
    with pytest.raises(NotFound):
        await transition(987654, S.accepted, role=R.admin, actor=shop.admin, events=shop.events)


# Stock release -------------------------------------------------------------------------------


async def test_cancelling_twice_releases_stock_once(shop: Shop) -> None:
    order = await shop.order(S.paid)

    await shop.move(order, S.cancelled, R.customer)
    with pytest.raises(IllegalTransition):
        await shop.move(order, S.cancelled, R.customer)
    await orders.release_stock(order)

    assert await shop.stock() == STOCK
    assert shop.recorder.changes == [(order.id, S.paid, S.cancelled)]


async def test_concurrent_cancels_release_stock_once(shop: Shop) -> None:
    order = await shop.order(S.paid)

    results = await asyncio.gather(
        shop.move(order, S.cancelled, R.customer),
        shop.move(order, S.cancelled, R.provider, reason="no stock"),
        shop.move(order, S.cancelled, R.admin, reason="duplicate"),
        return_exceptions=True,
    )

    assert sorted(type(r).__name__ for r in results) == [
        "Change",
        "IllegalTransition",
        "IllegalTransition",
    ]
    assert await shop.stock() == STOCK
    assert await OrderTransition.filter(order_id=order.id, to_status=S.cancelled).count() == 1
    assert len(shop.recorder.changes) == 1


async def test_refunding_a_completed_order_does_not_return_stock(shop: Shop) -> None:
    order = await shop.order(S.completed)

    await shop.move(order, S.refunded, R.admin, reason="broken on arrival")

    assert await shop.stock() == STOCK - QUANTITY


async def test_cancelling_a_placed_order_returns_stock_of_the_real_checkout(shop: Shop) -> None:
    order = await order_of(shop.customer, shop.product, 4, payment_method=PaymentMethod.cash)
    assert await shop.stock() == STOCK - 4

    await shop.move(order, S.cancelled, R.provider, reason="closed today")

    assert await shop.stock() == STOCK


# Expiry ------------------------------------------------------------------------------------


async def test_expire_unpaid_cancels_only_overdue_unpaid_orders(shop: Shop) -> None:
    now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    overdue = await shop.order(S.pending_payment)
    due_later = await shop.order(S.pending_payment)
    paid = await shop.order(S.paid)
    cash = await shop.order(S.placed, payment_method=PaymentMethod.cash)
    await Order.filter(id__in=[overdue.id, paid.id]).update(expires_at=now - timedelta(seconds=1))
    await Order.filter(id=due_later.id).update(expires_at=now + timedelta(minutes=1))
    assert await shop.stock() == STOCK - 4 * QUANTITY

    assert await orders.expire_unpaid(shop.events, now=now) == 1

    statuses = {o.id: o.status for o in await Order.all()}
    assert statuses == {
        overdue.id: S.cancelled,
        due_later.id: S.pending_payment,
        paid.id: S.paid,
        cash.id: S.placed,
    }
    [record] = await OrderTransition.filter(order_id=overdue.id, to_status=S.cancelled)
    assert (record.actor_role, record.actor_id, record.reason) == (R.system, None, "expired")  # type: ignore[attr-defined]
    assert await shop.stock() == STOCK - 3 * QUANTITY
    assert shop.recorder.changes == [(overdue.id, S.pending_payment, S.cancelled)]

    assert await orders.expire_unpaid(shop.events, now=now + timedelta(hours=1)) == 1
    assert await orders.expire_unpaid(shop.events, now=now + timedelta(hours=1)) == 0
    assert await shop.stock() == STOCK - 2 * QUANTITY


async def test_an_order_placed_by_checkout_expires_after_the_payment_timeout(shop: Shop) -> None:
    order = await order_of(shop.customer, shop.product, 2)
    assert order.expires_at is not None

    assert await orders.expire_unpaid(shop.events, now=order.expires_at) == 0
    assert await orders.expire_unpaid(shop.events, now=order.expires_at + timedelta(seconds=1))
    assert await shop.stock() == STOCK


# Reading -----------------------------------------------------------------------------------


async def test_history_lists_every_transition_in_order(shop: Shop) -> None:
    order = await shop.order(S.paid)
    await shop.move(order, S.accepted, R.provider)
    await shop.move(order, S.in_work, R.provider)

    steps = [(t.from_status, t.to_status) for t in await orders.history(order)]

    assert steps == [(None, S.paid), (S.paid, S.accepted), (S.accepted, S.in_work)]
    in_work = await orders.provider_orders(shop.provider.id, [S.in_work])
    assert [o.id for o in in_work.items] == [order.id]
    assert (await orders.provider_orders(shop.provider.id, [S.paid])).total == 0


async def test_an_order_being_paid_right_now_is_not_expired(shop: Shop) -> None:
    now = datetime.now(UTC)
    paying = await shop.order(S.pending_payment)
    abandoned = await shop.order(S.pending_payment)
    await Order.filter(id__in=[paying.id, abandoned.id]).update(
        expires_at=now - timedelta(minutes=1)
    )
    for order, key in ((paying, "order-a-1"), (abandoned, "order-b-1")):
        await Payment.create(
            order_id=order.id,
            user_id=order.customer_id,
            channel=PaymentChannel.yookassa,
            status=PaymentStatus.pending,
            amount=order.total,
            currency=order.currency,
            idempotence_key=key,
        )
    # The abandoned attempt started long ago: it no longer protects its order.
    await Payment.filter(order_id=abandoned.id).update(created_at=now - timedelta(hours=2))

    assert await orders.expire_unpaid(shop.events, now=now) == 1

    assert (await Order.get(id=paying.id)).status is S.pending_payment
    assert (await Order.get(id=abandoned.id)).status is S.cancelled
