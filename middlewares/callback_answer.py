"""Every button press is answered exactly once, so no button keeps spinning."""

from __future__ import annotations

from typing import Any

from aiogram.dispatcher.flags import get_flag
from aiogram.types import CallbackQuery, TelegramObject
from aiogram.utils.callback_answer import CallbackAnswerMiddleware

from core.errors import DomainError
from middlewares.chain import NextHandler


class CallbackRefusalMiddleware(CallbackAnswerMiddleware):
    """aiogram's answer after the handler, except for a service's refusal: its alert is the
    answer, and handlers.errors.answer_refusal gives it (a query takes one answer only)."""

    async def __call__(
        self, handler: NextHandler, event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        """Answer the query after the handler, unless a DomainError left it to the error handler."""
        if not isinstance(event, CallbackQuery):
            return await handler(event, data)
        answer = data["callback_answer"] = self.construct_callback_answer(
            properties=get_flag(data, "callback_answer")
        )
        if not answer.disabled and answer.answered:
            await self.answer(event, answer)
        try:
            result = await handler(event, data)
        except DomainError:
            raise  # answered with the refusal's alert by the error handler
        except BaseException:
            if not answer.disabled and not answer.answered:
                await self.answer(event, answer)
            raise
        if not answer.disabled and not answer.answered:
            await self.answer(event, answer)
        return result
