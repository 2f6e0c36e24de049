"""What the provider's chat screens share: who may use them, typed values, photos, states."""

from __future__ import annotations

import re
from html import escape
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject
from loguru import logger

from core.config import Settings
from core.i18n import gettext as _
from core.money import STARS, format_price, parse_amount
from db.models import Category, Product, ProductPhoto, Provider, User
from handlers.ui import edit_in_place
from keyboards import provider as kb
from services import catalog, media
from services.catalog import tracks_stock

MAX_DESCRIPTION = 2000
MAX_DESCRIPTION_SHOWN = 600

_PRICE_RE = re.compile(r"^(\d{1,12})(?:[.,](\d{1,2}))?$")
_STOCK_RE = re.compile(r"^\d{1,7}$")
_DELTA_RE = re.compile(r"^([+-]?)(\d{1,7})$")
_SPACES_RE = re.compile(r"[\s\u00a0\u202f'’]")


class NewProduct(StatesGroup):
    """The add-product conversation."""

    title = State()
    description = State()
    kind = State()
    price = State()
    stock = State()
    category = State()
    photos = State()
    confirm = State()


class EditProduct(StatesGroup):
    """Changing one field of an existing product."""

    title = State()
    description = State()
    price = State()
    category = State()
    restock = State()
    photos = State()
    personal_text = State()


class ProviderOwner(Filter):
    """Passes people who own at least one provider and hands `providers` to the handler."""

    async def __call__(self, event: TelegramObject, user: User | None = None) -> Any:
        """The owned providers as handler data, or False."""
        if user is None:
            return False
        providers = await catalog.providers_of(user)
        return {"providers": providers} if providers else False


# Parsing typed values -------------------------------------------------------------------------


def parse_personal_text_setting(text: str) -> tuple[str | None, int] | None:
    """'Name to engrave; 20' → ('Name to engrave', 20); 'off' (or 'нет') → (None, 0); None for
    anything else. The service checks the lengths."""
    tidy = text.strip()
    if tidy.lower() in ("off", "no", "нет", "выкл", "-"):
        return None, 0
    prompt, separator, limit = tidy.rpartition(";")
    if not separator or not limit.strip().isdigit() or not prompt.strip():
        return None
    return prompt.strip(), int(limit.strip())


def parse_price(text: str, currency: str) -> int | None:
    """'1490', '1490.50', '1 490,50' → minor units (149050); Stars are whole numbers.

    None for anything else: words, negatives, zero, three decimals, thousands commas.
    """
    compact = _SPACES_RE.sub("", text).removesuffix("₽")
    if _PRICE_RE.match(compact) is None:
        return None
    try:
        value = parse_amount(compact, currency)
    except ValueError:  # a fraction of a Star
        return None
    return value if value > 0 else None


def valid_category(text: str) -> str | None:
    """A category name of 1-128 characters, spaces collapsed."""
    name = " ".join(text.split())
    return name if 1 <= len(name) <= 128 else None


def parse_stock(text: str) -> int | None:
    """A whole number of items, 0 allowed."""
    compact = _SPACES_RE.sub("", text)
    return int(compact) if _STOCK_RE.match(compact) else None


def parse_delta(text: str) -> int | None:
    """'+10', '10', '-3' (or '−3') → a non-zero change of stock."""
    compact = _SPACES_RE.sub("", text).replace("−", "-").replace("–", "-")
    match = _DELTA_RE.match(compact)
    if match is None:
        return None
    sign, digits = match.groups()
    value = -int(digits) if sign == "-" else int(digits)
    return value or None


# Shared helpers -------------------------------------------------------------------------------


async def edit(callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Show a screen in the message the button belongs to (an unchanged screen is fine)."""
    message = callback.message
    await edit_in_place(message if isinstance(message, Message) else None, text, markup)


async def owned(user: User, provider_id: int) -> Provider:
    """The person's provider; NotFound (told by handlers.errors) if it is not theirs."""
    return await catalog.owned_provider(user, provider_id)


def money(amount: int, currency: str, locale: str) -> str:
    """A price as people read it in this locale."""
    return format_price(amount, currency, locale)


def price_prompt(currency: str) -> str:
    """How to type a price in this currency."""
    if currency == STARS:
        return _("Send the price in Telegram Stars, a whole number like 50.")
    return _("Send the price in roubles, like 1490 or 1490.50.")


async def provider_categories(provider: Provider) -> list[Category]:
    """All categories of the provider, empty ones too (the storefront shows only filled ones)."""
    return list(await Category.filter(provider_id=provider.id).order_by("position", "title"))


def photos_added(count: int) -> str:
    """How many photos the product has now."""
    return _("📷 Photos added: {count}. Send more, or press “Done”.").format(count=count)


async def store_photo(
    message: Message, bot: Bot, settings: Settings, provider: Provider
) -> dict[str, str] | None:
    """Download the largest size and save it with a thumbnail; None if it is not an image."""
    assert message.photo
    largest = message.photo[-1]
    try:
        buffer = await bot.download(largest.file_id)
    except TelegramAPIError as exc:
        logger.warning("Could not download a product photo: {}", exc)
        return None
    if buffer is None:
        return None
    base = settings.data_path
    try:
        photo, thumb = await media.save_photo(
            buffer.read(), base / "media" / "products" / provider.slug
        )
    except media.InvalidImage:
        return None
    return {
        "file_id": largest.file_id,
        "path": photo.relative_to(base).as_posix(),
        "thumb": thumb.relative_to(base).as_posix(),
    }


async def report_photos(
    message: Message, bot: Bot, state: FSMContext, text: str, count: int
) -> None:
    """One status per album: the first photo of a media group answers, the rest edit it."""
    data = await state.get_data()
    group = message.media_group_id
    status_id = data.get("status_id")
    markup = kb.photos_prompt(count)
    if group is not None and status_id and data.get("status_group") == group:
        try:
            await bot.edit_message_text(
                text,
                chat_id=message.chat.id,
                message_id=status_id,
                reply_markup=markup,
            )
            return
        except TelegramBadRequest as exc:
            if "not modified" in exc.message:
                return
            # The status message is gone: answer with a new one below.
    sent = await message.answer(text, reply_markup=markup)
    await state.update_data(status_id=sent.message_id, status_group=group)


async def product_screen(
    provider: Provider, product: Product, page: int, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    """Everything about one product, with the buttons to change it."""
    await product.fetch_related("category")
    photos = await ProductPhoto.filter(product_id=product.id).count()
    if product.is_blocked:
        visibility = _("blocked by a moderator")
    elif product.is_active:
        visibility = _("visible to customers")
    else:
        visibility = _("hidden")
    lines = [
        f"<b>{escape(product.title)}</b>",
        kb.kind_name(product.kind),
        _("Price: {price}").format(price=money(product.price, product.currency, locale)),
    ]
    if tracks_stock(product):
        lines.append(_("In stock: {count}").format(count=product.stock))
    category = product.category
    lines.append(
        _("Category: {category}").format(category=escape(category.title) if category else "—")
    )
    lines.append(_("Photos: {count}").format(count=photos))
    if product.personal_text_prompt:
        lines.append(
            _("Personal text: “{prompt}”, up to {count} characters").format(
                prompt=escape(product.personal_text_prompt), count=product.personal_text_limit
            )
        )
    lines.append(_("Status: {status}").format(status=visibility))
    if product.description:
        description = product.description
        if len(description) > MAX_DESCRIPTION_SHOWN:
            description = description[: MAX_DESCRIPTION_SHOWN - 1] + "…"
        lines.append("\n" + escape(description))
    return "\n".join(lines), kb.product_manage(provider.id, product, page)


async def photos_wrong_input(message: Message) -> None:
    """Text, a sticker or a file while photos are expected."""
    await message.answer(
        _("Please send photos (as photos, not files), or press “Done” when you are finished.")
    )
