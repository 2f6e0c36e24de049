"""The tutor's lesson types from the `/tutor` menu: list, add (title, duration, price in
roubles, optional Stars price, link or address), edit one field, hide or offer again.

Lesson types are never deleted (lessons point at them): a hidden one is not offered for new
bookings. Each step has a valid-input handler and a wrong-input fallback; values are checked
by services.tutoring.tutor_admin and a refusal keeps the step (handlers.errors).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from core.i18n import gettext as _
from core.money import STARS, format_price
from db.models import LessonType, TutorProfile
from handlers.provider_kit import edit
from handlers.tutor_admin import TutorOwner, text_expected
from keyboards import tutor_admin as kb
from keyboards.tutor_admin import TYPE_FIELDS, TutorAdminCB, TutorScreen
from services.tutoring import tutor_admin


class AddLessonType(StatesGroup):
    """Adding a lesson type, one value a step."""

    title = State()
    duration = State()
    price = State()
    stars = State()
    location = State()


class EditLessonType(StatesGroup):
    """A new value of one field of a lesson type."""

    value = State()


def type_label(lesson_type: LessonType, locale: str) -> str:
    """`Algebra · 60 min · 1 500,00 ₽ · ⭐ 75` (hidden ones marked)."""
    parts = [
        lesson_type.title,
        _("{minutes} min").format(minutes=lesson_type.duration),
        format_price(lesson_type.price, lesson_type.currency, locale),
    ]
    if lesson_type.stars_price:
        parts.append(format_price(lesson_type.stars_price, STARS, locale))
    label = " · ".join(parts)
    return label if lesson_type.is_active else _("🙈 {label} (hidden)").format(label=label)


def field_prompt(field: str) -> str:
    """What to send for a lesson type's field."""
    prompts = {
        "title": _("Send the title of the lesson type (e.g. Algebra, 60 minutes)."),
        "duration": _("Send the duration in minutes, from 15 to 480."),
        "price": _("Send the price of one lesson in roubles, like 1500 or 1500.50 (0: free)."),
        "stars_price": _("Send the price in Telegram Stars, a whole number, or “-” for none."),
        "location": _("Send the meeting link or the address, or “-” for none."),
    }
    return prompts[field] + "\n" + _("/cancel to stop.")


async def show_types(
    callback: CallbackQuery, tutor: TutorProfile, state: FSMContext, locale: str
) -> None:
    """The tutor's lesson types, hidden ones too, with Add."""
    await state.clear()
    types = await tutor_admin.all_lesson_types(tutor)
    text = _("📋 <b>Lesson types</b>") + "\n" + _("Pick one to change or hide it.")
    if not types:
        text += "\n" + _("No lesson types yet: students cannot book until you add one.")
    await edit(callback, text, kb.types_keyboard([(x.id, type_label(x, locale)) for x in types]))


async def type_card(lesson_type: LessonType, locale: str) -> str:
    """One lesson type with every field."""
    lessons = await tutor_admin.lessons_of_type(lesson_type)
    return "\n".join(
        [
            f"<b>{escape(type_label(lesson_type, locale))}</b>",
            _("Link or address: {location}").format(location=escape(lesson_type.location or "—")),
            _("Lessons booked with it: {count}").format(count=lessons),
        ]
    )


async def show_type(
    callback: CallbackQuery,
    callback_data: TutorAdminCB,
    tutor: TutorProfile,
    state: FSMContext,
    locale: str,
) -> None:
    """One lesson type with its buttons."""
    await state.clear()
    lesson_type = await tutor_admin.lesson_type_of(tutor, callback_data.id)
    markup = kb.lesson_type_keyboard(lesson_type.id, hidden=not lesson_type.is_active)
    await edit(callback, await type_card(lesson_type, locale), markup)


async def _answer_card(message: Message, lesson_type: LessonType, locale: str) -> None:
    markup = kb.lesson_type_keyboard(lesson_type.id, hidden=not lesson_type.is_active)
    await message.answer(await type_card(lesson_type, locale), reply_markup=markup)


async def set_hidden(
    callback: CallbackQuery,
    callback_data: TutorAdminCB,
    tutor: TutorProfile,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    """Hide a lesson type from new bookings, or offer it again."""
    hidden = callback_data.screen == TutorScreen.hide_type
    lesson_type = await tutor_admin.set_lesson_type_hidden(tutor, callback_data.id, hidden=hidden)
    callback_answer.text = (
        _("Hidden: students cannot book it; booked lessons stay.")
        if hidden
        else _("Offered again.")
    )
    markup = kb.lesson_type_keyboard(lesson_type.id, hidden=hidden)
    await edit(callback, await type_card(lesson_type, locale), markup)


# Adding ----------------------------------------------------------------------------------------


async def start_add(callback: CallbackQuery, state: FSMContext) -> None:
    """Ask for the new lesson type's title."""
    await state.set_state(AddLessonType.title)
    await state.set_data({})
    if isinstance(callback.message, Message):
        await callback.message.answer(field_prompt("title"))


async def title_given(message: Message, state: FSMContext) -> None:
    """The title; next, the duration."""
    await state.update_data(title=tutor_admin.parse_title(message.text or ""))
    await state.set_state(AddLessonType.duration)
    await message.answer(field_prompt("duration"))


async def duration_given(message: Message, state: FSMContext) -> None:
    """The duration in minutes; next, the price."""
    await state.update_data(duration=tutor_admin.parse_duration(message.text or ""))
    await state.set_state(AddLessonType.price)
    await message.answer(field_prompt("price"))


async def price_given(message: Message, state: FSMContext) -> None:
    """The price in roubles; next, the optional Stars price."""
    await state.update_data(price=tutor_admin.parse_rub_price(message.text or ""))
    await state.set_state(AddLessonType.stars)
    await message.answer(field_prompt("stars_price"))


async def stars_given(message: Message, state: FSMContext) -> None:
    """The Stars price or none; next, the link or address."""
    await state.update_data(stars=tutor_admin.parse_stars(message.text or ""))
    await state.set_state(AddLessonType.location)
    await message.answer(field_prompt("location"))


async def location_given(
    message: Message, tutor: TutorProfile, state: FSMContext, locale: str
) -> None:
    """The link or address: the lesson type is created and offered."""
    location = tutor_admin.parse_location(message.text or "")
    data = await state.get_data()
    lesson_type = await tutor_admin.create_lesson_type(
        tutor,
        title=data["title"],
        duration=data["duration"],
        price=data["price"],
        stars_price=data.get("stars"),
        location=location,
    )
    await state.clear()
    await message.answer(_("✅ Lesson type added: students can book it now."))
    await _answer_card(message, lesson_type, locale)


# Editing ---------------------------------------------------------------------------------------


async def ask_field(
    callback: CallbackQuery, callback_data: TutorAdminCB, tutor: TutorProfile, state: FSMContext
) -> None:
    """Ask for a new value of one field of a lesson type."""
    if callback_data.field not in TYPE_FIELDS:
        return
    lesson_type = await tutor_admin.lesson_type_of(tutor, callback_data.id)
    await state.set_state(EditLessonType.value)
    await state.set_data({"id": lesson_type.id, "field": callback_data.field})
    if isinstance(callback.message, Message):
        await callback.message.answer(field_prompt(callback_data.field))


async def value_given(
    message: Message, tutor: TutorProfile, state: FSMContext, locale: str
) -> None:
    """The new value: saved; lessons already booked keep their time and price."""
    data = await state.get_data()
    lesson_type = await tutor_admin.edit_lesson_type(
        tutor, data["id"], data["field"], message.text or ""
    )
    await state.clear()
    await message.answer(_("Saved. Lessons already booked keep their time and price."))
    await _answer_card(message, lesson_type, locale)


def create_router() -> Router:
    """Lesson types of the `/tutor` menu; before handlers.tutor_admin's stale-button router."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    owner = TutorOwner()
    msg, cbq = router.message, router.callback_query
    msg.register(title_given, StateFilter(AddLessonType.title), F.text)
    msg.register(duration_given, StateFilter(AddLessonType.duration), F.text)
    msg.register(price_given, StateFilter(AddLessonType.price), F.text)
    msg.register(stars_given, StateFilter(AddLessonType.stars), F.text)
    msg.register(location_given, StateFilter(AddLessonType.location), F.text, owner)
    msg.register(value_given, StateFilter(EditLessonType.value), F.text, owner)
    for state in (*AddLessonType.__states__, EditLessonType.value):
        msg.register(text_expected, StateFilter(state))
    screens: dict[TutorScreen, Callable[..., Awaitable[None]]] = {
        TutorScreen.types: show_types,
        TutorScreen.lesson_type: show_type,
        TutorScreen.add_type: start_add,
        TutorScreen.edit_type: ask_field,
        TutorScreen.hide_type: set_hidden,
        TutorScreen.show_type: set_hidden,
    }
    for screen, handler in screens.items():
        cbq.register(handler, TutorAdminCB.filter(F.screen == screen), owner)
    return router
