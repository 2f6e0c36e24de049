"""Homework notices and reminders, sent by the job runner in the recipient's language.

New homework, a submission (to the tutor), a grade, a shared material and an earned
achievement are at-least-once notices. The reminder the day before the due time and the
overdue notice are at most once (a runner that died after claiming one marks it missed rather
than risk sending it twice), and are skipped when the homework was submitted meanwhile.
All of them are non-urgent (services.quiet_hours): they wait out the recipient's quiet hours.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from html import escape
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import InlineKeyboardMarkup

from core.homework_texts import achievement_title, grade_title
from core.i18n import gettext as _
from core.i18n import pick_locale
from db.models import Achievement, Homework, HomeworkStatus, Job, Material, User
from handlers.homework_texts import due_text
from keyboards import homework as kb
from services import jobs, quiet_hours, users
from services.container import Services
from services.jobs import JobKind, JobPolicy, JobRunner

NOTICE_POLICY = JobPolicy(first_backoff=timedelta(seconds=30), max_backoff=timedelta(minutes=30))
REMINDER_POLICY = JobPolicy(
    first_backoff=timedelta(seconds=30), max_backoff=timedelta(minutes=10), at_most_once=True
)


class HomeworkNotices:
    """The handler of every homework job kind."""

    def __init__(self, bot: Bot, services: Services) -> None:
        self._bot = bot
        self._i18n = services.i18n
        self._settings = services.settings
        self._zone = ZoneInfo(services.settings.timezone)

    async def __call__(self, job: Job) -> None:
        """Send what the job is about, if it still makes sense."""
        kind = JobKind(job.kind)
        payload = job.payload
        if kind is JobKind.achievement_earned:
            await self._achievement(int(payload["achievement_id"]))
        elif kind is JobKind.material_shared:
            await self._material(int(payload["material_id"]), int(payload["user_id"]))
        else:
            await self._homework(kind, int(payload["homework_id"]))

    async def _send(
        self,
        kind: JobKind,
        person: User | None,
        render: Callable[[], str],
        buttons: Callable[[], InlineKeyboardMarkup] | None = None,
    ) -> None:
        """Render the text and buttons in the person's language and send them."""
        if person is None or person.tg_id is None or person.bot_blocked or person.is_anonymized:
            return
        quiet_hours.hold(kind, person, self._settings)  # non-urgent ones wait for the morning
        locale = pick_locale(
            person.locale, person.language_code, default=self._settings.default_locale
        )
        with self._i18n.context(), self._i18n.use_locale(locale):
            text = render()
            markup = buttons() if buttons is not None else None
        try:
            await self._bot.send_message(person.tg_id, text, reply_markup=markup)
        except TelegramForbiddenError:
            await users.mark_bot_blocked(person.tg_id)
        except TelegramAPIError as exc:
            raise jobs.Retry(f"Bot API: {exc}") from exc

    async def _homework(self, kind: JobKind, homework_id: int) -> None:
        homework = await Homework.get_or_none(id=homework_id).prefetch_related(
            "provider__owner", "student", "grade"
        )
        if homework is None:
            return
        tutor = escape(homework.provider.name)
        title = escape(kb.short(homework.text, 60))
        student = homework.student
        due = due_text(homework.due_at, self._zone)
        if kind is JobKind.homework_assigned:

            def assigned() -> str:
                lines = [
                    _("📝 New homework from {tutor}, due {due}:").format(tutor=tutor, due=due),
                    "",
                    escape(homework.text[:3000]),
                ]
                if homework.files:
                    lines += ["", _("📎 Files: {count}").format(count=len(homework.files))]
                return "\n".join(lines)[:4096]

            await self._send(kind, student, assigned, lambda: kb.open_homework(homework.id))
        elif kind is JobKind.homework_due_soon:
            if homework.status is HomeworkStatus.open:
                await self._send(
                    kind,
                    student,
                    lambda: _("⏰ Homework from {tutor} is due tomorrow, {due}: {title}").format(
                        tutor=tutor, due=due, title=title
                    ),
                    lambda: kb.open_homework(homework.id),
                )
        elif kind is JobKind.homework_overdue:
            if homework.status is HomeworkStatus.open:
                await self._send(
                    kind,
                    student,
                    lambda: _(
                        "⌛ Homework from {tutor} is overdue (it was due {due}): {title}. "
                        "You can still submit it."
                    ).format(tutor=tutor, due=due, title=title),
                    lambda: kb.open_homework(homework.id),
                )
        elif kind is JobKind.homework_submitted:
            await self._send(
                kind,
                homework.provider.owner,
                lambda: _("📥 {student} submitted homework #{number}: {title}").format(
                    student=escape(student.full_name or student.pseudonym),
                    number=homework.id,
                    title=title,
                ),
                lambda: kb.open_submission(homework.provider_id, homework.id),
            )
        elif kind is JobKind.homework_graded:
            grade = homework.grade
            if grade is None:
                return

            def graded() -> str:
                text = _("🎓 Your homework “{title}” from {tutor} is graded: {grade}").format(
                    title=title, tutor=tutor, grade=grade_title(grade.kind, grade.score)
                )
                if grade.comment:
                    text += "\n" + _("Comment: {comment}").format(comment=escape(grade.comment))
                return text

            await self._send(kind, student, graded, lambda: kb.open_homework(homework.id))

    async def _material(self, material_id: int, user_id: int) -> None:
        material = await Material.get_or_none(id=material_id).prefetch_related("provider")
        person = await User.get_or_none(id=user_id)
        if material is None:
            return

        def shared() -> str:
            return _("📚 {tutor} shared a material with you: {title}").format(
                tutor=escape(material.provider.name), title=escape(material.title)
            )

        def button() -> InlineKeyboardMarkup:
            return kb.student_materials_one(material.id, material.title)

        await self._send(JobKind.material_shared, person, shared, button)

    async def _achievement(self, achievement_id: int) -> None:
        achievement = await Achievement.get_or_none(id=achievement_id).prefetch_related("user")
        if achievement is None:
            return
        await self._send(
            JobKind.achievement_earned,
            achievement.user,
            lambda: _("🏆 Achievement earned: {title}!").format(
                title=achievement_title(achievement.code)
            ),
        )


HOMEWORK_KINDS = (
    (JobKind.homework_assigned, NOTICE_POLICY),
    (JobKind.homework_submitted, NOTICE_POLICY),
    (JobKind.homework_graded, NOTICE_POLICY),
    (JobKind.homework_due_soon, REMINDER_POLICY),
    (JobKind.homework_overdue, REMINDER_POLICY),
    (JobKind.material_shared, NOTICE_POLICY),
    (JobKind.achievement_earned, NOTICE_POLICY),
)


def register_homework_jobs(runner: JobRunner, bot: Bot, services: Services) -> None:
    """Homework notices and reminders, materials and achievements."""
    notices = HomeworkNotices(bot, services)
    for kind, policy in HOMEWORK_KINDS:
        runner.register(kind, notices, policy)
