"""The cart in chat: quantities, removing, clearing, stale buttons."""

from __future__ import annotations

from db.models import CartItem, Product, User
from services import cart, catalog
from tests.handlers.conftest import Telegram, labels, text_of
from tests.handlers.customer_data import cart_of_one, make_product, make_settings, make_shop, rub

__all__ = ["make_settings"]  # the fixture override: a generous throttle for fast clicks


async def test_cart_lines_quantities_and_removal(telegram: Telegram) -> None:
    shop = await make_shop()
    tea = await make_product(shop, "Green tea", 15000, stock=2)
    pot = await make_product(shop, "Teapot", 250000, stock=10)
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    replies = await ann.send("/start")
    replies = await ann.click("🧺 Cart")  # from the main menu
    assert text_of(replies[0]) == "🧺 Your cart is empty."
    assert labels(replies[0]) == ["🛒 Catalog", "⬅️ Menu"]

    user = await User.get(tg_id=ann.id)
    await cart.add(user, tea.id)
    await cart.add(user, pot.id, 2)
    replies = await ann.send("/cart")
    text = text_of(replies[0])
    assert "Your cart · Tea House" in text
    assert f"1. Green tea\n    1 × {rub(15000)} = {rub(15000)}" in text
    assert f"2. Teapot\n    2 × {rub(250000)} = {rub(500000)}" in text
    assert f"Total: {rub(515000)}" in text
    assert labels(replies[0])[:8] == [
        "➖",
        "1. Green tea × 1",
        "➕",
        "✖️",
        "➖",
        "2. Teapot × 2",
        "➕",
        "✖️",
    ]
    cart_message = replies[0]

    await ann.click("➕")
    assert (await CartItem.get(user_id=user.id, product_id=tea.id)).quantity == 2
    await ann.click("➕")  # only 2 in stock
    assert ann.callback_answers[-1].text == "Only 2 of “Green tea” left."
    assert (await CartItem.get(user_id=user.id, product_id=tea.id)).quantity == 2

    replies = await ann.click("✖️")
    assert "Green tea" not in text_of(replies[0])
    assert ann.callback_answers[-1].text == "Removed from the cart."
    await ann.click("➕", cart_message)  # the removed line's button, from the old screen
    assert ann.callback_answers[-1].text == "This product is no longer in your cart."
    assert not await CartItem.exists(user_id=user.id, product_id=tea.id)

    await ann.click("➖")
    replies = await ann.click("➖")  # down to zero removes the line
    assert text_of(replies[0]) == "🧺 Your cart is empty."

    replies = await ann.click("2. Teapot × 2", cart_message)  # opens the product card
    assert "Teapot" in text_of(replies[0]) and "🛒 Add to cart" in labels(replies[0])
    replies = await ann.click("⬅️ Back")
    assert text_of(replies[0]) == "🧺 Your cart is empty."


async def test_clear_asks_first(telegram: Telegram) -> None:
    shop = await make_shop()
    tea = await make_product(shop, "Green tea", 15000)
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    await ann.send("/start")
    await cart.add(await User.get(tg_id=ann.id), tea.id)
    await ann.send("/cart")
    replies = await ann.click("🗑 Clear the cart")
    assert "Remove everything from the cart?" in text_of(replies[0])
    replies = await ann.click("No, keep it")
    assert "Green tea" in text_of(replies[0])
    await ann.click("🗑 Clear the cart")
    replies = await ann.click("🗑 Yes, clear")
    assert text_of(replies[0]) == "🧺 Your cart is empty."
    assert not await CartItem.exists(user__tg_id=ann.id)


async def test_checkout_of_an_emptied_cart_is_refused(telegram: Telegram) -> None:
    shop = await make_shop()
    tea = await make_product(shop, "Green tea", 15000)
    ann, cart_message = await cart_of_one(telegram, tea)
    await cart.clear(await User.get(tg_id=ann.id))  # e.g. emptied in the Mini App meanwhile
    replies = await ann.click("✅ Checkout", cart_message)
    assert ann.callback_answers[-1].text == "Your cart is empty."
    assert text_of(replies[0]) == "🧺 Your cart is empty."


async def test_unavailable_line_can_only_be_removed(telegram: Telegram) -> None:
    shop = await make_shop()
    tea = await make_product(shop, "Green tea", 15000)
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    await ann.send("/start")
    await cart.add(await User.get(tg_id=ann.id), tea.id)
    await Product.filter(id=tea.id).update(is_blocked=True)
    replies = await ann.send("/cart")
    assert labels(replies[0])[:2] == ["1. Green tea × 1", "✖️"]
    await ann.click("1. Green tea × 1")
    assert "no longer available" in (ann.callback_answers[-1].text or "")
    replies = await ann.click("✖️")
    assert text_of(replies[0]) == "🧺 Your cart is empty."


async def test_a_product_made_with_a_personal_text_asks_for_it(telegram: Telegram) -> None:
    shop = await make_shop("Gift Shop")
    mug = await make_product(shop, "Engraved mug", 90000, stock=5)
    await catalog.set_personal_text(shop, mug.id, "Name to engrave", 10)
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    await ann.send(f"/start p_{mug.id}")

    replies = await ann.click("🛒 Add to cart")
    assert text_of(replies[-1]) == (
        "✍️ Engraved mug is made with your text.\nName to engrave (up to 10 characters)\n\n"
        "Send it as a message, or /cancel."
    )
    assert not await CartItem.exists(user__tg_id=ann.id)
    replies = await ann.send_photo(b"not a text")
    assert "send your text as a message" in text_of(replies[0])
    replies = await ann.send("Alexandra-Maria")
    assert "1 to 10 characters" in text_of(replies[0])
    replies = await ann.send("Anna  Lee")
    assert text_of(replies[0]) == (
        f"Added to the cart (1 in the cart now). Cart total: {rub(90000)}.\nYour text: “Anna Lee”"
    )
    item = await CartItem.get(user__tg_id=ann.id, product_id=mug.id)
    assert (item.quantity, item.personal_text) == (1, "Anna Lee")
    replies = await ann.send("Green tea")  # the conversation is over: text searches again
    assert "Found for «Green tea»" in text_of(replies[0]) or "Nothing found" in text_of(replies[0])

    other = await make_shop("Tea House")
    tea = await make_product(other, "Green tea", 15000)
    await ann.send(f"/start p_{tea.id}")
    await ann.click("🛒 Add to cart")
    replies = await ann.click("🔄 Replace the cart")
    await ann.send(f"/start p_{mug.id}")
    await ann.click("🛒 Add to cart")
    await ann.send("Bob")
    await ann.click("🔄 Replace the cart")  # the typed text survives the swap
    item = await CartItem.get(user__tg_id=ann.id)
    assert (item.product_id, item.personal_text) == (mug.id, "Bob")
