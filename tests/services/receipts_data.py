"""Builders for receipt tests: an order paid through the fake YooKassa, handed over."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from db.models import ActorRole, Fulfilment, Order, OrderStatus, Payment
from services import orders
from services.events import ShopEvents
from services.jobs import JobRunner
from services.payments import process_yookassa_notification, start_yookassa_payment
from services.yookassa_gateway import YooKassaGateway
from tests.fakes.yookassa import FakeYooKassa
from tests.services.shop_data import (
    Recorder,
    job_runner,
    make_product,
    make_provider,
    make_user,
    order_of,
)

PHONE = "+7 (999) 000-11-22"


@dataclass
class Paid:
    """An order the customer paid through YooKassa, with the events the shop announces."""

    order: Order
    payment: Payment
    events: ShopEvents
    recorder: Recorder
    runner: JobRunner


def shop_events(gateway: YooKassaGateway) -> tuple[ShopEvents, Recorder, JobRunner]:
    """The hub as the app wires it: a recorder (the notifier's place) and the job runner."""
    events, recorder = ShopEvents(), Recorder()
    events.subscribe(recorder)
    return events, recorder, job_runner(events, gateway=gateway)


async def paid_order(
    fake: FakeYooKassa,
    gateway: YooKassaGateway,
    *,
    price: int = 10000,
    quantity: int = 1,
    phone: str | None = PHONE,
    receipt: dict[str, Any] | None = None,
    **draft: Any,
) -> Paid:
    """A customer's order, paid at YooKassa and settled by its notification."""
    events, recorder, runner = shop_events(gateway)
    customer = await make_user()
    provider = await make_provider(tax_system_code=1)
    product = await make_product(
        provider, price=price, stock=10, receipt=receipt or {"vat_code": 11}
    )
    order = await order_of(customer, product, quantity, events=events, phone=phone, **draft)
    payment = await start_yookassa_payment(order, customer, gateway)
    assert payment.external_id is not None
    fake.succeed(payment.external_id)
    await process_yookassa_notification(fake.notification(payment.external_id), gateway, events)
    await payment.refresh_from_db()
    await order.refresh_from_db()
    assert order.status is OrderStatus.paid
    return Paid(order, payment, events, recorder, runner)


async def hand_over(order: Order, events: ShopEvents) -> None:
    """The provider accepts, prepares and hands the order over."""
    path = [OrderStatus.accepted, OrderStatus.in_work]
    if order.fulfilment is Fulfilment.pickup:
        path += [OrderStatus.ready_for_pickup, OrderStatus.completed]
    else:
        path += [OrderStatus.out_for_delivery, OrderStatus.completed]
    for status in path:
        await orders.transition(
            order.id, status, role=ActorRole.provider, actor=None, events=events
        )


def receipt_posts(fake: FakeYooKassa) -> list[tuple[str, dict[str, Any]]]:
    """(Idempotence-Key, body) of every POST /v3/receipts the fake received."""
    return [(key, body) for key, body in fake.created if "type" in body and "settlements" in body]


def total_of(items: list[dict[str, Any]]) -> Decimal:
    """What receipt items add up to, in roubles."""
    return sum(
        (Decimal(item["amount"]["value"]) * Decimal(item["quantity"]) for item in items),
        Decimal(0),
    )
