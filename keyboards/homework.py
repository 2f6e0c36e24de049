"""Buttons of homework and materials, for students (`hw:`) and tutors (`th:`)."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from core.i18n import gettext as _

SHORT = 28


def short(text: str, limit: int = SHORT) -> str:
    """The first words of a text, on one line."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class StudentAction(StrEnum):
    """What a student does with homework and materials."""

    list = "ls"
    open = "op"
    files = "fl"
    submit = "sb"
    send = "sd"
    materials = "mt"
    material = "m1"


class StudentCB(CallbackData, prefix="hw"):
    """A student's homework button; `id` is a homework's or a material's."""

    action: StudentAction
    id: int = 0


class TutorAction(StrEnum):
    """What a tutor does with homework and materials."""

    menu = "mn"
    assign = "as"
    pick = "pk"
    """Pick a student (`student_id`) for a homework, or a material (`all` for everyone)."""
    files_done = "fd"
    skip_checklist = "sc"
    confirm = "ok"
    submissions = "sb"
    all = "al"
    open = "op"
    files = "fl"
    grade = "gr"
    skip_comment = "nc"
    delete = "dl"
    delete_yes = "dy"
    materials = "mt"
    share = "sh"
    share_all = "sa"
    unshare = "us"
    change_due = "cd"


class TutorCB(CallbackData, prefix="th"):
    """A tutor's homework button, always naming the tutor provider it acts for."""

    action: TutorAction
    provider_id: int
    id: int = 0
    """A homework, a student or a material, by the action."""
    value: int = 0
    """A grade: 1–5, or 10 (pass) and 11 (fail)."""


PASS = 10
FAIL = 11


def tutor_menu_button(provider_id: int) -> InlineKeyboardButton:
    """The entry to homework and materials, for the tutor's `/tutor` menu."""
    return InlineKeyboardButton(
        text=_("📚 Homework and materials"),
        callback_data=TutorCB(action=TutorAction.menu, provider_id=provider_id).pack(),
    )


def _tb(text: str, action: TutorAction, provider_id: int, id: int = 0, value: int = 0) -> dict:
    return {
        "text": text,
        "callback_data": TutorCB(action=action, provider_id=provider_id, id=id, value=value).pack(),
    }


def tutor_menu(provider_id: int, waiting: int) -> InlineKeyboardMarkup:
    """The tutor's homework menu."""
    builder = InlineKeyboardBuilder()
    builder.button(**_tb(_("➕ Assign homework"), TutorAction.assign, provider_id))
    builder.button(
        **_tb(
            _("📥 To grade ({count})").format(count=waiting), TutorAction.submissions, provider_id
        )
    )
    builder.button(**_tb(_("📋 All homework"), TutorAction.all, provider_id))
    builder.button(**_tb(_("📚 Materials"), TutorAction.materials, provider_id))
    builder.button(**_tb(_("➕ Share a material"), TutorAction.share, provider_id))
    builder.adjust(1)
    return builder.as_markup()


def pick_student(
    provider_id: int, students: list[tuple[int, str]], *, for_all: bool = False
) -> InlineKeyboardMarkup:
    """Known students as buttons (and "all my students" for a material)."""
    builder = InlineKeyboardBuilder()
    if for_all:
        builder.button(**_tb(_("👥 All my students"), TutorAction.share_all, provider_id))
    for student_id, name in students[:30]:
        builder.button(**_tb(short(name), TutorAction.pick, provider_id, student_id))
    builder.adjust(1)
    return builder.as_markup()


def one_button(text: str, action: TutorAction, provider_id: int) -> InlineKeyboardMarkup:
    """A single button (Next, Skip, Assign)."""
    builder = InlineKeyboardBuilder()
    builder.button(**_tb(text, action, provider_id))
    return builder.as_markup()


def homework_list(
    provider_id: int, items: list[tuple[int, str]], back: bool = True
) -> InlineKeyboardMarkup:
    """Homework of a tutor as buttons."""
    builder = InlineKeyboardBuilder()
    for homework_id, label in items:
        builder.button(**_tb(label, TutorAction.open, provider_id, homework_id))
    if back:
        builder.button(**_tb(_("⬅️ Back"), TutorAction.menu, provider_id))
    builder.adjust(1)
    return builder.as_markup()


def tutor_card(
    provider_id: int, homework_id: int, *, files: int, gradable: bool, movable: bool = False
) -> InlineKeyboardMarkup:
    """A homework's card for the tutor: files, grades when submitted, delete, back."""
    builder = InlineKeyboardBuilder()
    sizes = []
    if files:
        builder.button(
            **_tb(
                _("📎 Files ({count})").format(count=files),
                TutorAction.files,
                provider_id,
                homework_id,
            )
        )
        sizes.append(1)
    if gradable:
        for score in range(5, 0, -1):
            builder.button(**_tb(str(score), TutorAction.grade, provider_id, homework_id, score))
        builder.button(**_tb(_("✅ Pass"), TutorAction.grade, provider_id, homework_id, PASS))
        builder.button(**_tb(_("❌ Fail"), TutorAction.grade, provider_id, homework_id, FAIL))
        sizes += [5, 2]
    if movable:
        builder.button(
            **_tb(_("📅 Change the due time"), TutorAction.change_due, provider_id, homework_id)
        )
        sizes.append(1)
    builder.button(**_tb(_("🗑 Delete"), TutorAction.delete, provider_id, homework_id))
    builder.button(**_tb(_("⬅️ Back"), TutorAction.menu, provider_id))
    builder.adjust(*sizes, 2)
    return builder.as_markup()


def confirm_delete(provider_id: int, homework_id: int) -> InlineKeyboardMarkup:
    """Delete for sure, or go back."""
    builder = InlineKeyboardBuilder()
    builder.button(**_tb(_("🗑 Yes, delete"), TutorAction.delete_yes, provider_id, homework_id))
    builder.button(**_tb(_("⬅️ Back"), TutorAction.open, provider_id, homework_id))
    return builder.as_markup()


def tutor_materials(provider_id: int, items: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    """The tutor's materials, each with a button that stops sharing it."""
    builder = InlineKeyboardBuilder()
    for material_id, label in items:
        builder.button(
            **_tb(
                _("🗑 {title}").format(title=short(label)),
                TutorAction.unshare,
                provider_id,
                material_id,
            )
        )
    builder.button(**_tb(_("➕ Share a material"), TutorAction.share, provider_id))
    builder.button(**_tb(_("⬅️ Back"), TutorAction.menu, provider_id))
    builder.adjust(1)
    return builder.as_markup()


def _sb(text: str, action: StudentAction, id: int = 0) -> dict:
    return {"text": text, "callback_data": StudentCB(action=action, id=id).pack()}


def student_list(items: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    """The student's homework as buttons, and materials."""
    builder = InlineKeyboardBuilder()
    for homework_id, label in items:
        builder.button(**_sb(label, StudentAction.open, homework_id))
    builder.button(**_sb(_("📚 Materials"), StudentAction.materials))
    builder.adjust(1)
    return builder.as_markup()


def student_card(homework_id: int, *, files: int, open_: bool) -> InlineKeyboardMarkup:
    """A homework's card for the student."""
    builder = InlineKeyboardBuilder()
    if open_:
        builder.button(**_sb(_("📤 Submit"), StudentAction.submit, homework_id))
    if files:
        builder.button(
            **_sb(_("📎 Files ({count})").format(count=files), StudentAction.files, homework_id)
        )
    builder.button(**_sb(_("⬅️ My homework"), StudentAction.list))
    builder.adjust(1)
    return builder.as_markup()


def open_homework(homework_id: int) -> InlineKeyboardMarkup:
    """Under a notice or a reminder: open the homework."""
    builder = InlineKeyboardBuilder()
    builder.button(**_sb(_("📝 Open homework"), StudentAction.open, homework_id))
    return builder.as_markup()


def send_submission(homework_id: int) -> InlineKeyboardMarkup:
    """Send what the student has typed and attached."""
    builder = InlineKeyboardBuilder()
    builder.button(**_sb(_("✅ Send for review"), StudentAction.send, homework_id))
    return builder.as_markup()


def student_materials(items: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    """Materials shared with the student."""
    builder = InlineKeyboardBuilder()
    for material_id, label in items:
        builder.button(**_sb(short(label, 40), StudentAction.material, material_id))
    builder.button(**_sb(_("⬅️ My homework"), StudentAction.list))
    builder.adjust(1)
    return builder.as_markup()


def open_submission(provider_id: int, homework_id: int) -> InlineKeyboardMarkup:
    """Under the tutor's notice of a submission: open it to grade."""
    builder = InlineKeyboardBuilder()
    builder.button(**_tb(_("📥 Open to grade"), TutorAction.open, provider_id, homework_id))
    return builder.as_markup()


def student_materials_one(material_id: int, title: str) -> InlineKeyboardMarkup:
    """Under the notice of a shared material: open it."""
    builder = InlineKeyboardBuilder()
    builder.button(**_sb(short(title, 40), StudentAction.material, material_id))
    return builder.as_markup()
