"""Forum topics of supergroups: createForumTopic, closeForumTopic, reopenForumTopic."""

from __future__ import annotations

from types import MappingProxyType

from aiogram import methods as m

from sandbox.common import JsonDict
from sandbox.errors import bad_request
from sandbox.methods.base import CallContext, MethodSpec
from sandbox.state import ChatState

DEFAULT_ICON_COLOR = 0x6FB9F0
TOPIC_NAME_MAX = 128


def _forum(ctx: CallContext, chat_id: int | str) -> ChatState:
    chat = ctx.chat(chat_id)
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    return chat


async def create_forum_topic(ctx: CallContext, call: m.CreateForumTopic) -> JsonDict:
    """createForumTopic: a topic whose id is the id of its "topic created" service message."""
    chat = _forum(ctx, call.chat_id)
    if not 1 <= len(call.name) <= TOPIC_NAME_MAX:
        raise bad_request("TOPIC_TITLE_EMPTY" if not call.name else "TOPIC_TITLE_TOO_LONG")
    color = call.icon_color or DEFAULT_ICON_COLOR
    thread_id = chat.last_message_id + 1
    chat.topics[thread_id] = call.name
    created = {"name": call.name, "icon_color": color}
    ctx.post(chat, {"forum_topic_created": created, **chat.thread(thread_id)})
    return {"message_thread_id": thread_id, "name": call.name, "icon_color": color}


async def close_forum_topic(ctx: CallContext, call: m.CloseForumTopic) -> bool:
    """closeForumTopic: a "topic closed" service message."""
    chat = _forum(ctx, call.chat_id)
    if call.message_thread_id not in chat.topics:
        raise bad_request("message thread not found")
    ctx.post(chat, {"forum_topic_closed": {}, **chat.thread(call.message_thread_id)})
    return True


async def reopen_forum_topic(ctx: CallContext, call: m.ReopenForumTopic) -> bool:
    """reopenForumTopic: a "topic reopened" service message."""
    chat = _forum(ctx, call.chat_id)
    if call.message_thread_id not in chat.topics:
        raise bad_request("message thread not found")
    ctx.post(chat, {"forum_topic_reopened": {}, **chat.thread(call.message_thread_id)})
    return True


METHODS = MappingProxyType(
    {
        "createForumTopic": MethodSpec(create_forum_topic),
        "closeForumTopic": MethodSpec(close_forum_topic),
        "reopenForumTopic": MethodSpec(reopen_forum_topic),
    }
)
