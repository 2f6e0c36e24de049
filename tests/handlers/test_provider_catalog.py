"""A seller's /shop in chat: adding a product by conversation (album included), editing it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from PIL import Image

from db.models import Product, ProductKind, ProductPhoto, Provider, ProviderKind, User
from handlers.provider_kit import parse_delta, parse_price
from sandbox import FloodLimits, SandboxUser
from services import catalog
from services.catalog import ProductDraft
from tests.handlers.conftest import Telegram, faster_clicks, labels, text_of
from tests.web.conftest import LiveMiniApp

make_settings = faster_clicks("100/5seconds")


@pytest.fixture
def shop_telegram(telegram: Telegram) -> Telegram:
    """Telegram's flood limits stay on, with a burst that fits a test-speed conversation."""
    telegram.emulator.flood.limits = FloodLimits(per_chat_burst=40)
    return telegram


def picture(color: tuple[int, int, int], size: tuple[int, int] = (64, 48)) -> bytes:
    """A small JPEG."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="JPEG")
    return buffer.getvalue()


def category_of(product: Product) -> str | None:
    """The title of a product's (prefetched) category."""
    return product.category.title if product.category else None


def button_with(user: SandboxUser, part: str) -> str:
    """The label of the latest keyboard's button that contains `part`."""
    found = [label for label in labels(user.last_message) if part in label]
    assert len(found) == 1, f"{part!r} in {labels(user.last_message)}"
    return found[0]


async def open_shop(
    telegram: Telegram, tg_id: int = 2001, name: str = "Sam's Bakery"
) -> tuple[SandboxUser, Provider]:
    """A seller who sent /start and then got a shop from the administrators."""
    seller = telegram.user(tg_id, first_name="Sam", language_code="en")
    await seller.send("/start")
    owner = await User.get(tg_id=tg_id)
    provider = await catalog.create_provider(
        ProviderKind.shop, name, f"shop-{tg_id}", actor=owner, owner=owner
    )
    return seller, provider


async def send_album(user: SandboxUser, photos: list[bytes], group: str) -> None:
    """Several photos sent at once: Telegram delivers one update per photo, same media group."""
    for number, data in enumerate(photos, start=1):
        sizes = await user.emulator.files.save_photo(data)
        content = {"photo": [size.as_photo_size() for size in sizes], "media_group_id": group}
        await user.send_content(content, wait=number == len(photos))


def test_prices_are_parsed_to_kopecks() -> None:
    assert parse_price("1490", "RUB") == 149000
    assert parse_price("1490.50", "RUB") == 149050
    assert parse_price("1 490,50", "RUB") == 149050
    assert parse_price("1\u00a0490,5 ₽", "RUB") == 149050
    for garbage in ("", "abc", "-5", "0", "0,00", "1.234", "1,490.50", "12e3", "9" * 20):
        assert parse_price(garbage, "RUB") is None, garbage
    assert parse_price("50", "XTR") == 50
    assert parse_price("50.5", "XTR") is None
    assert parse_delta("+10") == 10 and parse_delta("10") == 10
    assert parse_delta("−3") == -3 and parse_delta("-3") == -3
    assert parse_delta("0") is None and parse_delta("ten") is None


async def test_a_person_without_a_shop_is_told_so(shop_telegram: Telegram) -> None:
    ann = shop_telegram.user(3001, first_name="Ann", language_code="en")
    replies = await ann.send("/shop")
    assert "You don't have a shop yet" in text_of(replies[0])
    replies = await ann.send("/shop")  # and again: nothing is left half-done
    assert "You don't have a shop yet" in text_of(replies[0])


async def test_add_a_product_with_an_album_and_wrong_inputs_on_the_way(
    shop_telegram: Telegram,
) -> None:
    seller, provider = await open_shop(shop_telegram)
    replies = await seller.send("/shop")
    assert "Sam's Bakery" in text_of(replies[0])
    assert labels(replies[0]) == [
        "➕ Add product",
        "📦 My products",
        "🧾 Orders",
        "🔑 Pickup code",
        "💰 Balance and payouts",
    ]
    await seller.click("➕ Add product")
    assert "Send the title" in text_of(seller.last_message)

    replies = await seller.send_photo(picture((1, 2, 3)))
    assert "send the title as text" in text_of(replies[0])
    replies = await seller.send("Sourdough <loaf>")
    assert "Now a description" in text_of(replies[0])
    replies = await seller.send("Rye & wheat, 800 g.")
    assert "What kind of product" in text_of(replies[0])
    replies = await seller.send("physical")
    assert "choose the kind with the buttons" in text_of(replies[0])
    replies = await seller.click("📦 Physical goods")
    assert "price in roubles" in text_of(replies[-1])

    for garbage in ("cheap", "-5", "0"):
        replies = await seller.send(garbage)
        assert "That is not a price" in text_of(replies[0]), garbage
    replies = await seller.send("1 490,50")
    assert "How many do you have in stock" in text_of(replies[0])
    replies = await seller.send("ten")
    assert "whole number" in text_of(replies[0])
    replies = await seller.send("12")
    assert "Choose a category" in text_of(replies[0])
    replies = await seller.send("Bread")
    assert "Send photos of the product" in text_of(replies[0])

    replies = await seller.send("here they come")
    assert "Please send photos" in text_of(replies[0])
    replies = await seller.send_photo(b"not a picture at all")
    assert "could not read this picture" in text_of(replies[0])
    await send_album(seller, [picture((200, 30, 30)), picture((30, 200, 30))], group="alb-1")
    assert "Photos added: 2" in text_of(seller.last_message)
    album_replies = [m for m in seller.messages if "Photos added" in (m.text or "")]
    assert len(album_replies) == 1  # one answer per album, edited as photos arrive

    await seller.click("✅ Done")
    summary = text_of(seller.last_message)
    for part in ("Title: Sourdough <loaf>", "1,490.50\xa0₽", "In stock: 12", "Category: Bread"):
        assert part in summary
    assert "Photos: 2" in summary
    await seller.click("💾 Save")
    assert "✅ Saved." in text_of(seller.last_message)

    product = await Product.get(provider_id=provider.id).prefetch_related("category")
    assert (product.title, product.price, product.currency) == ("Sourdough <loaf>", 149050, "RUB")
    assert product.kind is ProductKind.physical and product.stock == 12
    assert product.description == "Rye & wheat, 800 g." and category_of(product) == "Bread"
    photos = await ProductPhoto.filter(product_id=product.id).order_by("position")
    assert len(photos) == 2 and all(photo.telegram_file_id for photo in photos)
    data_dir = shop_telegram.settings.data_path
    for photo in photos:
        assert (data_dir / photo.path).is_file() and (data_dir / photo.thumb_path).is_file()
        assert photo.path.startswith(f"media/products/{provider.slug}/")
    assert photos[0].path != photos[1].path


async def test_a_digital_product_is_priced_in_stars_and_skips_stock(
    shop_telegram: Telegram,
) -> None:
    seller, provider = await open_shop(shop_telegram)
    await catalog.create_product(
        provider, ProductDraft(title="Old", price=100, category="E-books", stock=1)
    )
    await seller.send("/shop")
    await seller.click("➕ Add product")
    await seller.send("Recipe book (PDF)")
    await seller.click("⏭ Skip")
    await seller.click("💾 Digital (priced in Stars)")
    assert "Telegram Stars" in text_of(seller.last_message)
    replies = await seller.send("49.90")
    assert "That is not a price" in text_of(replies[0])
    replies = await seller.send("50")
    assert "Choose a category" in text_of(replies[0])  # no stock question
    await seller.click("E-books")
    await seller.click("⏭ Skip")
    summary_message = seller.last_message
    assert "⭐ 50" in text_of(summary_message)
    await seller.click("💾 Save", summary_message)
    replies = await seller.click("💾 Save", summary_message)  # a double click
    assert await Product.filter(provider_id=provider.id, title="Recipe book (PDF)").count() == 1
    product = await Product.get(title="Recipe book (PDF)").prefetch_related("category")
    assert (product.kind, product.currency, product.price) == (ProductKind.digital, "XTR", 50)
    assert category_of(product) == "E-books" and product.description == ""
    assert seller.callback_answers[-1].text == "This button is out of date."
    assert not replies or "✅ Saved." in text_of(replies[-1])


async def test_edit_price_hide_show_and_restock(shop_telegram: Telegram) -> None:
    seller, provider = await open_shop(shop_telegram)
    await catalog.create_product(provider, ProductDraft(title="Baguette", price=15000, stock=5))
    await seller.send("/shop")
    await seller.click("📦 My products")
    assert "My products</b>: 1" in (seller.last_message.html_text or "")  # type: ignore[union-attr]
    await seller.click(button_with(seller, "Baguette"))
    screen = text_of(seller.last_message)
    assert "Price: 150.00\xa0₽" in screen and "In stock: 5" in screen

    await seller.click("💰 Price")
    replies = await seller.send("a lot")
    assert "That is not a price" in text_of(replies[0])
    replies = await seller.send_photo(picture((9, 9, 9)))
    assert "type the new value as text" in text_of(replies[0])
    replies = await seller.send("175")
    assert "✅ Saved." in text_of(replies[0]) and "Price: 175.00\xa0₽" in text_of(replies[0])
    assert (await Product.get(title="Baguette")).price == 17500

    await seller.click("🙈 Hide")
    assert seller.callback_answers[-1].text == "Hidden from customers."
    assert not (await Product.get(title="Baguette")).is_active
    assert "👁 Show" in labels(seller.last_message)
    await seller.click("⬅️ My products")
    assert button_with(seller, "Baguette").startswith("🙈 ")
    await seller.click(button_with(seller, "Baguette"))
    await seller.click("👁 Show")
    assert (await Product.get(title="Baguette")).is_active

    await seller.click("📦 Restock")
    replies = await seller.send("-10")
    assert "Only 5 in stock" in text_of(replies[0])
    replies = await seller.send("+7")
    assert "In stock: 12" in text_of(replies[0])
    await seller.click("📦 Restock")
    await seller.send("−2")
    assert (await Product.get(title="Baguette")).stock == 10

    await seller.click("🗂 Category")
    await seller.send("Bread")
    product = await Product.get(title="Baguette").prefetch_related("category")
    assert category_of(product) == "Bread"
    await seller.click("🖼 Photos")
    await seller.send_photo(picture((5, 100, 5)))
    assert "Photos of the product: 1" in text_of(seller.last_message)
    await seller.click("✅ Done")
    assert "Photos: 1" in text_of(seller.last_message)


async def test_a_typed_value_for_a_product_gone_meanwhile_ends_the_edit(
    shop_telegram: Telegram,
) -> None:
    seller, provider = await open_shop(shop_telegram)
    await catalog.create_product(provider, ProductDraft(title="Baguette", price=15000, stock=5))
    await seller.send("/shop")
    await seller.click("📦 My products")
    await seller.click(button_with(seller, "Baguette"))
    await seller.click("✏️ Title")
    await Product.filter(title="Baguette").delete()

    replies = await seller.send("Rye baguette")

    # Refused (handlers.errors), and the conversation is over: the same text is a search now.
    assert [text_of(reply) for reply in replies] == ["Not found. It may have been removed."]
    replies = await seller.send("Rye baguette")
    assert "Not found. It may have been removed." not in text_of(replies[0])
    assert not await Product.exists(title="Rye baguette")


async def test_a_shop_owner_sees_only_their_own_products(shop_telegram: Telegram) -> None:
    seller, own = await open_shop(shop_telegram)
    _eve, other = await open_shop(shop_telegram, tg_id=2002, name="Eve's")
    theirs = await catalog.create_product(other, ProductDraft(title="Secret", price=100, stock=1))
    await seller.send("/shop")
    snapshot = seller.last_message
    assert snapshot is not None
    # A forged button: Eve's product under Sam's shop, and Eve's shop itself.
    for data in (f"vp:o:{own.id}:{theirs.id}:1", f"vs:p:{other.id}:1"):
        button = InlineKeyboardButton(text="forged", callback_data=data)
        markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
        forged = snapshot.model_copy(update={"reply_markup": markup})
        await seller.click("forged", forged)
        assert seller.callback_answers[-1].text == "Not found. It may have been removed."
    assert text_of(seller.last_message) == text_of(snapshot)


async def test_each_edit_in_the_chat_shows_at_once_in_the_mini_app(
    shop_telegram: Telegram,
) -> None:
    """The catalogue cache never outlives a seller's edit made in the chat."""
    seller, provider = await open_shop(shop_telegram)
    product = await catalog.create_product(
        provider, ProductDraft(title="Baguette", price=15000, stock=5)
    )
    app = LiveMiniApp(shop_telegram.app_url, shop_telegram.settings.token)

    async def shown() -> tuple[dict[str, Any] | None, dict[str, Any] | int]:
        """The baguette on the shop's first page, and its card (or the card's status)."""
        status, page = await app.call("GET", f"/providers/{provider.id}/products")
        assert status == 200, page
        item = next((i for i in page["items"] if i["id"] == product.id), None)
        status, card = await app.call("GET", f"/products/{product.id}")
        return item, card if status == 200 else status

    item, card = await shown()
    assert await shown() == (item, card)  # now from the cache
    assert item is not None and item["price"]["amount"] == 15000
    await seller.send("/shop")
    await seller.click("📦 My products")
    await seller.click(button_with(seller, "Baguette"))

    await seller.click("💰 Price")
    await seller.send("175")
    item, card = await shown()
    assert item is not None and item["price"]["amount"] == 17500
    assert isinstance(card, dict) and card["price"]["amount"] == 17500

    await seller.click("📦 Restock")
    await seller.send("+7")
    item, card = await shown()
    assert isinstance(card, dict) and card["stock"]["available"] == 12

    await seller.click("🖼 Photos")
    await seller.send_photo(picture((5, 100, 5)))
    await seller.click("✅ Done")
    item, card = await shown()
    assert isinstance(card, dict) and len(card["photos"]) == 1

    await seller.click("🙈 Hide")
    assert await shown() == (None, 404)
    await seller.click("👁 Show")
    item, card = await shown()
    assert item is not None and isinstance(card, dict) and card["price"]["amount"] == 17500
