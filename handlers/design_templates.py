"""Sellers make a custom product's template in chat: a picture of each side of the product
(front, back), its name, and the print area as four numbers checked against the picture."""

from __future__ import annotations

import asyncio
import io
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from loguru import logger

from core.config import Settings
from core.errors import InvalidInput, UploadRefused
from core.i18n import gettext as _
from core.problems import explain
from db.models import Product, ProductTemplate, TemplateImage, User
from handlers.designs import picture_of
from handlers.provider_kit import owned
from keyboards import designs as kb
from keyboards.designs import TemplateAction, TemplateCB
from services import catalog, custom_products, design_images


class TemplateEdit(StatesGroup):
    """The seller adds one side of the product at a time."""

    picture = State()
    name = State()
    area = State()


async def _summary(product: Product) -> str:
    template = await ProductTemplate.get_or_none(product_id=product.id).prefetch_related("images")
    lines = [_("🎨 <b>Picture template of {title}</b>").format(title=escape(product.title))]
    images = custom_products.sorted_images(template) if template is not None else []
    for image in images:
        lines.append(
            _("• {name}: {width}×{height}, print area {x} {y} {w} {h}").format(
                name=escape(image.name),
                width=image.width,
                height=image.height,
                x=image.print_x,
                y=image.print_y,
                w=image.print_w,
                h=image.print_h,
            )
        )
    if not images:
        lines.append(_("No sides yet: customers cannot order it with their picture."))
    lines.append("")
    lines.append(
        _(
            "Send a picture of a side of the product (a photo or an image file) to add it, "
            "or press “Done”."
        )
    )
    return "\n".join(lines)


async def open_template(
    callback: CallbackQuery, callback_data: TemplateCB, user: User, state: FSMContext
) -> None:
    """The product's template and the prompt for the next side's picture."""
    provider = await owned(user, callback_data.provider_id)
    product = await catalog.owned_product(provider, callback_data.product_id)
    await state.clear()
    await state.set_state(TemplateEdit.picture)
    await state.update_data(provider_id=provider.id, product_id=product.id)
    if isinstance(callback.message, Message):
        await callback.message.answer(
            await _summary(product), reply_markup=kb.template_done(provider.id, product.id)
        )


async def template_done(
    callback: CallbackQuery, callback_data: TemplateCB, user: User, state: FSMContext
) -> None:
    """Finish adding sides."""
    provider = await owned(user, callback_data.provider_id)
    product = await catalog.owned_product(provider, callback_data.product_id)
    await state.clear()
    if isinstance(callback.message, Message):
        count = await TemplateImage.filter(template__product_id=product.id).count()
        await callback.message.answer(
            _("✅ Sides in the template of {title}: {count}.").format(
                title=escape(product.title), count=count
            )
        )


async def _download(bot: Bot, file_id: str) -> bytes | None:
    try:
        buffer = await bot.download(file_id, destination=io.BytesIO())
    except TelegramAPIError as exc:
        logger.warning("Could not download a template picture: {}", exc)
        return None
    return buffer.getvalue() if isinstance(buffer, io.BytesIO) else None


async def side_picture(message: Message, state: FSMContext, bot: Bot) -> None:
    """A side's picture: checked like a customer's upload, then its name is asked."""
    found = picture_of(message)
    if found is None:
        await wrong_picture(message)
        return
    file_id, _unique, size = found
    if size is not None and size > design_images.MAX_UPLOAD_BYTES:
        await message.answer(
            explain(UploadRefused("too_large", max_bytes=design_images.MAX_UPLOAD_BYTES))
        )
        return
    data = await _download(bot, file_id)
    if data is None:
        await message.answer(explain(UploadRefused("corrupt")))
        return
    try:
        info = await asyncio.to_thread(design_images.inspect_bytes, data)
    except UploadRefused as refused:  # the conversation goes on: another picture may do
        await message.answer(explain(refused))
        return
    await state.update_data(file_id=file_id, width=info.width, height=info.height)
    await state.set_state(TemplateEdit.name)
    await message.answer(
        _("The picture is {width}×{height}. How do customers call this side? (e.g. front)").format(
            width=info.width, height=info.height
        )
    )


async def wrong_picture(message: Message) -> None:
    """Anything but a picture where the side's picture is expected."""
    await message.answer(
        _("Please send a picture of the side: a photo or an image file. Or press “Done”.")
    )


async def side_name(message: Message, state: FSMContext) -> None:
    """The side's name, then the print area."""
    name = " ".join((message.text or "").split())
    if not 1 <= len(name) <= custom_products.MAX_NAME:
        raise InvalidInput(field="name", min=1, max=custom_products.MAX_NAME)
    data = await state.update_data(name=name)
    await state.set_state(TemplateEdit.area)
    await message.answer(
        _(
            "Where does the customer's picture go? Send the print area as four whole numbers "
            "in pixels of the {width}×{height} picture: x y width height (for example: "
            "100 80 300 250)."
        ).format(width=data["width"], height=data["height"])
    )


async def side_area(
    message: Message, user: User, state: FSMContext, bot: Bot, settings: Settings
) -> None:
    """The print area: checked against the picture, then the side is added."""
    data = await state.get_data()
    width, height = int(data["width"]), int(data["height"])
    area = custom_products.parse_print_area(message.text or "")
    if area is None:
        raise InvalidInput(field="print_area", width=width, height=height)
    custom_products.check_print_area(area, width, height)
    picture = await _download(bot, str(data["file_id"]))
    if picture is None:
        await message.answer(explain(UploadRefused("corrupt")))
        return
    provider = await owned(user, int(data["provider_id"]))
    image = await custom_products.add_base_image(
        provider,
        int(data["product_id"]),
        name=str(data["name"]),
        data=picture,
        area=area,
        data_dir=settings.data_path,
    )
    await state.set_state(TemplateEdit.picture)
    await message.answer(
        _("✅ Side “{name}” added. Send the next side's picture, or press “Done”.").format(
            name=escape(image.name)
        ),
        reply_markup=kb.template_done(provider.id, int(data["product_id"])),
    )


async def wrong_text(message: Message) -> None:
    """A photo or a sticker where a name or numbers are expected."""
    await message.answer(_("Please answer with a text message, or /cancel."))


def create_router() -> Router:
    """The seller's template conversation."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.callback_query.register(
        open_template, TemplateCB.filter(F.action == TemplateAction.open)
    )
    router.callback_query.register(
        template_done, TemplateCB.filter(F.action == TemplateAction.done)
    )
    router.message.register(side_picture, StateFilter(TemplateEdit.picture), F.photo | F.document)
    router.message.register(wrong_picture, StateFilter(TemplateEdit.picture))
    router.message.register(side_name, StateFilter(TemplateEdit.name), F.text)
    router.message.register(side_area, StateFilter(TemplateEdit.area), F.text)
    router.message.register(wrong_text, StateFilter(TemplateEdit.name, TemplateEdit.area))
    return router
