"""Small helpers shared by the emulator's modules."""

from __future__ import annotations

import copy
import secrets
from typing import Any

JsonDict = dict[str, Any]
"""A Bot API object as Telegram serialises it (Message, User, Chat, ...)."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def utf8_offset(text: str, index: int) -> int:
    """Byte offset of `text[index]` in UTF-8, the unit of Telegram's parse errors."""
    return len(text[:index].encode("utf-8"))


def random_id(nbytes: int = 12) -> str:
    """An opaque URL-safe identifier (file ids, query ids, charge ids)."""
    return secrets.token_urlsafe(nbytes)


def random_int_id() -> str:
    """A numeric identifier as a string, like Telegram's callback query ids."""
    return str(secrets.randbits(62))


def clone(obj: JsonDict) -> JsonDict:
    """A deep copy, so stored state never aliases what was handed out."""
    return copy.deepcopy(obj)
