"""Paying by Telegram invoice (roubles) and in Stars: attempts, pre-checkout, settlement once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from core.errors import IllegalTransition, InvalidInput, NotFound
from core.money import STARS
from db.models import (
    LedgerTransaction,
    OrderStatus,
    Payment,
    PaymentChannel,
    PaymentStatus,
    ProductKind,
)
from services import ledger, orders
from services.payments import channels_for
from services.telegram_payments import (
    PaymentRefused,
    SettleOutcome,
    check_pre_checkout,
    invoice_lines,
    open_invoice,
    record_successful_payment,
)
from tests.services.payments_data import Sale, a_sale, paid_transitions
from tests.services.shop_data import make_product, make_user, order_of, recording_events

pytestmark = pytest.mark.usefixtures("db")

TG = PaymentChannel.telegram
LONG_STARS_CHARGE = "stx" + "A" * 140  # Stars charge ids are long


async def pay(sale: Sale, payment: Payment, charge: str = "charge-1") -> SettleOutcome:
    return await record_successful_payment(
        sale.customer,
        payload=f"pay:{payment.id}",
        currency=payment.currency,
        total_amount=payment.amount,
        charge_id=charge,
        provider_charge_id="yk-" + charge,
        events=sale.events,
    )


class Channels:
    def __init__(self, yookassa: bool, telegram: bool) -> None:
        self.yookassa_enabled = yookassa
        self.telegram_payments_enabled = telegram


def test_the_channel_follows_the_currency_and_the_configuration() -> None:
    both = Channels(yookassa=True, telegram=True)
    assert channels_for("RUB", both) == [PaymentChannel.yookassa, TG]
    assert channels_for(STARS, both) == [PaymentChannel.stars]
    assert channels_for("RUB", Channels(yookassa=False, telegram=True)) == [TG]
    assert channels_for("RUB", Channels(yookassa=False, telegram=False)) == []
    assert channels_for(STARS, Channels(yookassa=False, telegram=False)) == [PaymentChannel.stars]


async def test_a_second_press_reuses_the_open_invoice() -> None:
    sale = await a_sale(price=25000)
    first = await open_invoice(sale.order.id, sale.customer, TG)
    again = await open_invoice(sale.order.id, sale.customer, TG)

    assert first.fresh and not again.fresh
    assert again.payment.id == first.payment.id and first.payload == f"pay:{first.payment.id}"
    assert first.payment.status is PaymentStatus.pending and first.payment.amount == 25000
    assert await Payment.filter(order_id=sale.order.id).count() == 1
    assert await invoice_lines(sale.order) == [("Tea × 1", 25000)]


async def test_only_the_owner_can_open_an_invoice_of_an_order_awaiting_payment() -> None:
    sale = await a_sale()
    with pytest.raises(NotFound):
        await open_invoice(sale.order.id, await make_user(), TG)
    with pytest.raises(InvalidInput):  # roubles are not paid in Stars
        await open_invoice(sale.order.id, sale.customer, PaymentChannel.stars)
    await sale.customer_cancels()
    with pytest.raises(IllegalTransition):
        await open_invoice(sale.order.id, sale.customer, TG)


async def test_pre_checkout_accepts_the_open_attempt_at_its_price() -> None:
    sale = await a_sale(price=25000)
    invoice = await open_invoice(sale.order.id, sale.customer, TG)

    payment = await check_pre_checkout(sale.customer, invoice.payload, "RUB", 25000)

    assert payment.id == invoice.payment.id


@pytest.mark.parametrize(
    ("payload", "currency", "amount", "reason"),
    [
        ("pay:999999", "RUB", 25000, "unknown"),
        ("garbage", "RUB", 25000, "unknown"),
        ("OWN", "RUB", 24999, "price"),
        ("OWN", STARS, 25000, "price"),
    ],
)
async def test_pre_checkout_refuses_what_is_not_the_open_attempt(
    payload: str, currency: str, amount: int, reason: str
) -> None:
    sale = await a_sale(price=25000)
    invoice = await open_invoice(sale.order.id, sale.customer, TG)
    payload = invoice.payload if payload == "OWN" else payload

    with pytest.raises(PaymentRefused) as refused:
        await check_pre_checkout(sale.customer, payload, currency, amount)

    assert refused.value.details["reason"] == reason


async def test_pre_checkout_refuses_another_persons_invoice() -> None:
    sale = await a_sale()
    invoice = await open_invoice(sale.order.id, sale.customer, TG)
    with pytest.raises(PaymentRefused) as refused:
        await check_pre_checkout(await make_user(), invoice.payload, "RUB", 10000)
    assert refused.value.details["reason"] == "unknown"


async def test_pre_checkout_for_a_sold_out_item_is_refused() -> None:
    """The order expired, its stock went back and another customer bought the last one."""
    sale = await a_sale(price=10000)
    invoice = await open_invoice(sale.order.id, sale.customer, TG)
    await Payment.filter(id=invoice.payment.id).update(
        created_at=datetime.now(UTC) - timedelta(hours=2)
    )
    await orders.expire_unpaid(sale.events, now=datetime.now(UTC) + timedelta(days=1))
    await order_of(await make_user(), sale.product, quantity=5)

    with pytest.raises(PaymentRefused) as refused:
        await check_pre_checkout(sale.customer, invoice.payload, "RUB", 10000)

    assert refused.value.details["reason"] == "expired"


async def test_pre_checkout_refuses_a_product_taken_off_sale() -> None:
    sale = await a_sale()
    invoice = await open_invoice(sale.order.id, sale.customer, TG)
    sale.product.is_blocked = True
    await sale.product.save()

    with pytest.raises(PaymentRefused) as refused:
        await check_pre_checkout(sale.customer, invoice.payload, "RUB", 10000)

    assert refused.value.details == {"reason": "sold_out", "title": "Tea"}


async def test_successful_payment_settles_once_with_postings() -> None:
    sale = await a_sale(price=10000)
    invoice = await open_invoice(sale.order.id, sale.customer, TG)

    assert await pay(sale, invoice.payment) is SettleOutcome.settled
    assert await pay(sale, invoice.payment) is SettleOutcome.duplicate

    await invoice.payment.refresh_from_db()
    await sale.order.refresh_from_db()
    assert invoice.payment.status is PaymentStatus.succeeded
    assert invoice.payment.external_id == "charge-1"
    assert invoice.payment.provider_charge_id == "yk-charge-1"
    assert sale.order.status is OrderStatus.paid and await paid_transitions(sale.order) == 1
    assert await LedgerTransaction.all().count() == 1
    clearing = await ledger.get_account(
        ledger.clearing_code("telegram", "RUB"), ledger.AccountKind.clearing, "RUB"
    )
    provider = await ledger.get_account(
        ledger.provider_code(sale.provider.id, "RUB"), ledger.AccountKind.provider, "RUB"
    )
    assert (clearing.balance, provider.balance) == (-10000, 9000)
    assert (await ledger.verify()).ok


async def test_the_same_successful_payment_delivered_concurrently_credits_once() -> None:
    sale = await a_sale(price=10000)
    invoice = await open_invoice(sale.order.id, sale.customer, TG)

    outcomes = await asyncio.gather(*(pay(sale, invoice.payment) for _ in range(5)))

    assert outcomes.count(SettleOutcome.settled) == 1
    assert set(outcomes) <= {SettleOutcome.settled, SettleOutcome.duplicate}
    assert await LedgerTransaction.all().count() == 1
    assert await paid_transitions(sale.order) == 1


async def test_a_second_charge_for_a_paid_invoice_is_held_for_a_refund() -> None:
    sale = await a_sale(price=10000)
    invoice = await open_invoice(sale.order.id, sale.customer, TG)
    await pay(sale, invoice.payment, "charge-1")

    assert await pay(sale, invoice.payment, "charge-2") is SettleOutcome.unmatched
    assert await pay(sale, invoice.payment, "charge-2") is SettleOutcome.duplicate

    extra = await Payment.get(external_id="charge-2")
    assert extra.order_id == sale.order.id and extra.status is PaymentStatus.succeeded
    wallet = await ledger.get_account(
        ledger.customer_code(sale.customer.id, "RUB"), ledger.AccountKind.customer, "RUB"
    )
    assert wallet.balance == 10000
    assert await paid_transitions(sale.order) == 1
    assert (await ledger.verify()).ok


async def test_a_stars_order_is_paid_in_stars_with_a_long_charge_id() -> None:
    events, _recorder = recording_events()
    customer = await make_user()
    sale = await a_sale()
    ebook = await make_product(sale.provider, title="E-book", price=150, kind=ProductKind.digital)
    order = await order_of(customer, ebook, events=events)
    invoice = await open_invoice(order.id, customer, PaymentChannel.stars)
    assert await invoice_lines(order) == [("E-book", 150)]

    outcome = await record_successful_payment(
        customer,
        payload=invoice.payload,
        currency=STARS,
        total_amount=150,
        charge_id=LONG_STARS_CHARGE,
        provider_charge_id="",
        events=events,
    )

    assert outcome is SettleOutcome.settled
    await order.refresh_from_db()
    assert order.status is OrderStatus.paid
    payment = await Payment.get(external_id=LONG_STARS_CHARGE)
    assert payment.channel is PaymentChannel.stars and payment.provider_charge_id is None
    provider = await ledger.get_account(
        ledger.provider_code(sale.provider.id, STARS), ledger.AccountKind.provider, STARS
    )
    assert provider.balance == 135  # 150 less 10 % commission
    assert (await ledger.verify()).ok
