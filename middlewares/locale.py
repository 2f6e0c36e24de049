"""Choose the language of every update: the person's choice, their Telegram language, ru."""

from __future__ import annotations

from typing import Any

from aiogram.types import TelegramObject
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n.middleware import I18nMiddleware

from bot.i18n import pick_locale


class UserLocaleMiddleware(I18nMiddleware):
    """aiogram's gettext context, with the locale taken from the stored user."""

    def __init__(self, i18n: I18n, default_locale: str) -> None:
        super().__init__(i18n=i18n, i18n_key="i18n", middleware_key="i18n_middleware")
        self._default = default_locale

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        """The stored choice, else the Telegram client's language, else the default."""
        user = data.get("user")
        tg_user = data.get("event_from_user")
        locale = pick_locale(
            user.locale if user else None,
            tg_user.language_code if tg_user else None,
            default=self._default,
        )
        data["locale"] = locale
        return locale
