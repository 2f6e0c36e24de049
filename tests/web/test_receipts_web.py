"""The app as the process builds it sends the closing receipt when an order is completed."""

from __future__ import annotations

import pytest

from db.models import Receipt, ReceiptKind
from services.payments import process_yookassa_notification, start_yookassa_payment
from tests.fakes.yookassa import SECRET_KEY, SHOP_ID, FakeYooKassa, serve_fake_yookassa
from tests.services.receipts_data import hand_over
from tests.services.shop_data import make_product, make_provider, make_user, order_of
from tests.web.conftest import MakeWeb
from webapp.keys import BOT


@pytest.fixture
async def fake(aiohttp_server) -> FakeYooKassa:
    return await serve_fake_yookassa(aiohttp_server)


async def test_completing_an_order_paid_through_yookassa_sends_its_closing_receipt(
    make_web: MakeWeb, fake: FakeYooKassa
) -> None:
    web = await make_web(
        yookassa_shop_id=SHOP_ID,
        yookassa_secret_key=SECRET_KEY,
        yookassa_api_url=fake.api_url,
        yookassa_timeout=3.0,
    )
    gateway, events = web.services.yookassa, web.services.shop_events
    assert gateway is not None
    customer = await make_user()
    product = await make_product(await make_provider(), price=10000, receipt={"vat_code": 12})
    order = await order_of(customer, product, events=events, phone="+79990001122")
    payment = await start_yookassa_payment(order, customer, gateway)
    fake.succeed(payment.external_id or "")
    await process_yookassa_notification(
        fake.notification(payment.external_id or ""), gateway, events
    )

    try:
        await hand_over(order, events)
    finally:
        # The Telegram notifier tried to tell people (the Bot API is unreachable here).
        await web.client.app[BOT].session.close()

    receipt = await Receipt.get(order_id=order.id, kind=ReceiptKind.closing)
    assert receipt.external_id in fake.receipts
    assert fake.receipts[receipt.external_id]["payment_id"] == payment.external_id
    assert [item["vat_code"] for item in fake.receipts[receipt.external_id]["items"]] == [12]
