"""A service's refusal inside the checkout, answered in the person's language.

Stand-in for the chat face's one `DomainError` handler (issue 10, being added in parallel):
once that handler is registered on the dispatcher, this middleware can go. A button press gets
an alert, typed input a message; the conversation stays where it was.
"""

from __future__ import annotations

from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import NextMiddlewareType
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.callback_answer import CallbackAnswer

from core.errors import DomainError
from core.problems import explain


class RefusalMiddleware(BaseMiddleware):
    """Turns a `DomainError` raised by a checkout handler into the answer the person sees."""

    async def __call__(
        self,
        handler: NextMiddlewareType[TelegramObject],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        try:
            return await handler(event, data)
        except DomainError as error:
            text = explain(error)
            answer = data.get("callback_answer")
            if isinstance(event, CallbackQuery) and isinstance(answer, CallbackAnswer):
                answer.text = text
                answer.show_alert = True
            elif isinstance(event, Message):
                await event.answer(text)
            else:
                raise
            return None
