"""Choose the language of every update: the person's choice, their Telegram language, ru."""

from __future__ import annotations

from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from core.i18n import I18n, pick_locale
from middlewares.chain import NextHandler


class UserLocaleMiddleware(BaseMiddleware):
    """Translate the update's answers into the person's language."""

    def __init__(self, i18n: I18n, default_locale: str) -> None:
        self._i18n = i18n
        self._default = default_locale

    async def __call__(
        self, handler: NextHandler, event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        """The stored choice, else the Telegram client's language, else the default."""
        user = data.get("user")
        tg_user = data.get("event_from_user")
        locale = pick_locale(
            user.locale if user else None,
            tg_user.language_code if tg_user else None,
            default=self._default,
        )
        data["locale"] = locale
        data["i18n"] = self._i18n
        with self._i18n.context(), self._i18n.use_locale(locale):
            return await handler(event, data)
