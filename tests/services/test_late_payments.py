"""Money that arrives when no order waits for it goes back by itself, once, and says why."""

from __future__ import annotations

from functools import partial

import pytest

from db.models import (
    ActorRole,
    Job,
    JobState,
    LedgerTransaction,
    Order,
    OrderStatus,
    Payment,
    PaymentChannel,
    PaymentStatus,
    ProductKind,
    Refund,
    RefundStatus,
    User,
)
from services import ledger, orders
from services.jobs import JobKind
from services.payments import process_yookassa_notification, start_yookassa_payment
from services.refunds import LATE_PAYMENT_REASON, RefundBackends
from services.telegram_payments import (
    OpenInvoice,
    SettleOutcome,
    check_pre_checkout,
    open_invoice,
    record_successful_payment,
)
from services.yookassa_gateway import YooKassaGateway
from tests.fakes.yookassa import FakeYooKassa
from tests.services.payments_data import Sale, a_sale
from tests.services.shop_data import job_runner, make_product, make_user, order_of

pytestmark = pytest.mark.usefixtures("db")


def stars_backends(refunded: list[tuple[int, str]]) -> RefundBackends:
    async def refund_stars(user_tg_id: int, charge_id: str) -> bool:
        refunded.append((user_tg_id, charge_id))
        return True

    return RefundBackends(gateway=None, refund_stars=refund_stars)


async def wallet_balance(user_id: int, currency: str) -> int:
    account = await ledger.get_account(
        ledger.customer_code(user_id, currency), ledger.AccountKind.customer, currency
    )
    return account.balance


async def ebook_invoice(
    sale: Sale, refunded: list[tuple[int, str]]
) -> tuple[User, Order, OpenInvoice]:
    """Another customer orders a 150-star e-book of the sale's shop and opens its invoice;
    jobs run, and Stars they refund are noted in `refunded`."""
    job_runner(sale.events, backends=stars_backends(refunded))
    customer = await make_user()
    ebook = await make_product(sale.provider, title="E-book", price=150, kind=ProductKind.digital)
    order = await order_of(customer, ebook, events=sale.events)
    return customer, order, await open_invoice(order.id, customer, PaymentChannel.stars)


async def test_stars_paid_after_the_customer_cancelled_go_back_once() -> None:
    sale = await a_sale()
    refunded: list[tuple[int, str]] = []
    customer, order, invoice = await ebook_invoice(sale, refunded)
    await check_pre_checkout(customer, invoice.payload, "XTR", 150)  # Telegram asked: fine
    await orders.transition(
        order.id, OrderStatus.cancelled, role=ActorRole.customer, actor=customer, events=sale.events
    )

    telegram_reports_the_payment = partial(
        record_successful_payment,
        customer,
        payload=invoice.payload,
        currency="XTR",
        total_amount=150,
        charge_id="stars-late",
        provider_charge_id=None,
        events=sale.events,
    )
    outcome = await telegram_reports_the_payment()
    again = await telegram_reports_the_payment()  # delivered twice

    assert outcome is SettleOutcome.settled and again is SettleOutcome.duplicate
    assert refunded == [(customer.tg_id, "stars-late")]
    refund = await Refund.get(payment__external_id="stars-late")
    assert refund.status is RefundStatus.succeeded and refund.reason == LATE_PAYMENT_REASON
    assert sale.recorder.refunds == [(order.id, 150)]  # the customer is told, once
    await order.refresh_from_db()
    assert order.status is OrderStatus.cancelled
    # The ledger shows the round trip: held in the wallet, then given back.
    kinds = [t.kind for t in await LedgerTransaction.all().order_by("id")]
    assert kinds[-2:] == ["payment_unmatched", "refund"]
    assert await wallet_balance(customer.id, "XTR") == 0
    job = await Job.get(key=JobKind.refund_late_payment.key(refund.payment_id))
    assert (job.state, job.attempts) == (JobState.done, 1)


async def test_a_yookassa_payment_completed_after_the_order_was_cancelled_is_refunded(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    sale = await a_sale(price=25000)
    job_runner(sale.events, gateway=gateway)
    payment = await start_yookassa_payment(sale.order, sale.customer, gateway)
    await sale.customer_cancels()
    assert payment.external_id is not None
    fake.succeed(payment.external_id)  # the customer paid on the page left open

    notification = fake.notification(payment.external_id)
    await process_yookassa_notification(notification, gateway, sale.events)
    await process_yookassa_notification(notification, gateway, sale.events)  # delivered twice

    refunds = [body for key, body in fake.created if key.startswith("refund-")]
    assert len(refunds) == 1 and refunds[0]["amount"]["value"] == "250.00"
    await payment.refresh_from_db()
    assert payment.status is PaymentStatus.succeeded and payment.refunded_amount == 25000
    assert sale.recorder.refunds == [(sale.order.id, 25000)]
    assert await wallet_balance(sale.customer.id, "RUB") == 0
    await sale.order.refresh_from_db()
    assert sale.order.status is OrderStatus.cancelled


async def test_a_second_charge_of_a_paid_order_goes_back_and_the_first_stays() -> None:
    sale = await a_sale(price=10000)
    refunded: list[tuple[int, str]] = []
    customer, order, invoice = await ebook_invoice(sale, refunded)

    for charge in ("first", "second"):
        await record_successful_payment(
            customer,
            payload=invoice.payload,
            currency="XTR",
            total_amount=150,
            charge_id=charge,
            provider_charge_id=None,
            events=sale.events,
        )

    assert refunded == [(customer.tg_id, "second")]
    first = await Payment.get(external_id="first")
    assert first.refunded_amount == 0
    await order.refresh_from_db()
    assert order.status is OrderStatus.paid


async def test_when_the_late_refund_cannot_be_made_an_admin_is_alerted() -> None:
    sale = await a_sale(price=10000)
    runner = job_runner(sale.events, backends=RefundBackends(gateway=None, refund_stars=None))
    alerts: list[Job] = []

    async def alert(job: Job) -> None:
        alerts.append(job)

    runner.on_give_up(alert)
    invoice = await open_invoice(sale.order.id, sale.customer, PaymentChannel.telegram)
    await sale.customer_cancels()

    await record_successful_payment(
        sale.customer,
        payload=invoice.payload,
        currency="RUB",
        total_amount=10000,
        charge_id="tg-late",
        provider_charge_id="other-provider-1",
        events=sale.events,
    )

    assert [job.kind for job in alerts] == [JobKind.refund_late_payment]
    assert "refund it by hand" in alerts[0].last_error
    assert await wallet_balance(sale.customer.id, "RUB") == 10000  # held, never lost
    assert sale.recorder.refunds == []
