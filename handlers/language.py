"""/language: choose Russian or English; remembered for chat, Mini App and pushes."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from core.config import SUPPORTED_LOCALES, Settings
from core.i18n import I18n
from core.i18n import gettext as _
from db.models import User
from handlers import screens
from keyboards import menus
from keyboards.callbacks import LanguageCB, MenuAction, MenuCB
from services import users


async def ask_language(message: Message, locale: str) -> None:
    """Offer the languages."""
    await message.answer(_("Choose your language:"), reply_markup=menus.languages(locale))


async def language_screen(callback: CallbackQuery, locale: str) -> None:
    """The language screen from the main menu."""
    if isinstance(callback.message, Message):
        await callback.message.edit_text(
            _("Choose your language:"), reply_markup=menus.languages(locale)
        )


async def choose_language(
    callback: CallbackQuery,
    callback_data: LanguageCB,
    user: User,
    settings: Settings,
    i18n: I18n,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    """Store the choice and redraw the menu in the new language."""
    code = callback_data.code
    if code not in SUPPORTED_LOCALES:
        callback_answer.text = _("This language is not available.")
        callback_answer.show_alert = True
        return
    if code == locale and user.locale == code:
        callback_answer.text = _("This language is already on.")
        return
    await users.set_locale(user, code)
    with i18n.use_locale(code):
        text, keyboard = screens.main_menu(user, settings)
        callback_answer.text = _("Language changed.")
        if isinstance(callback.message, Message):
            await callback.message.edit_text(text, reply_markup=keyboard)


def create_router() -> Router:
    """Language selection."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.message.register(ask_language, Command("language"))
    router.callback_query.register(language_screen, MenuCB.filter(F.action == MenuAction.language))
    router.callback_query.register(choose_language, LanguageCB.filter())
    return router
