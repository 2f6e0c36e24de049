"""Custom products in chat: the customer sends a picture, sees it on the product (an album of
previews) and adds it to the cart; sellers open a customer's picture from the order card; any
picture sent to the bot outside a conversation is kept to be used later in the Mini App."""

from __future__ import annotations

import re
import secrets
from html import escape
from pathlib import Path

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    FSInputFile,
    InputMediaPhoto,
    Message,
)
from aiogram.utils.callback_answer import CallbackAnswer
from loguru import logger

from core.config import Settings
from core.errors import OtherProviderInCart, UploadRefused
from core.i18n import gettext as _
from core.money import format_price
from core.problems import explain
from db.models import Design, Product, User
from keyboards import designs as kb
from keyboards import shop as shop_kb
from keyboards.designs import DesignAction, DesignCB
from services import cart as carts
from services import custom_products, design_images

INCOMING_DIR = "designs/incoming"
DESIGN_PATTERN = re.compile(r"^design_(\d{1,9})$")
"""`/design_<id>`: the seller's (or the customer's) look at a design: original and previews."""


class DesignUpload(StatesGroup):
    """Waiting for the customer's picture of a custom product."""

    picture = State()


async def ask_for_picture(
    message: Message, state: FSMContext, product: Product, quantity: int
) -> None:
    """Start the conversation: the product is made with the customer's picture."""
    await state.clear()
    await state.set_state(DesignUpload.picture)
    await state.update_data(product_id=product.id, quantity=quantity)
    await message.answer(
        _(
            "🎨 {title} is made with your picture.\n\nSend it as a photo or as a file "
            "(JPEG, PNG or WebP, up to {size} MB): you will see previews before it goes "
            "into the cart. Or /cancel."
        ).format(title=escape(product.title), size=design_images.MAX_UPLOAD_BYTES // 2**20)
    )


def picture_of(message: Message) -> tuple[str, str, int | None] | None:
    """(file_id, file_unique_id, size) of a photo or an image document."""
    if message.photo:
        largest = message.photo[-1]
        return largest.file_id, largest.file_unique_id, largest.file_size
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        return document.file_id, document.file_unique_id, document.file_size
    return None


async def download_picture(bot: Bot, settings: Settings, file_id: str, size: int | None) -> Path:
    """The file from Telegram into the incoming folder (refused before download when its
    announced size is over the limit)."""
    limit = design_images.MAX_UPLOAD_BYTES
    if size is not None and size > limit:
        raise UploadRefused("too_large", max_bytes=limit)
    directory = settings.data_path / INCOMING_DIR
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{secrets.token_hex(16)}.upload"
    try:
        await bot.download(file_id, destination=target)
    except TelegramAPIError as exc:
        target.unlink(missing_ok=True)
        logger.warning("Could not download a customer's picture: {}", exc)
        raise UploadRefused("corrupt") from exc
    return target


async def send_previews(bot: Bot, chat_id: int, design: Design, settings: Settings) -> None:
    """The previews as one album, the first captioned with the product's title."""
    previews = custom_products.previews_of(design)
    media = [
        InputMediaPhoto(
            media=FSInputFile(settings.data_path / preview.path),
            caption=escape(design.product.title) + " · " + escape(preview.name)
            if number == 0
            else escape(preview.name),
        )
        for number, preview in enumerate(previews)
    ]
    if len(media) == 1:
        await bot.send_photo(chat_id, media[0].media, caption=media[0].caption)
    elif media:
        await bot.send_media_group(chat_id, media)  # type: ignore[arg-type]


async def picture_received(
    message: Message, user: User, state: FSMContext, bot: Bot, settings: Settings
) -> None:
    """The customer's picture: previews composed and sent back, then "Add to cart"."""
    found = picture_of(message)
    if found is None:
        await wrong_input(message)
        return
    file_id, unique_id, size = found
    data = await state.get_data()
    product_id, quantity = int(data.get("product_id", 0)), int(data.get("quantity", 1))
    try:
        upload = await download_picture(bot, settings, file_id, size)
        try:
            design = await custom_products.create_design(
                user, product_id, upload, data_dir=settings.data_path
            )
        finally:
            upload.unlink(missing_ok=True)
    except UploadRefused as refused:  # the conversation goes on: another picture may do
        await message.answer(explain(refused) + "\n" + _("Send another picture, or /cancel."))
        return
    await custom_products.remember_chat_picture(user, file_id, unique_id, size)
    await state.set_state(None)
    await send_previews(bot, message.chat.id, design, settings)
    await message.answer(
        _("This is how it will look. Add it to the cart?"),
        reply_markup=kb.previews_shown(design.id, quantity),
    )


async def wrong_input(message: Message) -> None:
    """Text, a sticker, a PDF... where the picture is expected."""
    await message.answer(
        _("Please send a picture: a photo, or an image file (JPEG, PNG, WebP). Or /cancel.")
    )


async def add_design(
    callback: CallbackQuery,
    callback_data: DesignCB,
    user: User,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    """Put the product with this design into the cart (a second press only updates the line)."""
    design = await custom_products.customer_design(user, callback_data.design_id)
    try:
        cart = await carts.add(
            user,
            design.product_id,
            callback_data.quantity,
            replace=callback_data.action is DesignAction.swap,
            design_id=design.id,
        )
    except OtherProviderInCart as error:
        if isinstance(callback.message, Message):
            await callback.message.answer(
                explain(error) + "\n\n" + _("Replace your cart with this product?"),
                reply_markup=kb.replace_cart(design.id, callback_data.quantity),
            )
        return
    if isinstance(callback.message, Message):
        await callback.message.answer(
            _("Added to the cart. Now in the cart: {count} pcs, total {total}.").format(
                count=sum(line.quantity for line in cart.lines),
                total=format_price(cart.total, cart.currency, locale),
            ),
            reply_markup=shop_kb.after_adding(),
        )


async def another_picture(
    callback: CallbackQuery, callback_data: DesignCB, user: User, state: FSMContext
) -> None:
    """Try another picture for the same product."""
    design = await custom_products.customer_design(user, callback_data.design_id)
    if isinstance(callback.message, Message):
        await ask_for_picture(callback.message, state, design.product, callback_data.quantity)


async def show_design(
    message: Message, command: CommandObject, user: User, bot: Bot, settings: Settings
) -> None:
    """`/design_<id>`: the original file and the previews, for the customer, the seller and
    admins (others are told it is not found)."""
    match = command.regexp_match
    assert match is not None  # the filter matched the pattern
    design = await custom_products.viewable_design(user, int(match.group(1)), settings.admin_ids)
    await send_previews(bot, message.chat.id, design, settings)
    original = settings.data_path / design.original_path
    await bot.send_document(
        message.chat.id,
        FSInputFile(original, filename=f"design-{design.id}{original.suffix}"),
        caption=_("The customer's original file, {width}×{height}.").format(
            width=design.width, height=design.height
        ),
    )


async def keep_picture(message: Message, user: User) -> None:
    """A picture sent outside any conversation: kept, for "use a picture I sent" in the app."""
    found = picture_of(message)
    if found is None:
        return
    await custom_products.remember_chat_picture(user, *found)
    await message.answer(
        _(
            "🖼 Picture saved. To print it on a product, open a custom product in the app "
            "and choose “Use a picture I sent in the chat”."
        )
    )


def create_router() -> Router:
    """The custom-product conversation, /design_<id>, and pictures kept from the chat."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.message.register(picture_received, StateFilter(DesignUpload.picture), F.photo)
    router.message.register(picture_received, StateFilter(DesignUpload.picture), F.document)
    router.message.register(wrong_input, StateFilter(DesignUpload.picture))
    router.message.register(show_design, Command(DESIGN_PATTERN), StateFilter("*"))
    router.message.register(keep_picture, StateFilter(None), F.photo)
    router.callback_query.register(
        add_design, DesignCB.filter(F.action.in_({DesignAction.add, DesignAction.swap}))
    )
    router.callback_query.register(
        another_picture, DesignCB.filter(F.action == DesignAction.another)
    )
    return router
