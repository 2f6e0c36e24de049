"""POST /webhook/telegram: the secret header is checked before anything is read."""

from __future__ import annotations

import json
import secrets
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from loguru import logger
from pydantic import ValidationError

WEBHOOK_PATH = "/webhook/telegram"
# A header name, not a secret value.
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105


class TelegramWebhook(SimpleRequestHandler):
    """aiogram's handler, strict: 401 without the secret, 400 for a body that is no update.

    Updates are handled before the answer (`handle_in_background=False`): Telegram redelivers
    what was not acknowledged, and the dedup middleware makes redeliveries harmless.
    """

    def __init__(self, dispatcher: Dispatcher, bot: Bot, secret_token: str) -> None:
        super().__init__(dispatcher, bot, handle_in_background=False, secret_token=secret_token)

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        """Constant-time comparison; an empty configured secret never matches."""
        return bool(self.secret_token) and secrets.compare_digest(
            telegram_secret_token.encode(), str(self.secret_token).encode()
        )

    async def handle(self, request: web.Request) -> web.Response:
        """Authenticate, parse, then feed the update to the dispatcher."""
        if not self.verify_secret(request.headers.get(SECRET_HEADER, ""), self.bot):
            logger.warning("Webhook call without a valid secret from {}", request.remote)
            return web.json_response({"ok": False, "error": "unauthorized"}, status=401)
        try:
            payload = await request.json()
            update = Update.model_validate(payload, context={"bot": self.bot})
        except (json.JSONDecodeError, UnicodeDecodeError, ValidationError, ValueError) as exc:
            logger.warning("Webhook body is not an update: {}", type(exc).__name__)
            return web.json_response({"ok": False, "error": "bad_request"}, status=400)
        result: TelegramMethod[Any] | None = await self.dispatcher.feed_webhook_update(
            self.bot, update, **self.data
        )
        return web.Response(body=self._build_response_writer(bot=self.bot, result=result))


def setup(app: web.Application, dispatcher: Dispatcher, bot: Bot, secret: str) -> None:
    """Register the webhook route."""
    TelegramWebhook(dispatcher, bot, secret).register(app, path=WEBHOOK_PATH)
