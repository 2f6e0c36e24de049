"""What every middleware here is handed: the rest of the chain, ending in the handler."""

from __future__ import annotations

from aiogram.dispatcher.event.bases import NextMiddlewareType
from aiogram.types import TelegramObject

NextHandler = NextMiddlewareType[TelegramObject]
"""Call it with the event and the data to run the middlewares after this one and the handler."""
