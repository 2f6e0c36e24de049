"""Buttons of the tutor's `/tutor` menu: profile, lesson types, booking settings, reminders,
this week's lessons, students and statistics (`ta:` callbacks)."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from core.i18n import gettext as _
from keyboards.homework import tutor_menu_button


class TutorScreen(StrEnum):
    """What a `/tutor` menu button opens or does."""

    menu = "m"
    profile = "p"
    edit_profile = "ep"
    types = "t"
    lesson_type = "lt"
    add_type = "at"
    edit_type = "et"
    hide_type = "ht"
    show_type = "st"
    settings = "s"
    edit_setting = "es"
    toggle_confirmation = "tc"
    reminders = "r"
    edit_reminders = "er"
    week = "w"
    students = "sd"
    stats = "x"


class TutorAdminCB(CallbackData, prefix="ta"):
    """A `/tutor` menu button: the screen, a field or setting name, a lesson type id."""

    screen: TutorScreen
    field: str = ""
    id: int = 0


def _button(text: str, screen: TutorScreen, field: str = "", id: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=TutorAdminCB(screen=screen, field=field, id=id).pack()
    )


def back_button(screen: TutorScreen = TutorScreen.menu) -> InlineKeyboardButton:
    """Back to a screen of the menu (the menu itself by default)."""
    return _button(_("◀️ Back"), screen)


def tutor_menu(provider_id: int) -> InlineKeyboardMarkup:
    """The `/tutor` menu."""
    rows = [
        [_button(_("👤 Profile"), TutorScreen.profile)],
        [_button(_("📋 Lesson types"), TutorScreen.types)],
        [
            _button(_("⚙️ Booking settings"), TutorScreen.settings),
            _button(_("⏰ Reminders"), TutorScreen.reminders),
        ],
        [_button(_("📅 Today / This week"), TutorScreen.week)],
        [
            _button(_("🎓 Students"), TutorScreen.students),
            _button(_("📊 Statistics"), TutorScreen.stats),
        ],
        [tutor_menu_button(provider_id)],
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def profile_keyboard() -> InlineKeyboardMarkup:
    """What of the profile the tutor can change."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(_("Subjects"), TutorScreen.edit_profile, "subjects"),
                _button(_("Description"), TutorScreen.edit_profile, "description"),
            ],
            [
                _button(_("Photo"), TutorScreen.edit_profile, "photo"),
                _button(_("Time zone"), TutorScreen.edit_profile, "timezone"),
            ],
            [back_button()],
        ]
    )


def types_keyboard(types: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    """The tutor's lesson types (hidden ones marked by the caller), then Add and Back."""
    rows = [[_button(label[:60], TutorScreen.lesson_type, id=id)] for id, label in types]
    rows.append([_button(_("➕ Add a lesson type"), TutorScreen.add_type)])
    rows.append([back_button()])
    return InlineKeyboardMarkup(inline_keyboard=rows)


TYPE_FIELDS = ("title", "duration", "price", "stars_price", "location")


def lesson_type_keyboard(lesson_type_id: int, *, hidden: bool) -> InlineKeyboardMarkup:
    """Edit one field of a lesson type, hide or offer it again."""
    names = {
        "title": _("Title"),
        "duration": _("Duration"),
        "price": _("Price, ₽"),
        "stars_price": _("Price, ⭐"),
        "location": _("Link or address"),
    }
    builder = InlineKeyboardBuilder()
    for name in TYPE_FIELDS:
        builder.add(_button(names[name], TutorScreen.edit_type, name, lesson_type_id))
    if hidden:
        builder.add(_button(_("👁 Offer again"), TutorScreen.show_type, id=lesson_type_id))
    else:
        builder.add(_button(_("🙈 Hide"), TutorScreen.hide_type, id=lesson_type_id))
    builder.add(back_button(TutorScreen.types))
    builder.adjust(2, 2, 1, 1, 1)
    return builder.as_markup()


def settings_keyboard(names: list[tuple[str, str]], *, confirm: bool) -> InlineKeyboardMarkup:
    """One button per numeric setting (name, label), the confirmation switch and Back."""
    builder = InlineKeyboardBuilder()
    for name, label in names:
        builder.add(_button(label, TutorScreen.edit_setting, name))
    label = _("Confirm bookings myself: on") if confirm else _("Confirm bookings myself: off")
    builder.add(_button(label, TutorScreen.toggle_confirmation))
    builder.add(back_button())
    builder.adjust(2)
    return builder.as_markup()


def reminders_keyboard() -> InlineKeyboardMarkup:
    """Change the reminder offsets, or go back."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("✏️ Change"), TutorScreen.edit_reminders)],
            [back_button()],
        ]
    )


def back_keyboard(screen: TutorScreen = TutorScreen.menu) -> InlineKeyboardMarkup:
    """Only a Back button."""
    return InlineKeyboardMarkup(inline_keyboard=[[back_button(screen)]])
