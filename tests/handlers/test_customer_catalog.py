"""Customer browsing in chat: storefronts → categories → pages → product card → cart."""

from __future__ import annotations

from db.models import CartItem, Product, ProductKind, ProductPhoto
from tests.handlers.conftest import Telegram, labels, text_of
from tests.handlers.customer_data import add_photo, make_product, make_settings, make_shop, rub

__all__ = ["make_settings"]  # the fixture override: a generous throttle for fast clicks


async def test_browse_to_a_card_and_add_to_the_cart(telegram: Telegram) -> None:
    shop = await make_shop("Tea House", description="Loose-leaf tea from Yunnan")
    tea = await make_product(
        shop, "Green tea", 15000, stock=3, category="Tea", description="Fresh spring harvest."
    )
    await make_product(shop, "Teapot", 250000, stock=10, category="Ware")
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    await ann.send("/start")
    assert {"🛒 Catalog", "🧺 Cart", "📦 My orders"} <= set(labels(ann.last_message))

    replies = await ann.click("🛒 Catalog")
    assert len(replies) == 1 and "Choose a shop" in text_of(replies[0])  # edited in place
    replies = await ann.click("Tea House")
    storefront = text_of(replies[0])
    assert "Loose-leaf tea from Yunnan" in storefront
    assert "Seller: IP Petrov P. P., INN 500100732259" in storefront  # 54-FZ
    assert labels(replies[0])[:3] == ["Tea", "Ware", "📋 All products"]

    replies = await ann.click("Tea")
    assert "Page 1 of 1" in text_of(replies[0])
    assert labels(replies[0])[0] == f"Green tea — {rub(15000)}"

    replies = await ann.click(f"Green tea — {rub(15000)}")
    card = text_of(replies[0])
    assert "<b>" not in card and "Green tea" in card and rub(15000) in card
    assert "Only 3 left" in card and "Fresh spring harvest." in card
    assert "Seller: IP Petrov P. P., INN 500100732259" in card
    assert labels(replies[0]) == [
        "➖",
        "Qty: 1",
        "➕",
        "🛒 Add to cart",
        "📱 Open in the app",
        "🧺 Cart",
        "⬅️ Back",
    ]

    await ann.click("Qty: 1")
    assert ann.callback_answers[-1].text == "Use ➖ and ➕ to change the quantity."
    await ann.click("➖")
    assert ann.callback_answers[-1].text == "At least one."
    await ann.click("➕")
    await ann.click("➕")
    assert "🛒 Add 3 to cart" in labels(ann.last_message)
    await ann.click("➕")  # only 3 in stock
    assert ann.callback_answers[-1].text == "Only 3 in stock."
    await ann.click("➖")
    await ann.click("🛒 Add 2 to cart")
    assert f"(2 in the cart now). Cart total: {rub(30000)}" in (ann.callback_answers[-1].text or "")
    item = await CartItem.get(user__tg_id=ann.id, product_id=tea.id)
    assert (item.quantity, item.price_seen) == (2, 15000)

    replies = await ann.click("⬅️ Back")
    assert labels(replies[0])[0] == f"Green tea — {rub(15000)}"


async def test_photo_card_uploads_once_then_reuses_the_file_id(telegram: Telegram) -> None:
    shop = await make_shop()
    tea = await make_product(shop, "Green tea", 15000, stock=50, description="x" * 2000)
    await add_photo(tea, telegram.settings.data_path)
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    await ann.send("/start")
    await ann.click("🛒 Catalog")
    await ann.click("Tea House")
    list_message = (await ann.click("📋 All products"))[0]

    replies = await ann.click(f"Green tea — {rub(15000)}")
    card = replies[-1]
    assert card.photo, "the card is a photo"
    assert len(card.caption or "") <= 1024 and (card.caption or "").count("x") > 500
    assert "In stock" in (card.caption or "")
    assert list_message.message_id not in [m.message_id for m in ann.messages]  # replaced
    photo = await ProductPhoto.get(product_id=tea.id)
    assert photo.telegram_file_id == card.photo[-1].file_id

    await ann.click("⬅️ Back")
    replies = await ann.click(f"Green tea — {rub(15000)}")
    assert replies[-1].photo and replies[-1].photo[-1].file_id == photo.telegram_file_id
    sent = [c for c in telegram.emulator.calls if c.method == "sendPhoto" and c.ok]
    assert len(sent) == 2
    assert str(sent[0].params["photo"]).startswith("attach://")  # uploaded once
    assert sent[1].params["photo"] == photo.telegram_file_id  # then sent by file_id


async def test_stale_page_shows_the_nearest_page(telegram: Telegram) -> None:
    shop = await make_shop()
    products = [await make_product(shop, f"Tea {n:02d}", 10000 + n) for n in range(10)]
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    await ann.send("/start")
    await ann.click("🛒 Catalog")
    await ann.click("Tea House")
    first_page = (await ann.click("📋 All products"))[0]
    assert "Page 1 of 2" in text_of(first_page) and len(labels(first_page)) == 8 + 1 + 2
    replies = await ann.click("▶️")
    assert "Page 2 of 2" in text_of(replies[0])
    # The shop hides most products; the old page-1 message still offers "▶️".
    await Product.filter(id__in=[p.id for p in products[3:]]).update(is_active=False)
    replies = await ann.click("▶️", first_page)
    assert ann.callback_answers[-1].text == "This page no longer exists."
    assert "Page 1 of 1" in text_of(replies[0])
    assert labels(replies[0])[:3] == [
        f"Tea 00 — {rub(10000)}",
        f"Tea 01 — {rub(10001)}",
        f"Tea 02 — {rub(10002)}",
    ]


async def test_hidden_product_and_sold_out_state(telegram: Telegram) -> None:
    shop = await make_shop()
    gone = await make_product(shop, "Oolong", 30000, stock=0)
    await make_product(shop, "E-book", 100, stock=0, kind=ProductKind.digital, currency="XTR")
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    await ann.send("/start")
    await ann.click("🛒 Catalog")
    await ann.click("Tea House")
    replies = await ann.click("📋 All products")
    assert f"Oolong — {rub(30000)} · sold out" in labels(replies[0])

    replies = await ann.click("E-book — ⭐ 100")  # digital: no stock state, can be bought
    assert "Sold out" not in text_of(replies[0]) and "In stock" not in text_of(replies[0])
    assert "🛒 Add to cart" in labels(replies[0])
    list_snapshot = (await ann.click("⬅️ Back"))[0]
    replies = await ann.click(f"Oolong — {rub(30000)} · sold out")
    assert "❌ Sold out" in text_of(replies[0])
    assert "🛒 Add to cart" not in labels(replies[0])
    await Product.filter(id=gone.id).update(is_active=False)
    # A button of the list as it was shown before the product was hidden:
    replies = await ann.click(f"Oolong — {rub(30000)} · sold out", list_snapshot)
    assert ann.callback_answers[-1].text == "Not found. It may have been removed."
    assert replies == []  # nothing changed on screen


async def test_other_shop_in_cart_offers_to_replace(telegram: Telegram) -> None:
    first = await make_shop("Tea House")
    second = await make_shop("Coffee Corner")
    tea = await make_product(first, "Green tea", 15000)
    coffee = await make_product(second, "Arabica", 90000)
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    await ann.send(f"/start p_{tea.id}")
    await ann.click("🛒 Add to cart")
    await ann.send(f"/start p_{coffee.id}")
    replies = await ann.click("🛒 Add to cart")
    assert "Your cart has products from Tea House" in text_of(replies[-1])
    assert labels(replies[-1]) == ["🔄 Replace the cart", "🧺 Open my cart"]
    assert await CartItem.filter(user__tg_id=ann.id).values_list("product_id", flat=True) == [
        tea.id
    ]
    replies = await ann.click("🔄 Replace the cart")
    assert "Arabica" in text_of(replies[0]) and "Green tea" not in text_of(replies[0])
    assert await CartItem.filter(user__tg_id=ann.id).values_list("product_id", flat=True) == [
        coffee.id
    ]


async def test_deep_links_open_the_card_and_the_storefront(telegram: Telegram) -> None:
    shop = await make_shop("Tea House")
    tea = await make_product(shop, "Green tea", 15000)
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    replies = await ann.send(f"/start p_{tea.id}")
    assert "Hello, Ann!" in text_of(replies[0])
    assert "Green tea" in text_of(replies[1]) and "🛒 Add to cart" in labels(replies[1])
    replies = await ann.click("⬅️ Back")  # a link's card goes back to its storefront
    assert "Seller: IP Petrov" in text_of(replies[0])

    replies = await ann.send(f"/start s_{shop.slug}")
    assert "Tea House" in text_of(replies[1]) and "📋 All products" in labels(replies[1])


async def test_a_file_id_telegram_refuses_is_replaced_by_an_upload(telegram: Telegram) -> None:
    shop = await make_shop()
    tea = await make_product(shop, "Green tea", 15000)
    await add_photo(tea, telegram.settings.data_path)
    await ProductPhoto.filter(product_id=tea.id).update(telegram_file_id="from-another-bot")
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    replies = await ann.send(f"/start p_{tea.id}")
    assert replies[-1].photo
    photo = await ProductPhoto.get(product_id=tea.id)
    assert photo.telegram_file_id == replies[-1].photo[-1].file_id != "from-another-bot"


def web_app_url(message: object, label: str) -> str:
    markup = message.reply_markup  # type: ignore[attr-defined]
    [button] = [b for row in markup.inline_keyboard for b in row if b.text == label]
    assert button.web_app is not None, label
    return str(button.web_app.url)


async def test_a_card_opens_the_product_in_the_mini_app_and_3d_is_named(
    telegram: Telegram,
) -> None:
    shop = await make_shop("Tea House")
    tea = await make_product(shop, "Green tea", 15000)
    cup = await make_product(shop, "Cup", 50000)
    await Product.filter(id=cup.id).update(model_path="models/cup.glb")
    ann = telegram.user(1001, first_name="Ann", language_code="en")

    replies = await ann.send(f"/start p_{tea.id}")
    assert web_app_url(replies[1], "📱 Open in the app") == (
        f"https://bot.example.ru/app?product={tea.id}"
    )
    replies = await ann.send(f"/start p_{cup.id}")
    assert "📱 Open in the app" not in labels(replies[1])
    assert web_app_url(replies[1], "🧊 View in 3D in the app") == (
        f"https://bot.example.ru/app?product={cup.id}"
    )
    await ann.click("➕", replies[1])  # the quantity buttons keep the app button
    card = next(m for m in ann.messages if m.message_id == replies[1].message_id)
    assert "Qty: 2" in labels(card) and "🧊 View in 3D in the app" in labels(card)
