"""Checks on inline and reply keyboards, the way Telegram refuses bad ones."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from aiogram.types import (
    ForceReply,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from pydantic import BaseModel

from sandbox.common import JsonDict
from sandbox.errors import bad_request
from sandbox.limits import (
    CALLBACK_DATA_LIMIT,
    INLINE_KEYBOARD_BUTTONS_LIMIT,
    INLINE_KEYBOARD_ROW_LIMIT,
)

INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
REPLY_ACTIONS = (
    "request_users",
    "request_chat",
    "request_contact",
    "request_location",
    "request_poll",
    "web_app",
)


def dump(obj: BaseModel) -> JsonDict:
    """An aiogram object as Telegram's JSON (aliases, no nulls)."""
    return obj.model_dump(mode="json", exclude_none=True, by_alias=True)


def check_reply_markup(
    markup: Any, *, private_chat: bool, allow_pay: bool = False, inline_only: bool = False
) -> JsonDict | None:
    """Validate any reply_markup and return it as JSON, or raise a 400 like Telegram."""
    if markup is None:
        return None
    if isinstance(markup, InlineKeyboardMarkup):
        data = dump(markup)
        _check_inline(data, private_chat=private_chat, allow_pay=allow_pay)
        return data
    if inline_only:
        raise bad_request("inline keyboard expected")
    if isinstance(markup, ReplyKeyboardMarkup):
        data = dump(markup)
        _check_reply_keyboard(data, private_chat=private_chat)
        return data
    if isinstance(markup, ReplyKeyboardRemove | ForceReply):
        return dump(markup)
    raise bad_request("can't parse reply keyboard markup JSON object")


def _check_inline(markup: JsonDict, *, private_chat: bool, allow_pay: bool) -> None:
    rows = markup.get("inline_keyboard", [])
    if sum(len(row) for row in rows) > INLINE_KEYBOARD_BUTTONS_LIMIT:
        raise bad_request("BUTTONS_TOO_MUCH")
    for row_index, row in enumerate(rows):
        if len(row) > INLINE_KEYBOARD_ROW_LIMIT:
            raise bad_request("BUTTONS_TOO_MUCH")
        for column, button in enumerate(row):
            _check_inline_button(
                button,
                private_chat=private_chat,
                pay_allowed=allow_pay and row_index == 0 and column == 0,
            )


def _check_inline_button(button: JsonDict, *, private_chat: bool, pay_allowed: bool) -> None:
    if not button.get("text"):
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = [name for name in INLINE_ACTIONS if button.get(name) is not None]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be "
            f"used, found {', '.join(actions)}"
        )
    action = actions[0]
    if action == "callback_data":
        size = len(button["callback_data"].encode("utf-8"))
        if not 1 <= size <= CALLBACK_DATA_LIMIT:
            raise bad_request("BUTTON_DATA_INVALID")
    elif action == "url":
        if not _is_button_url(button["url"]):
            raise bad_request("BUTTON_URL_INVALID")
    elif action == "web_app":
        if not private_chat:
            raise bad_request("BUTTON_TYPE_INVALID")
        _check_web_app_url(button["web_app"].get("url", ""), "Inline keyboard button")
    elif action == "pay" and not pay_allowed:
        raise bad_request("BUTTON_TYPE_INVALID")


def _check_reply_keyboard(markup: JsonDict, *, private_chat: bool) -> None:
    rows = markup.get("keyboard", [])
    if not any(rows):
        raise bad_request("keyboard must be non-empty")
    for row in rows:
        for button in row:
            if not button.get("text"):
                raise bad_request("BUTTON_TEXT_INVALID")
            actions = [name for name in REPLY_ACTIONS if button.get(name)]
            if len(actions) > 1:
                raise bad_request(
                    "can't parse keyboard button: exactly one of the optional fields must be "
                    f"used, found {', '.join(actions)}"
                )
            if actions and actions[0] != "request_poll" and not private_chat:
                raise bad_request("BUTTON_TYPE_INVALID")
            if actions == ["web_app"]:
                _check_web_app_url(button["web_app"].get("url", ""), "Keyboard button")
    if len(markup.get("input_field_placeholder", "")) > 64:
        raise bad_request("input field placeholder is too long")


def _is_button_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "tg", ""):
        return False
    return bool(parts.netloc or parts.path) and " " not in url


def check_web_app_url(url: str, what: str = "Web App") -> None:
    """Telegram opens Mini Apps only over HTTPS; the sandbox also allows HTTP on local hosts."""
    _check_web_app_url(url, what)


def _check_web_app_url(url: str, what: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and is_local_host(parts.hostname or ""):
        return  # a Mini App on a developer's machine or LAN; real Telegram would refuse it
    raise bad_request(f"{what} Web App URL '{url}' is invalid: Only HTTPS links are allowed")


def is_local_host(host: str) -> bool:
    """localhost, loopback or private-network addresses, where the sandbox allows HTTP."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
        return address.is_loopback or address.is_private
    except ValueError:
        return False
