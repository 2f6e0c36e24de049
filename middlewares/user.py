"""Load (or create) the current user for every update; drop banned people's updates."""

from __future__ import annotations

from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TgUser

from core.config import Settings
from middlewares.chain import NextHandler
from services.users import ChatDefaults, TelegramProfile, upsert_user


class UserMiddleware(BaseMiddleware):
    """Put `user` (db.models.User) into handler data."""

    def __init__(self) -> None:
        self._defaults: ChatDefaults | None = None

    def _chat_defaults(self, settings: Settings | None) -> ChatDefaults | None:
        if self._defaults is None and settings is not None:
            self._defaults = ChatDefaults(settings.default_locale, frozenset(settings.admin_ids))
        return self._defaults

    async def __call__(
        self, handler: NextHandler, event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        """Upsert the sender; updates without a human sender pass with user=None."""
        tg_user: TgUser | None = data.get("event_from_user")
        if tg_user is None or tg_user.is_bot:
            data["user"] = None
            return await handler(event, data)
        user = await upsert_user(
            TelegramProfile(
                tg_id=tg_user.id,
                first_name=tg_user.first_name,
                last_name=tg_user.last_name,
                username=tg_user.username,
                language_code=tg_user.language_code,
            ),
            defaults=self._chat_defaults(data.get("settings")),
        )
        if user.is_banned:
            return None
        data["user"] = user
        return await handler(event, data)
