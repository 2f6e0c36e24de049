"""Lesson reminders to students and tutors, sent by the job runner.

Each reminder is a job row (services.tutoring.reminders), at most once: a runner that dies
after claiming it leaves it `missed`. When it runs, a lesson that is no longer booked gets
nothing; a lesson that has already started (the process was down at the due time) gets
nothing and the row is marked `missed`; otherwise the reminder is sent, late if need be, as long
as the lesson is still ahead. The lesson's time is a Telegram `date_time` entity, so the app
shows it in the reader's own zone; its text is the time in the recipient's zone (profile, else
TIMEZONE) for apps that do not know the entity.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import InlineKeyboardMarkup, MessageEntity

from core.i18n import gettext as _
from core.i18n import pick_locale
from db.models import Job, Lesson, LessonType, TutorProfile, User
from keyboards.tutoring import offer_keyboard, student_lesson_keyboard, tutor_lesson_keyboard
from services import jobs, users
from services.container import Services
from services.jobs import JobKind, JobPolicy, JobRunner
from services.tutoring import booking, digest, reminders, waitlist

REMINDER_POLICY = JobPolicy(
    first_backoff=timedelta(seconds=30), max_backoff=timedelta(minutes=10), at_most_once=True
)
WAITLIST_POLICY = JobPolicy(first_backoff=timedelta(seconds=30), max_backoff=timedelta(minutes=5))
DIGEST_POLICY = JobPolicy(first_backoff=timedelta(minutes=1), max_backoff=timedelta(minutes=30))
"""At least once: a runner that died after claiming it runs it again, so the chain of digests
never breaks (the price: a rare second digest)."""
DATE_TIME_FORMAT = "wdt"
"""Weekday, short date and short time in the reader's zone (Bot API date-time formatting)."""


def utf16_length(text: str) -> int:
    """Telegram counts entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def with_time(
    template: str, moment: datetime, zone: str, **values: str
) -> tuple[str, MessageEntity]:
    """`template` with `{time}` replaced by the time in `zone`, and its date_time entity."""
    shown = moment.astimezone(ZoneInfo(zone)).strftime("%d.%m.%Y %H:%M") + f" ({zone})"
    before, _sep, after = template.partition("{time}")
    head = before.format(**values)
    text = head + shown + after.format(**values)
    entity = MessageEntity(
        type="date_time",
        offset=utf16_length(head),
        length=utf16_length(shown),
        unix_time=int(moment.timestamp()),
        date_time_format=DATE_TIME_FORMAT,
    )
    return text, entity


class LessonReminder:
    """Sends one reminder of one lesson to its student or its tutor."""

    def __init__(self, bot: Bot, services: Services) -> None:
        self._bot = bot
        self._i18n = services.i18n
        self._settings = services.settings

    async def __call__(self, job: Job) -> None:
        """The job's handler."""
        lesson = await Lesson.get_or_none(id=int(job.payload["lesson_id"]))
        if lesson is None or lesson.status not in booking.ACTIVE:
            return
        if lesson.starts_at <= datetime.now(UTC):
            await reminders.mark_missed(job.id, "the lesson had started when the reminder ran")
            return
        tutor = await TutorProfile.get(id=lesson.tutor_id).prefetch_related("provider__owner")
        lesson_type = await LessonType.get(id=lesson.lesson_type_id)
        to_student = job.payload.get("to") == reminders.STUDENT
        person = await User.get(id=lesson.student_id) if to_student else tutor.provider.owner
        if person is None or person.tg_id is None or person.bot_blocked or person.is_anonymized:
            return
        locale = pick_locale(
            person.locale, person.language_code, default=self._settings.default_locale
        )
        zone = person.timezone or self._settings.timezone
        with self._i18n.context(), self._i18n.use_locale(locale):
            if to_student:
                template = _("⏰ Reminder: “{title}” with {tutor} at {time}.")
                names = {"title": lesson_type.title, "tutor": tutor.provider.name}
                markup: InlineKeyboardMarkup = student_lesson_keyboard(
                    lesson.id,
                    lesson_type.location,
                    can_change=datetime.now(UTC) <= booking.free_change_until(lesson, tutor),
                )
            else:
                template = _("⏰ Reminder: “{title}” with {student} at {time}.")
                student = await User.get(id=lesson.student_id)
                names = {"title": lesson_type.title, "student": student.full_name or "—"}
                markup = tutor_lesson_keyboard(
                    lesson.id, pending=lesson.status == "pending", started=False
                )
            text, entity = with_time(template, lesson.starts_at, zone, **names)
        try:
            await self._bot.send_message(
                person.tg_id, text, entities=[entity], parse_mode=None, reply_markup=markup
            )
        except TelegramForbiddenError:
            await users.mark_bot_blocked(person.tg_id)
        except TelegramAPIError as exc:
            raise jobs.Retry(f"Bot API: {exc}") from exc


class WaitlistOffer:
    """Offers a freed time to the next student on its waitlist (one step of the line)."""

    def __init__(self, bot: Bot, services: Services) -> None:
        self._bot = bot
        self._i18n = services.i18n
        self._settings = services.settings

    async def __call__(self, job: Job) -> None:
        """The job's handler."""
        starts_at = datetime.fromisoformat(str(job.payload["starts_at"]))
        # The step is due when the previous offer ran out: judge it at its due time even when
        # the runner is late (or a test moves the runner's clock).
        now = max(datetime.now(UTC), job.due_at)
        entry = await waitlist.advance(
            int(job.payload["tutor_id"]), starts_at, int(job.payload["step"]), now
        )
        if entry is None or entry.offered_until is None:
            return
        student = await User.get(id=entry.student_id)
        tutor = await TutorProfile.get(id=entry.tutor_id).prefetch_related("provider")
        if student.tg_id is None or student.bot_blocked or student.is_anonymized:
            return
        locale = pick_locale(
            student.locale, student.language_code, default=self._settings.default_locale
        )
        zone = student.timezone or self._settings.timezone
        with self._i18n.context(), self._i18n.use_locale(locale):
            template = _(
                "⏳ The time you waited for with {tutor} is free: {time}. It is held for you "
                "for {minutes} minutes."
            )
            minutes = str(int(waitlist.OFFER_FOR.total_seconds() // 60))
            text, entity = with_time(
                template, starts_at, zone, tutor=tutor.provider.name, minutes=minutes
            )
            markup = offer_keyboard(
                tutor.provider_id, entry.lesson_type_id, int(starts_at.timestamp()) // 60
            )
        try:
            await self._bot.send_message(
                student.tg_id, text, entities=[entity], parse_mode=None, reply_markup=markup
            )
        except TelegramForbiddenError:
            await users.mark_bot_blocked(student.tg_id)


class TutorDigest:
    """The tutor's morning list of the day's lessons; writes the next day's digest first."""

    def __init__(self, bot: Bot, services: Services) -> None:
        self._bot = bot
        self._i18n = services.i18n
        self._settings = services.settings

    async def __call__(self, job: Job) -> None:
        """The job's handler."""
        tutor = await TutorProfile.get_or_none(id=int(job.payload["tutor_id"]))
        if tutor is None:
            return
        now = max(datetime.now(UTC), job.due_at)
        day = date.fromisoformat(str(job.payload["date"]))
        await digest.schedule_next(tutor, max(now, job.due_at + timedelta(minutes=1)))
        if not digest.still_that_day(tutor, day, now):
            return
        lessons = await digest.lessons_of_day(tutor, day)
        await tutor.fetch_related("provider__owner")
        owner = tutor.provider.owner
        if not lessons or owner is None or owner.tg_id is None or owner.bot_blocked:
            return
        locale = pick_locale(
            owner.locale, owner.language_code, default=self._settings.default_locale
        )
        with self._i18n.context(), self._i18n.use_locale(locale):
            lines = [_("☀️ Your lessons today ({zone}):").format(zone=tutor.timezone)]
            zone = ZoneInfo(tutor.timezone)
            for lesson in lessons:
                when = lesson.starts_at.astimezone(zone).strftime("%H:%M")
                lines.append(f"{when} · {lesson.lesson_type.title} · {lesson.student.full_name}")
        try:
            await self._bot.send_message(owner.tg_id, "\n".join(lines), parse_mode=None)
        except TelegramForbiddenError:
            await users.mark_bot_blocked(owner.tg_id)
        except TelegramAPIError as exc:
            raise jobs.Retry(f"Bot API: {exc}") from exc


def register_tutoring_jobs(runner: JobRunner, bot: Bot, services: Services) -> None:
    """The lesson reminders and the waitlist's offers."""
    runner.register(JobKind.lesson_reminder, LessonReminder(bot, services), REMINDER_POLICY)
    runner.register(JobKind.waitlist_offer, WaitlistOffer(bot, services), WAITLIST_POLICY)
    runner.register(JobKind.tutor_digest, TutorDigest(bot, services), DIGEST_POLICY)
