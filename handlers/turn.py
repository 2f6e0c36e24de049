"""A handler's turn: who pressed or typed, where to answer, and the message to edit if any.

An inner middleware (`give_turn`, installed by `with_turns`) builds it from what aiogram and
our middlewares inject, so a handler names `turn: Turn` instead of six parameters and ends
with `await turn.show(screen)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Router
from aiogram.dispatcher.event.bases import NextMiddlewareType
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject

from core.config import Settings
from db.models import User
from handlers.ui import Screen, edit_in_place, show


@dataclass(frozen=True, slots=True)
class Turn:
    """One step of a chat: who, where to answer, and the message to edit if any."""

    bot: Bot
    chat_id: int
    current: Message | None
    user: User
    settings: Settings
    locale: str
    state: FSMContext

    async def show(self, screen: Screen) -> None:
        """Edit the message of the pressed button, or send a new one after typed input."""
        await show(self.bot, self.chat_id, screen, self.settings, self.current)

    async def edit(self, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
        """Replace the text screen the button was on (the admin panel's way: nothing to edit
        after typed input)."""
        await edit_in_place(self.current, text, keyboard)


def turn_of(
    event: CallbackQuery | Message,
    bot: Bot,
    user: User,
    settings: Settings,
    locale: str,
    state: FSMContext,
) -> Turn:
    """The turn of a button press (its message is edited) or of typed input (a new message)."""
    if isinstance(event, CallbackQuery):
        current = event.message if isinstance(event.message, Message) else None
        chat_id = current.chat.id if current is not None else event.from_user.id
        return Turn(bot, chat_id, current, user, settings, locale, state)
    return Turn(bot, event.chat.id, None, user, settings, locale, state)


async def give_turn(
    handler: NextMiddlewareType[TelegramObject], event: TelegramObject, data: dict[str, Any]
) -> Any:
    """Inner middleware: a handler names `turn` instead of the six things it is made of."""
    user = data.get("user")
    if isinstance(event, CallbackQuery | Message) and user is not None and "state" in data:
        data["turn"] = turn_of(
            event, data["bot"], user, data["settings"], data["locale"], data["state"]
        )
    return await handler(event, data)


def with_turns(router: Router) -> Router:
    """Give the router's message and button handlers their `turn`."""
    router.message.middleware(give_turn)
    router.callback_query.middleware(give_turn)
    return router
