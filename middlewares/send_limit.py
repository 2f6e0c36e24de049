"""The bot session's send limiter: every message the bot sends — replies, notifications,
reminders, broadcasts — waits for its slot (`services.send_pacer`), and a 429 pauses every
sender for `retry_after` before the call is tried again.

A message into the chat whose update is being handled is a reply (`AnsweringMiddleware` marks
the chat): it keeps the chat's pace but not the bot's bulk rate (see `SendPacer.acquire`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, TelegramObject
from loguru import logger

from middlewares.chain import NextHandler
from services.send_pacer import SendPacer, slot_taken

MAX_RETRY_AFTER = 60.0
"""A longer wait is not waited out inline: the error reaches the caller (a broadcast puts the
copy back and its job comes again later)."""
ATTEMPTS = 4

answering: ContextVar[int | None] = ContextVar("answering", default=None)
"""The chat whose update this context is handling."""


class AnsweringMiddleware(BaseMiddleware):
    """An outer update middleware: marks the update's chat, so what is sent there is a reply."""

    async def __call__(
        self, handler: NextHandler, event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        """Mark the chat for the rest of the chain."""
        chat: Chat | None = data.get("event_chat")
        token = answering.set(chat.id if chat is not None else None)
        try:
            return await handler(event, data)
        finally:
            answering.reset(token)


def is_send(method: TelegramMethod[Any]) -> bool:
    """A call that posts a message into a chat (what Telegram's flood limits count)."""
    name = method.__api_method__
    if name == "sendChatAction":
        return False
    return name.startswith(("send", "copyMessage", "forwardMessage"))


class SendLimitMiddleware(BaseRequestMiddleware):
    """Paces sends and waits out 429s; other calls (edits, answers) pass straight through."""

    def __init__(self, pacer: SendPacer, max_retry_after: float = MAX_RETRY_AFTER) -> None:
        self._pacer = pacer
        self._max_retry_after = max_retry_after

    async def __call__(
        self,
        make_request: Callable[[Bot, TelegramMethod[TelegramType]], Awaitable[Response[Any]]],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        """Wait for the slot, send; on 429 pause everyone, then try again."""
        sending = is_send(method)
        chat_id = getattr(method, "chat_id", None)
        paid = bool(getattr(method, "allow_paid_broadcast", False))
        prepaid = slot_taken.get()
        reply = chat_id is not None and chat_id == answering.get()
        for attempt in range(1, ATTEMPTS + 1):
            if sending and chat_id is not None and not (prepaid and attempt == 1):
                await self._pacer.acquire(chat_id, paid=paid, reply=reply)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                await self._pacer.pause(exc.retry_after)
                if attempt == ATTEMPTS or exc.retry_after > self._max_retry_after:
                    raise
                logger.info(
                    "Flood control on {}: every sender waits {} s",
                    method.__api_method__,
                    exc.retry_after,
                )
                if not sending:  # its wait is not a send slot's: wait here
                    await self._pacer.wait_pause()
        raise AssertionError("unreachable")
