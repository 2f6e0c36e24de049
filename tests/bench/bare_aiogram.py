"""The bare aiogram program of the `/start` benchmark (a separate process).

    python -m tests.bench.bare_aiogram PORT BOT_API_URL

What a minimal bot does for `/start` in webhook mode: one handler that replies with a greeting
and a main-menu keyboard of the same size as Prilavok's, through the same Bot API server, with
the update handled before the webhook answers (as Prilavok does).
"""

from __future__ import annotations

import sys

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.filters import CommandStart
from aiogram.types import Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

TOKEN = "123456789:BENCH-token-for-the-stub-bot-api-only"
SECRET = "bench-secret"
LABELS = ("🛍 Catalog", "🛒 Cart", "📦 Orders", "👤 Profile", "🌐 Language", "❓ Help")

router = Router()


@router.message(CommandStart(), F.chat.type == "private")
async def start(message: Message) -> None:
    builder = InlineKeyboardBuilder()
    for number, label in enumerate(LABELS):
        builder.button(text=label, callback_data=f"menu:{number}")
    builder.adjust(2)
    name = message.from_user.first_name if message.from_user else ""
    await message.answer(
        f"Hello, <b>{name}</b>! Choose a section:", reply_markup=builder.as_markup()
    )


def main() -> None:
    port, api = int(sys.argv[1]), sys.argv[2]
    bot = Bot(
        TOKEN,
        session=AiohttpSession(api=TelegramAPIServer.from_base(api)),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    dp = Dispatcher()
    dp.include_router(router)
    app = web.Application()
    SimpleRequestHandler(dp, bot, handle_in_background=False, secret_token=SECRET).register(
        app, path="/webhook/telegram"
    )
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
