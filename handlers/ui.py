"""The chat's screens: one message of text (or a photo with a caption) and its buttons.

Screens are edited in place where Telegram allows it (text → text, photo → photo); between a
text screen and a photo card the old message is deleted and the new one sent.
"""

from __future__ import annotations

import asyncio
import html
import re
from contextlib import suppress
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    CallbackQuery,
    FSInputFile,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
)
from loguru import logger

from core.config import Settings
from db.models import ProductPhoto
from services import catalog

_TAG_RE = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class Screen:
    """What one message shows: HTML text (a caption when there is a photo) and buttons."""

    text: str
    keyboard: InlineKeyboardMarkup | None
    photo: ProductPhoto | None = None


def visible_length(markup: str) -> int:
    """Length of HTML text as Telegram counts it (tags removed, entities decoded)."""
    return len(html.unescape(_TAG_RE.sub("", markup)))


def not_modified(error: TelegramBadRequest) -> bool:
    """Telegram refused an edit because nothing would change."""
    return "not modified" in error.message


async def _photo_source(photo: ProductPhoto, settings: Settings) -> str | FSInputFile | None:
    """Telegram's file_id when we have one, else the stored file (None if it is gone)."""
    if photo.telegram_file_id:
        return photo.telegram_file_id
    path = settings.data_path / photo.path
    if await asyncio.to_thread(path.is_file):
        return FSInputFile(path)
    logger.warning("Product photo {} is missing on disk: {}", photo.id, path)
    return None


async def _keep_file_id(
    photo: ProductPhoto, source: str | FSInputFile, sent: Message | bool
) -> None:
    """After an upload, keep Telegram's file_id so the next card is sent without uploading."""
    if isinstance(source, FSInputFile) and isinstance(sent, Message) and sent.photo:
        await catalog.remember_file_id(photo, sent.photo[-1].file_id)
        photo.telegram_file_id = sent.photo[-1].file_id


async def _send(bot: Bot, chat_id: int, screen: Screen, settings: Settings) -> None:
    photo = screen.photo
    source = await _photo_source(photo, settings) if photo is not None else None
    if photo is not None and source is not None:
        try:
            sent = await bot.send_photo(
                chat_id, source, caption=screen.text, reply_markup=screen.keyboard
            )
        except TelegramBadRequest:
            if isinstance(source, FSInputFile):
                raise
            # A file_id Telegram no longer accepts (e.g. another bot's): upload the file again.
            photo.telegram_file_id = None
            source = await _photo_source(photo, settings)
            if source is None:
                await bot.send_message(chat_id, screen.text, reply_markup=screen.keyboard)
                return
            sent = await bot.send_photo(
                chat_id, source, caption=screen.text, reply_markup=screen.keyboard
            )
        await _keep_file_id(photo, source, sent)
        return
    await bot.send_message(chat_id, screen.text, reply_markup=screen.keyboard)


async def _edit_photo(current: Message, screen: Screen, settings: Settings) -> bool:
    """Swap the photo and caption of a photo message; False if that is not possible."""
    assert screen.photo is not None
    source = await _photo_source(screen.photo, settings)
    if source is None:
        return False
    try:
        sent = await current.edit_media(
            InputMediaPhoto(media=source, caption=screen.text), reply_markup=screen.keyboard
        )
    except TelegramBadRequest as error:
        return not_modified(error)
    await _keep_file_id(screen.photo, source, sent)
    return True


async def show(
    bot: Bot, chat_id: int, screen: Screen, settings: Settings, current: Message | None = None
) -> None:
    """Show a screen: edit `current` in place when the kinds match, else replace or send."""
    if screen.photo is not None and await _photo_source(screen.photo, settings) is None:
        screen = Screen(screen.text, screen.keyboard)  # the file is gone: a text card
    if current is not None:
        if screen.photo is None and current.text is not None:
            try:
                await current.edit_text(screen.text, reply_markup=screen.keyboard)
                return
            except TelegramBadRequest as error:
                if not_modified(error):
                    return
        elif (
            screen.photo is not None
            and current.photo
            and await _edit_photo(current, screen, settings)
        ):
            return
        with suppress(TelegramBadRequest):  # too old to delete (48 h): send the new one anyway
            await current.delete()
    await _send(bot, chat_id, screen, settings)


async def show_for(callback: CallbackQuery, screen: Screen, settings: Settings, bot: Bot) -> None:
    """Show a screen in place of the message whose button was pressed."""
    current = callback.message if isinstance(callback.message, Message) else None
    chat_id = current.chat.id if current is not None else callback.from_user.id
    await show(bot, chat_id, screen, settings, current)


async def edit_in_place(
    current: Message | None, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> None:
    """Replace a text screen in place (nothing when there is no message to edit; a double click
    that changes nothing is fine). The admin panel's screens are text only."""
    if current is None:
        return
    try:
        await current.edit_text(text, reply_markup=keyboard)
    except TelegramBadRequest as error:
        if not not_modified(error):
            raise
