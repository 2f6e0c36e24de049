"""Paying in chat through YooKassa: the receipt contact, the link, "I have paid", a refund."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from db.models import Order, OrderStatus, Payment, PaymentStatus
from services import ledger
from tests.fakes.yookassa import SECRET_KEY, SHOP_ID, FakeYooKassa, serve_fake_yookassa
from tests.handlers.conftest import Telegram, labels, text_of
from tests.handlers.customer_data import make_settings, relaxed_flood
from tests.handlers.test_payments_chat import ADMIN, green_tea, place_pickup_order

__all__ = ["make_settings", "relaxed_flood"]
pytestmark = pytest.mark.usefixtures("relaxed_flood")


@pytest.fixture
async def fake(aiohttp_server) -> FakeYooKassa:
    return await serve_fake_yookassa(aiohttp_server)


@pytest.fixture
def telegram_settings(fake: FakeYooKassa) -> dict[str, Any]:
    return {
        "yookassa_shop_id": SHOP_ID,
        "yookassa_secret_key": SECRET_KEY,
        "yookassa_api_url": fake.api_url,
        "yookassa_timeout": 3.0,
    }


@pytest.fixture
async def yookassa_telegram(telegram: Telegram) -> AsyncIterator[Telegram]:
    assert telegram.services.yookassa is not None
    yield telegram


async def test_yookassa_asks_for_a_receipt_contact_then_gives_a_link(
    yookassa_telegram: Telegram, fake: FakeYooKassa
) -> None:
    telegram = yookassa_telegram
    ann = await place_pickup_order(telegram, await green_tea())
    assert labels(ann.last_message)[0] == "💳 Pay by card or SBP (YooKassa)"

    replies = await ann.click("💳 Pay by card or SBP (YooKassa)")
    assert "electronic receipt" in text_of(replies[0])
    replies = await ann.send("not a contact")
    assert text_of(replies[0]).startswith("That is neither an e-mail nor a phone number.")
    replies = await ann.send("Ann@Example.RU")
    order = await Order.get(customer__tg_id=ann.id)
    assert order.email == "Ann@example.ru"
    assert "pay 150.00 ₽ on YooKassa's page" in text_of(replies[-1]).replace("\xa0", " ")
    link = ann.find_button("💳 Pay 150.00\xa0₽", replies[-1])
    payment = await Payment.get(order_id=order.id)
    assert link.url == payment.confirmation_url
    _key, body = fake.created[-1]
    assert body["receipt"]["customer"] == {"email": "Ann@example.ru"}

    replies = await ann.click("✅ I have paid")
    assert ann.callback_answers[-1].text == (
        "YooKassa has not confirmed the payment yet. It usually takes a minute."
    )
    assert payment.external_id is not None
    fake.succeed(payment.external_id)
    await ann.click("✅ I have paid")
    assert ann.callback_answers[-1].text == "Payment received. Thank you!"
    await order.refresh_from_db()
    assert order.status is OrderStatus.paid
    await payment.refresh_from_db()
    assert payment.status is PaymentStatus.succeeded

    admin = telegram.user(ADMIN, first_name="Admin", language_code="en")
    await admin.send(f"/refund {order.id} 50 scratched")
    replies = await admin.click("↩️ Refund 50.00\xa0₽")
    assert "refunded for order" in text_of(replies[0])
    await order.refresh_from_db()
    assert order.status is OrderStatus.paid  # partly refunded
    assert len(fake.refunds) == 1
    assert (await ledger.verify()).ok


async def test_a_yookassa_timeout_offers_to_try_the_same_action_again(
    yookassa_telegram: Telegram, fake: FakeYooKassa
) -> None:
    telegram = yookassa_telegram
    ann = await place_pickup_order(telegram, await green_tea())
    await ann.click("💳 Pay by card or SBP (YooKassa)")

    # The contact is typed while YooKassa does not answer: the contact is kept, and the
    # explanation comes with a button that presses "Pay" again.
    fake.hang()
    replies = await ann.send("ann@example.ru")
    assert text_of(replies[-1]) == (
        "The payment service does not answer. Please try again in a minute."
    )
    assert labels(replies[-1]) == ["🔄 Try again"]
    order = await Order.get(customer__tg_id=ann.id)
    assert order.email == "ann@example.ru"
    assert not await Payment.filter(order_id=order.id, confirmation_url__isnull=False).exists()

    # Pressed while YooKassa still hangs: the button's query is answered once, without an
    # alert, and the same "Try again" comes back.
    answers = len(ann.callback_answers)
    replies = await ann.click("🔄 Try again", replies[-1])
    assert len(ann.callback_answers) == answers + 1
    assert not ann.callback_answers[-1].show_alert
    assert labels(replies[-1]) == ["🔄 Try again"]

    fake.release()
    replies = await ann.click("🔄 Try again", replies[-1])
    payment = await Payment.filter(order_id=order.id).order_by("-id").first()
    assert payment is not None and payment.confirmation_url is not None
    link = ann.find_button("💳 Pay 150.00\xa0₽", replies[-1])
    assert link.url == payment.confirmation_url
