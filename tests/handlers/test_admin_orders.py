"""Admin in chat: look up an order, change its status with a recorded reason."""

from __future__ import annotations

from db.models import ActorRole, OrderStatus, OrderTransition, Product, User
from services import orders
from services.events import ShopEvents
from tests.handlers.admin_support import ADMIN_ID, labels, make_settings, text_of
from tests.handlers.conftest import Telegram
from tests.services.shop_data import make_product, make_provider, make_user, order_in

__all__ = ["make_settings"]  # the fixture override: a generous throttle for fast typing


async def test_admin_cancels_a_paid_order_with_a_reason(telegram: Telegram) -> None:
    shop = await make_provider(name="Lavka")
    tea = await make_product(shop, title="Green tea", price=10000, stock=5)
    customer = await make_user()
    order = await order_in(OrderStatus.paid, customer, shop, product=tea, quantity=2)

    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    await root.send("/admin")
    await root.click("📦 Orders")
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
        "🔎 Find another",
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
    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    await root.send("/admin")
    await root.click("📦 Orders")
    card = (await root.send(str(order.id)))[0]

    # The customer cancels while the admin looks at the card.
    await orders.transition(
        order.id,
        OrderStatus.cancelled,
        role=ActorRole.customer,
        actor=customer,
        events=ShopEvents(),
    )
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
    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    await root.send("/admin")
    await root.click("📦 Orders")
    await root.send(str(order.id))
    await root.click("→ Accepted")
    await orders.transition(
        order.id,
        OrderStatus.cancelled,
        role=ActorRole.customer,
        actor=customer,
        events=ShopEvents(),
    )
    replies = await root.send("Shop is closed today")
    text = text_of(replies[0])
    assert text.startswith("⚠️ The order has already changed.")
    assert "Status: Cancelled" in text
    assert not await OrderTransition.filter(order_id=order.id, actor_role=ActorRole.admin).exists()
