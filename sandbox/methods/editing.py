"""Changing sent messages: edits, deletions and pins."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from aiogram import methods as m

from sandbox.common import JsonDict
from sandbox.errors import bad_request
from sandbox.keyboards import check_reply_markup
from sandbox.methods.base import CallContext, MethodSpec
from sandbox.methods.content import (
    DOCUMENT_KINDS,
    MEDIA_KEYS,
    caption_content,
    document_like,
    parse_mode_of,
    photo_sizes,
    text_content,
)
from sandbox.state import ChatState

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def _editable(ctx: CallContext, call: Any) -> tuple[ChatState, JsonDict]:
    if call.inline_message_id:
        raise bad_request("inline messages are not supported by the sandbox")
    if call.chat_id is None or call.message_id is None:
        raise bad_request("message identifier is not specified")
    chat = ctx.chat(call.chat_id)
    message = ctx.message(chat, call.message_id, "message to edit not found")
    if message["from"]["id"] != ctx.bot.id:
        raise bad_request("message can't be edited")
    return chat, message


def _apply(
    ctx: CallContext, chat: ChatState, message: JsonDict, changes: JsonDict, markup: JsonDict | None
) -> JsonDict:
    unchanged = all(message.get(key) == value for key, value in changes.items())
    if unchanged and message.get("reply_markup") == markup:
        raise bad_request(NOT_MODIFIED)
    return chat.edit(message["message_id"], changes, ctx.now(), reply_markup=markup)


async def edit_message_text(ctx: CallContext, call: m.EditMessageText) -> JsonDict:
    """editMessageText (an edit without reply_markup removes the inline keyboard)."""
    chat, message = _editable(ctx, call)
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    if call.text is None:
        raise bad_request("message text is empty")
    content = text_content(call.text, parse_mode_of(call.parse_mode), call.entities)
    markup = check_reply_markup(call.reply_markup, private_chat=chat.is_private, inline_only=True)
    changes = {"text": content["text"], "entities": content.get("entities")}
    return _apply(ctx, chat, message, changes, markup)


async def edit_message_caption(ctx: CallContext, call: m.EditMessageCaption) -> JsonDict:
    """editMessageCaption."""
    chat, message = _editable(ctx, call)
    if not any(key in message for key in MEDIA_KEYS):
        raise bad_request("there is no caption in the message to edit")
    content = caption_content(call.caption, parse_mode_of(call.parse_mode), call.caption_entities)
    markup = check_reply_markup(call.reply_markup, private_chat=chat.is_private, inline_only=True)
    changes = {
        "caption": content.get("caption"),
        "caption_entities": content.get("caption_entities"),
    }
    return _apply(ctx, chat, message, changes, markup)


async def edit_message_media(ctx: CallContext, call: m.EditMessageMedia) -> JsonDict:
    """editMessageMedia: replace a photo / document / video and its caption."""
    chat, message = _editable(ctx, call)
    old_kind = next((key for key in MEDIA_KEYS if key in message), None)
    if old_kind is None:
        raise bad_request("there is no media in the message to edit")
    item = call.media
    caption = caption_content(item.caption, parse_mode_of(item.parse_mode), item.caption_entities)
    markup = check_reply_markup(call.reply_markup, private_chat=chat.is_private, inline_only=True)
    if item.type == "photo":
        media: Any = await photo_sizes(ctx, item.media)
    else:
        media = await document_like(ctx, item.media, DOCUMENT_KINDS.get(item.type, "document"))
    changes: JsonDict = {old_kind: None, "caption": None, "caption_entities": None}
    changes |= {item.type: media, **caption}
    return chat.edit(message["message_id"], changes, ctx.now(), reply_markup=markup)


async def edit_message_reply_markup(ctx: CallContext, call: m.EditMessageReplyMarkup) -> JsonDict:
    """editMessageReplyMarkup (no markup removes the keyboard)."""
    chat, message = _editable(ctx, call)
    markup = check_reply_markup(call.reply_markup, private_chat=chat.is_private, inline_only=True)
    return _apply(ctx, chat, message, {}, markup)


async def delete_message(ctx: CallContext, call: m.DeleteMessage) -> bool:
    """deleteMessage."""
    chat = ctx.chat(call.chat_id)
    ctx.message(chat, call.message_id, "message to delete not found")
    chat.delete(call.message_id)
    return True


async def delete_messages(ctx: CallContext, call: m.DeleteMessages) -> bool:
    """deleteMessages: 1-100 ids; the ones that are already gone are skipped."""
    chat = ctx.chat(call.chat_id)
    if not 1 <= len(call.message_ids) <= 100:
        raise bad_request("too many messages to delete")
    found = [message_id for message_id in call.message_ids if message_id in chat.messages]
    if not found:
        raise bad_request("message to delete not found")
    for message_id in found:
        chat.delete(message_id)
    return True


async def pin_chat_message(ctx: CallContext, call: m.PinChatMessage) -> bool:
    """pinChatMessage: pins and posts the "pinned a message" service message."""
    chat = ctx.chat(call.chat_id)
    pinned = ctx.message(chat, call.message_id, "message to pin not found")
    if call.message_id in chat.pinned:
        return True
    chat.pinned.append(call.message_id)
    ctx.post(chat, {"pinned_message": {k: v for k, v in pinned.items() if k != "reply_to_message"}})
    return True


async def unpin_chat_message(ctx: CallContext, call: m.UnpinChatMessage) -> bool:
    """unpinChatMessage: the given message, or the latest pinned one."""
    chat = ctx.chat(call.chat_id)
    if not chat.pinned:
        raise bad_request("message to unpin not found")
    message_id = call.message_id or chat.pinned[-1]
    if message_id not in chat.pinned:
        raise bad_request("message to unpin not found")
    chat.pinned.remove(message_id)
    return True


async def unpin_all_chat_messages(ctx: CallContext, call: m.UnpinAllChatMessages) -> bool:
    """unpinAllChatMessages."""
    ctx.chat(call.chat_id).pinned.clear()
    return True


METHODS = MappingProxyType(
    {
        "editMessageText": MethodSpec(edit_message_text),
        "editMessageCaption": MethodSpec(edit_message_caption),
        "editMessageMedia": MethodSpec(edit_message_media),
        "editMessageReplyMarkup": MethodSpec(edit_message_reply_markup),
        "deleteMessage": MethodSpec(delete_message),
        "deleteMessages": MethodSpec(delete_messages),
        "pinChatMessage": MethodSpec(pin_chat_message),
        "unpinChatMessage": MethodSpec(unpin_chat_message),
        "unpinAllChatMessages": MethodSpec(unpin_all_chat_messages),
    }
)
