"""Sharing from a Mini App: savePreparedInlineMessage (the page's `shareMessage` sends it)."""

from __future__ import annotations

from types import MappingProxyType

from aiogram import methods as m

from sandbox.common import JsonDict, random_id
from sandbox.errors import bad_request
from sandbox.methods.base import CallContext, MethodSpec
from sandbox.state import PreparedMessage

PREPARED_MESSAGE_TTL = 24 * 3600
"""Telegram keeps a prepared message for a day."""
MESSAGE_LIMIT = 4096


def _check_result(result: JsonDict) -> None:
    """The inline result checks Telegram makes before saving it."""
    if not result.get("id") or len(str(result["id"]).encode()) > 64:
        raise bad_request("RESULT_ID_INVALID")
    content = result.get("input_message_content")
    if result.get("type") == "article":
        if not result.get("title"):
            raise bad_request("RESULT_TITLE_EMPTY")
        if not isinstance(content, dict):
            raise bad_request("an article needs input_message_content")
    text = content.get("message_text") if isinstance(content, dict) else None
    if text is not None and not 1 <= len(str(text)) <= MESSAGE_LIMIT:
        raise bad_request("MESSAGE_TOO_LONG" if text else "MESSAGE_EMPTY")


async def save_prepared_inline_message(
    ctx: CallContext, call: m.SavePreparedInlineMessage
) -> JsonDict:
    """savePreparedInlineMessage: kept for the user for a day; the sandbox page shows it when
    the user's Mini App calls shareMessage(id)."""
    if not any(
        (
            call.allow_user_chats,
            call.allow_bot_chats,
            call.allow_group_chats,
            call.allow_channel_chats,
        )
    ):
        raise bad_request("at least one chat type must be allowed")
    # A field the bot left to its defaults (parse_mode) arrives unset: leave it out.
    result = call.result.model_dump(
        mode="json", exclude_none=True, by_alias=True, fallback=lambda _: None
    )
    _check_result(result)
    prepared = PreparedMessage(
        id=random_id(8),
        user_id=call.user_id,
        result=result,
        expiration_date=ctx.now() + PREPARED_MESSAGE_TTL,
    )
    ctx.bot.prepared_messages[prepared.id] = prepared
    return {"id": prepared.id, "expiration_date": prepared.expiration_date}


METHODS = MappingProxyType(
    {"savePreparedInlineMessage": MethodSpec(save_prepared_inline_message)},
)
