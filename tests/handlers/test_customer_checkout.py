"""Checkout in chat: the pickup and delivery conversations, consent, wrong input, leaving."""

from __future__ import annotations

import pytest

from db.models import (
    ActorRole,
    CartItem,
    Consent,
    ConsentKind,
    Fulfilment,
    Order,
    OrderStatus,
    OrderTransition,
    PaymentMethod,
    Product,
    User,
)
from tests.handlers.conftest import Telegram, labels, text_of
from tests.handlers.customer_data import (
    cart_of_one,
    make_product,
    make_settings,
    make_shop,
    open_cart_with,
    relaxed_flood,
    rub,
)

__all__ = ["make_settings", "relaxed_flood"]  # fixtures: fast clicks, more messages per second
pytestmark = pytest.mark.usefixtures("relaxed_flood")


async def test_pickup_with_cash_places_an_order(telegram: Telegram) -> None:
    shop = await make_shop(allow_cash=True, allow_delivery=False)
    tea = await make_product(shop, "Green tea", 15000, stock=5)
    ann = await open_cart_with(telegram, tea)

    replies = await ann.click("➕")
    assert f"2 × {rub(15000)} = {rub(30000)}" in text_of(replies[0])
    replies = await ann.click("➕")
    assert f"<b>Total: {rub(45000)}</b>" not in text_of(replies[0])  # HTML is rendered
    assert f"Total: {rub(45000)}" in text_of(replies[0])
    replies = await ann.click("➖")
    assert f"Total: {rub(30000)}" in text_of(replies[0])
    assert (await CartItem.get(user__tg_id=ann.id)).quantity == 2

    replies = await ann.click("✅ Checkout")  # pickup only: straight to the payment
    assert text_of(replies[0]) == "How will you pay?"
    replies = await ann.click("💵 Cash on receipt")
    assert "Send a comment" in text_of(replies[0])
    replies = await ann.send("Please pack it well")
    confirmation = text_of(replies[-1])
    assert "Check your order" in confirmation
    assert "Green tea" in confirmation and f"2 × {rub(15000)} = {rub(30000)}" in confirmation
    assert "🏪 Pickup: Tverskaya 1" in confirmation
    assert "💳 Payment: Cash on receipt" in confirmation
    assert "💬 Comment: Please pack it well" in confirmation
    assert f"Total: {rub(30000)}" in confirmation

    replies = await ann.click("✅ Place order")
    placed = text_of(replies[0])
    order = await Order.get(customer__tg_id=ann.id).prefetch_related("items")
    assert f"Order #{order.id} placed" in placed
    assert "Status: Placed, payment on receipt" in placed and "Payment: cash on receipt." in placed
    assert order.status is OrderStatus.placed
    assert order.fulfilment is Fulfilment.pickup and order.payment_method is PaymentMethod.cash
    assert order.total == 30000 and order.comment == "Please pack it well"
    assert [(i.title, i.quantity, i.price) for i in order.items] == [("Green tea", 2, 15000)]
    transition = await OrderTransition.get(order_id=order.id)
    assert (transition.from_status, transition.to_status) == (None, OrderStatus.placed)
    assert transition.actor_role is ActorRole.customer
    assert (await Product.get(id=tea.id)).stock == 3
    assert not await CartItem.exists(user__tg_id=ann.id)

    replies = await ann.send("/cart")
    assert text_of(replies[0]) == "🧺 Your cart is empty."


async def test_delivery_with_consent_address_slot_and_contact(telegram: Telegram) -> None:
    shop = await make_shop(allow_delivery=True, delivery_fee=30000)
    tea = await make_product(shop, "Green tea", 15000)
    ann = await open_cart_with(telegram, tea)

    replies = await ann.click("✅ Checkout")
    assert "How do you want to get the order?" in text_of(replies[0])
    assert f"🚚 Delivery: {rub(30000)}" in text_of(replies[0])
    replies = await ann.click("🚚 Delivery")
    assert "Consent to the processing of personal data" in text_of(replies[0])
    assert ann.reply_keyboard == []  # nothing is asked before consent

    replies = await ann.click("✅ I agree")
    assert "Where should we deliver?" in text_of(replies[-1])
    assert ann.reply_keyboard[0][0].request_location
    consent = await Consent.get(user__tg_id=ann.id, kind=ConsentKind.personal_data)
    assert consent.granted

    replies = await ann.send_photo(b"not an address")
    assert "Please type the delivery address" in text_of(replies[0])
    replies = await ann.send("1")
    assert "too short" in text_of(replies[0])
    replies = await ann.send("Lenina 5, flat 3")
    assert "📍 Address: Lenina 5, flat 3" in text_of(replies[0])
    assert "When should we deliver?" in text_of(replies[-1])
    slots = [label for label in labels(replies[-1]) if label.startswith(("Today", "Tomorrow"))]
    assert "Tomorrow 10–14" in slots and len(slots) <= 6

    replies = await ann.send("tomorrow")  # a button is expected
    assert "choose with the buttons above" in text_of(replies[0])
    replies = await ann.click("Tomorrow 10–14")
    assert "The courier needs your phone number" in text_of(replies[-1])
    replies = await ann.send("call me")
    assert "does not look like a phone number" in text_of(replies[0])
    replies = await ann.share_contact(phone="+70000000000", user_id=5555)  # someone else's
    assert "your own number" in text_of(replies[0])
    replies = await ann.share_contact(phone="+7 999 123-45-67")
    assert "📱 Phone: +79991234567" in text_of(replies[0])
    assert (await User.get(tg_id=ann.id)).phone == "+79991234567"

    replies = await ann.click("Skip")
    confirmation = text_of(replies[0])
    assert "🚚 Delivery: Lenina 5, flat 3" in confirmation
    assert "🕒 Time:" in confirmation and "10:00–14:00" in confirmation
    assert "📱 Phone: +79991234567" in confirmation
    assert f"Products: {rub(15000)}" in confirmation and f"Delivery: {rub(30000)}" in confirmation
    assert f"Total: {rub(45000)}" in confirmation

    replies = await ann.click("✅ Place order")
    order = await Order.get(customer__tg_id=ann.id)
    assert order.status is OrderStatus.pending_payment
    assert "Payment: online, choose how to pay below." in text_of(replies[0])
    assert "Please pay by" in text_of(replies[0])
    assert (order.fulfilment, order.address, order.phone) == (
        Fulfilment.delivery,
        "Lenina 5, flat 3",
        "+79991234567",
    )
    assert order.delivery_slot is not None and order.delivery_slot.endswith("10:00–14:00")
    assert (order.delivery_fee, order.total) == (30000, 45000)
    assert order.expires_at is not None


async def test_location_and_known_phone(telegram: Telegram) -> None:
    shop = await make_shop(allow_pickup=False, allow_delivery=True)
    tea = await make_product(shop, "Green tea", 15000)
    ann = await open_cart_with(telegram, tea)
    user = await User.get(tg_id=ann.id)
    await Consent.create(user=user, kind=ConsentKind.personal_data, granted=True, version="1")
    await User.filter(id=user.id).update(phone="+79990001122")

    replies = await ann.click("✅ Checkout")  # delivery only, consent given: the address
    assert "Where should we deliver?" in text_of(replies[-1])
    await ann.press("📍 Send my location")
    replies = await ann.click("Tomorrow 18–22")
    assert labels(replies[0])[0] == "📱 Use +79990001122"
    await ann.click("📱 Use +79990001122")
    await ann.send("Ring twice")
    await ann.click("✅ Place order")
    order = await Order.get(customer__tg_id=ann.id)
    assert order.address is None and order.latitude is not None
    assert (order.phone, order.comment) == ("+79990001122", "Ring twice")


async def test_declined_consent_offers_pickup(telegram: Telegram) -> None:
    shop = await make_shop(allow_delivery=True)
    tea = await make_product(shop, "Green tea", 15000)
    ann = await open_cart_with(telegram, tea)
    await ann.click("✅ Checkout")
    await ann.click("🚚 Delivery")
    replies = await ann.click("✖️ Decline")
    assert "we cannot deliver" in text_of(replies[0])
    assert labels(replies[0])[:2] == ["🏪 Pickup", "🚚 Delivery"]
    await ann.click("🏪 Pickup")
    await ann.click("Skip")
    await ann.click("✅ Place order")
    order = await Order.get(customer__tg_id=ann.id)
    assert order.fulfilment is Fulfilment.pickup and order.phone is None
    assert (await User.get(tg_id=ann.id)).phone is None


async def test_checkout_can_be_cancelled_and_changed(telegram: Telegram) -> None:
    shop = await make_shop(allow_delivery=True, allow_cash=True)
    tea = await make_product(shop, "Green tea", 15000)
    ann = await open_cart_with(telegram, tea)
    await ann.click("✅ Checkout")
    await ann.click("🏪 Pickup")
    await ann.click("💳 Pay online")
    await ann.click("Skip")
    replies = await ann.click("✏️ Change details")
    assert "How do you want to get the order?" in text_of(replies[0])
    replies = await ann.click("✖️ Cancel checkout")
    assert "Green tea" in text_of(replies[0])  # back to the cart, kept
    assert ann.callback_answers[-1].text == "Checkout cancelled. Your cart is kept."

    await ann.click("✅ Checkout")
    await ann.click("🏪 Pickup")
    replies = await ann.send("/cancel")
    assert text_of(replies[0]) == "Cancelled."
    replies = await ann.send("green")  # no conversation: plain text searches
    assert "Found for «green»" in text_of(replies[0])
    assert await CartItem.exists(user__tg_id=ann.id)
    assert not await Order.exists(customer__tg_id=ann.id)


async def test_checkout_waits_for_another_conversation(telegram: Telegram) -> None:
    shop = await make_shop()
    tea = await make_product(shop, "Green tea", 15000)
    ann, cart_message = await cart_of_one(telegram, tea)
    await ann.send("/start")
    await ann.click("👤 Profile")
    await ann.click("📱 Share phone")
    await ann.click("✅ I agree")  # the profile now waits for a phone number

    await ann.click("✅ Checkout", cart_message)
    answer = ann.callback_answers[-1]
    assert answer.text == "Please finish the current step first, or send /cancel."
    assert answer.show_alert
    await ann.send("/cancel")
    replies = await ann.click("✅ Checkout", cart_message)
    assert "Send a comment" in text_of(replies[0])
