"""Lesson reminders as job rows: written with the booking, moved or cancelled with the lesson.

One row per lesson, offset and recipient (`lesson.reminder:{lesson}:{minutes}:{s|t}`), due
`minutes` before the start. The kind is at-most-once: a runner that dies after claiming one
leaves it `missed`, never sent twice. A reminder whose lesson has started by the time it runs
(the process was down) is not sent; the job records it as skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.config import parse_reminder_offsets
from db.models import Job, JobState, Lesson, TutorProfile
from services import jobs
from services.jobs import JobKind

STUDENT = "s"
TUTOR = "t"


@dataclass(frozen=True, slots=True)
class ReminderPlan:
    """When a lesson's reminders are due (UTC) and to whom."""

    key: str
    due_at: datetime
    payload: dict[str, object]


def offsets_of(tutor: TutorProfile, default: str) -> list[int]:
    """Minutes before a lesson of the tutor's reminders (their own setting, else the default)."""
    if tutor.reminders:
        try:
            return parse_reminder_offsets(tutor.reminders)
        except ValueError:
            pass
    return parse_reminder_offsets(default)


def reminder_key(lesson_id: int, minutes: int, who: str) -> str:
    """The job key of one reminder."""
    return JobKind.lesson_reminder.key(f"{lesson_id}:{minutes}:{who}")


def plan(lesson: Lesson, offsets: list[int], now: datetime) -> list[ReminderPlan]:
    """The reminders still ahead of `now` for a lesson starting at `lesson.starts_at`."""
    plans = []
    for minutes in offsets:
        due = lesson.starts_at - timedelta(minutes=minutes)
        if due <= now:
            continue
        for who in (STUDENT, TUTOR):
            plans.append(
                ReminderPlan(
                    reminder_key(lesson.id, minutes, who),
                    due,
                    {"lesson_id": lesson.id, "minutes": minutes, "to": who},
                )
            )
    return plans


async def schedule(lesson: Lesson, offsets: list[int], now: datetime) -> list[str]:
    """Write the lesson's reminders (in the caller's transaction); their keys."""
    keys = []
    for item in plan(lesson, offsets, now):
        await jobs.enqueue(JobKind.lesson_reminder, item.key, item.payload, due_at=item.due_at)
        keys.append(item.key)
    return keys


async def cancel_all(lesson_id: int, reason: str) -> int:
    """Cancel every reminder of the lesson still waiting; how many."""
    prefix = JobKind.lesson_reminder.key(f"{lesson_id}:")
    waiting = await Job.filter(pending_key__startswith=prefix, state=JobState.pending).values_list(
        "pending_key", flat=True
    )
    cancelled = 0
    for key in waiting:
        cancelled += await jobs.cancel(str(key), reason)
    return cancelled


async def move(lesson: Lesson, offsets: list[int], now: datetime) -> list[str]:
    """The lesson moved: cancel its waiting reminders and write those of the new time."""
    await cancel_all(lesson.id, "the lesson moved")
    return await schedule(lesson, offsets, now)


async def mark_missed(job_id: int, reason: str) -> bool:
    """A reminder that came too late to help (the lesson had started): recorded as missed."""
    return bool(
        await Job.filter(id=job_id, state=JobState.running).update(
            state=JobState.missed,
            pending_key=None,
            finished_at=datetime.now(UTC),
            last_error=reason,
        )
    )
