"""Checkout in chat when things happen at once: double clicks, price changes, the last item."""

from __future__ import annotations

import asyncio

import pytest

from db.models import (
    CartItem,
    Order,
    OrderTransition,
    Product,
    User,
)
from sandbox import SandboxUser
from services import cart, checkout
from services.events import ShopEvents
from tests.handlers.conftest import Telegram, labels, text_of
from tests.handlers.customer_data import (
    make_product,
    make_settings,
    make_shop,
    open_cart_with,
    relaxed_flood,
    rub,
)

__all__ = ["make_settings", "relaxed_flood"]  # fixtures: fast clicks, more messages per second
pytestmark = pytest.mark.usefixtures("relaxed_flood")


async def checking_out(telegram: Telegram, stock: int = 10) -> tuple[SandboxUser, Product]:
    """Ann put green tea at 150 ₽ in her cart and pressed "Checkout" (pickup only: she is
    asked for a comment)."""
    tea = await make_product(await make_shop(), "Green tea", 15000, stock=stock)
    ann = await open_cart_with(telegram, tea)
    await ann.click("✅ Checkout")
    return ann, tea


async def test_double_click_on_place_order_makes_one_order(telegram: Telegram) -> None:
    ann, tea = await checking_out(telegram, stock=5)
    confirmation = (await ann.click("Skip"))[0]

    await asyncio.gather(
        ann.click("✅ Place order", confirmation), ann.click("✅ Place order", confirmation)
    )
    await ann.click("✅ Place order", confirmation)  # a third press, later
    assert await Order.filter(customer__tg_id=ann.id).count() == 1
    order = await Order.get(customer__tg_id=ann.id)
    assert f"Order #{order.id} placed" in text_of(ann.last_message)
    assert (await Product.get(id=tea.id)).stock == 4
    assert await OrderTransition.filter(order_id=order.id).count() == 1


async def test_price_change_before_confirmation_is_shown(telegram: Telegram) -> None:
    ann, tea = await checking_out(telegram)
    await Product.filter(id=tea.id).update(price=20000)

    replies = await ann.click("Skip")
    confirmation = text_of(replies[0])
    assert "Prices or availability changed" in confirmation
    assert f"The price changed: was {rub(15000)}, now {rub(20000)}" in confirmation
    assert f"Total: {rub(20000)}" in confirmation
    await ann.click("✅ Place order")
    order = await Order.get(customer__tg_id=ann.id)
    assert order.total == 20000


async def test_price_change_after_confirmation_asks_again(telegram: Telegram) -> None:
    ann, tea = await checking_out(telegram)
    old_confirmation = (await ann.click("Skip"))[0]
    await Product.filter(id=tea.id).update(price=12000)

    replies = await ann.click("✅ Place order")
    assert ann.callback_answers[-1].text == (
        "Prices or availability changed. Please check your cart again."
    )
    assert f"was {rub(15000)}, now {rub(12000)}" in text_of(replies[0])
    assert f"Total: {rub(12000)}" in text_of(replies[0])
    assert not await Order.exists(customer__tg_id=ann.id)

    await ann.click("✅ Place order", old_confirmation)  # the button of the old screen
    assert ann.callback_answers[-1].text == "This button is out of date."
    assert not await Order.exists(customer__tg_id=ann.id)

    await ann.click("✅ Place order")
    assert (await Order.get(customer__tg_id=ann.id)).total == 12000


async def test_sold_out_race_gets_a_clear_message(telegram: Telegram) -> None:
    ann, tea = await checking_out(telegram, stock=1)
    await ann.click("Skip")

    bob = await User.create(tg_id=2002, pseudonym="bob0000000000001", first_name="Bob")
    await cart.add(bob, tea.id)
    await checkout.place_order(
        bob,
        checkout.CheckoutDraft(),
        settings=telegram.settings,
        checkout_key="bob-key",
        events=ShopEvents(),
    )

    replies = await ann.click("✅ Place order")
    text = text_of(replies[0])
    assert "“Green tea” is sold out." in text and "The order was not placed." in text
    assert not await Order.exists(customer__tg_id=ann.id)
    assert (await Product.get(id=tea.id)).stock == 0
    assert "👌 Accept the changes" in labels(replies[0])
    replies = await ann.click("👌 Accept the changes")
    assert text_of(replies[0]) == "🧺 Your cart is empty."


async def test_checkout_of_a_changed_cart_shows_the_changes_first(telegram: Telegram) -> None:
    shop = await make_shop()
    tea = await make_product(shop, "Green tea", 15000)
    hidden = await make_product(shop, "Oolong", 30000)
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    await cart.add(await User.create(tg_id=ann.id, pseudonym="ann00000000000001"), tea.id)
    await cart.add(await User.get(tg_id=ann.id), hidden.id)
    await Product.filter(id=hidden.id).update(is_active=False)
    await Product.filter(id=tea.id).update(price=17000)

    replies = await ann.send("/cart")
    text = text_of(replies[0])
    assert "❌ No longer available" in text
    assert f"The price changed: was {rub(15000)}, now {rub(17000)}" in text
    assert f"Total: {rub(17000)}" in text
    assert "✅ Checkout" not in labels(replies[0])
    replies = await ann.click("👌 Accept the changes")
    assert "Oolong" not in text_of(replies[0]) and "⚠️" not in text_of(replies[0])
    assert (await CartItem.get(user__tg_id=ann.id)).price_seen == 17000
    assert "✅ Checkout" in labels(replies[0])
