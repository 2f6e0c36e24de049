"""The Bot API side of sharing: a card from services.share saved as a prepared inline message."""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)
from loguru import logger

from services.share import PreparedShare, SavePrepared, ShareCard, ShareUnavailable


def prepared_message_saver(bot: Bot) -> SavePrepared:
    """`savePreparedInlineMessage` through this bot; the button opens the product in the bot."""

    async def save(user_tg_id: int, card: ShareCard) -> PreparedShare:
        try:
            return await _save(user_tg_id, card)
        except TelegramAPIError as exc:  # TelegramNetworkError included
            logger.warning("savePreparedInlineMessage for {} failed: {}", card.key, exc)
            raise ShareUnavailable(card.key) from exc

    async def _save(user_tg_id: int, card: ShareCard) -> PreparedShare:
        me = await bot.me()  # cached by aiogram after the first call
        link = f"https://t.me/{me.username}?start={card.start_payload}"
        result = InlineQueryResultArticle(
            id=card.key,
            title=card.title,
            description=card.summary,
            input_message_content=InputTextMessageContent(message_text=card.text),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text=card.button, url=link)]]
            ),
        )
        prepared = await bot.save_prepared_inline_message(
            user_id=user_tg_id,
            result=result,
            allow_user_chats=True,
            allow_group_chats=True,
            allow_channel_chats=True,
        )
        return PreparedShare(id=prepared.id, link=link)

    return save
