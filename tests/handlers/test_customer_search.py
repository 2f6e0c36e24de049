"""Plain text outside a conversation searches the catalog (Russian and English, any case)."""

from __future__ import annotations

from db.models import Product
from tests.handlers.conftest import Telegram, labels, text_of
from tests.handlers.customer_data import make_product, make_settings, make_shop, rub

__all__ = ["make_settings"]  # the fixture override: a generous throttle for fast clicks


async def test_russian_search_ignores_case_and_yo(telegram: Telegram) -> None:
    shop = await make_shop("Чайная")
    await make_product(shop, "Чай зелёный", 15000, description="Весенний сбор")
    await make_product(shop, "Чайник", 250000)
    await make_product(shop, "Кофе", 90000, description="Подходит к чаю? Нет.")
    ann = telegram.user(1001, first_name="Ann", language_code="en")

    replies = await ann.send("ЧАЙ")
    assert "Found for «ЧАЙ»: 2" in text_of(replies[0])
    assert labels(replies[0])[:2] == [f"Чай зелёный — {rub(15000)}", f"Чайник — {rub(250000)}"]

    replies = await ann.send("зеленый чай")  # ё typed as е, words in another order
    assert labels(replies[0])[0] == f"Чай зелёный — {rub(15000)}"
    replies = await ann.send("весенний")  # the description counts too
    assert labels(replies[0])[0] == f"Чай зелёный — {rub(15000)}"


async def test_english_search_opens_cards_and_comes_back(telegram: Telegram) -> None:
    shop = await make_shop()
    tea = await make_product(shop, "Green tea", 15000)
    await make_product(shop, "Black tea", 12000, description="Strong, from Assam")
    ann = telegram.user(1001, first_name="Ann", language_code="en")

    replies = await ann.send("GREEN Tea")
    assert labels(replies[0])[0] == f"Green tea — {rub(15000)}"
    replies = await ann.click(f"Green tea — {rub(15000)}")
    assert "Green tea" in text_of(replies[0]) and "🛒 Add to cart" in labels(replies[0])
    replies = await ann.click("⬅️ Back")
    assert "Found for «GREEN Tea»: 1" in text_of(replies[0])

    replies = await ann.send("assam")
    assert labels(replies[0])[0] == f"Black tea — {rub(12000)}"

    await Product.filter(id=tea.id).update(is_active=False)  # hidden products are not found
    replies = await ann.send("green")
    assert text_of(replies[0]) == (
        "Nothing found for «green». Try other words or open the catalog."
    )
    assert labels(replies[0]) == ["🛒 Catalog", "⬅️ Menu"]


async def test_results_are_paginated(telegram: Telegram) -> None:
    shop = await make_shop()
    for n in range(10):
        await make_product(shop, f"Tea {n:02d}", 10000)
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    replies = await ann.send("tea")
    assert "Found for «tea»: 10\nPage 1 of 2" in text_of(replies[0])
    replies = await ann.click("▶️")
    assert "Page 2 of 2" in text_of(replies[0])
    assert labels(replies[0])[:2] == [f"Tea 08 — {rub(10000)}", f"Tea 09 — {rub(10000)}"]
    await ann.click(f"Tea 09 — {rub(10000)}")
    replies = await ann.click("⬅️ Back")  # back to the page the card was opened from
    assert "Page 2 of 2" in text_of(replies[0])


async def test_commands_and_single_letters_are_not_searched(telegram: Telegram) -> None:
    shop = await make_shop()
    await make_product(shop, "Green tea", 15000)
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    replies = await ann.send("/greentea")
    assert "I did not understand that" in text_of(replies[0])
    replies = await ann.send("g")
    assert "I did not understand that" in text_of(replies[0])
    replies = await ann.send("<b>tea</b> & co")
    assert "Nothing found for «<b>tea</b> & co»" in text_of(replies[0])  # escaped, shown as is
