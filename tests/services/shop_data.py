"""Builders of shop data for service tests: people, a provider, products and orders."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tortoise.expressions import F

from core.money import STARS
from db.models import (
    ActorRole,
    ConsentKind,
    Fulfilment,
    Order,
    OrderItem,
    OrderStatus,
    OrderTransition,
    Payment,
    PaymentMethod,
    Payout,
    PayoutStatus,
    Product,
    ProductKind,
    Provider,
    ProviderKind,
    Refund,
    Role,
    User,
)
from services import cart, consent
from services.catalog import ProductDraft, create_product
from services.checkout import CheckoutDraft, delivery_slots, new_checkout_key, place_order
from services.effects import register_money_jobs
from services.events import ShopEvents, ShopListener
from services.jobs import JobRunner, RunJobsAtOnce
from services.refunds import RefundBackends
from services.yookassa_gateway import YooKassaGateway

_ids = itertools.count(1000)


@dataclass(frozen=True)
class CheckoutRules:
    """What checkout reads of the settings: Moscow time, Telegram Payments on."""

    timezone: str = "Europe/Moscow"
    privacy_policy_version: str = "1"
    order_payment_timeout: int = 30
    yookassa_enabled: bool = False
    telegram_payments_enabled: bool = True
    loyalty_earn_percent: Decimal = Decimal(5)
    loyalty_points_days: int = 365
    loyalty_spend_cap_percent: int = 30


RULES = CheckoutRules()


async def make_user(role: Role = Role.customer, **fields: Any) -> User:
    """A person with a fresh Telegram id."""
    number = next(_ids)
    return await User.create(
        tg_id=fields.pop("tg_id", number),
        pseudonym=f"u{number:016x}",
        first_name=fields.pop("first_name", f"Person {number}"),
        role=role,
        **fields,
    )


async def make_provider(owner: User | None = None, **fields: Any) -> Provider:
    """An active shop that allows pickup, delivery (fee 300 ₽) and cash unless told otherwise."""
    number = next(_ids)
    values: dict[str, Any] = {
        "slug": f"shop-{number}",
        "kind": ProviderKind.shop,
        "name": f"Shop {number}",
        "owner": owner,
        "allow_pickup": True,
        "allow_delivery": True,
        "allow_cash": True,
        "pickup_address": "Tverskaya 1",
        "delivery_fee": 30000,
        "low_stock_threshold": 2,
    }
    values.update(fields)
    return await Provider.create(**values)


async def make_product(
    provider: Provider,
    title: str = "Tea",
    price: int = 10000,
    stock: int = 10,
    kind: ProductKind = ProductKind.physical,
    **draft: Any,
) -> Product:
    """A product created through the catalog service (so search_text is filled)."""
    currency = STARS if kind is ProductKind.digital else "RUB"
    return await create_product(
        provider,
        ProductDraft(title=title, price=price, stock=stock, kind=kind, currency=currency, **draft),
    )


@dataclass
class Recorder(ShopListener):
    """A listener that remembers every event it receives."""

    changes: list[tuple[int, OrderStatus | None, OrderStatus]] = field(default_factory=list)
    low: list[int] = field(default_factory=list)
    failed_payments: list[int] = field(default_factory=list)
    refunds: list[tuple[int, int]] = field(default_factory=list)
    payouts: list[tuple[int, PayoutStatus]] = field(default_factory=list)

    async def order_changed(self, order: Order, transition: OrderTransition) -> None:
        self.changes.append((order.id, transition.from_status, transition.to_status))

    async def low_stock(self, product: Product) -> None:
        self.low.append(product.id)

    async def payment_failed(self, order: Order, payment: Payment) -> None:
        self.failed_payments.append(payment.id)

    async def refunded(self, order: Order, refund: Refund) -> None:
        self.refunds.append((order.id, refund.amount))

    async def payout_changed(self, payout: Payout) -> None:
        self.payouts.append((payout.id, PayoutStatus(payout.status)))


def job_runner(
    events: ShopEvents,
    *,
    gateway: YooKassaGateway | None = None,
    backends: RefundBackends | None = None,
    commission_percent: Decimal = Decimal(10),
) -> JobRunner:
    """A job runner with the money jobs, run at once after each commit as the app wires it."""
    runner = JobRunner(name="test")
    register_money_jobs(
        runner,
        backends=backends or RefundBackends(gateway=gateway, refund_stars=None),
        events=events,
        gateway=gateway,
        commission_percent=commission_percent,
    )
    events.subscribe(RunJobsAtOnce(runner))
    return runner


def recording_events() -> tuple[ShopEvents, Recorder]:
    """A fresh hub with a recording listener subscribed."""
    events, recorder = ShopEvents(), Recorder()
    events.subscribe(recorder)
    return events, recorder


async def order_of(
    customer: User,
    product: Product,
    quantity: int = 1,
    events: ShopEvents | None = None,
    **draft: Any,
) -> Order:
    """Put the product in the customer's cart and place an order (pickup, online by default).

    Personal data in the draft comes with the customer's consent, and a delivery without a
    slot gets the last one offered (tomorrow evening: free, whatever the time of day).
    """
    await cart.add(customer, product.id, quantity)
    choices = CheckoutDraft(**draft)
    if choices.has_personal_data or choices.fulfilment is Fulfilment.delivery:
        await consent.record(
            customer, ConsentKind.personal_data, granted=True, version=RULES.privacy_policy_version
        )
    if choices.fulfilment is Fulfilment.delivery and choices.delivery_slot is None:
        choices.delivery_slot = delivery_slots(datetime.now(UTC), RULES.timezone)[-1].id
    return await place_order(
        customer,
        choices,
        settings=RULES,
        checkout_key=new_checkout_key(),
        events=events or ShopEvents(),
    )


async def order_in(
    status: OrderStatus,
    customer: User,
    provider: Provider,
    *,
    fulfilment: Fulfilment = Fulfilment.pickup,
    payment_method: PaymentMethod = PaymentMethod.online,
    product: Product | None = None,
    quantity: int = 1,
) -> Order:
    """An order put straight into `status` (bypassing the state machine: test set-up only).

    When `product` is given its stock is reserved as checkout would have done.
    """
    number = next(_ids)
    price = product.price if product else 10000
    order = await Order.create(
        customer=customer,
        provider=provider,
        status=status,
        fulfilment=fulfilment,
        payment_method=payment_method,
        address="Lenina 5, flat 3" if fulfilment is Fulfilment.delivery else None,
        phone="+79990001122" if fulfilment is Fulfilment.delivery else None,
        items_total=price * quantity,
        total=price * quantity,
        currency="RUB",
        checkout_key=f"test-{number}",
        pickup_code="123456",
    )
    await OrderItem.create(
        order=order,
        product=product,
        sku=product.sku if product else "X-1",
        title=product.title if product else "Thing",
        kind=product.kind if product else ProductKind.physical,
        price=price,
        quantity=quantity,
        currency="RUB",
        vat_code=1,
        payment_subject="commodity",
        payment_mode="full_prepayment",
    )
    if product is not None:
        await Product.filter(id=product.id).update(stock=F("stock") - quantity)
    await OrderTransition.create(
        order=order, from_status=None, to_status=status, actor_role=ActorRole.system
    )
    return order
