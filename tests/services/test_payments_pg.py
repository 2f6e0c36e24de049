"""On PostgreSQL, where concurrent transactions really overlap: duplicate notifications and
double clicks still make one payment and one credit."""

from __future__ import annotations

import asyncio

import pytest

from db.models import AccountKind, LedgerTransaction, OrderStatus, Payment, PaymentStatus
from services import ledger
from services.payments import (
    NotificationOutcome,
    process_yookassa_notification,
    start_yookassa_payment,
)
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
