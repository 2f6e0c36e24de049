"""Homework texts both faces show: the services' refusals, achievement and grade names."""

from __future__ import annotations

from html import escape

from core.errors import DomainError
from core.i18n import gettext as _

FIELDS = frozenset(
    {
        "homework_text",
        "submission_text",
        "grade_comment",
        "due_at",
        "checklist",
        "checklist_task",
        "score",
        "url",
        "material",
        "student",
    }
)


def concerns_homework(error: DomainError) -> bool:
    """Whether `explain_homework` knows this refusal."""
    if error.code.startswith("homework_"):
        return True
    if error.code == "not_found":
        return error.details.get("entity") in ("homework", "student", "material")
    return error.code == "invalid_input" and error.details.get("field") in FIELDS


def explain_homework(error: DomainError) -> str:
    """One HTML-safe sentence, in the current locale."""
    details = error.details
    code = error.code
    if code == "homework_file_refused":
        reason = details.get("reason")
        if reason == "too_large":
            return _("That file is too large: at most {size} MB.").format(
                size=details.get("max_mb", "")
            )
        if reason == "too_many":
            return _("At most {count} files can be attached.").format(count=details.get("max"))
        return _(
            "Files of this type are not accepted ({name}). Send a photo, a PDF, an office "
            "document, a picture, audio or video."
        ).format(name=escape(str(details.get("name", ""))[:60]))
    if code == "homework_already_submitted":
        return _("This homework is already submitted.")
    if code == "homework_not_submitted":
        if details.get("status") == "graded":
            return _("This homework is already graded.")
        return _("This homework is not submitted yet.")
    if code == "not_found":
        entity = details.get("entity")
        if entity == "student":
            return _(
                "No such person. They must start the bot first; then send their @username "
                "or Telegram id."
            )
        if entity == "material":
            return _("This material is no longer shared.")
        return _("This homework no longer exists.")
    field = details.get("field")
    if field in ("homework_text", "submission_text", "grade_comment"):
        if "max" in details:
            return _("That text is too long: at most {count} characters.").format(
                count=details["max"]
            )
        return _("The text must not be empty.")
    if field == "due_at":
        return _("The due time must be in the future.")
    if field == "checklist":
        return _("At most {count} tasks in a checklist.").format(count=details.get("max"))
    if field == "checklist_task":
        return _("A task is at most {count} characters.").format(count=details.get("max"))
    if field == "score":
        return _("A grade is from 1 to 5, or pass or fail.")
    if field == "url":
        return _("Send a link that starts with https:// or http://.")
    if field == "student":
        return _("Send the student's @username or Telegram id (a number).")
    return _("Send a file, a photo or a link.")


def achievement_title(code: str) -> str:
    """An achievement's name, in the current locale."""
    titles = {
        "first_lesson": _("🎉 First lesson"),
        "ten_lessons": _("🔟 Ten lessons"),
        "four_week_streak": _("🔥 Four weeks in a row"),
        "homework_on_time_month": _("⏱ All homework on time this month"),
    }
    return titles.get(code, code)


def grade_title(kind: str, score: int | None) -> str:
    """A grade as the student reads it: '5/5', 'pass', 'fail'."""
    if kind == "pass_fail":
        return _("pass") if score else _("fail")
    return f"{score}/5"
