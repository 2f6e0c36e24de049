"""Bot settings (commands, descriptions, menu button), chats, files and query answers."""

from __future__ import annotations

import json
import re
from types import MappingProxyType
from typing import Any

from aiogram import methods as m
from aiogram.types import InlineQueryResultArticle, InputTextMessageContent, MenuButtonWebApp

from sandbox.common import JsonDict, random_id
from sandbox.errors import QUERY_TOO_OLD, bad_request
from sandbox.keyboards import check_web_app_url, dump
from sandbox.limits import (
    CALLBACK_ANSWER_LIMIT,
    COMMAND_DESCRIPTION_LIMIT,
    COMMANDS_LIMIT,
    DESCRIPTION_LIMIT,
    SHORT_DESCRIPTION_LIMIT,
)
from sandbox.methods.base import CallContext, MethodSpec
from sandbox.methods.content import text_content
from sandbox.state import CallbackAnswer

_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE = re.compile(r"(|[a-z]{2})")
_DOWNLOAD_LIMIT = 20 * 1024 * 1024
_NO_GIFTS = {
    "unlimited_gifts": False,
    "limited_gifts": False,
    "unique_gifts": False,
    "premium_subscription": False,
    "gifts_from_channels": False,
}
_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_send_welcome_messages",
)


def _commands_key(scope: Any, language_code: str | None) -> tuple[str, str]:
    language = language_code or ""
    if not _LANGUAGE.fullmatch(language):
        raise bad_request("LANG_CODE_INVALID")
    scope_key = json.dumps(dump(scope), sort_keys=True) if scope else '{"type": "default"}'
    return scope_key, language


async def set_my_commands(ctx: CallContext, call: m.SetMyCommands) -> bool:
    """setMyCommands: ≤100 commands, [a-z0-9_]{1,32}, descriptions 1-256 characters."""
    if len(call.commands) > COMMANDS_LIMIT:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    for command in call.commands:
        if not _COMMAND.fullmatch(command.command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(command.description.strip()) <= COMMAND_DESCRIPTION_LIMIT:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    key = _commands_key(call.scope, call.language_code)
    ctx.bot.commands[key] = [dump(command) for command in call.commands]
    return True


async def get_my_commands(ctx: CallContext, call: m.GetMyCommands) -> list[JsonDict]:
    """getMyCommands for exactly this scope and language."""
    return ctx.bot.commands.get(_commands_key(call.scope, call.language_code), [])


async def delete_my_commands(ctx: CallContext, call: m.DeleteMyCommands) -> bool:
    """deleteMyCommands."""
    ctx.bot.commands.pop(_commands_key(call.scope, call.language_code), None)
    return True


def _set_text(
    ctx: CallContext, kind: str, value: str | None, language: str | None, limit: int
) -> bool:
    if value and len(value) > limit:
        raise bad_request(f"{kind.replace('_', ' ')} is too long")
    key = (kind, language or "")
    if value:
        ctx.bot.texts[key] = value
    else:
        ctx.bot.texts.pop(key, None)
    return True


def _get_text(ctx: CallContext, kind: str, language: str | None) -> JsonDict:
    texts = ctx.bot.texts
    value = texts.get((kind, language or ""), texts.get((kind, ""), ""))
    if kind == "name" and not value:
        value = ctx.bot.user["first_name"]
    return {kind: value}


async def set_my_description(ctx: CallContext, call: m.SetMyDescription) -> bool:
    """setMyDescription (≤512 characters)."""
    return _set_text(ctx, "description", call.description, call.language_code, DESCRIPTION_LIMIT)


async def set_my_short_description(ctx: CallContext, call: m.SetMyShortDescription) -> bool:
    """setMyShortDescription (≤120 characters)."""
    return _set_text(
        ctx,
        "short_description",
        call.short_description,
        call.language_code,
        SHORT_DESCRIPTION_LIMIT,
    )


async def set_my_name(ctx: CallContext, call: m.SetMyName) -> bool:
    """setMyName (≤64 characters)."""
    return _set_text(ctx, "name", call.name, call.language_code, 64)


async def get_my_description(ctx: CallContext, call: m.GetMyDescription) -> JsonDict:
    """getMyDescription."""
    return _get_text(ctx, "description", call.language_code)


async def get_my_short_description(ctx: CallContext, call: m.GetMyShortDescription) -> JsonDict:
    """getMyShortDescription."""
    return _get_text(ctx, "short_description", call.language_code)


async def get_my_name(ctx: CallContext, call: m.GetMyName) -> JsonDict:
    """getMyName."""
    return _get_text(ctx, "name", call.language_code)


async def set_chat_menu_button(ctx: CallContext, call: m.SetChatMenuButton) -> bool:
    """setChatMenuButton for one private chat or, without chat_id, for all of them."""
    button = call.menu_button
    if isinstance(button, MenuButtonWebApp):
        if not button.text:
            raise bad_request("menu button text is empty")
        check_web_app_url(button.web_app.url, "Menu button")
    data = dump(button) if button is not None else {"type": "default"}
    if call.chat_id is None:
        ctx.bot.default_menu_button = data if data["type"] != "default" else {"type": "commands"}
        chats = [chat for chat in ctx.bot.chats.values() if chat.is_private]
    else:
        chat = ctx.chat(call.chat_id)
        if not chat.is_private:
            raise bad_request("menu button can be set only in private chats")
        chat.menu_button = None if data["type"] == "default" else data
        chats = [chat]
    for chat in chats:
        chat.record("menu_button", {"menu_button": chat.menu_button or ctx.bot.default_menu_button})
    return True


async def get_chat_menu_button(ctx: CallContext, call: m.GetChatMenuButton) -> JsonDict:
    """getChatMenuButton."""
    if call.chat_id is not None:
        chat = ctx.chat(call.chat_id)
        if chat.menu_button is not None:
            return chat.menu_button
    return ctx.bot.default_menu_button


async def get_chat(ctx: CallContext, call: m.GetChat) -> JsonDict:
    """getChat: a ChatFullInfo with the fields Telegram always sends."""
    chat = ctx.chat(call.chat_id)
    info = {
        **chat.chat,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": dict(_NO_GIFTS),
    }
    if chat.pinned:
        info["pinned_message"] = chat.messages.get(chat.pinned[-1])
    return info


async def get_chat_member(ctx: CallContext, call: m.GetChatMember) -> JsonDict:
    """getChatMember: members of private chats and sandbox groups; the bot is an admin."""
    chat = ctx.chat(call.chat_id)
    if call.user_id == ctx.bot.id:
        if chat.is_private:
            return {"status": "member", "user": ctx.bot.user}
        rights = dict.fromkeys(_ADMIN_RIGHTS, True)
        return {
            "status": "administrator",
            "user": ctx.bot.user,
            "can_be_edited": False,
            "is_anonymous": False,
            **rights,
        }
    members = {chat.id} if chat.is_private else chat.member_ids
    profile = ctx.emulator.profile(call.user_id)
    if call.user_id not in members or profile is None:
        raise bad_request("user not found")
    if chat.is_private and chat.blocked:
        return {"status": "kicked", "user": profile.as_user(), "until_date": 0}
    return {"status": "member", "user": profile.as_user()}


async def get_file(ctx: CallContext, call: m.GetFile) -> JsonDict:
    """getFile: a file_path to download from /file/bot<token>/<file_path>."""
    stored = ctx.emulator.files.get(call.file_id)
    if stored is None:
        raise bad_request("invalid file_id")
    if stored.file_size > _DOWNLOAD_LIMIT:
        raise bad_request("file is too big")
    return stored.as_file()


async def answer_callback_query(ctx: CallContext, call: m.AnswerCallbackQuery) -> bool:
    """answerCallbackQuery: once per query, before it gets too old; text ≤200 characters."""
    query = ctx.bot.callback_queries.get(call.callback_query_id)
    ttl = ctx.emulator.timings.callback_query_ttl
    if query is None or query.answer is not None or ctx.emulator.clock() - query.created > ttl:
        raise bad_request(QUERY_TOO_OLD)
    if call.text and len(call.text) > CALLBACK_ANSWER_LIMIT:
        raise bad_request("MESSAGE_TOO_LONG")
    answer = CallbackAnswer(
        query_id=query.id,
        text=call.text,
        show_alert=bool(call.show_alert),
        url=call.url,
        message_id=query.message_id,
    )
    query.answer = {"text": call.text, "show_alert": answer.show_alert, "url": call.url}
    query.answered.set()
    ctx.bot.callback_answers.setdefault(query.user_id, []).append(answer)
    chat = ctx.bot.chats.get(query.chat_id) if query.chat_id is not None else None
    if chat is not None:
        chat.record("callback_answer", {**query.answer, "user_id": query.user_id})
    return True


async def answer_web_app_query(ctx: CallContext, call: m.AnswerWebAppQuery) -> JsonDict:
    """answerWebAppQuery: the user's message "via @bot" in the chat the Mini App came from."""
    query = ctx.bot.web_app_queries.pop(call.web_app_query_id, None)
    if query is None or query.chat_id is None:
        raise bad_request("QUERY_ID_INVALID")
    result = call.result
    if not (
        isinstance(result, InlineQueryResultArticle)
        and isinstance(result.input_message_content, InputTextMessageContent)
    ):
        raise bad_request("the sandbox supports only articles with text content here")
    text = result.input_message_content
    mode = text.parse_mode if isinstance(text.parse_mode, str) else None
    content = text_content(text.message_text, mode, text.entities)
    profile = ctx.emulator.profile(query.user_id)
    chat = ctx.chat(query.chat_id)
    sender = (
        profile.as_user()
        if profile
        else {"id": query.user_id, "is_bot": False, "first_name": "User"}
    )
    chat.post(sender, {**content, "via_bot": ctx.bot.user}, ctx.now())
    return {"inline_message_id": random_id()}


METHODS = MappingProxyType(
    {
        "setMyCommands": MethodSpec(set_my_commands),
        "getMyCommands": MethodSpec(get_my_commands),
        "deleteMyCommands": MethodSpec(delete_my_commands),
        "setMyDescription": MethodSpec(set_my_description),
        "getMyDescription": MethodSpec(get_my_description),
        "setMyShortDescription": MethodSpec(set_my_short_description),
        "getMyShortDescription": MethodSpec(get_my_short_description),
        "setMyName": MethodSpec(set_my_name),
        "getMyName": MethodSpec(get_my_name),
        "setChatMenuButton": MethodSpec(set_chat_menu_button),
        "getChatMenuButton": MethodSpec(get_chat_menu_button),
        "getChat": MethodSpec(get_chat),
        "getChatMember": MethodSpec(get_chat_member),
        "getFile": MethodSpec(get_file),
        "answerCallbackQuery": MethodSpec(answer_callback_query),
        "answerWebAppQuery": MethodSpec(answer_web_app_query),
    }
)
