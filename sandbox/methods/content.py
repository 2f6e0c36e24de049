"""Building message content: formatted text and captions, media from uploads or file_ids."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiogram.types import InputFile, MessageEntity

from sandbox.common import JsonDict
from sandbox.errors import ApiError, bad_request
from sandbox.files import StoredFile
from sandbox.formatting import format_text
from sandbox.keyboards import dump
from sandbox.limits import (
    CAPTION_LIMIT,
    DOCUMENT_SIZE_LIMIT,
    MESSAGE_TEXT_LIMIT,
    PHOTO_SIZE_LIMIT,
)
from sandbox.methods.base import CallContext
from sandbox.params import Upload
from sandbox.state import ChatState

# Message fields that are content (copied by copyMessage / forwardMessage).
CONTENT_KEYS = (
    "text",
    "entities",
    "photo",
    "document",
    "video",
    "audio",
    "voice",
    "animation",
    "caption",
    "caption_entities",
    "location",
    "contact",
    "has_media_spoiler",
)
MEDIA_KEYS = ("photo", "document", "video", "audio", "voice", "animation")
# Message keys for the document-like media, by the kind of file they hold.
DOCUMENT_KINDS = {
    "document": "document",
    "video": "video",
    "audio": "audio",
    "voice": "voice",
    "animation": "animation",
}


def text_content(
    text: str, parse_mode: str | None, entities: Sequence[MessageEntity] | None
) -> JsonDict:
    """{"text", "entities"} after parse_mode and the 1-4096 characters rule."""
    formatted = format_text(text, parse_mode, _dump_entities(entities), limit=MESSAGE_TEXT_LIMIT)
    content: JsonDict = {"text": formatted.text}
    if formatted.entities:
        content["entities"] = formatted.entities
    return content


def caption_content(
    caption: str | None, parse_mode: str | None, entities: Sequence[MessageEntity] | None
) -> JsonDict:
    """{"caption", "caption_entities"} (possibly empty) after the 0-1024 characters rule."""
    if not caption:
        return {}
    formatted = format_text(
        caption, parse_mode, _dump_entities(entities), limit=CAPTION_LIMIT, is_caption=True
    )
    content: JsonDict = {}
    if formatted.text:
        content["caption"] = formatted.text
    if formatted.entities:
        content["caption_entities"] = formatted.entities
    return content


def parse_mode_of(value: Any) -> str | None:
    """A parse_mode parameter as a string, or None when it was not sent."""
    return value if isinstance(value, str) else None


def reply_to(chat: ChatState, reply_parameters: Any) -> JsonDict:
    """{"reply_to_message": ...} for reply_parameters, or 400 if that message is gone."""
    if reply_parameters is None:
        return {}
    replied = chat.messages.get(reply_parameters.message_id)
    if replied is None:
        if reply_parameters.allow_sending_without_reply is True:
            return {}
        raise bad_request("message to be replied not found")
    return {"reply_to_message": {k: v for k, v in replied.items() if k != "reply_to_message"}}


def topic(chat: ChatState, thread_id: int | None) -> JsonDict:
    """The forum topic a message goes to ({} outside a forum); 400 if there is no such topic."""
    if thread_id is not None and chat.is_forum and thread_id not in chat.topics:
        raise bad_request("message thread not found")
    return chat.thread(thread_id)


async def photo_sizes(ctx: CallContext, value: str | InputFile) -> list[JsonDict]:
    """PhotoSize objects for an uploaded photo, a URL or a photo's file_id."""
    files = ctx.emulator.files
    data = await _fetch(ctx, value, PHOTO_SIZE_LIMIT)
    if data is not None:
        sizes = await files.save_photo(data)
    else:
        assert isinstance(value, str)
        stored = ctx.existing_file(value, "photo")
        sizes = files.photo_set(value) or [stored]
    return [size.as_photo_size() for size in sizes]


async def document_like(ctx: CallContext, value: str | InputFile, kind: str) -> JsonDict:
    """A Document / Video / Audio / ... object for an upload, a URL or a file_id."""
    upload = ctx.upload(value)
    data = await _fetch(ctx, value, DOCUMENT_SIZE_LIMIT)
    stored: StoredFile
    if data is not None:
        file_name = upload.filename if upload else _url_name(str(value))
        content_type = upload.content_type if upload else None
        if content_type == "application/octet-stream":
            content_type = None  # aiogram's default; guess from the name like Telegram
        stored = await ctx.emulator.files.save(data, kind, file_name, content_type)
    else:
        assert isinstance(value, str)
        stored = ctx.existing_file(value, kind)
    media = stored.as_document()
    if kind in ("video", "animation"):
        media.update({"width": stored.width, "height": stored.height, "duration": 0})
    elif kind in ("audio", "voice"):
        media["duration"] = 0
    return media


async def _fetch(ctx: CallContext, value: str | InputFile, limit: int) -> bytes | None:
    """Bytes of an upload or an HTTP URL; None when `value` is a file_id."""
    upload: Upload | None = ctx.upload(value)
    if upload is not None:
        data = upload.data
    elif isinstance(value, str) and value.startswith(("http://", "https://")):
        data = await ctx.emulator.download_url(value)
    else:
        return None
    if not data:
        raise bad_request("file must be non-empty")
    if len(data) > limit:
        raise ApiError(413, "Request Entity Too Large")
    return data


def copy_content(message: JsonDict) -> JsonDict:
    """The content part of a message, without its ids, sender or keyboard."""
    content = {key: message[key] for key in CONTENT_KEYS if key in message}
    if not content:
        raise bad_request("message can't be copied")
    return content


def _dump_entities(entities: Sequence[MessageEntity] | None) -> list[JsonDict] | None:
    return [dump(entity) for entity in entities] if entities else None


def _url_name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] or "file"
