"""Seller mode in the chat and in the Mini App: the pickup code in /shop, and one order state
machine under both faces (the same change gives the same result, the same refusal)."""

from __future__ import annotations

import pytest

from db.models import Order, OrderStatus, OrderTransition, PaymentMethod, User
from services import orders
from tests.handlers.conftest import Telegram, text_of
from tests.handlers.test_provider_orders import (
    ALREADY_CHANGED,
    bakery,
    bot_messages,
    labels,
    make_settings,
    person,
    place,
    shop,
)
from tests.web.conftest import TG_USER, LiveMiniApp

__all__ = ["make_settings", "shop"]  # fixtures: fast clicks, a burst of messages

S = OrderStatus


async def ready(telegram: Telegram, order: Order, owner: User) -> None:
    """The seller moved the order up to ready for pickup (through the state machine)."""
    for status in (S.accepted, S.in_work, S.ready_for_pickup):
        await orders.transition(
            order.id,
            status,
            role=orders.R.provider,
            actor=owner,
            events=telegram.services.shop_events,
            provider_id=order.provider_id,  # type: ignore[attr-defined]
        )


async def test_the_seller_hands_an_order_over_by_its_code_in_the_chat(shop: Telegram) -> None:
    seller, _, product = await bakery(shop)
    owner = await User.get(tg_id=seller.id)
    buyer = await person(shop, 3001, "Ann")
    order = await place(shop, buyer, product)
    await ready(shop, order, owner)
    code = (await Order.get(id=order.id)).pickup_code
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    await seller.send("/shop")
    assert "🔑 Pickup code" in labels(seller.last_message)
    await seller.click("🔑 Pickup code")
    assert "six digits" in text_of(seller.last_message)

    await seller.send("12ab")
    assert "pickup code (six digits)" in text_of(seller.last_message)
    await seller.send_photo(b"not a picture")
    assert "as text" in text_of(seller.last_message)
    await seller.send(wrong)
    assert "No order of your shop has this pickup code" in text_of(seller.last_message)
    assert (await Order.get(id=order.id)).status is S.ready_for_pickup

    await seller.send(f"{code[:3]} {code[3:]}")
    assert f"✅ Order #{order.id} is handed over" in text_of(seller.last_message)
    assert labels(seller.last_message) == ["🔑 Another code", "⬅️ Shop"]
    assert f"Order #{order.id} is completed." in text_of(buyer.last_message)
    saved = await Order.get(id=order.id)
    assert saved.status is S.completed and saved.cash_confirmed

    told_before = len(bot_messages(buyer))
    await seller.click("🔑 Another code")
    await seller.send(code)  # the same customer shows the same code again
    assert "has already been handed over" in text_of(seller.last_message)
    assert len(bot_messages(buyer)) == told_before
    assert await OrderTransition.filter(order_id=order.id, to_status=S.completed).count() == 1


async def test_another_shops_code_completes_nothing_in_the_chat(shop: Telegram) -> None:
    seller, _, _ = await bakery(shop)
    _other, _, other_product = await bakery(shop, tg_id=2002)
    other_owner = await User.get(tg_id=2002)
    buyer = await person(shop, 3001, "Ann")
    order = await place(shop, buyer, other_product)
    await ready(shop, order, other_owner)

    await seller.send("/shop")
    await seller.click("🔑 Pickup code")
    await seller.send((await Order.get(id=order.id)).pickup_code)

    assert "No order of your shop has this pickup code" in text_of(seller.last_message)
    assert (await Order.get(id=order.id)).status is S.ready_for_pickup


@pytest.mark.parametrize("first_face", ["chat", "api"])
async def test_a_status_change_is_the_same_in_the_chat_and_the_mini_app(
    shop: Telegram, first_face: str
) -> None:
    """Vera runs the bakery in the chat and in the Mini App: whichever face accepts the order
    first, it is accepted once, and the other face's stale accept is refused with the same
    words."""
    vera, _, product = await bakery(shop, tg_id=TG_USER["id"])
    buyer = await person(shop, 3001, "Ann")
    order = await place(shop, buyer, product, method=PaymentMethod.cash)
    push = vera.last_message
    assert push is not None and labels(push) == ["✅ Accept", "❌ Reject"]
    app = LiveMiniApp(shop.app_url, shop.settings.token)
    path = f"/seller/orders/{order.id}/status"

    if first_face == "chat":
        await vera.click("✅ Accept", push)
        status, refused = await app.call("POST", path, {"status": "accepted"})
    else:
        status, card = await app.call("POST", path, {"status": "accepted"})
        assert status == 200 and card["status"] == "accepted"
        assert [a["label"] for a in card["actions"]] == ["🛠 In work", "❌ Cancel order"]
        await vera.click("✅ Accept", push)  # the keyboard the chat showed before
        status, refused = await app.call("POST", path, {"status": "accepted"})
        assert vera.callback_answers[-1].text == ALREADY_CHANGED

    assert status == 409
    assert refused["error"] == {"code": "illegal_transition", "message": ALREADY_CHANGED}
    accepted = await OrderTransition.filter(order_id=order.id, to_status=S.accepted)
    assert len(accepted) == 1
    told = [m for m in bot_messages(buyer) if "accepted your order" in (m.text or "")]
    assert len(told) == 1
    current = next(m for m in vera.messages if m.message_id == push.message_id)
    assert labels(current) == ["🛠 In work", "❌ Cancel order"]  # the push follows both faces
    status, card = await app.call("GET", f"/seller/orders/{order.id}")
    assert [a["label"] for a in card["actions"]] == labels(current)
