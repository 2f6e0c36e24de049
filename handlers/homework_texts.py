"""How homework reads in chat: due times, cards, file references from messages."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram.types import Message

from core.homework_texts import achievement_title, grade_title
from core.i18n import gettext as _
from db.models import Homework, HomeworkStatus, User
from services import achievements
from services.homework import FileRef

MAX_CARD = 3500


def due_text(moment: datetime, zone: ZoneInfo) -> str:
    """'25.12.2026 18:00' in the zone."""
    return moment.astimezone(zone).strftime("%d.%m.%Y %H:%M")


def status_title(homework: Homework) -> str:
    """Where the homework stands, for a list line."""
    if homework.status is HomeworkStatus.graded and homework.grade is not None:
        return _("graded: {grade}").format(
            grade=grade_title(homework.grade.kind, homework.grade.score)
        )
    if homework.status is HomeworkStatus.submitted:
        return _("submitted, waiting for a grade")
    return _("open")


def card(homework: Homework, zone: ZoneInfo, *, who: str) -> str:
    """A homework with its checklist, status, answer and grade (`who`: the tutor's or the
    student's name)."""
    lines = [
        _("<b>Homework #{number}</b> · {who}").format(number=homework.id, who=escape(who)),
        _("Due: {due}").format(due=due_text(homework.due_at, zone)),
        _("Status: {status}").format(status=status_title(homework)),
        "",
        escape(homework.text[:MAX_CARD]),
    ]
    if homework.checklist:
        lines += ["", _("<b>Checklist</b>")] + [f"☐ {escape(task)}" for task in homework.checklist]
    submission = homework.submission
    if submission is not None:
        lines += ["", _("<b>Answer</b>") + ("" if submission.on_time else " " + _("(late)"))]
        if submission.text:
            lines.append(escape(submission.text[:1500]))
        if submission.files:
            lines.append(_("📎 Files: {count}").format(count=len(submission.files)))
    grade = homework.grade
    if grade is not None and grade.comment:
        lines += ["", _("Comment: {comment}").format(comment=escape(grade.comment[:500]))]
    return "\n".join(lines)[:4096]


def file_of(message: Message) -> FileRef | None:
    """The document or the largest photo of a message, as a file reference."""
    if message.document is not None:
        doc = message.document
        return FileRef(
            file_id=doc.file_id,
            kind="document",
            name=doc.file_name or "",
            size=doc.file_size or 0,
            mime=doc.mime_type or "",
        )
    if message.photo:
        photo = message.photo[-1]
        return FileRef(file_id=photo.file_id, kind="photo", size=photo.file_size or 0)
    return None


async def send_files(message: Message, files: list[dict[str, object]]) -> None:
    """Send stored files into the chat of `message`."""
    for item in files:
        file_id = str(item["file_id"])
        if item.get("kind") == "photo":
            await message.answer_photo(file_id)
        else:
            await message.answer_document(file_id)


async def achievements_line(user: User) -> str:
    """'\\nAchievements: …' for the profile screen, or nothing when none is earned."""
    earned = await achievements.achievements_of(user)
    if not earned:
        return ""
    titles = ", ".join(achievement_title(item.code) for item in earned)
    return "\n" + _("Achievements: {titles}").format(titles=titles)
