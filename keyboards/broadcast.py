"""Callback data and keyboards of broadcasts: the admin's composer and the recipients' button."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from core.i18n import gettext as _
from core.texts import shorten
from db.models import Provider
from services.broadcasts import Audience, Segment

ACTIVE_CHOICES: tuple[int | None, ...] = (None, 7, 30, 90)
LOCALE_CHOICES: tuple[str | None, ...] = (None, "ru", "en")


class ComposeAction(StrEnum):
    """Buttons of the composer."""

    skip_buttons = "skb"
    audience = "aud"
    provider = "prv"
    locale = "loc"
    active = "act"
    cart = "cart"
    preview = "pre"
    send = "send"
    schedule = "sch"
    back = "back"
    drop = "drop"


class ComposeCB(CallbackData, prefix="bc"):
    """A step of composing; `draft` (8 hex) makes a button of an older draft stale."""

    action: ComposeAction
    draft: str
    value: str = ""


class ProgressCB(CallbackData, prefix="bp"):
    """Cancel a running broadcast (from its progress message)."""

    broadcast_id: int


class StopCB(CallbackData, prefix="bs"):
    """ "Stop these messages" under a broadcast: no more marketing for this person."""


def stop_button() -> InlineKeyboardButton:
    """The recipient's opt-out button."""
    return InlineKeyboardButton(text=_("🔕 Stop these messages"), callback_data=StopCB().pack())


def broadcast_keyboard(buttons: Sequence[Sequence[str]]) -> InlineKeyboardMarkup:
    """A broadcast's URL buttons, then the opt-out button."""
    rows = [[InlineKeyboardButton(text=label, url=url)] for label, url in buttons]
    rows.append([stop_button()])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def skip_buttons(draft: str) -> InlineKeyboardMarkup:
    """ "No buttons" while URL buttons are asked for."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("⏭ No buttons"),
        callback_data=ComposeCB(action=ComposeAction.skip_buttons, draft=draft),
    )
    return builder.as_markup()


def audience_label(segment: Segment) -> str:
    """The audience button's label."""
    if segment.audience is Audience.provider:
        return _("👥 Customers of a shop")
    if segment.audience is Audience.tutor:
        return _("👥 Students of a tutor")
    return _("👥 Everyone")


def segment_screen(draft: str, segment: Segment) -> InlineKeyboardMarkup:
    """The segment's switches (each press moves to the next value) and what to do next."""

    def cb(action: ComposeAction, value: str = "") -> str:
        return ComposeCB(action=action, draft=draft, value=value).pack()

    locale = {None: _("any"), "ru": "Русский", "en": "English"}[segment.locale]
    active = (
        _("any time")
        if segment.active_days is None
        else _("last {days} days").format(days=segment.active_days)
    )
    rows = [
        [
            InlineKeyboardButton(
                text=audience_label(segment), callback_data=cb(ComposeAction.audience)
            )
        ],
        [
            InlineKeyboardButton(
                text=_("🌐 Language: {value}").format(value=locale),
                callback_data=cb(ComposeAction.locale),
            )
        ],
        [
            InlineKeyboardButton(
                text=_("🕒 Active: {value}").format(value=active),
                callback_data=cb(ComposeAction.active),
            )
        ],
        [
            InlineKeyboardButton(
                text=(_("✅ Has an unpaid cart") if segment.unpaid_cart else _("🛒 Any cart")),
                callback_data=cb(ComposeAction.cart),
            )
        ],
        [InlineKeyboardButton(text=_("👁 Preview to me"), callback_data=cb(ComposeAction.preview))],
        [
            InlineKeyboardButton(text=_("🚀 Send now"), callback_data=cb(ComposeAction.send)),
            InlineKeyboardButton(text=_("🗓 Schedule"), callback_data=cb(ComposeAction.schedule)),
        ],
        [InlineKeyboardButton(text=_("✖️ Discard"), callback_data=cb(ComposeAction.drop))],
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def provider_choice(draft: str, providers: Sequence[Provider]) -> InlineKeyboardMarkup:
    """Pick the shop or tutor whose people get the broadcast."""
    builder = InlineKeyboardBuilder()
    for provider in providers:
        builder.button(
            text=shorten(provider.name, 40),
            callback_data=ComposeCB(
                action=ComposeAction.provider, draft=draft, value=str(provider.id)
            ),
        )
    builder.button(
        text=_("« Back"), callback_data=ComposeCB(action=ComposeAction.back, draft=draft)
    )
    builder.adjust(1)
    return builder.as_markup()


def back_to_segment(draft: str) -> InlineKeyboardMarkup:
    """Back from typing a time to the segment screen."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("« Back"), callback_data=ComposeCB(action=ComposeAction.back, draft=draft)
    )
    return builder.as_markup()


def progress(broadcast_id: int) -> InlineKeyboardMarkup:
    """The running broadcast's cancel button."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("⏹ Cancel the broadcast"), callback_data=ProgressCB(broadcast_id=broadcast_id)
    )
    return builder.as_markup()
