"""What every admin module shares: the admin filter and in-place screens."""

from __future__ import annotations

from typing import Any

from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import BaseFilter
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from core.config import Settings
from db.models import User
from services.users import is_admin


class IsAdmin(BaseFilter):
    """Passes for admins only; others fall through to the catch-alls as if nothing was here."""

    async def __call__(self, event: Any, user: User | None = None, **data: Any) -> bool:
        """True for an admin named in ADMIN_IDS or holding the admin role."""
        settings: Settings | None = data.get("settings")
        return user is not None and settings is not None and is_admin(user, settings.admin_ids)


async def show(
    callback: CallbackQuery, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> None:
    """Replace the screen the button was on (a double click that changes nothing is fine)."""
    message = callback.message
    if not isinstance(message, Message):
        return
    try:
        await message.edit_text(text, reply_markup=keyboard)
    except TelegramBadRequest as error:
        if "message is not modified" not in error.message:
            raise


def chunk_lines(lines: list[str], more: str, limit: int = 3800) -> str:
    """Join lines while they fit in one message; `more` ({count}) says how many were left."""
    out: list[str] = []
    size = 0
    for index, line in enumerate(lines):
        if size + len(line) + 1 > limit:
            out.append(more.format(count=len(lines) - index))
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)
