"""Catch-alls: registered last, they answer what no other handler took."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from core.i18n import gettext as _
from keyboards import menus


async def unknown_text(message: Message) -> None:
    """Text or a command nobody handles."""
    await message.answer(
        _("I did not understand that. Here is the menu, or send /help."),
        reply_markup=menus.back_to_menu(),
    )


async def unsupported_content(message: Message) -> None:
    """A photo, sticker, voice, ... outside any conversation."""
    await message.answer(_("I cannot use this here. Send /help to see what I can do."))


async def stale_callback(callback: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    """A button from an old message or an older version of the bot."""
    callback_answer.text = _("This button is out of date.")


def create_router() -> Router:
    """Must be the last router: it matches everything left."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.message.register(unknown_text, StateFilter(None), F.text)
    router.message.register(unsupported_content, StateFilter(None))
    router.callback_query.register(stale_callback)
    return router
