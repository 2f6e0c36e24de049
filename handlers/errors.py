"""The chat face's error handlers, registered once on the dispatcher (bot.factory).

`answer_refusal` tells the person a service's refusal (`DomainError`): an alert on the button
they pressed, a reply to what they typed, a declined pre-checkout. Handlers catch a refusal
only where their flow really branches (sold out: show the cart again).

`ErrorHandler` is the last line of defence for everything else: log, apologise with a
reference code, alert the admins.
"""

from __future__ import annotations

import secrets
import time
from html import unescape

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.fsm.context import FSMContext
from aiogram.types import ErrorEvent, Update
from loguru import logger

from core.config import Settings
from core.errors import DomainError, InvalidInput
from core.i18n import I18n
from core.i18n import gettext as _
from core.problems import explain
from db.models import Role, User
from keyboards.menus import retry
from services.users import mark_bot_blocked
from services.yookassa_gateway import GatewayTimeout

ALERT_INTERVAL_SECONDS = 60.0


def answerable(event: ErrorEvent) -> bool:
    """A refusal the person can be told: of a button, a message or a pre-checkout query."""
    update = event.update
    return (
        update.callback_query is not None
        or update.message is not None
        or update.pre_checkout_query is not None
    )


async def answer_refusal(event: ErrorEvent, bot: Bot, state: FSMContext | None = None) -> None:
    """Tell the person why a service refused, in their language (middlewares set it).

    A button gets an alert, the only answer its query gets (CallbackRefusalMiddleware leaves
    it unanswered); when the payment service timed out, a message with a button that presses
    the same button again. A typed value the service finds wrong (InvalidInput) keeps the
    conversation so the person types it again; any other refusal of a message ends it.
    """
    error = event.exception
    assert isinstance(error, DomainError)
    logger.debug("Update {} refused: {} {}", event.update.update_id, error.code, error.details)
    try:
        await _tell(event.update, error, bot, state)
    except TelegramAPIError as send_error:  # e.g. the query got too old meanwhile
        logger.warning(
            "Could not tell update {} its refusal: {}", event.update.update_id, send_error
        )


async def _tell(update: Update, error: DomainError, bot: Bot, state: FSMContext | None) -> None:
    text = explain(error)
    if (query := update.callback_query) is not None:
        if isinstance(error, GatewayTimeout) and query.data and query.message is not None:
            await bot.answer_callback_query(query.id)
            await bot.send_message(query.message.chat.id, text, reply_markup=retry(query.data))
            return
        await bot.answer_callback_query(query.id, text=text, show_alert=True)
    elif (message := update.message) is not None:
        conversation = state is not None and await state.get_state() is not None
        if conversation and isinstance(error, InvalidInput):
            text += "\n" + _("Send it again, or /cancel.")
        elif conversation and state is not None:
            await state.clear()
        await bot.send_message(message.chat.id, text)
    elif (pre_checkout := update.pre_checkout_query) is not None:
        # Telegram shows error_message as plain text in its payment form.
        await bot.answer_pre_checkout_query(pre_checkout.id, ok=False, error_message=unescape(text))


class ErrorHandler:
    """Handles every exception a handler raised; admin alerts are limited to one a minute."""

    def __init__(self, settings: Settings, i18n: I18n) -> None:
        self._settings = settings
        self._i18n = i18n
        self._last_alert: dict[str, float] = {}

    async def handle(self, event: ErrorEvent, bot: Bot) -> bool:
        """Log with the update id; tell the user and the admins."""
        exc = event.exception
        update = event.update
        reference = secrets.token_hex(3).upper()
        if isinstance(exc, TelegramForbiddenError):
            if update.event and (sender := getattr(update.event, "from_user", None)):
                await mark_bot_blocked(sender.id)
            logger.info("Update {} hit a blocked chat: {}", update.update_id, exc.message)
            return True
        logger.opt(exception=exc).error(
            "Update {} failed, reference {}: {}", update.update_id, reference, type(exc).__name__
        )
        chat_id = _chat_id(event)
        if chat_id is not None:
            try:
                await bot.send_message(
                    chat_id,
                    _("Sorry, something went wrong on our side. Reference code: {code}").format(
                        code=reference
                    ),
                )
            except TelegramAPIError as send_error:
                logger.warning("Could not apologise for {}: {}", reference, send_error)
        await self._alert_admins(bot, exc, reference, update.update_id)
        return True

    async def _alert_admins(self, bot: Bot, exc: Exception, reference: str, update_id: int) -> None:
        kind = type(exc).__name__
        now = time.monotonic()
        if now - self._last_alert.get(kind, -ALERT_INTERVAL_SECONDS) < ALERT_INTERVAL_SECONDS:
            return
        self._last_alert[kind] = now
        for admin_id in await _admin_chat_ids(self._settings.admin_ids):
            admin = await User.get_or_none(tg_id=admin_id)
            locale = (admin.locale if admin else None) or self._settings.default_locale
            with self._i18n.context(), self._i18n.use_locale(locale):
                text = _("⚠️ Error {kind} in update {update_id}, reference {code}.").format(
                    kind=kind, update_id=update_id, code=reference
                )
            try:
                await bot.send_message(admin_id, text)
            except TelegramAPIError as send_error:
                logger.warning("Could not alert admin about {}: {}", reference, send_error)


async def _admin_chat_ids(configured: list[int]) -> list[int]:
    stored = await User.filter(role=Role.admin, tg_id__isnull=False).values_list("tg_id", flat=True)
    return sorted({*configured, *(int(str(tg_id)) for tg_id in stored)})


def _chat_id(event: ErrorEvent) -> int | None:
    update = event.update
    if update.message is not None:
        return update.message.chat.id
    if update.callback_query is not None and update.callback_query.message is not None:
        return update.callback_query.message.chat.id
    return None
