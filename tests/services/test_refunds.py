"""Refunds: full and partial, through YooKassa (real SDK, fake server) and Stars, once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from core.money import STARS
from db.models import (
    AuditLog,
    Job,
    JobState,
    LedgerTransaction,
    Order,
    OrderStatus,
    Payment,
    PaymentChannel,
    PaymentStatus,
    Product,
    ProductKind,
    Receipt,
    ReceiptKind,
    ReceiptStatus,
    Refund,
    RefundStatus,
    User,
)
from services import ledger
from services.jobs import JobKind
from services.payments import process_yookassa_notification, start_yookassa_payment
from services.refunds import (
    NothingToRefund,
    OverRefund,
    RefundBackends,
    RefundFailed,
    RefundResult,
    RefundUnsupported,
    refund_cancelled_order,
    refund_order,
)
from services.telegram_payments import open_invoice, record_successful_payment
from services.yookassa_gateway import YooKassaGateway
from tests.fakes.yookassa import FakeYooKassa
from tests.services.payments_data import Sale, a_sale
from tests.services.shop_data import (
    job_runner,
    make_product,
    make_user,
    order_of,
    recording_events,
)

pytestmark = pytest.mark.usefixtures("db")


async def paid_sale(fake: FakeYooKassa, gateway: YooKassaGateway, price: int = 10000) -> Sale:
    sale = await a_sale(price=price)
    payment = await start_yookassa_payment(sale.order, sale.customer, gateway)
    assert payment.external_id is not None
    fake.succeed(payment.external_id)
    await process_yookassa_notification(
        fake.notification(payment.external_id), gateway, sale.events
    )
    await sale.order.refresh_from_db()
    assert sale.order.status is OrderStatus.paid
    sale.recorder.changes.clear()
    return sale


def backends(gateway: YooKassaGateway | None, stars: list[tuple[int, str]] | None = None):
    async def refund_stars(user_tg_id: int, charge_id: str) -> bool:
        if stars is None:
            raise RuntimeError("Bad Request: CHARGE_ALREADY_REFUNDED")
        stars.append((user_tg_id, charge_id))
        return True

    return RefundBackends(gateway=gateway, refund_stars=refund_stars)


async def refund_sale(
    sale: Sale,
    amount: int | None,
    key: str,
    via: RefundBackends,
    admin: User | None = None,
    reason: str = "",
) -> RefundResult:
    """Give back `amount` of the sale's order (None: all that is left), as `admin` or the system."""
    return await refund_order(
        sale.order.id,
        amount,
        admin=admin,
        backends=via,
        events=sale.events,
        request_key=key,
        reason=reason,
    )


async def balance(code: str) -> int:
    account = await ledger.get_account(code, ledger.AccountKind.clearing, "RUB")
    return account.balance


async def test_a_full_refund_reverses_the_postings_once_and_refunds_the_order(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    sale = await paid_sale(fake, gateway)
    admin = await make_user()

    result = await refund_sale(sale, None, "k1", backends(gateway), admin, reason="out of stock")
    again = await refund_sale(sale, None, "k1", backends(gateway), admin)

    assert result.amount == 10000 and result.order_refunded and not result.pending
    assert [r.id for r in again.refunds] == [r.id for r in result.refunds]
    assert len(fake.refunds) == 1 and await Refund.all().count() == 1
    await sale.order.refresh_from_db()
    await sale.product.refresh_from_db()
    assert sale.order.status is OrderStatus.refunded
    assert sale.product.stock == 5  # the reserved unit is back on sale
    assert sale.recorder.refunds == [(sale.order.id, 10000)]
    assert (sale.order.id, OrderStatus.paid, OrderStatus.refunded) in sale.recorder.changes
    assert await balance(ledger.clearing_code("yookassa", "RUB")) == 0
    assert await balance(ledger.provider_code(sale.provider.id, "RUB")) == 0
    assert await balance(ledger.commission_code("RUB")) == 0
    assert await LedgerTransaction.filter(kind="refund").count() == 1
    assert await AuditLog.filter(action="order.refund").count() == 1
    assert (await ledger.verify()).ok


async def test_partial_refunds_add_up_to_the_commission_and_a_third_is_refused(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    sale = await paid_sale(fake, gateway, price=10001)  # commission 1000 (10 % of 100.01 ₽)
    admin = await make_user()

    first = await refund_sale(sale, 3333, "a", backends(gateway), admin)
    assert first.amount == 3333 and not first.order_refunded
    await sale.order.refresh_from_db()
    assert sale.order.status is OrderStatus.paid
    with pytest.raises(OverRefund) as over:
        await refund_sale(sale, 6669, "b", backends(gateway), admin)
    assert over.value.details == {"requested": 6669, "available": 6668, "currency": "RUB"}
    second = await refund_sale(sale, 6668, "c", backends(gateway), admin)
    assert second.order_refunded
    with pytest.raises(NothingToRefund):
        await refund_sale(sale, 1, "d", backends(gateway), admin)

    assert await balance(ledger.commission_code("RUB")) == 0
    assert await balance(ledger.provider_code(sale.provider.id, "RUB")) == 0
    assert await balance(ledger.clearing_code("yookassa", "RUB")) == 0
    payment = await Payment.get(order_id=sale.order.id)
    assert payment.refunded_amount == 10001
    assert sale.recorder.refunds == [(sale.order.id, 3333), (sale.order.id, 6668)]
    assert (await ledger.verify()).ok


async def test_concurrent_refunds_never_give_back_more_than_was_paid(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    sale = await paid_sale(fake, gateway)
    admin = await make_user()

    results = await asyncio.gather(
        *(refund_sale(sale, 4000, f"r{n}", backends(gateway), admin) for n in range(4)),
        return_exceptions=True,
    )

    done = [r for r in results if not isinstance(r, BaseException)]
    assert len(done) == 2
    assert all(isinstance(r, OverRefund) for r in results if isinstance(r, BaseException))
    payment = await Payment.get(order_id=sale.order.id)
    assert payment.refunded_amount == 8000
    assert (await ledger.verify()).ok


async def test_a_refund_yookassa_refuses_changes_nothing(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    sale = await paid_sale(fake, gateway)
    payment = await Payment.get(order_id=sale.order.id)
    assert payment.external_id is not None
    fake.payments[payment.external_id]["status"] = "canceled"  # YooKassa will refuse

    with pytest.raises(RefundFailed):
        await refund_sale(sale, None, "x", backends(gateway))

    await payment.refresh_from_db()
    refund = await Refund.get(payment_id=payment.id)
    assert payment.refunded_amount == 0 and refund.status is RefundStatus.canceled
    assert await LedgerTransaction.filter(kind="refund").count() == 0
    await sale.order.refresh_from_db()
    assert sale.order.status is OrderStatus.paid and sale.recorder.refunds == []


async def test_a_refund_whose_answer_never_came_completes_on_retry(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    sale = await paid_sale(fake, gateway)
    runner = job_runner(sale.events, backends=backends(gateway))
    fake.hang()

    result = await refund_sale(sale, 2500, "slow", backends(gateway))
    assert result.pending and sale.recorder.refunds == []
    fake.release()

    check = await Job.get(key=JobKind.refund_check.key(result.refunds[0].id))
    assert check.state is JobState.pending and check.due_at > datetime.now(UTC)
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert await runner.run_due(now=later) == 1  # the refund's re-check
    await check.refresh_from_db()
    assert check.state is JobState.done

    refund = await Refund.get(payment__order_id=sale.order.id)
    assert refund.status is RefundStatus.succeeded and refund.external_id
    assert len(fake.refunds) == 1
    assert sale.recorder.refunds == [(sale.order.id, 2500)]
    assert (await ledger.verify()).ok


async def stars_sale() -> tuple[Sale, Payment]:
    events, recorder = recording_events()
    sale = await a_sale()
    ebook = await make_product(sale.provider, title="E-book", price=150, kind=ProductKind.digital)
    customer = await make_user()
    order = await order_of(customer, ebook, events=events)
    invoice = await open_invoice(order.id, customer, PaymentChannel.stars)
    await record_successful_payment(
        customer,
        payload=invoice.payload,
        currency=STARS,
        total_amount=150,
        charge_id="stxCHARGE",
        provider_charge_id="",
        events=events,
    )
    recorder.changes.clear()
    product = await Product.get(id=ebook.id)
    return Sale(customer, sale.provider, product, order, events, recorder), invoice.payment


async def test_stars_are_refunded_in_full_through_telegram() -> None:
    sale, payment = await stars_sale()
    calls: list[tuple[int, str]] = []

    with pytest.raises(RefundUnsupported) as partial:
        await refund_sale(sale, 50, "p", backends(None, calls))
    assert partial.value.details == {"reason": "stars_partial"}

    result = await refund_sale(sale, None, "f", backends(None, calls))

    assert result.order_refunded and calls == [(int(sale.customer.tg_id or 0), "stxCHARGE")]
    await payment.refresh_from_db()
    assert payment.status is PaymentStatus.succeeded and payment.refunded_amount == 150
    provider = await ledger.get_account(
        ledger.provider_code(sale.provider.id, STARS), ledger.AccountKind.provider, STARS
    )
    assert provider.balance == 0
    assert (await ledger.verify()).ok


async def test_a_stars_refund_telegram_refuses_changes_nothing() -> None:
    sale, payment = await stars_sale()

    with pytest.raises(RefundFailed):
        await refund_sale(sale, None, "f", backends(None, None))

    await payment.refresh_from_db()
    assert payment.refunded_amount == 0
    assert await LedgerTransaction.filter(kind="refund").count() == 0


async def test_a_refund_after_the_provider_was_paid_out_still_reaches_the_books(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    sale = await paid_sale(fake, gateway)
    provider = await ledger.get_account(
        ledger.provider_code(sale.provider.id, "RUB"), ledger.AccountKind.provider, "RUB"
    )
    paid_out = await ledger.get_account(
        ledger.payouts_code("RUB"), ledger.AccountKind.payout, "RUB"
    )
    await ledger.post(
        "payout:test", "payout", [ledger.Posting(provider, -9000), ledger.Posting(paid_out, 9000)]
    )

    await refund_sale(sale, None, "late", backends(gateway))

    await provider.refresh_from_db()
    assert provider.balance == -9000  # the provider owes the platform now
    assert (await ledger.verify()).ok


async def test_a_paid_order_cancelled_by_the_customer_is_refunded_once(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    sale = await paid_sale(fake, gateway)
    job_runner(sale.events, backends=backends(gateway))

    await sale.customer_cancels()

    await sale.order.refresh_from_db()
    assert sale.order.status is OrderStatus.cancelled  # stays cancelled, money went back
    assert len(fake.refunds) == 1 and sale.recorder.refunds == [(sale.order.id, 10000)]
    payment = await Payment.get(order_id=sale.order.id)
    assert payment.refunded_amount == 10000
    assert await balance(ledger.provider_code(sale.provider.id, "RUB")) == 0
    job = await Job.get(key=JobKind.refund_cancelled_order.key(sale.order.id))
    assert job.state is JobState.done and job.attempts == 1
    # the same refund again (a job run twice after a crash) gives back nothing more
    await refund_cancelled_order(sale.order.id, backends(gateway), sale.events)
    assert len(fake.refunds) == 1


async def test_receipts_go_with_the_payment_and_with_a_partial_refund(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    sale = await a_sale(price=10001)
    await Order.filter(id=sale.order.id).update(phone="+7 999 123-45-67")
    payment = await start_yookassa_payment(sale.order, sale.customer, gateway)
    assert payment.external_id is not None
    fake.succeed(payment.external_id)
    await process_yookassa_notification(
        fake.notification(payment.external_id), gateway, sale.events
    )

    await refund_sale(sale, 3333, "part", backends(gateway))

    _key, body = fake.created[-1]
    receipt = body["receipt"]
    assert receipt["customer"] == {"phone": "79991234567"}
    total = sum(
        round(float(item["amount"]["value"]) * 100) * int(float(item["quantity"]))
        for item in receipt["items"]
    )
    assert total == 3333
    kinds = {(r.kind, r.status) for r in await Receipt.filter(order_id=sale.order.id)}
    assert kinds == {
        (ReceiptKind.prepayment, ReceiptStatus.succeeded),
        (ReceiptKind.refund, ReceiptStatus.succeeded),
    }
