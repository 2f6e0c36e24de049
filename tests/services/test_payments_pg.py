"""On PostgreSQL, where concurrent transactions really overlap: duplicate notifications and
double clicks still make one payment and one credit."""

from __future__ import annotations

import asyncio

import pytest

from db.models import (
    AccountKind,
    LedgerTransaction,
    OrderStatus,
    Payment,
    PaymentChannel,
    PaymentStatus,
)
from services import ledger
from services.payments import (
    NotificationOutcome,
    process_yookassa_notification,
    start_yookassa_payment,
)
from services.refunds import OverRefund, RefundBackends, refund_order
from services.telegram_payments import SettleOutcome, open_invoice, record_successful_payment
from services.yookassa_gateway import YooKassaGateway
from tests.fakes.yookassa import FakeYooKassa
from tests.services.payments_data import a_sale, paid_transitions, postings_of

pytestmark = pytest.mark.postgres


async def test_concurrent_clicks_and_notifications_credit_once(
    pg_db: str, fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    sales = [await a_sale(price=10000) for _ in range(3)]
    for sale in sales:
        clicks = await asyncio.gather(
            *(start_yookassa_payment(sale.order, sale.customer, gateway) for _ in range(5))
        )
        assert len({payment.id for payment in clicks}) == 1
    assert await Payment.all().count() == 3 and len(fake.payments) == 3
    for external_id in fake.payments:
        fake.succeed(external_id)

    # Five copies of each notification, all fifteen at once: the three first settlements
    # also race for the shared clearing and commission accounts.
    outcomes = await asyncio.gather(
        *(
            process_yookassa_notification(fake.notification(external_id), gateway, sales[0].events)
            for external_id in list(fake.payments) * 5
        )
    )

    assert sorted(outcomes).count(NotificationOutcome.settled) == 3
    assert sorted(outcomes).count(NotificationOutcome.unchanged) == 12
    assert await LedgerTransaction.all().count() == 3
    for sale in sales:
        await sale.order.refresh_from_db()
        assert sale.order.status is OrderStatus.paid
        assert await paid_transitions(sale.order) == 1
    for payment in await Payment.all():
        assert payment.status is PaymentStatus.succeeded and payment.external_id
        assert sum((await postings_of(payment.external_id)).values()) == 0
    commission = await ledger.get_account(
        ledger.commission_code("RUB"), AccountKind.platform, "RUB"
    )
    assert commission.balance == 3 * 1000 == await ledger.derived_balance(commission)
    report = await ledger.verify()
    assert report.ok, report


async def test_concurrent_refunds_and_successful_payments_on_postgres(
    pg_db: str, fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    """Eight admins refund 3000 of a 10000 payment at once: three succeed; and the same
    Telegram charge delivered five times at once credits once."""
    sale = await a_sale(price=10000)
    payment = await start_yookassa_payment(sale.order, sale.customer, gateway)
    assert payment.external_id is not None
    fake.succeed(payment.external_id)
    await process_yookassa_notification(
        fake.notification(payment.external_id), gateway, sale.events
    )
    backends = RefundBackends(gateway=gateway, refund_stars=None)

    results = await asyncio.gather(
        *(
            refund_order(
                sale.order.id,
                3000,
                admin=None,
                backends=backends,
                events=sale.events,
                request_key=f"pg-{n}",
            )
            for n in range(8)
        ),
        return_exceptions=True,
    )

    assert sum(not isinstance(r, BaseException) for r in results) == 3
    assert all(isinstance(r, OverRefund) for r in results if isinstance(r, BaseException))
    await payment.refresh_from_db()
    assert payment.refunded_amount == 9000 and len(fake.refunds) == 3

    other = await a_sale(price=5000)
    invoice = await open_invoice(other.order.id, other.customer, PaymentChannel.telegram)
    outcomes = await asyncio.gather(
        *(
            record_successful_payment(
                other.customer,
                payload=invoice.payload,
                currency="RUB",
                total_amount=5000,
                charge_id="pg-charge",
                provider_charge_id="",
                events=other.events,
            )
            for _ in range(5)
        )
    )
    assert outcomes.count(SettleOutcome.settled) == 1
    assert set(outcomes) <= {SettleOutcome.settled, SettleOutcome.duplicate}
    assert await paid_transitions(other.order) == 1
    assert (await ledger.verify()).ok
