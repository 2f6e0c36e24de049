"""Per-user flood protection for messages and button presses."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from core.i18n import gettext as _
from middlewares.chain import NextHandler
from services.throttle import Throttler, Verdict


class ThrottlingMiddleware(BaseMiddleware):
    """A flood gets one polite notice, then its updates are dropped until the window passes."""

    def __init__(self, throttler: Throttler, remembered_albums: int = 1000) -> None:
        self._throttler = throttler
        # An album arrives as one update per photo: only its first photo is counted.
        self._albums: OrderedDict[str, None] = OrderedDict()
        self._remembered_albums = remembered_albums

    def _repeats_album(self, group_id: str | None) -> bool:
        if group_id is None:
            return False
        if group_id in self._albums:
            return True
        self._albums[group_id] = None
        if len(self._albums) > self._remembered_albums:
            self._albums.popitem(last=False)
        return False

    async def __call__(
        self, handler: NextHandler, event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        """Count messages and callbacks of people; payments and system updates always pass."""
        assert isinstance(event, Update)
        tg_user = data.get("event_from_user")
        if tg_user is None or (event.message is None and event.callback_query is None):
            return await handler(event, data)
        if event.message is not None and (
            event.message.successful_payment is not None
            or self._repeats_album(event.message.media_group_id)
        ):
            return await handler(event, data)
        verdict = await self._throttler.check(tg_user.id)
        if verdict is Verdict.allow:
            return await handler(event, data)
        if verdict is Verdict.notify:
            notice = _("Too many messages at once. Please wait a few seconds.")
            if event.callback_query is not None:
                await event.callback_query.answer(notice)
            elif event.message is not None:
                await event.message.answer(notice)
        return None
