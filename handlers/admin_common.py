"""What every admin module shares: the admin filter and in-place screens."""

from __future__ import annotations

from typing import Any

from aiogram.filters import BaseFilter
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from core.config import Settings
from core.i18n import gettext as _
from db.models import User
from handlers.ui import edit_in_place
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
    await edit_in_place(message if isinstance(message, Message) else None, text, keyboard)


async def typed_reason(message: Message, limit: int) -> str | None:
    """A typed reason with its spaces folded; None (and the person asked again) when it is
    empty or longer than `limit`."""
    reason = " ".join((message.text or "").split())
    if not reason or len(reason) > limit:
        await message.answer(
            _("The reason must be 1 to {max} characters. Type it again, or /cancel.").format(
                max=limit
            )
        )
        return None
    return reason


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
