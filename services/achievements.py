"""Achievements: earned once per person (a unique row), announced once (a job row).

Lesson achievements are computed from the student's held lesson start times, which the
tutoring side passes in when it marks a lesson held (`lessons_achievements`); "all homework on
time this month" is checked when a homework is submitted. Months and weeks are UTC calendar
months and ISO weeks.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from tortoise.transactions import in_transaction

from db.models import (
    Achievement,
    AchievementCode,
    Homework,
    HomeworkStatus,
    Lesson,
    Submission,
    User,
)
from services import jobs
from services.events import ShopEvents, ShopListener
from services.jobs import JobKind
from services.tutoring.booking import held_lesson_times

TEN_LESSONS = 10
STREAK_WEEKS = 4
ON_TIME_MINIMUM = 2
"""A month with a single homework proves little: at least this many, all on time."""


async def _earn(user_id: int, code: AchievementCode, period: str = "") -> str | None:
    """Record the achievement (once) and its announcement (once); the job key when new."""
    await Achievement.bulk_create(
        [Achievement(user_id=user_id, code=code, period=period, earned_at=datetime.now(UTC))],
        ignore_conflicts=True,
    )
    achievement = await Achievement.get(user_id=user_id, code=code, period=period)
    key = JobKind.achievement_earned.key(achievement.id)
    payload = {"achievement_id": achievement.id}
    if await jobs.enqueue(JobKind.achievement_earned, key, payload, once=True, max_attempts=5):
        return key
    return None


def longest_weekly_streak(times: Iterable[datetime]) -> int:
    """The longest run of consecutive ISO weeks with at least one lesson."""
    mondays = sorted(
        {
            (moment.astimezone(UTC).date() - timedelta(days=moment.astimezone(UTC).weekday()))
            for moment in times
        }
    )
    best = run = 0
    previous: date | None = None
    for monday in mondays:
        run = run + 1 if previous is not None and monday - previous == timedelta(days=7) else 1
        best = max(best, run)
        previous = monday
    return best


def lesson_codes(held_lesson_times: Iterable[datetime]) -> list[AchievementCode]:
    """Which lesson achievements these held lessons earn."""
    times = list(held_lesson_times)
    codes = []
    if times:
        codes.append(AchievementCode.first_lesson)
    if len(times) >= TEN_LESSONS:
        codes.append(AchievementCode.ten_lessons)
    if longest_weekly_streak(times) >= STREAK_WEEKS:
        codes.append(AchievementCode.four_week_streak)
    return codes


async def lessons_achievements(
    student_id: int,
    held_lesson_times: Iterable[datetime],
    events: ShopEvents | None = None,
) -> list[AchievementCode]:
    """Record and announce the lesson achievements (first lesson, 10 lessons, a 4-week streak)
    the student's held lessons earn and they did not have yet; the newly earned ones."""
    codes = lesson_codes(held_lesson_times)
    earned: list[AchievementCode] = []
    keys: list[str] = []
    async with in_transaction():
        for code in codes:
            key = await _earn(student_id, code)
            if key is not None:
                earned.append(code)
                keys.append(key)
    if events is not None:
        await events.jobs_added(keys)
    return earned


class LessonAchievements(ShopListener):
    """Lesson achievements checked whenever a tutor marks a lesson held (from all the
    student's held lessons, so one missed check is made good by the next lesson)."""

    def __init__(self, events: ShopEvents) -> None:
        self._events = events

    async def lesson_held(self, lesson: Lesson) -> None:
        """Record and announce what the student's held lessons now earn."""
        times = await held_lesson_times(lesson.student_id)
        await lessons_achievements(lesson.student_id, times, self._events)


def month_period(moment: datetime) -> tuple[str, datetime, datetime]:
    """'2026-12' and the month's bounds (UTC)."""
    start = moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return start.strftime("%Y-%m"), start, end


async def check_homework_on_time(student_id: int, now: datetime) -> list[str]:
    """In the caller's transaction: when every homework due this month (at least
    ON_TIME_MINIMUM) was submitted on time, earn the month's achievement; its job keys."""
    period, start, end = month_period(now)
    due = await Homework.filter(
        student_id=student_id, due_at__gte=start, due_at__lt=end
    ).values_list("id", "status")
    if len(due) < ON_TIME_MINIMUM or any(status == HomeworkStatus.open for _, status in due):
        return []
    late = await Submission.filter(homework_id__in=[hw for hw, _ in due], on_time=False).exists()
    if late:
        return []
    key = await _earn(student_id, AchievementCode.homework_on_time_month, period)
    return [key] if key else []


async def achievements_of(user: User) -> list[Achievement]:
    """The person's achievements, oldest first."""
    return list(await Achievement.filter(user_id=user.id).order_by("earned_at", "id"))
