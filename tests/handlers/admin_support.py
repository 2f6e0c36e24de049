"""Shared pieces of the admin chat tests (tests/handlers/test_admin_*.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from aiogram.types import InlineKeyboardMarkup, Message

from core.config import Settings

ADMIN_ID = 999  # ADMIN_IDS of the test settings (tests/conftest.py)
INVITE_RE = re.compile(r"https://t\.me/prilavok_test_bot\?start=(inv_[A-Za-z0-9-]+)")


@pytest.fixture
def make_settings(make_settings: Callable[..., Settings]) -> Callable[..., Settings]:
    """A test admin answers every prompt within milliseconds, faster than anyone types.

    The per-person throttle (8 updates in 5 s) would cut such a conversation short, so it is
    widened; Telegram's flood limits of the emulator stay on.
    """

    def factory(**overrides: Any) -> Settings:
        overrides.setdefault("throttle_rate", "100/5seconds")
        return make_settings(**overrides)

    return factory


def text_of(message: Message | None) -> str:
    """The plain text (or caption) of a message the bot sent."""
    assert message is not None
    return message.text or message.caption or ""


def labels(message: Message | None) -> list[str]:
    """The labels of a message's inline buttons."""
    assert message is not None
    markup = message.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup), f"no inline keyboard on {message.text!r}"
    return [button.text for row in markup.inline_keyboard for button in row]
