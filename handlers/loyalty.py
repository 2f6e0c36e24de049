"""/card: the member card (a QR code of the member id) with the points and when they expire."""

from __future__ import annotations

import asyncio

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message

from core.config import Settings
from core.i18n import gettext as _
from core.texts import local_time
from db.models import User
from services import loyalty
from services.qr_codes import qr_png


def card_caption(summary: loyalty.LoyaltySummary, settings: Settings) -> str:
    """The member id, the points and the nearest expiry."""
    lines = [
        _("💳 <b>Member card</b> {member_id}").format(member_id=summary.member_id),
        _("Points: {points} (1 point = 1 ₽)").format(points=summary.points),
        _("Show this code to the seller. Points come for completed orders."),
    ]
    if summary.next_expiry is not None and summary.expiring:
        lines.append(
            _("{points} of them expire on {when}.").format(
                points=summary.expiring, when=local_time(summary.next_expiry, settings.timezone)
            )
        )
    return "\n".join(lines)


async def card_command(message: Message, user: User, settings: Settings) -> None:
    """The card as a photo of its QR code (drawn off the event loop)."""
    summary = await loyalty.summary(user)
    png = await asyncio.to_thread(qr_png, summary.member_id)
    await message.answer_photo(
        BufferedInputFile(png, filename=f"card-{summary.member_id}.png"),
        caption=card_caption(summary, settings),
    )


def create_router() -> Router:
    """/card in private chats."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.message.register(card_command, Command("card"))
    return router
