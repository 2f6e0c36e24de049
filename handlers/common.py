"""/help and the global /cancel, which work in any conversation state."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from core.config import Settings
from core.i18n import gettext as _
from core.i18n import lazy_gettext as __
from db.models import User
from handlers import screens
from handlers.commands import help_text
from keyboards import menus
from keyboards.callbacks import MenuAction, MenuCB
from services import users


async def cancel(message: Message, state: FSMContext, user: User, settings: Settings) -> None:
    """Leave any conversation and show the main menu."""
    had_state = await state.get_state() is not None
    await state.clear()
    notice = _("Cancelled.") if had_state else _("Nothing to cancel.")
    await message.answer(notice, reply_markup=menus.remove())
    text, keyboard = screens.main_menu(user, settings)
    await message.answer(text, reply_markup=keyboard)


async def _help_for(user: User, settings: Settings) -> str:
    return help_text(await users.duties_of(user, settings.admin_ids))


async def show_help(message: Message, user: User, settings: Settings) -> None:
    """List the commands this person may use."""
    await message.answer(await _help_for(user, settings), reply_markup=menus.back_to_menu())


async def help_button(callback: CallbackQuery, user: User, settings: Settings) -> None:
    """The help screen from the main menu."""
    if isinstance(callback.message, Message):
        text = await _help_for(user, settings)
        await callback.message.edit_text(text, reply_markup=menus.back_to_menu())


def create_router() -> Router:
    """Commands that must win over any conversation state."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.message.register(cancel, Command("cancel"))
    router.message.register(cancel, F.text.lower() == "cancel")
    router.message.register(cancel, F.text == __("Cancel"))
    router.message.register(show_help, Command("help"))
    router.callback_query.register(help_button, MenuCB.filter(F.action == MenuAction.help))
    return router
