"""Sending methods: sendMessage, media, locations, contacts, forwards and copies."""

from __future__ import annotations

import secrets
from types import MappingProxyType
from typing import Any

from aiogram import methods as m
from aiogram.enums import ChatAction

from sandbox.common import JsonDict
from sandbox.errors import bad_request
from sandbox.keyboards import check_reply_markup
from sandbox.limits import MEDIA_GROUP_MAX, MEDIA_GROUP_MIN
from sandbox.methods.base import CallContext, MethodSpec
from sandbox.methods.content import (
    DOCUMENT_KINDS,
    caption_content,
    copy_content,
    document_like,
    parse_mode_of,
    photo_sizes,
    reply_to,
    text_content,
    topic,
)

_CHAT_ACTIONS = frozenset(action.value for action in ChatAction)


async def send_message(ctx: CallContext, call: m.SendMessage) -> JsonDict:
    """sendMessage."""
    chat = ctx.chat(call.chat_id)
    content = text_content(call.text, parse_mode_of(call.parse_mode), call.entities)
    markup = check_reply_markup(call.reply_markup, private_chat=chat.is_private)
    content |= reply_to(chat, call.reply_parameters) | topic(chat, call.message_thread_id)
    ctx.admit(chat)
    return ctx.post(chat, content, markup)


async def send_photo(ctx: CallContext, call: m.SendPhoto) -> JsonDict:
    """sendPhoto."""
    chat = ctx.chat(call.chat_id)
    caption = caption_content(call.caption, parse_mode_of(call.parse_mode), call.caption_entities)
    markup = check_reply_markup(call.reply_markup, private_chat=chat.is_private)
    replied = reply_to(chat, call.reply_parameters) | topic(chat, call.message_thread_id)
    ctx.admit(chat)
    photo = await photo_sizes(ctx, call.photo)
    return ctx.post(chat, {"photo": photo, **caption, **replied}, markup)


async def send_document_like(ctx: CallContext, call: Any) -> JsonDict:
    """sendDocument, sendVideo, sendAudio, sendVoice, sendAnimation."""
    kind = next(name for name in DOCUMENT_KINDS if name in type(call).model_fields)
    chat = ctx.chat(call.chat_id)
    caption = caption_content(call.caption, parse_mode_of(call.parse_mode), call.caption_entities)
    markup = check_reply_markup(call.reply_markup, private_chat=chat.is_private)
    replied = reply_to(chat, call.reply_parameters) | topic(chat, call.message_thread_id)
    ctx.admit(chat)
    media = await document_like(ctx, getattr(call, kind), DOCUMENT_KINDS[kind])
    return ctx.post(chat, {kind: media, **caption, **replied}, markup)


async def send_media_group(ctx: CallContext, call: m.SendMediaGroup) -> list[JsonDict]:
    """sendMediaGroup: 2-10 photos / videos / documents / audios as one album."""
    chat = ctx.chat(call.chat_id)
    if not MEDIA_GROUP_MIN <= len(call.media) <= MEDIA_GROUP_MAX:
        raise bad_request("wrong number of media in the group: must be 2-10")
    kinds = {item.type for item in call.media}
    if len(kinds) > 1 and kinds & {"document", "audio"}:
        raise bad_request(
            f"{sorted(kinds & {'document', 'audio'})[0]} can't be mixed with other media types"
        )
    captions = [
        caption_content(item.caption, parse_mode_of(item.parse_mode), item.caption_entities)
        for item in call.media
    ]
    replied = reply_to(chat, call.reply_parameters)
    ctx.admit(chat)
    group_id = str(secrets.randbits(60))
    messages = []
    for item, caption in zip(call.media, captions, strict=True):
        if item.type == "photo":
            media: Any = await photo_sizes(ctx, item.media)
        else:
            media = await document_like(ctx, item.media, DOCUMENT_KINDS.get(item.type, "document"))
        content = {item.type: media, "media_group_id": group_id, **caption, **replied}
        messages.append(ctx.post(chat, content))
    return messages


async def send_location(ctx: CallContext, call: m.SendLocation) -> JsonDict:
    """sendLocation."""
    chat = ctx.chat(call.chat_id)
    if not (-90 <= call.latitude <= 90 and -180 <= call.longitude <= 180):
        raise bad_request("wrong latitude or longitude specified")
    markup = check_reply_markup(call.reply_markup, private_chat=chat.is_private)
    ctx.admit(chat)
    location = {"latitude": call.latitude, "longitude": call.longitude}
    return ctx.post(chat, {"location": location, **reply_to(chat, call.reply_parameters)}, markup)


async def send_contact(ctx: CallContext, call: m.SendContact) -> JsonDict:
    """sendContact."""
    chat = ctx.chat(call.chat_id)
    markup = check_reply_markup(call.reply_markup, private_chat=chat.is_private)
    ctx.admit(chat)
    contact = {"phone_number": call.phone_number, "first_name": call.first_name}
    if call.last_name:
        contact["last_name"] = call.last_name
    return ctx.post(chat, {"contact": contact}, markup)


async def send_chat_action(ctx: CallContext, call: m.SendChatAction) -> bool:
    """sendChatAction: shown as "typing..." on the sandbox page."""
    chat = ctx.chat(call.chat_id)
    if call.action not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    ctx.admit(chat)
    chat.record("action", {"action": call.action})
    return True


async def forward_message(ctx: CallContext, call: m.ForwardMessage) -> JsonDict:
    """forwardMessage: the same content with a forward_origin."""
    source_chat = ctx.chat(call.from_chat_id)
    source = ctx.message(source_chat, call.message_id, "message to forward not found")
    chat = ctx.chat(call.chat_id)
    ctx.admit(chat)
    origin = {"type": "user", "sender_user": source["from"], "date": source["date"]}
    return ctx.post(chat, {**copy_content(source), "forward_origin": origin})


async def copy_message(ctx: CallContext, call: m.CopyMessage) -> JsonDict:
    """copyMessage: the content without a link to the original; returns a MessageId."""
    source_chat = ctx.chat(call.from_chat_id)
    source = ctx.message(source_chat, call.message_id, "message to copy not found")
    chat = ctx.chat(call.chat_id)
    content = copy_content(source)
    if call.caption is not None:
        if "text" in content:
            raise bad_request("message text can't be replaced by a caption")
        content.pop("caption_entities", None)
        content.pop("caption", None)
        mode = parse_mode_of(call.parse_mode)
        content |= caption_content(call.caption, mode, call.caption_entities)
    markup = check_reply_markup(call.reply_markup, private_chat=chat.is_private)
    ctx.admit(chat)
    content |= reply_to(chat, call.reply_parameters) | topic(chat, call.message_thread_id)
    message = ctx.post(chat, content, markup)
    return {"message_id": message["message_id"]}


METHODS = MappingProxyType(
    {
        "sendMessage": MethodSpec(send_message, sends=True),
        "sendPhoto": MethodSpec(send_photo, sends=True),
        "sendDocument": MethodSpec(send_document_like, sends=True),
        "sendVideo": MethodSpec(send_document_like, sends=True),
        "sendAudio": MethodSpec(send_document_like, sends=True),
        "sendVoice": MethodSpec(send_document_like, sends=True),
        "sendAnimation": MethodSpec(send_document_like, sends=True),
        "sendMediaGroup": MethodSpec(send_media_group, sends=True),
        "sendLocation": MethodSpec(send_location, sends=True),
        "sendContact": MethodSpec(send_contact, sends=True),
        "forwardMessage": MethodSpec(forward_message, sends=True),
        "copyMessage": MethodSpec(copy_message, sends=True),
        "sendChatAction": MethodSpec(send_chat_action),
    }
)
