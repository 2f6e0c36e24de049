"""Order pushes to the seller, their buttons, rejection with a reason, customers' updates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from db.models import (
    ActorRole,
    Order,
    OrderMessage,
    OrderStatus,
    OrderTransition,
    PaymentMethod,
    Product,
    Provider,
    ProviderKind,
    User,
)
from sandbox import FloodLimits, SandboxUser
from services import cart, catalog, checkout, orders
from services.catalog import ProductDraft
from services.checkout import CheckoutDraft, new_checkout_key
from tests.handlers import conftest
from tests.handlers.conftest import Telegram, faster_clicks, text_of

NOT_FOUND = "Not found. It may have been removed."
ALREADY_CHANGED = "The order has already changed. Refresh it to see its status."

make_settings = faster_clicks("100/5seconds")


@pytest.fixture
def shop(telegram: Telegram) -> Telegram:
    """Flood limits stay on, with a burst that fits a test-speed session."""
    telegram.emulator.flood.limits = FloodLimits(per_chat_burst=20)
    return telegram


def labels(message: Message | None) -> list[str]:
    """Button labels; none on a message without buttons (a finished order's push)."""
    assert message is not None
    return conftest.labels(message) if message.reply_markup is not None else []


def bot_messages(user: SandboxUser) -> list[Message]:
    return [m for m in user.messages if m.from_user is not None and m.from_user.is_bot]


async def person(telegram: Telegram, tg_id: int, name: str, language: str = "en") -> SandboxUser:
    """Someone who has opened the bot."""
    user = telegram.user(tg_id, first_name=name, language_code=language)
    await user.send("/start")
    return user


async def bakery(
    telegram: Telegram, tg_id: int = 2001, stock: int = 10
) -> tuple[SandboxUser, Provider, Product]:
    """Sam's shop (pickup, cash allowed) with croissants."""
    seller = await person(telegram, tg_id, "Sam")
    owner = await User.get(tg_id=tg_id)
    provider = await catalog.create_provider(
        ProviderKind.shop, "Sam's Bakery", f"bakery-{tg_id}", actor=owner, owner=owner
    )
    await Provider.filter(id=provider.id).update(
        allow_cash=True, pickup_address="Lenina 1", low_stock_threshold=3
    )
    product = await catalog.create_product(
        provider, ProductDraft(title="Croissant", price=12000, stock=stock)
    )
    return seller, provider, product


async def place(
    telegram: Telegram,
    buyer: SandboxUser,
    product: Product,
    quantity: int = 2,
    method: PaymentMethod = PaymentMethod.cash,
    personal_text: str | None = None,
) -> Order:
    """The buyer orders through the services, with the app's events (so pushes go out)."""
    customer = await User.get(tg_id=buyer.id)
    await cart.add(customer, product.id, quantity, personal_text=personal_text)
    draft = CheckoutDraft(payment_method=method, comment="Ring <twice>")
    return await checkout.place_order(
        customer,
        draft,
        settings=telegram.settings,
        checkout_key=new_checkout_key(),
        events=telegram.services.shop_events,
    )


async def forge_click(user: SandboxUser, data: str) -> None:
    """Press a button the bot never sent (callback data made up by a client)."""
    snapshot = user.last_message
    assert snapshot is not None
    button = InlineKeyboardButton(text="forged", callback_data=data)
    markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
    await user.click("forged", snapshot.model_copy(update={"reply_markup": markup}))


async def test_a_cash_order_walks_to_completed_by_editing_one_message(shop: Telegram) -> None:
    seller, _, product = await bakery(shop)
    buyer = await person(shop, 3001, "Ann")
    order = await place(shop, buyer, product)

    push = seller.last_message
    text = text_of(push)
    assert f"Order #{order.id}" in text and "Placed, payment on receipt" in text
    assert "Croissant × 2 — 240.00\xa0₽" in text and "Total: 240.00\xa0₽" in text
    assert "Cash on receipt" in text and "Ring <twice>" in text and "Customer: Ann" in text
    assert "Phone" not in text  # nobody gave one
    assert labels(push) == ["✅ Accept", "❌ Reject"]
    assert push is not None
    stored = await OrderMessage.get(order_id=order.id)
    assert (stored.chat_id, stored.message_id) == (seller.id, push.message_id)
    sent_before = len(bot_messages(seller))
    buyer_before = len(bot_messages(buyer))

    steps = [
        ("✅ Accept", "Accepted", f"Sam's Bakery accepted your order #{order.id}."),
        ("🛠 In work", "In work", f"Sam's Bakery is preparing your order #{order.id}."),
        ("📦 Ready for pickup", "Ready for pickup", f"Your order #{order.id} is ready for pickup"),
        ("💵 Cash received, complete", "Completed", f"Order #{order.id} is completed."),
    ]
    for label, status, told in steps:
        replies = await seller.click(label, push.message_id)
        assert [m.message_id for m in replies] == [push.message_id], label  # edited in place
        assert status in text_of(replies[0])
        assert told in text_of(buyer.last_message)
    ready = bot_messages(buyer)[-2]
    assert "Pickup code" in text_of(ready) and "Lenina 1" in text_of(ready)
    assert "To pay on receipt: 240.00\xa0₽" in text_of(ready)

    assert len(bot_messages(seller)) == sent_before  # every step edited the push
    assert len(bot_messages(buyer)) == buyer_before + 4
    final = await Order.get(id=order.id)
    assert final.status is OrderStatus.completed and final.cash_confirmed
    history = await orders.history(final)
    assert [t.to_status for t in history] == [
        OrderStatus.placed,
        OrderStatus.accepted,
        OrderStatus.in_work,
        OrderStatus.ready_for_pickup,
        OrderStatus.completed,
    ]
    assert all(t.actor_role is ActorRole.provider for t in history[1:])
    pushed = next(m for m in seller.messages if m.message_id == push.message_id)
    assert labels(pushed) == [] and "Completed" in text_of(pushed)


async def test_a_double_click_moves_the_order_once(shop: Telegram) -> None:
    seller, _, product = await bakery(shop)
    buyer = await person(shop, 3001, "Ann")
    order = await place(shop, buyer, product)
    push = seller.last_message
    assert push is not None
    await seller.click("✅ Accept", push)
    await seller.click("✅ Accept", push)  # the same old keyboard, pressed again
    assert seller.callback_answers[-1].text == ALREADY_CHANGED
    accepted = await OrderTransition.filter(order_id=order.id, to_status=OrderStatus.accepted)
    assert len(accepted) == 1
    told = [m for m in bot_messages(buyer) if "accepted your order" in (m.text or "")]
    assert len(told) == 1
    current = next(m for m in seller.messages if m.message_id == push.message_id)
    assert labels(current) == ["🛠 In work", "❌ Cancel order"]


async def test_a_stale_button_after_the_customer_cancelled(shop: Telegram) -> None:
    seller, _, product = await bakery(shop)
    buyer = await person(shop, 3001, "Ann")
    order = await place(shop, buyer, product)
    push = seller.last_message
    assert push is not None
    customer = await User.get(tg_id=buyer.id)
    await orders.transition(
        order.id,
        OrderStatus.cancelled,
        role=ActorRole.customer,
        actor=customer,
        events=shop.services.shop_events,
    )
    refreshed = next(m for m in seller.messages if m.message_id == push.message_id)
    assert "Cancelled" in text_of(refreshed) and labels(refreshed) == []
    assert "was cancelled" not in text_of(buyer.last_message)  # the buyer did it themselves
    await seller.click("✅ Accept", push)
    assert seller.callback_answers[-1].text == ALREADY_CHANGED
    assert (await Order.get(id=order.id)).status is OrderStatus.cancelled


async def test_reject_with_a_reason_releases_the_stock(shop: Telegram) -> None:
    seller, _, product = await bakery(shop)
    buyer = await person(shop, 3001, "Ann")
    order = await place(shop, buyer, product, quantity=3)
    assert (await Product.get(id=product.id)).stock == 7
    push = seller.last_message
    assert push is not None
    replies = await seller.click("❌ Reject", push)
    assert f"Why do you cancel order #{order.id}" in text_of(replies[-1])
    replies = await seller.send_photo(b"a sticker, say")
    assert "write the reason as text" in text_of(replies[0])
    replies = await seller.send("Out of <flour>")
    assert "is cancelled" in text_of(replies[-1])

    cancelled = await Order.get(id=order.id)
    assert cancelled.status is OrderStatus.cancelled
    assert cancelled.cancel_reason == "Out of <flour>"
    last = await OrderTransition.filter(order_id=order.id).order_by("-id").first()
    assert last is not None and last.actor_role is ActorRole.provider
    assert last.reason == "Out of <flour>"
    assert (await Product.get(id=product.id)).stock == 10
    told = text_of(buyer.last_message)
    assert f"Sam's Bakery cancelled your order #{order.id}." in told
    assert "Reason: Out of <flour>" in told
    edited = next(m for m in seller.messages if m.message_id == push.message_id)
    assert "Reason: Out of <flour>" in text_of(edited) and labels(edited) == []


async def test_a_forged_callback_for_another_shops_order_is_not_found(shop: Telegram) -> None:
    _, provider, product = await bakery(shop)
    eve, eves_shop, _ = await bakery(shop, tg_id=2002)
    buyer = await person(shop, 3001, "Ann")
    order = await place(shop, buyer, product)
    await eve.send("/shop")
    # Eve names her own shop and Sam's order; then Sam's shop outright.
    await forge_click(eve, f"va:{eves_shop.id}:{order.id}:accepted::1")
    assert eve.callback_answers[-1].text == NOT_FOUND
    await forge_click(eve, f"va:{provider.id}:{order.id}:accepted::1")
    assert eve.callback_answers[-1].text == NOT_FOUND
    await forge_click(eve, f"vn:{eves_shop.id}:{order.id}::1")
    assert eve.callback_answers[-1].text == NOT_FOUND
    assert (await Order.get(id=order.id)).status is OrderStatus.placed
    # A customer who owns nothing cannot use the buttons either.
    await forge_click(buyer, f"va:{provider.id}:{order.id}:accepted::1")
    assert buyer.callback_answers[-1].text == "This button is out of date."
    assert (await Order.get(id=order.id)).status is OrderStatus.placed


async def test_a_russian_customer_is_told_in_russian(shop: Telegram) -> None:
    seller, _, product = await bakery(shop)
    english = await person(shop, 3001, "Ann")
    russian = await person(shop, 3002, "Иван", language="ru")
    for buyer in (english, russian):
        await place(shop, buyer, product, quantity=1)
        push = seller.last_message
        assert push is not None and "Customer:" in text_of(push)  # the seller reads English
        for label in ("✅ Accept", "🛠 In work", "📦 Ready for pickup"):
            await seller.click(label, push.message_id)
    english_order, russian_order = await Order.all().order_by("id")
    english_text = text_of(english.last_message)
    russian_text = text_of(russian.last_message)
    assert f"#{english_order.id}" in english_text and "ready for pickup" in english_text
    assert str(russian_order.id) in russian_text
    assert russian_text != english_text.replace(f"#{english_order.id}", f"#{russian_order.id}")


async def test_paid_orders_reach_the_seller_and_unpaid_ones_do_not(shop: Telegram) -> None:
    seller, _, product = await bakery(shop)
    buyer = await person(shop, 3001, "Ann")
    before = len(bot_messages(seller))
    order = await place(shop, buyer, product, method=PaymentMethod.online)
    assert len(bot_messages(seller)) == before  # waiting for payment: not the seller's yet
    await orders.transition(
        order.id,
        OrderStatus.paid,
        role=ActorRole.system,
        actor=None,
        events=shop.services.shop_events,
    )
    push = seller.last_message
    assert f"Order #{order.id}" in text_of(push) and "Paid" in text_of(push)
    assert labels(push) == ["✅ Accept", "❌ Reject"]
    assert f"Payment for order #{order.id} received" in text_of(buyer.last_message)
    await seller.click("✅ Accept")
    await seller.click("🛠 In work")
    await seller.click("📦 Ready for pickup")
    replies = await seller.click("🏁 Completed")  # paid online: no cash to confirm
    assert "Completed" in text_of(replies[0])


async def test_a_customer_who_blocked_the_bot_is_marked_and_the_seller_unaffected(
    shop: Telegram,
) -> None:
    seller, _, product = await bakery(shop)
    buyer = await person(shop, 3001, "Ann")
    order = await place(shop, buyer, product)
    buyer.block()
    replies = await seller.click("✅ Accept")
    assert "Accepted" in text_of(replies[0])
    assert (await User.get(tg_id=buyer.id)).bot_blocked
    assert (await Order.get(id=order.id)).status is OrderStatus.accepted


async def test_low_stock_alert_opens_the_product(shop: Telegram) -> None:
    seller, _, product = await bakery(shop, stock=4)
    buyer = await person(shop, 3001, "Ann")
    await place(shop, buyer, product, quantity=2)
    alert = seller.last_message
    assert "Only 2 of “Croissant” left in stock." in text_of(alert)
    replies = await seller.click("📦 Open product", alert)
    assert "In stock: 2" in text_of(replies[0])


async def test_orders_by_status_from_the_shop_menu(shop: Telegram) -> None:
    seller, _, product = await bakery(shop)
    buyer = await person(shop, 3001, "Ann")
    order = await place(shop, buyer, product)
    await seller.send("/shop")
    assert "Orders waiting for you: 1" in text_of(seller.last_message)
    await seller.click("🧾 Orders")
    assert "🆕 New (1)" in labels(seller.last_message)
    await seller.click("🆕 New (1)")
    await seller.click(f"#{order.id} · 240.00\xa0₽ · Placed, payment on receipt")
    card = seller.last_message
    assert f"Order #{order.id}" in text_of(card)
    assert labels(card) == ["✅ Accept", "❌ Reject", "⬅️ Back"]
    replies = await seller.click("✅ Accept")
    # Both the list's card and the push show the new state.
    assert {m.message_id for m in replies} == {
        card.message_id,  # type: ignore[union-attr]
        (await OrderMessage.get(order_id=order.id)).message_id,
    }
    assert all("Accepted" in text_of(m) for m in replies)
    assert labels(seller.last_message) == ["🛠 In work", "❌ Cancel order", "⬅️ Back"]
    await seller.click("⬅️ Back")
    assert "No orders here" in text_of(seller.last_message)
    await seller.click("⬅️ Orders")
    assert "✅ Accepted (1)" in labels(seller.last_message)


async def test_an_expired_unpaid_order_is_explained_to_the_customer_only(shop: Telegram) -> None:
    seller, _, product = await bakery(shop)
    buyer = await person(shop, 3001, "Ann")
    before = len(bot_messages(seller))
    order = await place(shop, buyer, product, method=PaymentMethod.online)
    assert order.expires_at is not None
    later = order.expires_at + timedelta(minutes=1)
    assert await orders.expire_unpaid(shop.services.shop_events, now=later) == 1
    told = text_of(buyer.last_message)
    assert f"Order #{order.id} was cancelled: the time to pay ran out." in told
    assert len(bot_messages(seller)) == before
    assert (await Product.get(id=product.id)).stock == 10


async def test_the_new_orders_counter_follows_an_action_taken_in_the_push(shop: Telegram) -> None:
    seller, _, product = await bakery(shop)
    buyer = await person(shop, 3001, "Ann")
    order = await place(shop, buyer, product)
    push = seller.last_message
    await seller.send("/shop")
    overview = (await seller.click("🧾 Orders"))[0]
    assert "🆕 New (1)" in labels(overview)

    await seller.click("✅ Accept", push)

    now = next(m for m in seller.messages if m.message_id == overview.message_id)
    assert "🆕 New (0)" in labels(now) and "✅ Accepted (1)" in labels(now)
    assert (await Order.get(id=order.id)).status is OrderStatus.accepted


async def test_an_open_list_page_follows_a_rejection_typed_after_the_push(shop: Telegram) -> None:
    seller, _, product = await bakery(shop)
    buyer = await person(shop, 3001, "Ann")
    await place(shop, buyer, product)
    push = seller.last_message
    await seller.send("/shop")
    await seller.click("🧾 Orders")
    page = (await seller.click("🆕 New (1)"))[0]
    assert "<b>" not in text_of(page) and "New: 1" in text_of(page)

    await seller.click("❌ Reject", push)
    await seller.send("Out of flour")

    now = next(m for m in seller.messages if m.message_id == page.message_id)
    assert "No orders here" in text_of(now)


async def test_the_seller_sets_a_personal_text_and_sees_the_customers_one(shop: Telegram) -> None:
    seller, _, product = await bakery(shop)
    await seller.send("/shop")
    await seller.click("📦 My products")
    await seller.click(next(label for label in labels(seller.last_message) if "Croissant" in label))
    replies = await seller.click("✍️ Personal text")
    assert "Name to engrave; 20" in text_of(replies[0])
    replies = await seller.send("Name on the box")
    assert "Send the question and the longest text" in text_of(replies[0])
    replies = await seller.send("Name on the box; 500")
    assert "1 to 200 characters" in text_of(replies[0])
    replies = await seller.send("Name on the box; 16")
    assert "✅ Saved." in text_of(replies[0])
    assert "Personal text: “Name on the box”, up to 16 characters" in text_of(replies[0])
    stored = await Product.get(id=product.id)
    assert (stored.personal_text_prompt, stored.personal_text_limit) == ("Name on the box", 16)

    buyer = await person(shop, 3001, "Ann")
    order = await place(shop, buyer, stored, personal_text="Ann & <Bob>")
    push = text_of(seller.last_message)
    assert f"Order #{order.id}" in push
    assert "Croissant × 2 — 240.00\xa0₽\n   ✍️ Text: “Ann & <Bob>”" in push

    await seller.click("✍️ Personal text", replies[0])
    replies = await seller.send("off")
    assert "Personal text" not in text_of(replies[0])
    assert (await Product.get(id=product.id)).personal_text_prompt is None
