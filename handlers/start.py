"""/start with deep-link payloads, and the main menu."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from core.config import Settings
from core.i18n import gettext as _
from core.money import format_price
from db.models import User
from handlers import catalog, screens
from keyboards.callbacks import MenuAction, MenuCB
from services import onboarding
from services.deeplinks import DeepLinkKind


def _deep_link_notice(result: onboarding.StartResult, locale: str) -> str | None:
    """One line about what the link pointed at; silence for referrals and no link."""
    if result.product is not None:
        product = result.product
        return _("You followed a link to <b>{title}</b> ({price}) from {shop}.").format(
            title=escape(product.title),
            price=format_price(product.price, product.currency, locale),
            shop=escape(product.provider.name),
        )
    if result.provider is not None:
        return _("Welcome to <b>{shop}</b>!").format(shop=escape(result.provider.name))
    if result.link is not None and result.link.kind is not DeepLinkKind.referral:
        return _("That link is no longer valid.")
    return None


async def start(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    user: User,
    settings: Settings,
    locale: str,
) -> None:
    """Greet, apply the deep link, show the main menu; /start also leaves any conversation."""
    await state.clear()
    result = await onboarding.start(user, command.args)
    text, keyboard = screens.main_menu(user, settings)
    notice = _deep_link_notice(result, locale)
    await message.answer(f"{notice}\n\n{text}" if notice else text, reply_markup=keyboard)
    # A product (p_<id>) or storefront (s_<slug>) link opens it right after the greeting.
    await catalog.open_deep_link(message, result, settings, locale)


async def home(callback: CallbackQuery, user: User, settings: Settings) -> None:
    """Back to the main menu from any inline screen."""
    text, keyboard = screens.main_menu(user, settings)
    if isinstance(callback.message, Message):
        await callback.message.edit_text(text, reply_markup=keyboard)


def create_router() -> Router:
    """The entry point of every conversation."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.message.register(start, CommandStart())
    router.callback_query.register(home, MenuCB.filter(F.action == MenuAction.home))
    return router
