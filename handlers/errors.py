"""The last line of defence: log, apologise with a reference code, alert the admins."""

from __future__ import annotations

import secrets
import time

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import ErrorEvent
from loguru import logger

from core.config import Settings
from core.i18n import I18n
from core.i18n import gettext as _
from db.models import Role, User
from services.users import mark_bot_blocked

ALERT_INTERVAL_SECONDS = 60.0


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
