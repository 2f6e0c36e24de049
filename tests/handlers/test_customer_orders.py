"""/orders in chat: the list, the order card with its history, cancelling, ownership."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from db.models import ActorRole, Order, OrderStatus, OrderTransition, Product, User
from keyboards.shop import OrdersAction, OrdersCB
from services import cart, checkout, orders
from services.checkout import CheckoutDraft
from services.events import ShopEvents
from tests.handlers.conftest import Telegram, labels, text_of
from tests.handlers.customer_data import make_product, make_settings, make_shop, rub
from tests.services.shop_data import RULES

__all__ = ["make_settings"]  # the fixture override: a generous throttle for fast clicks


async def place(user: User, product: Product, quantity: int = 1, **draft: object) -> Order:
    """An order placed through the checkout service, as the chat would place it."""
    await cart.add(user, product.id, quantity)
    return await checkout.place_order(
        user,
        CheckoutDraft(**draft),  # type: ignore[arg-type]
        settings=RULES,
        checkout_key=checkout.new_checkout_key(),
        events=ShopEvents(),
    )


async def test_orders_list_card_and_history(telegram: Telegram) -> None:
    shop = await make_shop(allow_cash=True)
    tea = await make_product(shop, "Green tea", 15000, stock=10)
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    replies = await ann.send("/orders")
    assert text_of(replies[0]) == "You have no orders yet."

    user = await User.get(tg_id=ann.id)
    online = await place(user, tea, 2)
    cash = await place(user, tea, 1, payment_method="cash")
    owner = await User.create(tg_id=3003, pseudonym="owner00000000001", first_name="Olga")
    for status in (OrderStatus.accepted, OrderStatus.in_work, OrderStatus.ready_for_pickup):
        await orders.transition(
            cash.id, status, role=ActorRole.provider, actor=owner, events=ShopEvents()
        )

    await ann.send("/start")
    replies = await ann.click("📦 My orders")
    assert "Page 1 of 1" in text_of(replies[0])
    newest, older = labels(replies[0])[:2]
    assert newest.startswith(f"#{cash.id} · ") and newest.endswith(
        f" · {rub(15000)} · Ready for pickup"
    )
    assert older.startswith(f"#{online.id} · ") and older.endswith(" · Waiting for payment")

    replies = await ann.click(labels(replies[0])[0])
    card = text_of(replies[0])
    assert f"Order #{cash.id} · Tea House" in card
    assert "Status: Ready for pickup" in card
    assert f"• Green tea × 1 — {rub(15000)}" in card and f"Total: {rub(15000)}" in card
    assert "🏪 Pickup: Tverskaya 1" in card
    assert f"🔑 Pickup code: {cash.pickup_code}" in card
    assert "Placed, payment on receipt (customer)" in card
    assert "Accepted (seller)" in card and "Ready for pickup (seller)" in card
    assert "✖️ Cancel order" not in labels(replies[0])  # accepted: too late to cancel

    replies = await ann.click("⬅️ My orders")
    replies = await ann.click(labels(replies[0])[1])
    card = text_of(replies[0])
    assert "Status: Waiting for payment" in card and "Please pay by" in card
    assert "Pickup code" not in card
    assert "✖️ Cancel order" in labels(replies[0])


async def test_cancel_before_acceptance_releases_stock(telegram: Telegram) -> None:
    shop = await make_shop()
    tea = await make_product(shop, "Green tea", 15000, stock=5)
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    await ann.send("/start")
    order = await place(await User.get(tg_id=ann.id), tea, 2)
    assert (await Product.get(id=tea.id)).stock == 3

    await ann.send("/orders")
    await ann.click(labels(ann.last_message)[0])
    replies = await ann.click("✖️ Cancel order")
    assert f"Cancel order #{order.id}?" in text_of(replies[0])
    replies = await ann.click("No, keep it")
    assert "Cancel order #" not in text_of(replies[0])
    await ann.click("✖️ Cancel order")
    confirm = ann.last_message
    replies = await ann.click("Yes, cancel the order")
    assert ann.callback_answers[-1].text == f"Order #{order.id} is cancelled."
    assert "Status: Cancelled" in text_of(replies[0])
    assert "Cancelled (customer)" in text_of(replies[0])
    assert "✖️ Cancel order" not in labels(replies[0])
    assert (await Order.get(id=order.id)).status is OrderStatus.cancelled
    assert (await Product.get(id=tea.id)).stock == 5

    await ann.click("Yes, cancel the order", confirm)  # pressed again on the old screen
    assert ann.callback_answers[-1].text == (
        "The order has already changed. Refresh it to see its status."
    )
    assert await OrderTransition.filter(order_id=order.id).count() == 2
    assert (await Product.get(id=tea.id)).stock == 5


async def test_cancel_after_the_seller_accepted_is_refused(telegram: Telegram) -> None:
    shop = await make_shop(allow_cash=True)
    tea = await make_product(shop, "Green tea", 15000, stock=5)
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    await ann.send("/start")
    order = await place(await User.get(tg_id=ann.id), tea, payment_method="cash")
    await ann.send("/orders")
    await ann.click(labels(ann.last_message)[0])
    await ann.click("✖️ Cancel order")
    await orders.transition(
        order.id, OrderStatus.accepted, role=ActorRole.provider, actor=None, events=ShopEvents()
    )
    replies = await ann.click("Yes, cancel the order")
    assert ann.callback_answers[-1].text == (
        "The order has already changed. Refresh it to see its status."
    )
    assert "Status: Accepted" in text_of(replies[0])
    assert (await Order.get(id=order.id)).status is OrderStatus.accepted
    assert (await Product.get(id=tea.id)).stock == 4


async def test_forged_order_id_is_not_found(telegram: Telegram) -> None:
    shop = await make_shop()
    tea = await make_product(shop, "Green tea", 15000, stock=5)
    bob = await User.create(tg_id=2002, pseudonym="bob0000000000001", first_name="Bob")
    bobs = await place(bob, tea)
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    replies = await ann.send("/orders")
    forged = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=label,
                    callback_data=OrdersCB(action=action, order_id=bobs.id).pack(),
                )
            ]
            for label, action in (
                ("open", OrdersAction.open),
                ("cancel", OrdersAction.cancel),
                ("cancel!", OrdersAction.cancel_confirmed),
            )
        ]
    )
    message = replies[0].model_copy(update={"reply_markup": forged})
    for label in ("open", "cancel", "cancel!"):
        replies = await ann.click(label, message)
        assert ann.callback_answers[-1].text == "Not found. It may have been removed."
        assert "Green tea" not in "".join(text_of(m) for m in replies)
    assert (await Order.get(id=bobs.id)).status is OrderStatus.pending_payment


async def test_orders_are_paginated(telegram: Telegram) -> None:
    shop = await make_shop()
    tea = await make_product(shop, "Green tea", 100, stock=100)
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    await ann.send("/start")
    user = await User.get(tg_id=ann.id)
    placed = [await place(user, tea) for _ in range(10)]
    replies = await ann.send("/orders")
    assert "Page 1 of 2" in text_of(replies[0])
    assert labels(replies[0])[0].startswith(f"#{placed[-1].id} ")  # newest first
    first_page = replies[0]
    replies = await ann.click("▶️")
    assert "Page 2 of 2" in text_of(replies[0])
    assert [label.split(" ")[0] for label in labels(replies[0])[:2]] == [
        f"#{placed[1].id}",
        f"#{placed[0].id}",
    ]
    await Order.filter(id__in=[o.id for o in placed[:5]]).delete()
    replies = await ann.click("▶️", first_page)
    assert ann.callback_answers[-1].text == "This page no longer exists."
    assert "Page 1 of 1" in text_of(replies[0])
