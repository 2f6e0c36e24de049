"""Tutoring in the chat: find a tutor, see free times in one's own zone, book, /lessons
(move, cancel, join) for students; /availability for tutors and their week's lessons with their
actions (confirm, held, no-show, cancel), which the /tutor menu (handlers.tutor_admin) shows.

Handlers only render: every rule is in services.tutoring, and refusals (a time just taken, no
prepaid lessons, a stale button) are explained by handlers.errors.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from loguru import logger

from core.config import Settings
from core.errors import InvalidInput, NotFound
from core.i18n import I18n, pick_locale
from core.i18n import gettext as _
from core.money import format_price
from core.problems import explain
from core.tutoring_texts import lesson_status_name
from db.models import Lesson, LessonStatus, LessonType, TutorProfile, User
from handlers import tutoring_pay
from keyboards.tutoring import (
    LessonAction,
    LessonCB,
    SlotCB,
    TutorCB,
    WaitCB,
    cancel_confirm_keyboard,
    student_lesson_keyboard,
    tutor_lesson_keyboard,
    waitlist_keyboard,
)
from services import users
from services.events import ShopEvents
from services.tutoring import booking, calendar, money, profiles
from services.tutoring.errors import SlotTaken

TUTOR_PAYLOAD = r"^tutor_\d{1,10}$"
DAYS_SHOWN = 3
SLOTS_SHOWN = 24
LESSONS_SHOWN = 10
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RULE = re.compile(
    r"^(?P<day>[a-z]{3}|\d{4}-\d{2}-\d{2})\s+(?:(?P<off>off)|(?P<start>\d{1,2}[:.]\d{2})\s*-\s*"
    r"(?P<end>\d{1,2}[:.]\d{2}))$"
)


def _zone(user: User, settings: Settings) -> str:
    return user.timezone or settings.timezone


def _when(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%a %d.%m %H:%M")


async def _tutor_page(
    tutor: TutorProfile, user: User, locale: str
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    types = await booking.lesson_types(tutor)
    credits = await money.credits_left(user.id, tutor.id)
    lines = [f"<b>{escape(tutor.provider.name)}</b>"]
    if tutor.subjects:
        lines.append(escape(tutor.subjects))
    if tutor.provider.description:
        lines.append(escape(tutor.provider.description[:800]))
    lines.append(
        _("Free cancellation until {hours} h before a lesson.").format(
            hours=tutor.free_cancel_hours
        )
    )
    lines.append(_("Your prepaid lessons here: {count}").format(count=credits))
    rows = [
        [
            InlineKeyboardButton(
                text=f"{x.title} · {x.duration} min · {format_price(x.price, x.currency, locale)}",
                callback_data=TutorCB(tutor_id=tutor.provider_id, lesson_type_id=x.id).pack(),
            )
        ]
        for x in types
    ]
    rows += await tutoring_pay.offer_rows(tutor, locale)
    return "\n".join(lines), rows


async def open_tutor_link(
    message: Message, command: CommandObject, user: User, locale: str
) -> None:
    """/start tutor_<id>: the tutor's page."""
    tutor = await booking.get_tutor(int(str(command.args).removeprefix("tutor_")))
    await _send_tutor_page(message, tutor, user, locale)


async def _send_tutor_page(message: Message, tutor: TutorProfile, user: User, locale: str) -> None:
    """The tutor's photo (when set in the /tutor menu), then the page with the lesson types."""
    if tutor.photo_file_id:
        await message.answer_photo(tutor.photo_file_id)
    text, rows = await _tutor_page(tutor, user, locale)
    await message.answer(text, reply_markup=InlineKeyboardBuilder(rows).as_markup())


async def tutors_command(message: Message, command: CommandObject) -> None:
    """/tutors [subject]: tutors, optionally of one subject."""
    found = await booking.list_tutors(command.args)
    if not found:
        await message.answer(_("No tutors found. Try another subject."))
        return
    builder = InlineKeyboardBuilder()
    for tutor in found[:20]:
        label = tutor.provider.name + (f" · {tutor.subjects}" if tutor.subjects else "")
        builder.button(text=label[:60], callback_data=TutorCB(tutor_id=tutor.provider_id))
    builder.adjust(1)
    await message.answer(_("Tutors:"), reply_markup=builder.as_markup())


async def _slots_markup(
    tutor: TutorProfile, lesson_type: LessonType, day: int, zone: str, move: int = 0
) -> tuple[str, InlineKeyboardBuilder]:
    viewer = ZoneInfo(zone)
    first = datetime.now(UTC).astimezone(viewer).date() + timedelta(days=day)
    start, end = booking.viewer_range(first, DAYS_SHOWN, viewer)
    slots = (await booking.free_slots(tutor, lesson_type, start, end))[:SLOTS_SHOWN]
    builder = InlineKeyboardBuilder()
    for slot in slots:
        builder.button(
            text=_when(slot, zone),
            callback_data=SlotCB(
                tutor_id=tutor.provider_id,
                lesson_type_id=lesson_type.id,
                minute=int(slot.timestamp()) // 60,
                move=move,
            ),
        )
    if day + DAYS_SHOWN < tutor.booking_window:
        builder.button(
            text=_("Later ▶"),
            callback_data=TutorCB(
                tutor_id=tutor.provider_id, lesson_type_id=lesson_type.id, day=day + DAYS_SHOWN
            ),
        )
    builder.adjust(2)
    text = _("Free times of “{title}” ({zone}):").format(
        title=escape(lesson_type.title), zone=escape(zone)
    )
    if not slots:
        text += "\n" + _("No free times on these days.")
    return text, builder


async def open_tutor(
    callback: CallbackQuery, callback_data: TutorCB, user: User, locale: str, settings: Settings
) -> None:
    """A tutor's page, or a lesson type's free times."""
    tutor = await booking.get_tutor(callback_data.tutor_id)
    assert isinstance(callback.message, Message)
    if not callback_data.lesson_type_id:
        await _send_tutor_page(callback.message, tutor, user, locale)
        return
    lesson_type = await LessonType.get_or_none(
        id=callback_data.lesson_type_id, tutor_id=tutor.id, is_active=True
    )
    if lesson_type is None:
        raise NotFound(entity="lesson_type")
    text, builder = await _slots_markup(
        tutor, lesson_type, callback_data.day, _zone(user, settings)
    )
    await callback.message.answer(text, reply_markup=builder.as_markup())


def _lesson_line(lesson: Lesson, zone: str) -> str:
    title = lesson.lesson_type.title if hasattr(lesson, "lesson_type") else ""
    return (
        f"{_when(lesson.starts_at, zone)} · {escape(title)} · {lesson_status_name(lesson.status)}"
    )


async def pick_slot(
    callback: CallbackQuery, callback_data: SlotCB, user: User, settings: Settings
) -> None:
    """Book the pressed time (with a prepaid lesson), or move a lesson there."""
    start = datetime.fromtimestamp(callback_data.minute * 60, UTC)
    assert isinstance(callback.message, Message)
    if callback_data.move:
        lesson = await booking.reschedule(
            user, callback_data.move, start, default_reminders=settings.lesson_reminders
        )
        head = _("🔁 Moved to {time}.")
    else:
        try:
            lesson = (
                await booking.book(
                    user,
                    callback_data.tutor_id,
                    callback_data.lesson_type_id,
                    start,
                    client_key=f"chat-{callback.id}",
                    pay=booking.Pay.auto,
                    default_reminders=settings.lesson_reminders,
                )
            ).lesson
        except SlotTaken as taken:  # the flow branches: offer the waitlist
            await callback.message.answer(
                explain(taken)
                + "\n"
                + _("You can wait for it: if it frees, it is offered to you."),
                reply_markup=waitlist_keyboard(
                    callback_data.tutor_id, callback_data.lesson_type_id, callback_data.minute
                ),
            )
            return
        if lesson.status == LessonStatus.awaiting_payment:
            await callback.message.answer(
                tutoring_pay.held_text(lesson, _zone(user, settings)),
                reply_markup=await tutoring_pay.held_lesson_markup(lesson, settings),
            )
            return
        head = _("✅ Booked: {time}.")
        if lesson.status == LessonStatus.pending:
            head += "\n" + _("The tutor will confirm it.")
    await _send_lesson(callback.message, lesson, user, settings, head)


async def _send_lesson(
    message: Message, lesson: Lesson, user: User, settings: Settings, head: str
) -> None:
    zone = _zone(user, settings)
    tutor = await TutorProfile.get(id=lesson.tutor_id).prefetch_related("provider")
    lesson_type = await LessonType.get(id=lesson.lesson_type_id)
    text = head.format(time=_when(lesson.starts_at, zone) + f" ({zone})")
    text += "\n" + f"{escape(lesson_type.title)} · {escape(tutor.provider.name)}"
    if lesson.status == LessonStatus.awaiting_payment:  # still to be paid: the ways to pay
        text += "\n" + lesson_status_name(lesson.status)
        await message.answer(
            text, reply_markup=await tutoring_pay.held_lesson_markup(lesson, settings)
        )
        return
    can_change = datetime.now(UTC) <= booking.free_change_until(lesson, tutor)
    await message.answer(
        text,
        reply_markup=student_lesson_keyboard(
            lesson.id, lesson_type.location, can_change=can_change
        ),
    )


async def join_waitlist(callback: CallbackQuery, callback_data: WaitCB, user: User) -> None:
    """Wait for a taken time."""
    start = datetime.fromtimestamp(callback_data.minute * 60, UTC)
    await booking.wait_for(user, callback_data.tutor_id, callback_data.lesson_type_id, start)
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("⏳ You are on the waitlist. If the time frees, you will be offered it first in line.")
    )


async def lessons_command(message: Message, user: User, settings: Settings) -> None:
    """/lessons: upcoming lessons with their buttons, the last ones held, prepaid lessons."""
    zone = _zone(user, settings)
    upcoming = await booking.student_lessons(user, upcoming=True)
    past = await booking.student_lessons(user, upcoming=False)
    lines = [_("<b>My lessons</b> ({zone})").format(zone=escape(zone))]
    if not upcoming:
        lines.append(_("No upcoming lessons. Find a tutor with /tutors."))
    if past:
        lines.append(_("Past:"))
        lines += [_lesson_line(x, zone) for x in past[:5]]
    for tutor_id in {x.tutor_id for x in [*upcoming, *past]}:
        tutor = await TutorProfile.get(id=tutor_id).prefetch_related("provider")
        lines.append(
            _("Prepaid lessons with {tutor}: {count}").format(
                tutor=escape(tutor.provider.name), count=await money.credits_left(user.id, tutor_id)
            )
        )
    await message.answer("\n".join(lines))
    for lesson in upcoming[:LESSONS_SHOWN]:
        await _send_lesson(message, lesson, user, settings, "{time}")


async def lesson_action(
    callback: CallbackQuery,
    callback_data: LessonCB,
    user: User,
    settings: Settings,
    shop_events: ShopEvents,
    bot: Bot,
    i18n: I18n,
) -> None:
    """A student's or tutor's button on a lesson."""
    action, lesson_id = callback_data.action, callback_data.lesson_id
    assert isinstance(callback.message, Message)
    percent = settings.platform_commission_percent
    if action == LessonAction.cancel:
        await callback.message.answer(
            _(
                "Cancel this lesson? Until the free-cancellation deadline the lesson comes "
                "back to you; later it counts as given."
            ),
            reply_markup=cancel_confirm_keyboard(lesson_id),
        )
        return
    if action == LessonAction.cancel_sure:
        lesson = await booking.cancel_by_student(
            user, lesson_id, default_percent=percent, events=shop_events
        )
    elif action == LessonAction.move:
        moving = await Lesson.get_or_none(id=lesson_id, student_id=user.id)
        if moving is None:
            raise NotFound(entity="lesson")
        tutor = await TutorProfile.get(id=moving.tutor_id).prefetch_related("provider")
        lesson_type = await LessonType.get(id=moving.lesson_type_id)
        text, builder = await _slots_markup(
            tutor, lesson_type, 0, _zone(user, settings), move=moving.id
        )
        await callback.message.answer(text, reply_markup=builder.as_markup())
        return
    elif action == LessonAction.confirm:
        lesson = await booking.confirm(user, lesson_id)
    elif action == LessonAction.tutor_cancel:
        lesson = await booking.cancel_by_tutor(user, lesson_id)
    else:
        outcome = LessonStatus.held if action == LessonAction.held else LessonStatus.no_show
        lesson = await booking.close(
            user, lesson_id, outcome, default_percent=percent, events=shop_events
        )
    await callback.message.answer(
        _("Lesson of {time}: {status}.").format(
            time=_when(lesson.starts_at, _zone(user, settings)),
            status=lesson_status_name(lesson.status),
        )
    )
    if action in (LessonAction.confirm, LessonAction.tutor_cancel):
        await _tell_student(bot, i18n, settings, lesson)


async def _tell_student(bot: Bot, i18n: I18n, settings: Settings, lesson: Lesson) -> None:
    """The tutor confirmed or cancelled: the student hears of it in their language (a push that
    only informs: the lesson's state is already saved)."""
    student = await User.get(id=lesson.student_id)
    if student.tg_id is None or student.bot_blocked or student.is_anonymized:
        return
    zone = _zone(student, settings)
    locale = pick_locale(student.locale, student.language_code, default=settings.default_locale)
    with i18n.use_locale(locale):
        when = _when(lesson.starts_at, zone) + f" ({zone})"
        if lesson.status == LessonStatus.cancelled_by_tutor:
            text = _("✖️ The tutor cancelled the lesson of {time}. Your prepaid lesson is back.")
        else:
            text = _("✅ The tutor confirmed the lesson of {time}.")
        text = text.format(time=when)
    try:
        await bot.send_message(student.tg_id, text)
    except TelegramForbiddenError:
        await users.mark_bot_blocked(student.tg_id)
    except TelegramAPIError as exc:
        logger.warning("Could not tell student {} about lesson {}: {}", student.id, lesson.id, exc)


async def send_week(message: Message, tutor: TutorProfile) -> None:
    """The tutor's lessons of today and the next six days, each active one with its actions
    (the `/tutor` menu's "Today / This week")."""
    zone = ZoneInfo(tutor.timezone)
    today = datetime.now(UTC).astimezone(zone).date()
    start, end = booking.viewer_range(today, 7, zone)
    lessons = await booking.tutor_lessons(tutor, start, end)
    lines = [
        _("<b>{name}</b> · {zone}").format(
            name=escape(tutor.provider.name), zone=escape(tutor.timezone)
        ),
        _("Set your hours with /availability."),
        _("Lessons this week: {count}").format(count=len(lessons)),
    ]
    await message.answer("\n".join(lines))
    now = datetime.now(UTC)
    for lesson in lessons[:LESSONS_SHOWN]:
        if lesson.status not in booking.ACTIVE:
            continue
        student = lesson.student
        when = _when(lesson.starts_at, tutor.timezone)
        text = f"{when} · {escape(lesson.lesson_type.title)} · {escape(student.full_name)}"
        await message.answer(
            text,
            reply_markup=tutor_lesson_keyboard(
                lesson.id,
                pending=lesson.status == LessonStatus.pending,
                started=lesson.starts_at <= now,
            ),
        )


def _rule_lines(text: str) -> list[str]:
    return [line.strip().lower() for line in re.split(r"[;\n]", text) if line.strip()]


async def availability_command(message: Message, command: CommandObject, user: User) -> None:
    """/availability Mon 10:00-14:00; 2026-03-10 off; 2026-03-11 18:00-20:00; clear"""
    tutor = await booking.tutor_of(user)
    if tutor is None:
        await message.answer(_("You are not a tutor here. Ask the administrator for an invite."))
        return
    if not command.args:
        await message.answer(
            _(
                "Send your hours in your zone ({zone}), separated by “;”:\n"
                "/availability Mon 10:00-14:00; Mon 16:00-18:00\n"
                "A day off: 2026-03-10 off. An extra window: 2026-03-11 18:00-20:00.\n"
                "“clear” removes the weekly hours (booked lessons stay)."
            ).format(zone=escape(tutor.timezone))
        )
        return
    added, kept = 0, []
    for line in _rule_lines(command.args):
        if line == "clear":
            await profiles.clear_rules(tutor)
            continue
        match = _RULE.match(line)
        if match is None:
            raise InvalidInput(field="window", reason="order")
        day = match.group("day")
        if day in WEEKDAYS:
            if match.group("off"):
                await profiles.clear_rules(tutor, WEEKDAYS.index(day))
                continue
            await profiles.add_rule(
                tutor,
                WEEKDAYS.index(day),
                profiles.parse_minute(match.group("start")),
                profiles.parse_minute(match.group("end")),
            )
        else:
            try:
                when = date.fromisoformat(day)
            except ValueError:
                raise InvalidInput(field="window", reason="order") from None
            if match.group("off"):
                kept += await profiles.add_override(tutor, when, day_off=True)
            else:
                await profiles.add_override(
                    tutor,
                    when,
                    day_off=False,
                    start_minute=profiles.parse_minute(match.group("start")),
                    end_minute=profiles.parse_minute(match.group("end")),
                )
        added += 1
    text = _("Saved: {count}.").format(count=added)
    if kept:
        text += "\n" + _(
            "These lessons are already booked on your day off and stay booked; cancel them "
            "yourself if needed: {times}"
        ).format(times=", ".join(_when(x.starts_at, tutor.timezone) for x in kept))
    await message.answer(text)


async def calendar_command(message: Message, user: User, settings: Settings) -> None:
    """/calendar: the private iCalendar link of the person's lessons."""
    token = await calendar.feed_token(user)
    await message.answer(
        _(
            "Your lessons as a calendar (add it in your calendar app, keep it private):\n{url}"
        ).format(url=escape(f"{settings.public_base_url}/calendar/{token}.ics"))
    )


def create_link_router() -> Router:
    """Must come before the /start router: tutor_<id> payloads are handled here."""
    router = Router(name=__name__ + ".link")
    router.message.filter(F.chat.type == "private")
    router.message.register(
        open_tutor_link, CommandStart(deep_link=True, magic=F.args.regexp(TUTOR_PAYLOAD))
    )
    return router


def create_router() -> Router:
    """Students' and tutors' commands and buttons (/tutor itself is handlers.tutor_admin)."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.message.register(tutors_command, Command("tutors"))
    router.message.register(lessons_command, Command("lessons"))
    router.message.register(availability_command, Command("availability"))
    router.message.register(calendar_command, Command("calendar"))
    router.callback_query.register(open_tutor, TutorCB.filter())
    router.callback_query.register(pick_slot, SlotCB.filter())
    router.callback_query.register(lesson_action, LessonCB.filter())
    router.callback_query.register(join_waitlist, WaitCB.filter())
    return router
