"""Paying from the Mini App and coming back: POST /api/v1/orders/{id}/payments/check asks the
server where the payment stands (YooKassa at once, as the chat's "I have paid" does); the bot's
messages about an order open it in the Mini App."""

from __future__ import annotations

from typing import Any

import pytest

from db.models import ActorRole, Order, OrderStatus, Payment, PaymentStatus, User
from services import catalog, consent, orders
from tests.fakes.yookassa import SECRET_KEY, SHOP_ID, FakeYooKassa, serve_fake_yookassa
from tests.handlers.conftest import Telegram, labels
from tests.handlers.customer_data import make_product, make_settings, make_shop, relaxed_flood
from tests.handlers.test_payments_api import MiniApp
from tests.handlers.test_payments_chat import green_tea, place_pickup_order
from tests.web.conftest import TG_USER, sign_init_data, tamper, tma

__all__ = ["make_settings", "relaxed_flood"]
pytestmark = pytest.mark.usefixtures("relaxed_flood")

APP_BUTTON = "📱 Open the order in the app"


@pytest.fixture
async def fake(aiohttp_server: Any) -> FakeYooKassa:
    return await serve_fake_yookassa(aiohttp_server)


@pytest.fixture
def telegram_settings(fake: FakeYooKassa) -> dict[str, Any]:
    return {
        "yookassa_shop_id": SHOP_ID,
        "yookassa_secret_key": SECRET_KEY,
        "yookassa_api_url": fake.api_url,
        "yookassa_timeout": 3.0,
    }


async def test_coming_back_from_yookassa_shows_the_order_paid(
    telegram: Telegram, fake: FakeYooKassa
) -> None:
    tea = await green_tea()
    app = MiniApp(telegram)
    order = await app.order(tea.id)
    assert order["payment_channels"] == ["yookassa", "telegram"]
    assert order["receipt_contact_required"] is True
    ann = await User.get(tg_id=TG_USER["id"])
    await consent.grant(ann, telegram.settings.privacy_policy_version)

    status, payment = await app.call(
        "POST", f"/orders/{order['id']}/payments", {"channel": "yookassa", "email": "ann@mail.ru"}
    )
    assert status == 201, payment
    assert payment["confirmation_url"].startswith("http")

    # Back from the page before paying: still waiting, the link still works.
    status, fresh = await app.call("POST", f"/orders/{order['id']}/payments/check")
    assert status == 200, fresh
    assert fresh["status"] == "pending_payment"
    assert fresh["receipt_contact_required"] is False  # the e-mail is on the order now

    external = (await Payment.get(id=payment["id"])).external_id
    assert external is not None
    fake.succeed(external)
    status, fresh = await app.call("POST", f"/orders/{order['id']}/payments/check")
    assert status == 200 and fresh["status"] == "paid" and fresh["payment_channels"] == []
    assert (await Order.get(id=order["id"])).status is OrderStatus.paid
    assert (await Payment.get(id=payment["id"])).status is PaymentStatus.succeeded

    # Asking again changes nothing (the page asks on every return).
    status, again = await app.call("POST", f"/orders/{order['id']}/payments/check")
    assert status == 200 and again["status"] == "paid"
    assert await Payment.filter(order_id=order["id"]).count() == 1


async def test_a_telegram_invoice_paid_in_the_app_reads_as_paid(telegram: Telegram) -> None:
    tea = await green_tea()
    app = MiniApp(telegram)
    order = await app.order(tea.id)
    _, payment = await app.call("POST", f"/orders/{order['id']}/payments", {"channel": "telegram"})
    status, fresh = await app.call("POST", f"/orders/{order['id']}/payments/check")
    assert status == 200 and fresh["status"] == "pending_payment"

    ann = telegram.user(TG_USER["id"], first_name="Anna", language_code="en")
    assert (await ann.pay(payment["invoice_link"])).ok
    status, fresh = await app.call("POST", f"/orders/{order['id']}/payments/check")
    assert status == 200 and fresh["status"] == "paid"


async def test_the_check_is_only_for_the_persons_own_order(telegram: Telegram) -> None:
    shop = await make_shop(allow_cash=False, allow_delivery=False)
    tea = await make_product(shop, "Green tea", 15000, stock=5)
    app = MiniApp(telegram)
    order = await app.order(tea.id)
    path = f"/orders/{order['id']}/payments/check"

    stranger = MiniApp(telegram)
    other = {**TG_USER, "id": TG_USER["id"] + 1, "username": "bob"}
    stranger.headers.update(tma(sign_init_data(telegram.settings.token, user=other)))
    status, body = await stranger.call("POST", path)
    assert status == 404 and body["error"]["code"] == "not_found"
    status, body = await app.call("POST", "/orders/999999/payments/check")
    assert status == 404

    forged = MiniApp(telegram)
    raw = sign_init_data(telegram.settings.token, user=TG_USER)
    forged.headers.update(tma(tamper(raw, auth_date="1")))
    status, body = await forged.call("POST", path)
    assert status == 401
    assert (await Order.get(id=order["id"])).status is OrderStatus.pending_payment
    assert await Payment.all().count() == 0


async def test_the_bots_messages_about_an_order_open_it_in_the_app(telegram: Telegram) -> None:
    ann = await place_pickup_order(telegram, await green_tea())
    order = await Order.get(customer__tg_id=ann.id)
    url = telegram.settings.mini_app_order_url(order.id)
    assert url == f"https://bot.example.ru/app?order={order.id}"
    button = ann.find_button(APP_BUTTON, ann.last_message)
    assert button.web_app is not None and button.web_app.url == url

    # The order card in chat (/orders → the order).
    replies = await ann.click("📦 Open the order")
    assert APP_BUTTON in labels(replies[-1])
    assert ann.find_button(APP_BUTTON, replies[-1]).web_app.url == url  # type: ignore[union-attr]

    # Pushes about changes the customer did not make carry it too: paid, then accepted.
    await ann.click("💳 Pay")
    invoice = (await ann.click("💳 Pay in Telegram"))[0]
    assert (await ann.pay(invoice)).ok
    paid = next(m for m in reversed(ann.messages) if "Payment for order #" in (m.text or ""))
    assert ann.find_button(APP_BUTTON, paid).web_app.url == url  # type: ignore[union-attr]
    before = len(ann.messages)
    await orders.transition(
        order.id,
        OrderStatus.accepted,
        role=ActorRole.provider,
        actor=None,
        events=telegram.services.shop_events,
        provider_id=order.provider_id,  # type: ignore[attr-defined]
    )
    pushes = ann.messages[before:]
    assert [m.text for m in pushes] == [f"✅ Tea House accepted your order #{order.id}."]
    assert ann.find_button(APP_BUTTON, pushes[0]).web_app.url == url  # type: ignore[union-attr]


async def test_send_to_a_friend_saves_the_products_card_at_telegram(telegram: Telegram) -> None:
    shop = await make_shop(allow_cash=False, allow_delivery=False)
    tea = await make_product(shop, "Green tea", 15000, stock=5, description="Sencha, 100 g")
    app = MiniApp(telegram)

    status, shared = await app.call("POST", f"/products/{tea.id}/share")

    assert status == 201, shared
    link = f"https://t.me/prilavok_test_bot?start=p_{tea.id}"
    assert shared["link"] == link
    (call,) = telegram.emulator.calls_to("savePreparedInlineMessage")
    assert int(call.params["user_id"]) == TG_USER["id"]
    bot = telegram.emulator.bot(None)
    prepared = bot.prepared_messages[shared["prepared_message_id"]]
    assert prepared.user_id == TG_USER["id"]
    card = prepared.result
    assert card["title"] == "Green tea"
    text = card["input_message_content"]["message_text"]
    assert text.startswith("<b>Green tea</b>\n150.00") and "Tea House" in text
    assert text.endswith("Sencha, 100 g")
    (button,) = card["reply_markup"]["inline_keyboard"][0]
    assert button == {"text": "🛍 Open in the shop", "url": link}


async def test_a_hidden_product_cannot_be_shared(telegram: Telegram) -> None:
    shop = await make_shop()
    tea = await make_product(shop, "Green tea", 15000, stock=5)
    await catalog.set_active(shop, tea.id, False)
    app = MiniApp(telegram)

    status, body = await app.call("POST", f"/products/{tea.id}/share")
    assert status == 404 and body["error"]["code"] == "not_found"
    status, body = await app.call("POST", "/products/999999/share")
    assert status == 404

    forged = MiniApp(telegram)
    raw = sign_init_data(telegram.settings.token, user=TG_USER)
    forged.headers.update(tma(tamper(raw, user='{"id": 1, "first_name": "Eve"}')))
    status, body = await forged.call("POST", f"/products/{tea.id}/share")
    assert status == 401
    assert telegram.emulator.calls_to("savePreparedInlineMessage") == []
