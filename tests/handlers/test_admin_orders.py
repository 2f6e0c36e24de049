"""Admin in chat: look up an order, change its status with a recorded reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiogram.types import Message

from core.errors import IllegalTransition
from db.models import ActorRole, Order, OrderStatus, OrderTransition, PaymentMethod, Product, User
from sandbox import SandboxUser
from services import orders
from services.events import ShopEvents
from tests.handlers.admin_support import ADMIN_ID, make_settings
from tests.handlers.conftest import Telegram, labels, text_of
from tests.services.shop_data import make_product, make_provider, make_user, order_in

__all__ = ["make_settings"]  # the fixture override: a generous throttle for fast typing


async def admin_finds(telegram: Telegram, order: Order) -> tuple[SandboxUser, Message]:
    """The admin opens /admin → Orders → Find by number and sends the order's number."""
    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    await root.send("/admin")
    await root.click("📦 Orders")
    await root.click("🔎 Find by number")
    return root, (await root.send(str(order.id)))[0]


async def customer_cancels(order: Order, customer: User) -> None:
    """The customer cancels the order (meanwhile, as far as the admin's screen knows)."""
    await orders.transition(
        order.id,
        OrderStatus.cancelled,
        role=ActorRole.customer,
        actor=customer,
        events=ShopEvents(),
    )


async def test_admin_cancels_a_paid_order_with_a_reason(telegram: Telegram) -> None:
    shop = await make_provider(name="Lavka")
    tea = await make_product(shop, title="Green tea", price=10000, stock=5)
    customer = await make_user()
    order = await order_in(OrderStatus.paid, customer, shop, product=tea, quantity=2)

    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    await root.send("/admin")
    await root.click("📦 Orders")
    await root.click("🔎 Find by number")
    replies = await root.send("the last one")
    assert "not an order number" in text_of(replies[0])
    replies = await root.send("#424242")
    assert "Order #424242 not found" in text_of(replies[0])
    replies = await root.send(f"#{order.id}")
    card = text_of(replies[0])
    assert f"Order #{order.id} · Lavka" in card
    assert f"Customer: {customer.pseudonym}" in card
    assert "Status: Paid" in card and "Green tea × 2" in card
    assert labels(replies[0]) == [
        "→ Accepted",
        "→ Cancelled",
        "→ Refunded",
        "🔄 Refresh",
        "⬅️ Orders",
        "🔎 Find by number",
        "⬅️ Admin menu",
    ]

    await root.click("→ Cancelled")
    assert "Type the reason" in text_of(root.last_message)
    replies = await root.send_photo(b"no")
    assert "reason as text" in text_of(replies[0])
    replies = await root.send("Customer asked by phone")
    text = text_of(replies[0])
    assert text.startswith("✅ Status changed: Paid → Cancelled.")
    assert "Cancelled (administrator): Customer asked by phone" in text

    last = await OrderTransition.filter(order_id=order.id).order_by("-id").first()
    assert last is not None
    assert (last.from_status, last.to_status, last.actor_role, last.reason) == (
        OrderStatus.paid,
        OrderStatus.cancelled,
        ActorRole.admin,
        "Customer asked by phone",
    )
    assert last.actor_id == (await User.get(tg_id=ADMIN_ID)).id
    assert (await Product.get(id=tea.id)).stock == 5  # the reservation is released


async def test_a_stale_status_button_is_refused_and_nothing_changes(telegram: Telegram) -> None:
    shop = await make_provider(name="Lavka")
    customer = await make_user()
    order = await order_in(OrderStatus.paid, customer, shop)
    root, card = await admin_finds(telegram, order)

    # The customer cancels while the admin looks at the card.
    await customer_cancels(order, customer)
    await root.click("→ Accepted", card)
    answer = root.callback_answers[-1]
    assert answer.text == "The order has already changed. Refresh it to see its status."
    assert answer.show_alert
    assert "Status: Cancelled" in text_of(root.last_message)
    assert "→ Accepted" not in labels(root.last_message)

    count = await OrderTransition.filter(order_id=order.id).count()
    assert (await orders.customer_order(customer, order.id)).status is OrderStatus.cancelled
    assert not await OrderTransition.filter(order_id=order.id, actor_role=ActorRole.admin).exists()
    assert await OrderTransition.filter(order_id=order.id).count() == count


async def test_status_changed_while_the_reason_is_typed(telegram: Telegram) -> None:
    shop = await make_provider(name="Lavka")
    customer = await make_user()
    order = await order_in(OrderStatus.paid, customer, shop)
    root, _card = await admin_finds(telegram, order)
    await root.click("→ Accepted")
    await customer_cancels(order, customer)
    replies = await root.send("Shop is closed today")
    text = text_of(replies[0])
    assert text.startswith("⚠️ The order has already changed.")
    assert "Status: Cancelled" in text
    assert not await OrderTransition.filter(order_id=order.id, actor_role=ActorRole.admin).exists()


def order_labels(message: object) -> list[str]:
    return [label for label in labels(message) if label.startswith("#")]  # type: ignore[arg-type]


async def test_the_order_list_filters_by_status_shop_and_period_and_pages(
    telegram: Telegram,
) -> None:
    lavka, bakery = await make_provider(name="Lavka"), await make_provider(name="Bakery")
    customer = await make_user()
    paid = [await order_in(OrderStatus.paid, customer, lavka) for _ in range(9)]
    placed = await order_in(OrderStatus.placed, customer, bakery)
    old = await order_in(OrderStatus.completed, customer, bakery)
    await Order.filter(id=old.id).update(created_at=datetime.now(UTC) - timedelta(days=40))

    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    await root.send("/admin")
    replies = await root.click("📦 Orders")
    text = text_of(replies[0])
    assert text.startswith("Orders: 11\nStatus: any · Shop: any · Period: any time\nPage 1 of 2")
    shown = order_labels(replies[0])
    assert len(shown) == 8
    assert shown[0] == f"#{placed.id} · Bakery · 100.00\xa0₽ · Placed, payment on receipt"
    replies = await root.click("▶️")
    assert [label.split(" ")[0] for label in order_labels(replies[0])] == [
        f"#{paid[1].id}",
        f"#{paid[0].id}",
        f"#{old.id}",
    ]

    await root.click("🔖 Status")
    replies = await root.click("Paid")
    assert "Orders: 9\nStatus: Paid" in text_of(replies[0])
    await root.click("🏪 Shop")
    replies = await root.click("Bakery")
    assert "Orders: 0" in text_of(replies[0]) and "No orders match" in text_of(replies[0])
    await root.click("🔖 Status")
    replies = await root.click("• Paid")  # the current choice is marked
    await root.click("🔖 Status")
    replies = await root.click("Any status")
    assert "Orders: 2\nStatus: any · Shop: Bakery · Period: any time" in text_of(replies[0])
    await root.click("📅 Period")
    replies = await root.click("last 30 days")
    assert order_labels(replies[0]) == [
        f"#{placed.id} · Bakery · 100.00\xa0₽ · Placed, payment on receipt"
    ]

    replies = await root.click(order_labels(replies[0])[0])
    assert f"Order #{placed.id} · Bakery" in text_of(replies[0])
    replies = await root.click("⬅️ Orders")
    assert "Shop: Bakery · Period: last 30 days" in text_of(replies[0])  # the filters are kept
    for row in replies[0].reply_markup.inline_keyboard:  # type: ignore[union-attr]
        for button in row:
            assert len((button.callback_data or "").encode()) <= 64


async def test_a_cash_order_never_paid_offers_no_refund(telegram: Telegram) -> None:
    shop = await make_provider(name="Lavka")
    customer = await make_user()
    cash = await order_in(OrderStatus.accepted, customer, shop, payment_method=PaymentMethod.cash)
    online = await order_in(OrderStatus.accepted, customer, shop)

    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    await root.send("/admin")
    await root.click("📦 Orders")
    await root.click("🔎 Find by number")
    assert "→ Refunded" not in labels((await root.send(f"#{cash.id}"))[0])
    await root.click("🔎 Find by number")
    assert "→ Refunded" in labels((await root.send(f"#{online.id}"))[0])

    with pytest.raises(IllegalTransition):
        await orders.transition(
            cash.id,
            OrderStatus.refunded,
            role=ActorRole.admin,
            actor=None,
            events=ShopEvents(),
            reason="asked",
        )
    await Order.filter(id=cash.id).update(cash_confirmed=True)
    assert OrderStatus.refunded in orders.allowed_targets(
        await Order.get(id=cash.id), ActorRole.admin
    )
