"""Buttons of tutoring: lessons (join, move, cancel), tutors' actions, free times."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from core.i18n import gettext as _


class LessonAction(StrEnum):
    """What a lesson button does."""

    cancel = "c"
    cancel_sure = "cs"
    move = "m"
    confirm = "ok"
    held = "h"
    no_show = "ns"
    tutor_cancel = "tc"


class LessonCB(CallbackData, prefix="ls"):
    """An action on one lesson."""

    action: LessonAction
    lesson_id: int


class SlotCB(CallbackData, prefix="sl"):
    """Book (or move a lesson to) a free start time: Unix minutes keep it short."""

    tutor_id: int
    lesson_type_id: int
    minute: int
    move: int = 0
    """A lesson id being moved, 0 for a new booking."""


class WaitCB(CallbackData, prefix="wl"):
    """Join the waitlist of a taken start time (Unix minutes)."""

    tutor_id: int
    lesson_type_id: int
    minute: int


class TutorPayCB(CallbackData, prefix="tp"):
    """Buy one of a tutor's offers, or pay a held lesson; without a channel: show the ways."""

    offer_id: int = 0
    lesson_id: int = 0
    channel: str = ""
    """A PaymentChannel value, or empty for the choice of ways to pay."""


class ReturnCB(CallbackData, prefix="tr"):
    """Return a package's unused lessons to the student's wallet (tutor or admin)."""

    package_id: int


class TutorCB(CallbackData, prefix="tu"):
    """Open a tutor's page, or a lesson type's free times from day `day` (0: today)."""

    tutor_id: int
    lesson_type_id: int = 0
    day: int = 0


def is_link(location: str) -> bool:
    """A meeting link Telegram can open as a URL button."""
    return location.startswith(("https://", "http://"))


def student_lesson_keyboard(
    lesson_id: int, location: str, *, can_change: bool
) -> InlineKeyboardMarkup:
    """Join, move and cancel buttons of a student's upcoming lesson."""
    builder = InlineKeyboardBuilder()
    if is_link(location):
        builder.row(InlineKeyboardButton(text=_("🔗 Join"), url=location))
    if can_change:
        builder.button(
            text=_("🔁 Reschedule"),
            callback_data=LessonCB(action=LessonAction.move, lesson_id=lesson_id),
        )
    builder.button(
        text=_("✖️ Cancel"),
        callback_data=LessonCB(action=LessonAction.cancel, lesson_id=lesson_id),
    )
    builder.adjust(1, 2) if is_link(location) else builder.adjust(2)
    return builder.as_markup()


def cancel_confirm_keyboard(lesson_id: int) -> InlineKeyboardMarkup:
    """Ask once more before a cancellation."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Yes, cancel"),
        callback_data=LessonCB(action=LessonAction.cancel_sure, lesson_id=lesson_id),
    )
    return builder.as_markup()


def tutor_lesson_keyboard(lesson_id: int, *, pending: bool, started: bool) -> InlineKeyboardMarkup:
    """A tutor's actions on one lesson."""
    builder = InlineKeyboardBuilder()
    if pending:
        builder.button(
            text=_("✅ Confirm"),
            callback_data=LessonCB(action=LessonAction.confirm, lesson_id=lesson_id),
        )
    elif started:
        builder.button(
            text=_("✅ Held"), callback_data=LessonCB(action=LessonAction.held, lesson_id=lesson_id)
        )
        builder.button(
            text=_("🚫 No-show"),
            callback_data=LessonCB(action=LessonAction.no_show, lesson_id=lesson_id),
        )
    builder.button(
        text=_("✖️ Cancel lesson"),
        callback_data=LessonCB(action=LessonAction.tutor_cancel, lesson_id=lesson_id),
    )
    builder.adjust(2)
    return builder.as_markup()


def waitlist_keyboard(tutor_id: int, lesson_type_id: int, minute: int) -> InlineKeyboardMarkup:
    """Offer to wait for a taken time."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("⏳ Join the waitlist"),
        callback_data=WaitCB(tutor_id=tutor_id, lesson_type_id=lesson_type_id, minute=minute),
    )
    return builder.as_markup()


def offer_keyboard(tutor_id: int, lesson_type_id: int, minute: int) -> InlineKeyboardMarkup:
    """Book the time offered from the waitlist."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✅ Book it"),
        callback_data=SlotCB(tutor_id=tutor_id, lesson_type_id=lesson_type_id, minute=minute),
    )
    return builder.as_markup()
