"""Drop an update whose id was already handled (Telegram redelivers after timeouts)."""

from __future__ import annotations

from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update
from loguru import logger

from core.metrics import Metrics
from middlewares.chain import NextHandler
from services.dedup import UpdateDeduplicator


class DedupMiddleware(BaseMiddleware):
    """Let each update id through once."""

    def __init__(self, dedup: UpdateDeduplicator, metrics: Metrics) -> None:
        self._dedup = dedup
        self._metrics = metrics

    async def __call__(
        self, handler: NextHandler, event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        """Skip repeats; they are logged and counted."""
        assert isinstance(event, Update)
        bot: Bot = data["bot"]
        if not await self._dedup.first_time(bot.id, event.update_id):
            logger.info("Dropped repeated update {}", event.update_id)
            self._metrics.duplicate_updates.inc()
            return None
        return await handler(event, data)
