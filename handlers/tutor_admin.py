"""The tutor's `/tutor` menu: profile, booking settings, reminders, this week's lessons,
students and statistics (lesson types: handlers.tutor_admin_types).

Every edit is a short conversation: a valid-input handler and a wrong-input fallback per state
(text where a photo is expected and the other way round); /cancel leaves it (handlers.common).
The services (services.tutoring.tutor_admin, tutor_stats) check every value; a refusal is told
by handlers.errors and keeps the conversation so the tutor types it again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    TelegramObject,
)
from aiogram.utils.callback_answer import CallbackAnswer

from core.config import Settings
from core.i18n import gettext as _
from core.money import format_price
from db.models import TutorProfile, User
from handlers.provider_kit import edit
from handlers.tutoring import send_week
from keyboards import tutor_admin as kb
from keyboards.tutor_admin import TutorAdminCB, TutorScreen
from services.tutoring import booking, profiles, tutor_admin, tutor_stats
from services.tutoring.tutor_admin import PhotoRef
from services.tutoring.tutor_stats import Figures

STUDENTS_SHOWN = 30
PROFILE_FIELDS = ("subjects", "description", "photo", "timezone")


class TutorEdit(StatesGroup):
    """The `/tutor` menu's conversations: one value each."""

    subjects = State()
    description = State()
    photo = State()
    timezone = State()
    setting = State()
    reminders = State()


class TutorOwner(Filter):
    """Passes the owner of a tutor profile and hands `tutor` to the handler."""

    async def __call__(self, event: TelegramObject, user: User | None = None) -> Any:
        """The person's tutor profile as handler data, or False."""
        if user is None:
            return False
        tutor = await booking.tutor_of(user)
        return {"tutor": tutor} if tutor is not None else False


def not_a_tutor_text() -> str:
    """What someone without a tutor profile hears from the menu."""
    return _("You are not a tutor here. Ask the administrator for an invite.")


def setting_labels() -> dict[str, str]:
    """Booking settings as the tutor reads them, with their units."""
    return {
        "buffer_before": _("Break before a lesson, min"),
        "buffer_after": _("Break after a lesson, min"),
        "min_notice": _("Minimum notice, min"),
        "booking_window": _("Bookable ahead, days"),
        "slot_step": _("Start times every, min"),
        "daily_limit": _("Lessons a day at most"),
        "free_cancel_hours": _("Free cancellation until, h"),
    }


# The menu ------------------------------------------------------------------------------------


def menu_text(tutor: TutorProfile) -> str:
    """The head of the `/tutor` menu."""
    return "\n".join(
        [
            _("<b>{name}</b> · {zone}").format(
                name=escape(tutor.provider.name), zone=escape(tutor.timezone)
            ),
            _("Subjects: {subjects}").format(subjects=escape(tutor.subjects or "—")),
            _("Set your hours with /availability."),
        ]
    )


async def tutor_command(message: Message, tutor: TutorProfile, state: FSMContext) -> None:
    """/tutor: the tutor's menu."""
    await state.clear()
    await message.answer(menu_text(tutor), reply_markup=kb.tutor_menu(tutor.provider_id))


async def not_a_tutor(message: Message) -> None:
    """/tutor from someone without a tutor profile."""
    await message.answer(not_a_tutor_text())


async def stale_button(callback: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    """A menu button of someone who is no longer a tutor here."""
    callback_answer.text = not_a_tutor_text()
    callback_answer.show_alert = True


async def show_menu(callback: CallbackQuery, tutor: TutorProfile, state: FSMContext) -> None:
    """The menu again (Back)."""
    await state.clear()
    await edit(callback, menu_text(tutor), kb.tutor_menu(tutor.provider_id))


async def show_week(callback: CallbackQuery, tutor: TutorProfile) -> None:
    """Today's and this week's lessons, each with its actions."""
    if isinstance(callback.message, Message):
        await send_week(callback.message, tutor)


# Profile -------------------------------------------------------------------------------------


def profile_text(tutor: TutorProfile) -> str:
    """The profile as the tutor sees it before changing it."""
    description = tutor.provider.description or "—"
    photo = _("set") if tutor.photo_file_id else _("none")
    return "\n".join(
        [
            _("👤 <b>Profile</b> · {name}").format(name=escape(tutor.provider.name)),
            _("Subjects: {subjects}").format(subjects=escape(tutor.subjects or "—")),
            _("Description: {text}").format(text=escape(description[:1000])),
            _("Photo: {state}").format(state=photo),
            _("Time zone: {zone}").format(zone=escape(tutor.timezone)),
        ]
    )


async def show_profile(callback: CallbackQuery, tutor: TutorProfile, state: FSMContext) -> None:
    """The profile with what can be changed."""
    await state.clear()
    await edit(callback, profile_text(tutor), kb.profile_keyboard())


def profile_prompt(field: str) -> str:
    """What to send for a profile field."""
    prompts = {
        "subjects": _("Send your subjects, separated by commas (e.g. Maths, Physics)."),
        "description": _("Send a description of yourself for students (up to {max} characters)."),
        "photo": _("Send a photo for your profile (JPEG, PNG or WebP, up to {mb} MB)."),
        "timezone": _("Send your time zone, like Europe/Moscow or Asia/Yekaterinburg."),
    }
    return prompts[field].format(
        max=tutor_admin.MAX_DESCRIPTION, mb=tutor_admin.MAX_PHOTO_BYTES // (1024 * 1024)
    )


async def ask_profile_field(
    callback: CallbackQuery, callback_data: TutorAdminCB, state: FSMContext
) -> None:
    """Ask for the new subjects, description, photo or zone."""
    field = callback_data.field
    if field not in PROFILE_FIELDS:
        return
    await state.set_state(getattr(TutorEdit, field))
    if isinstance(callback.message, Message):
        await callback.message.answer(profile_prompt(field) + "\n" + _("/cancel to stop."))


async def _profile_saved(message: Message, tutor: TutorProfile, state: FSMContext) -> None:
    await state.clear()
    tutor = await TutorProfile.get(id=tutor.id).prefetch_related("provider")
    await message.answer(_("Saved."))
    await message.answer(profile_text(tutor), reply_markup=kb.profile_keyboard())


async def subjects_given(message: Message, tutor: TutorProfile, state: FSMContext) -> None:
    """New subjects."""
    await tutor_admin.set_subjects(tutor, message.text or "")
    await _profile_saved(message, tutor, state)


async def description_given(message: Message, tutor: TutorProfile, state: FSMContext) -> None:
    """A new description."""
    await tutor_admin.set_description(tutor, message.text or "")
    await _profile_saved(message, tutor, state)


async def timezone_given(message: Message, tutor: TutorProfile, state: FSMContext) -> None:
    """A new time zone."""
    await tutor_admin.set_timezone(tutor, message.text or "")
    await _profile_saved(message, tutor, state)


def photo_of(message: Message) -> PhotoRef | None:
    """The picture of a message: a photo, or an image sent as a file."""
    if message.photo:
        largest = message.photo[-1]
        return PhotoRef(largest.file_id, largest.file_size)
    if message.document is not None:
        document = message.document
        return PhotoRef(document.file_id, document.file_size, document.mime_type or "")
    return None


async def photo_given(message: Message, tutor: TutorProfile, state: FSMContext) -> None:
    """A new profile photo (its size and type are checked)."""
    photo = photo_of(message)
    assert photo is not None  # the filter let only photos and documents in
    await tutor_admin.set_photo(tutor, photo)
    await _profile_saved(message, tutor, state)


async def photo_expected(message: Message) -> None:
    """Text or anything else where the profile photo is expected."""
    await message.answer(_("Please send a photo here, or /cancel."))


async def text_expected(message: Message) -> None:
    """A photo, sticker or voice where typed text is expected."""
    await message.answer(_("Please send text here, or /cancel."))


# Booking settings and reminders ----------------------------------------------------------------


def settings_text(tutor: TutorProfile) -> str:
    """Every booking setting with its value."""
    lines = [_("⚙️ <b>Booking settings</b>")]
    for name, label in setting_labels().items():
        value = getattr(tutor, name)
        lines.append(f"{label}: {value if value is not None else '—'}")
    confirm = _("yes") if tutor.requires_confirmation else _("no")
    lines.append(_("You confirm each booking: {answer}").format(answer=confirm))
    return "\n".join(lines)


def _settings_markup(tutor: TutorProfile) -> InlineKeyboardMarkup:
    return kb.settings_keyboard(list(setting_labels().items()), confirm=tutor.requires_confirmation)


async def show_settings(callback: CallbackQuery, tutor: TutorProfile, state: FSMContext) -> None:
    """The booking settings with a button each."""
    await state.clear()
    await edit(callback, settings_text(tutor), _settings_markup(tutor))


async def ask_setting(
    callback: CallbackQuery, callback_data: TutorAdminCB, state: FSMContext
) -> None:
    """Ask for a new value of one setting, naming its limits."""
    name = callback_data.field
    if name not in profiles.SETTING_LIMITS:
        return
    low, high = profiles.SETTING_LIMITS[name]
    await state.set_state(TutorEdit.setting)
    await state.set_data({"name": name})
    text = _("{setting}: send a whole number from {low} to {high}.").format(
        setting=setting_labels()[name], low=low, high=high
    )
    if name == "daily_limit":
        text += "\n" + _("0 removes the limit.")
    if isinstance(callback.message, Message):
        await callback.message.answer(text + "\n" + _("/cancel to stop."))


async def setting_given(message: Message, tutor: TutorProfile, state: FSMContext) -> None:
    """The new value of the setting asked for."""
    name = (await state.get_data()).get("name", "")
    tutor = await tutor_admin.set_setting(tutor, name, message.text or "")
    await state.clear()
    await message.answer(_("Saved."))
    await message.answer(settings_text(tutor), reply_markup=_settings_markup(tutor))


async def toggle_confirmation(callback: CallbackQuery, tutor: TutorProfile) -> None:
    """Switch confirming bookings oneself on or off."""
    tutor = await tutor_admin.toggle_confirmation(tutor)
    await edit(callback, settings_text(tutor), _settings_markup(tutor))


def reminders_text(tutor: TutorProfile, settings: Settings) -> str:
    """The tutor's reminder times and what changing them does."""
    return "\n".join(
        [
            _("⏰ <b>Reminders</b> before each lesson, to you and the student: {offsets}").format(
                offsets=escape(tutor.reminders or settings.lesson_reminders)
            ),
            _(
                "A change applies to lessons booked from now on; lessons already booked keep "
                "their reminders."
            ),
        ]
    )


async def show_reminders(
    callback: CallbackQuery, tutor: TutorProfile, settings: Settings, state: FSMContext
) -> None:
    """The reminder times with a Change button."""
    await state.clear()
    await edit(callback, reminders_text(tutor, settings), kb.reminders_keyboard())


async def ask_reminders(callback: CallbackQuery, state: FSMContext, settings: Settings) -> None:
    """Ask for the reminder times."""
    await state.set_state(TutorEdit.reminders)
    if isinstance(callback.message, Message):
        await callback.message.answer(
            _(
                "Send up to 5 reminder times before a lesson, like 24h,1h or 30m "
                "(d, h, m). “-” goes back to the default ({default})."
            ).format(default=escape(settings.lesson_reminders))
            + "\n"
            + _("/cancel to stop.")
        )


async def reminders_given(
    message: Message, tutor: TutorProfile, state: FSMContext, settings: Settings
) -> None:
    """New reminder times."""
    tutor = await tutor_admin.set_reminders(tutor, message.text or "")
    await state.clear()
    await message.answer(_("Saved."))
    await message.answer(reminders_text(tutor, settings), reply_markup=kb.reminders_keyboard())


# Students and statistics ---------------------------------------------------------------------


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _income(figures: Figures, locale: str) -> str:
    if not figures.income:
        return format_price(0, "RUB", locale)
    return ", ".join(format_price(v, c, locale) for c, v in sorted(figures.income.items()))


async def show_students(callback: CallbackQuery, tutor: TutorProfile) -> None:
    """Each student's prepaid lessons, lessons held and missed, attendance and homework."""
    rows = await tutor_stats.student_figures(tutor)
    lines = [_("🎓 <b>Students</b>")]
    if not rows:
        lines.append(_("No students yet."))
    for row in rows[:STUDENTS_SHOWN]:
        figures = row.figures
        lines.append(
            _(
                "<b>{name}</b>: prepaid {credits} · held {held} · missed {missed} · "
                "attendance {attendance} · homework on time {homework}"
            ).format(
                name=escape(row.student.full_name),
                credits=row.credits,
                held=figures.held,
                missed=figures.no_shows,
                attendance=_rate(figures.attendance),
                homework=_rate(figures.homework_rate),
            )
        )
    if len(rows) > STUDENTS_SHOWN:
        lines.append(_("…and {count} more.").format(count=len(rows) - STUDENTS_SHOWN))
    await edit(callback, "\n".join(lines), kb.back_keyboard())


def stats_text(stats: tutor_stats.TutorStats, locale: str) -> str:
    """The figures of the last weeks."""
    totals = stats.totals
    return "\n".join(
        [
            _("📊 <b>Statistics</b> for the last {weeks} weeks").format(weeks=tutor_stats.WEEKS),
            _("Lessons held: {count}").format(count=totals.held),
            _("No-shows: {count}").format(count=totals.no_shows),
            _("Cancelled by students: {count}").format(count=totals.cancelled),
            _("Cancelled by you: {count}").format(count=totals.cancelled_by_tutor),
            _("Attendance: {rate}").format(rate=_rate(totals.attendance)),
            _("Income before commission: {amount}").format(amount=_income(totals, locale)),
            _("Homework on time: {rate} ({on_time} of {due})").format(
                rate=_rate(totals.homework_rate),
                on_time=totals.homework_on_time,
                due=totals.homework_due,
            ),
        ]
    )


async def show_stats(callback: CallbackQuery, tutor: TutorProfile, locale: str) -> None:
    """The figures, then the weekly chart as a photo."""
    stats = await tutor_stats.tutor_stats(tutor)
    await edit(callback, stats_text(stats, locale), kb.back_keyboard())
    labels = tutor_stats.WeeklyChartLabels(
        title=_("Income and lessons held by week"), income=_("Income, ₽"), held=_("Lessons held")
    )
    png = await tutor_stats.weekly_chart_png(stats.weeks, labels)
    if isinstance(callback.message, Message):
        await callback.message.answer_photo(BufferedInputFile(png, "tutor-stats.png"))


def create_router() -> Router:
    """The `/tutor` menu and its conversations; before handlers.tutoring and the catch-alls."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    owner = TutorOwner()
    msg, cbq = router.message, router.callback_query
    msg.register(tutor_command, Command("tutor"), owner)
    msg.register(not_a_tutor, Command("tutor"))
    msg.register(subjects_given, StateFilter(TutorEdit.subjects), F.text, owner)
    msg.register(description_given, StateFilter(TutorEdit.description), F.text, owner)
    msg.register(timezone_given, StateFilter(TutorEdit.timezone), F.text, owner)
    msg.register(photo_given, StateFilter(TutorEdit.photo), F.photo | F.document, owner)
    msg.register(photo_expected, StateFilter(TutorEdit.photo))
    msg.register(setting_given, StateFilter(TutorEdit.setting), F.text, owner)
    msg.register(reminders_given, StateFilter(TutorEdit.reminders), F.text, owner)
    for state in (
        TutorEdit.subjects,
        TutorEdit.description,
        TutorEdit.timezone,
        TutorEdit.setting,
        TutorEdit.reminders,
    ):
        msg.register(text_expected, StateFilter(state))
    screens: dict[TutorScreen, Callable[..., Awaitable[None]]] = {
        TutorScreen.menu: show_menu,
        TutorScreen.week: show_week,
        TutorScreen.profile: show_profile,
        TutorScreen.edit_profile: ask_profile_field,
        TutorScreen.settings: show_settings,
        TutorScreen.edit_setting: ask_setting,
        TutorScreen.toggle_confirmation: toggle_confirmation,
        TutorScreen.reminders: show_reminders,
        TutorScreen.edit_reminders: ask_reminders,
        TutorScreen.students: show_students,
        TutorScreen.stats: show_stats,
    }
    for screen, handler in screens.items():
        cbq.register(handler, TutorAdminCB.filter(F.screen == screen), owner)
    return router


def create_stale_router() -> Router:
    """Must come after handlers.tutor_admin_types: `/tutor` buttons of someone who is no
    longer a tutor."""
    router = Router(name=__name__ + ".stale")
    router.callback_query.register(stale_button, TutorAdminCB.filter())
    return router
