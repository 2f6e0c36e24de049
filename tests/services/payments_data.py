"""Builders for payment tests: an order awaiting payment, and what the ledger holds for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from db.models import (
    ActorRole,
    LedgerEntry,
    LedgerTransaction,
    Order,
    OrderStatus,
    OrderTransition,
    Payment,
    PaymentStatus,
    Product,
    Provider,
    User,
)
from services import orders
from services.events import ShopEvents
from services.payments import payment_reference
from tests.services.shop_data import (
    Recorder,
    make_product,
    make_provider,
    make_user,
    order_of,
    recording_events,
)


@dataclass
class Sale:
    """A customer's order of one product, placed online and awaiting payment."""

    customer: User
    provider: Provider
    product: Product
    order: Order
    events: ShopEvents
    recorder: Recorder

    async def customer_cancels(self) -> None:
        """The customer cancels the order, as from the chat or the Mini App."""
        await orders.transition(
            self.order.id,
            OrderStatus.cancelled,
            role=ActorRole.customer,
            actor=self.customer,
            events=self.events,
        )


async def a_sale(price: int = 10000, **provider_fields: Any) -> Sale:
    """An online pickup order of one product at `price` kopecks."""
    events, recorder = recording_events()
    customer = await make_user()
    provider = await make_provider(**provider_fields)
    product = await make_product(provider, price=price, stock=5)
    order = await order_of(customer, product, events=events)
    recorder.changes.clear()
    return Sale(customer, provider, product, order, events, recorder)


async def assert_still_unpaid(sale: Sale, payment: Payment) -> None:
    """Nothing changed: the payment is pending, the order awaits it, the books hold nothing."""
    await payment.refresh_from_db()
    await sale.order.refresh_from_db()
    assert payment.status is PaymentStatus.pending
    assert sale.order.status is OrderStatus.pending_payment
    assert not await LedgerTransaction.exists()


async def postings_of(external_id: str) -> dict[str, int]:
    """The settlement's entries as account code → amount."""
    record = await LedgerTransaction.get(reference=payment_reference(external_id))
    entries = await LedgerEntry.filter(transaction_id=record.id).prefetch_related("account")
    return {entry.account.code: entry.amount for entry in entries}


async def paid_transitions(order: Order) -> int:
    """How many times the order was moved to paid."""
    return await OrderTransition.filter(order_id=order.id, to_status="paid").count()
