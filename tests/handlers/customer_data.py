"""Shop data and settings for the customer's chat tests (tests/handlers/test_customer_*.py)."""

from __future__ import annotations

import io
import itertools
from pathlib import Path
from typing import Any

import pytest
from aiogram.types import Message
from PIL import Image

from core.money import format_price
from db.models import Product, Provider, ProviderKind, User
from sandbox import FloodLimits, SandboxUser
from services import cart, catalog
from services.catalog import ProductDraft
from services.media import save_photo
from tests.handlers.conftest import Telegram, faster_clicks

_ids = itertools.count(1)

make_settings = faster_clicks("1000/second")
"""The shared settings with a generous throttle: a test clicks faster than a person."""


@pytest.fixture
def relaxed_flood(telegram: Telegram) -> None:
    """A conversation answers every step, typed steps with two messages (the reply keyboard
    goes away, the next question comes): more than Telegram's burst of 3 per chat within the
    few seconds a test takes. The bot would wait out the 429s (slowly); these tests need not."""
    telegram.emulator.flood.limits = FloodLimits(per_chat_burst=30)


async def make_shop(name: str = "Tea House", **fields: Any) -> Provider:
    """A shop created by an admin through the catalog service, with 54-FZ data and pickup."""
    number = next(_ids)
    admin = await User.create(tg_id=None, pseudonym=f"admin{number:012d}", first_name="Admin")
    provider = await catalog.create_provider(ProviderKind.shop, name, f"shop-{number}", actor=admin)
    values: dict[str, Any] = {
        "legal_name": "IP Petrov P. P.",
        "inn": "500100732259",
        "pickup_address": "Tverskaya 1",
    }
    values.update(fields)
    await Provider.filter(id=provider.id).update(**values)
    return await Provider.get(id=provider.id)


async def make_product(
    provider: Provider,
    title: str = "Green tea",
    price: int = 15000,
    stock: int = 10,
    **draft: Any,
) -> Product:
    """A product created through the catalog service (so search finds it)."""
    return await catalog.create_product(
        provider, ProductDraft(title=title, price=price, stock=stock, **draft)
    )


async def add_photo(product: Product, data_dir: Path) -> None:
    """A real JPEG on disk under DATA_DIR/media, stored with a path relative to DATA_DIR."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 160, 90)).save(buffer, format="PNG")
    photo, thumb = await save_photo(buffer.getvalue(), data_dir / "media")
    await catalog.add_photo(
        product, str(photo.relative_to(data_dir)), str(thumb.relative_to(data_dir))
    )


async def open_cart_with(telegram: Telegram, product: Product, quantity: int = 1) -> SandboxUser:
    """Ann follows a product link, adds it `quantity` times and opens her cart."""
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    await ann.send(f"/start p_{product.id}")
    for _ in range(quantity - 1):
        await ann.click("➕")
    await ann.click("🛒 Add to cart" if quantity == 1 else f"🛒 Add {quantity} to cart")
    await ann.click("🧺 Cart")
    return ann


async def cart_of_one(telegram: Telegram, product: Product) -> tuple[SandboxUser, Message]:
    """Ann, started, has one `product` in her cart (put there by the service) and sends /cart:
    she and the cart's message."""
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    await ann.send("/start")
    await cart.add(await User.get(tg_id=ann.id), product.id)
    return ann, (await ann.send("/cart"))[0]


def rub(kopecks: int) -> str:
    """A rouble price as an English-speaking customer sees it."""
    return format_price(kopecks, "RUB", "en")
