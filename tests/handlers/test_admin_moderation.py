"""Admin in chat: find any product and hide it from customers (or restore it) with a reason."""

from __future__ import annotations

from db.models import AuditLog, Product, User
from services import catalog
from tests.handlers.admin_support import ADMIN_ID, make_settings
from tests.handlers.conftest import Telegram, labels, text_of
from tests.services.shop_data import make_product, make_provider

__all__ = ["make_settings"]  # the fixture override: a generous throttle for fast typing


async def test_hidden_product_disappears_from_search_and_comes_back(telegram: Telegram) -> None:
    shop = await make_provider(name="Lavka")
    tea = await make_product(shop, title="Green tea", price=149000)
    black = await make_product(shop, title="Black tea")
    assert [p.id for p in (await catalog.search("green")).items] == [tea.id]

    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    await root.send("/admin")
    await root.click("🛡 Products moderation")
    replies = await root.send("coffee")
    assert "Nothing found" in text_of(replies[0])
    replies = await root.send("tea")
    assert labels(replies[0]) == [
        f"#{black.id} Black tea",
        f"#{tea.id} Green tea",
        "⬅️ Admin menu",
    ]
    await root.click(f"#{tea.id} Green tea")
    card = text_of(root.last_message)
    assert "Shop: Lavka" in card and "Status: visible" in card

    await root.click("🚫 Hide (block)")
    assert "Why hide “Green tea”?" in text_of(root.last_message)
    replies = await root.send_photo(b"not a reason")
    assert "reason as text" in text_of(replies[0])
    replies = await root.send("Counterfeit brand")
    assert text_of(replies[0]).startswith("✅ Hidden from customers.")
    assert "hidden by moderation" in text_of(replies[0])

    assert (await Product.get(id=tea.id)).is_blocked
    assert (await catalog.search("green")).items == []
    entry = await AuditLog.get(action="product.block")
    assert entry.target == f"product:{tea.id}" and entry.data == {"reason": "Counterfeit brand"}
    assert entry.actor_id == (await User.get(tg_id=ADMIN_ID)).id

    stale = root.last_message
    await root.click("✅ Restore")
    await root.send("Brand owner confirmed")
    assert [p.id for p in (await catalog.search("green")).items] == [tea.id]
    assert await AuditLog.filter(action="product.unblock").count() == 1
    await root.click("✅ Restore", stale)  # the old card's button: nothing to do
    assert root.callback_answers[-1].text == "Already visible."
    assert await AuditLog.filter(action="product.unblock").count() == 1


async def test_product_by_number_and_a_deleted_product(telegram: Telegram) -> None:
    shop = await make_provider(name="Lavka")
    tea = await make_product(shop, title="Green tea")
    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    await root.send("/admin")
    await root.click("🛡 Products moderation")
    replies = await root.send(f"#{tea.id}")
    assert f"#{tea.id} Green tea" in text_of(replies[0])
    await Product.filter(id=tea.id).delete()
    await root.click("🚫 Hide (block)")
    assert root.callback_answers[-1].text == "Not found. It may have been removed."
