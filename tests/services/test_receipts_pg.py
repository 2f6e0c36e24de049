"""On PostgreSQL, where concurrent transactions really overlap: completion announced many
times at once still makes one closing receipt, sent once."""

from __future__ import annotations

import asyncio

import pytest

from db.models import Order, OrderStatus, Receipt, ReceiptKind
from services.receipts import closing_key, send_closing_receipt
from services.yookassa_gateway import YooKassaGateway
from tests.fakes.yookassa import FakeYooKassa
from tests.services.receipts_data import paid_order, receipt_posts

pytestmark = pytest.mark.postgres


async def test_concurrent_completion_events_send_one_closing_receipt(
    pg_db: str, fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    orders = [(await paid_order(fake, gateway)).order for _ in range(3)]
    await Order.filter(id__in=[order.id for order in orders]).update(status=OrderStatus.completed)

    sent = await asyncio.gather(*(send_closing_receipt(order.id, gateway) for order in orders * 6))

    assert None not in sent
    assert len({receipt.id for receipt in sent if receipt is not None}) == 3
    assert await Receipt.filter(kind=ReceiptKind.closing).count() == 3
    keys = sorted(key for key, _ in receipt_posts(fake))
    assert keys == sorted(closing_key(order.id) for order in orders)
    assert len(fake.receipts) == 3
