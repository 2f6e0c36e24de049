"""Admin: products moderation — find any product, hide (block) or restore it with a reason."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from core.i18n import gettext as _
from core.money import format_price
from db.models import Product
from handlers.admin_common import typed_reason
from handlers.routing import typed_in
from handlers.turn import Turn, with_turns
from keyboards import admin as kb
from keyboards.admin import AdminAction, AdminCB, AdmProductCB, ProductModAction
from services import admin, catalog

MAX_REASON = 500


class ModerationStates(StatesGroup):
    """Finding a product, then typing why it is hidden or restored."""

    query = State()
    reason = State()


def product_text(product: Product, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    """A product as the moderator sees it: shop, price, stock and visibility."""
    if product.is_blocked:
        status = _("🚫 hidden by moderation")
    elif not product.is_active:
        status = _("hidden by the seller")
    else:
        status = _("visible")
    text = _(
        "<b>#{id} {title}</b>\n"
        "Shop: {shop}\n"
        "SKU: {sku}\n"
        "Price: {price}\n"
        "Stock: {stock}\n"
        "Status: {status}\n\n"
        "{description}"
    ).format(
        id=product.id,
        title=escape(product.title),
        shop=escape(product.provider.name),
        sku=escape(product.sku),
        price=format_price(product.price, product.currency, locale),
        stock=product.stock,
        status=status,
        description=escape(product.description[:1500]),
    )
    return text, kb.product_moderation(product)


async def ask_query(callback: CallbackQuery, turn: Turn) -> None:
    """Ask which product: an id or words of its title."""
    await turn.state.set_state(ModerationStates.query)
    await turn.edit(
        _("<b>Products moderation</b>\n\nSend a product number (like 42) or words from its title."),
        kb.back_to_admin(),
    )


async def find(message: Message, turn: Turn) -> None:
    """Show the one product found, or a list to choose from."""
    products = await admin.find_products(message.text or "")
    if not products:
        await message.answer(_("Nothing found. Send another number or other words, or /cancel."))
        return
    await turn.state.clear()
    if len(products) == 1:
        text, keyboard = product_text(products[0], turn.locale)
        await message.answer(text, reply_markup=keyboard)
        return
    await message.answer(
        _("Found several products, choose one:"), reply_markup=kb.found_products(products)
    )


async def query_wrong_input(message: Message) -> None:
    """Not text while a product is asked for."""
    await message.answer(_("Send a product number or words from its title as text, or /cancel."))


async def product_screen(
    callback: CallbackQuery,
    callback_data: AdmProductCB,
    turn: Turn,
    callback_answer: CallbackAnswer,
) -> None:
    """A product's moderation screen (also "back" from typing a reason)."""
    await turn.state.clear()
    product = await admin.product_card(callback_data.product_id)
    await turn.edit(*product_text(product, turn.locale))


async def ask_reason(
    callback: CallbackQuery,
    callback_data: AdmProductCB,
    turn: Turn,
    callback_answer: CallbackAnswer,
) -> None:
    """Hide or restore: first the reason, which goes to the audit log."""
    product = await admin.product_card(callback_data.product_id)
    block = callback_data.action is ProductModAction.block
    if product.is_blocked == block:  # a stale button or a double click
        callback_answer.text = _("Already hidden.") if block else _("Already visible.")
        await turn.edit(*product_text(product, turn.locale))
        return
    await turn.state.set_state(ModerationStates.reason)
    await turn.state.update_data(product_id=product.id, block=block)
    if block:
        prompt = _("Why hide “{title}”? Type the reason; it is recorded in the audit log.")
    else:
        prompt = _("Why restore “{title}”? Type the reason; it is recorded in the audit log.")
    await turn.edit(
        prompt.format(title=escape(product.title)) + "\n\n" + _("/cancel — change nothing."),
        kb.back_to_admin(),
    )


async def reason_text(message: Message, turn: Turn) -> None:
    """The reason typed: block or restore, then the product screen."""
    reason = await typed_reason(message, MAX_REASON)
    if reason is None:
        return
    data = await turn.state.get_data()
    await turn.state.clear()
    block = bool(data.get("block"))
    await catalog.set_blocked(int(data["product_id"]), block, actor=turn.user, reason=reason)
    product = await admin.product_card(int(data["product_id"]))
    notice = _("✅ Hidden from customers.") if block else _("✅ Restored.")
    text, keyboard = product_text(product, turn.locale)
    await message.answer(f"{notice}\n\n{text}", reply_markup=keyboard)


async def reason_wrong_input(message: Message) -> None:
    """Not text while a reason is asked for."""
    await message.answer(_("Please type the reason as text, or /cancel."))


def create_router() -> Router:
    """Moderation section of the admin panel (under the admin router's filter)."""
    router = with_turns(Router(name=__name__))
    cb = router.callback_query
    cb.register(ask_query, AdminCB.filter(F.action == AdminAction.moderation))
    cb.register(product_screen, AdmProductCB.filter(F.action == ProductModAction.show))
    cb.register(ask_reason, AdmProductCB.filter())
    typed_in(router, ModerationStates.query, find, query_wrong_input)
    typed_in(router, ModerationStates.reason, reason_text, reason_wrong_input)
    return router
