"""Lesson reminders through the emulated Telegram: on time, once, in each person's language
and zone, with a date_time entity; moved and cancelled with the lesson; missed when late."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiogram.types import Message

from db.models import (
    Job,
    JobState,
    Lesson,
    LessonType,
    Provider,
    ProviderKind,
    Role,
    TutorProfile,
    User,
)
from sandbox import SandboxUser
from services.jobs import JobKind, JobRunner
from services.tutoring import booking, money, profiles
from tests.handlers.conftest import Telegram, faster_clicks, labels, text_of
from tests.services.shop_data import make_provider

make_settings = faster_clicks("100/5seconds")


@pytest.fixture
def telegram_settings() -> dict[str, str]:
    return {"lesson_reminders": "24h,1h", "timezone": "Europe/Moscow"}


def from_bot(user: SandboxUser) -> list[Message]:
    return [m for m in user.messages if m.from_user is not None and m.from_user.is_bot]


async def person(telegram: Telegram, tg_id: int, name: str, language: str) -> SandboxUser:
    user = telegram.user(tg_id, first_name=name, language_code=language)
    await user.send("/start")
    return user


async def tutor_and_student(
    telegram: Telegram,
) -> tuple[SandboxUser, SandboxUser, tuple[Provider, TutorProfile, LessonType, User]]:
    """Anna tutors in Berlin (English chat), Boris studies in Yekaterinburg (Russian chat)."""
    anna = await person(telegram, 3001, "Anna", "en")
    boris = await person(telegram, 3002, "Boris", "ru")
    owner = await User.get(tg_id=3001)
    await User.filter(id=owner.id).update(role=Role.provider)
    await User.filter(tg_id=3002).update(timezone="Asia/Yekaterinburg")
    provider = await make_provider(owner, kind=ProviderKind.tutor, name="Anna Math")
    tutor = await profiles.create_tutor(provider, timezone="Europe/Berlin")
    await profiles.update_settings(tutor, min_notice=0)
    for weekday in range(7):
        await profiles.add_rule(tutor, weekday, 0, 24 * 60)
    lesson_type = await profiles.add_lesson_type(
        tutor, title="Algebra", duration=60, price=100000, location="https://meet.example/a"
    )
    student = await User.get(tg_id=3002)
    await money.buy_package(
        student,
        tutor,
        lessons=2,
        lesson_price=100000,
        payment_reference=f"reminder-test:{student.id}",
        channel="telegram",
    )
    return anna, boris, (provider, tutor, lesson_type, student)


async def never_runs(job: Job) -> None:
    raise AssertionError("a crashed runner never gets to run it")


def next_half_hour(after: timedelta) -> datetime:
    moment = datetime.now(UTC) + after
    return moment.replace(minute=30 if moment.minute < 30 else 0, second=0, microsecond=0) + (
        timedelta(hours=1) if moment.minute >= 30 else timedelta()
    )


async def test_both_get_each_reminder_once_in_their_language_with_a_date_time_entity(
    telegram: Telegram,
) -> None:
    anna, boris, (provider, _tutor, lesson_type, student) = await tutor_and_student(telegram)
    start = next_half_hour(timedelta(hours=30))
    lesson = (await booking.book(student, provider.id, lesson_type.id, start)).lesson
    before_s, before_t = len(from_bot(boris)), len(from_bot(anna))

    # The clock moves to the 24 h reminder: both get it, once, however often the runner runs.
    day_before = start - timedelta(hours=24)
    await telegram.services.jobs.run_due(now=day_before)
    await telegram.services.jobs.run_due(now=day_before + timedelta(minutes=1))

    to_boris = from_bot(boris)[before_s:]
    to_anna = [m for m in from_bot(anna)[before_t:] if "Reminder" in text_of(m)]
    assert len(to_boris) == 1 and len(to_anna) == 1
    assert "Напоминание" in text_of(to_boris[0]) and "Algebra" in text_of(to_boris[0])
    assert "(Asia/Yekaterinburg)" in text_of(to_boris[0])
    assert "Reminder" in text_of(to_anna[0]) and "Boris" in text_of(to_anna[0])
    assert "(Europe/Moscow)" in text_of(to_anna[0])  # no zone in her profile: TIMEZONE
    entity = next(e for e in to_boris[0].entities or [] if e.type == "date_time")
    assert entity.unix_time == int(start.timestamp())
    shown = text_of(to_boris[0]).encode("utf-16-le")[
        2 * entity.offset : 2 * (entity.offset + entity.length)
    ]
    assert (
        shown.decode("utf-16-le")
        == start.astimezone()
        .astimezone(__import__("zoneinfo").ZoneInfo("Asia/Yekaterinburg"))
        .strftime("%d.%m.%Y %H:%M")
        + " (Asia/Yekaterinburg)"
    )
    assert "🔗" in labels(to_boris[0])[0]
    assert await Job.filter(kind="lesson.reminder", state=JobState.done).count() == 2
    assert (await Lesson.get(id=lesson.id)).status == "booked"


async def test_a_moved_lesson_reminds_at_its_new_time_and_a_cancelled_one_never(
    telegram: Telegram,
) -> None:
    _anna, boris, (provider, _tutor, lesson_type, student) = await tutor_and_student(telegram)
    start = next_half_hour(timedelta(hours=30))
    lesson = (await booking.book(student, provider.id, lesson_type.id, start)).lesson
    moved_to = start + timedelta(hours=5)
    await booking.reschedule(student, lesson.id, moved_to)
    before = len(from_bot(boris))

    await telegram.services.jobs.run_due(now=start - timedelta(minutes=59))
    assert len(from_bot(boris)) == before + 1  # the 24 h one of the new time only
    await telegram.services.jobs.run_due(now=moved_to - timedelta(minutes=59))
    assert len(from_bot(boris)) == before + 2
    texts = [text_of(m) for m in from_bot(boris)[before:]]
    assert all(
        moved_to.astimezone(ZoneInfo("Asia/Yekaterinburg")).strftime("%H:%M") in t for t in texts
    )

    await booking.cancel_by_student(
        student, lesson.id, default_percent=telegram.settings.platform_commission_percent
    )
    assert not await Job.filter(kind="lesson.reminder", state=JobState.pending).exists()


async def test_due_during_a_ten_minute_outage_is_sent_on_start_while_the_lesson_is_ahead(
    telegram: Telegram,
) -> None:
    _anna, boris, (provider, _tutor, lesson_type, student) = await tutor_and_student(telegram)
    start = next_half_hour(timedelta(hours=2))
    await booking.book(student, provider.id, lesson_type.id, start)
    before = len(from_bot(boris))

    # Down from before the 1 h reminder until 10 minutes after it: sent on the first run.
    await telegram.services.jobs.run_due(now=start - timedelta(minutes=50))
    assert len(from_bot(boris)) == before + 1


async def test_a_reminder_that_runs_after_the_lesson_started_is_marked_missed(
    telegram: Telegram,
) -> None:
    _anna, boris, (provider, _tutor, lesson_type, student) = await tutor_and_student(telegram)
    start = next_half_hour(timedelta(hours=2))
    lesson = (await booking.book(student, provider.id, lesson_type.id, start)).lesson
    # A long outage: by the time the process is back the lesson has started.
    past = datetime.now(UTC) - timedelta(minutes=5)
    await Lesson.filter(id=lesson.id).update(starts_at=past, ends_at=past + timedelta(hours=1))
    before = len(from_bot(boris))

    await telegram.services.jobs.run_due(now=start)

    assert len(from_bot(boris)) == before
    assert await Job.filter(kind="lesson.reminder", state=JobState.missed).count() == 2


async def test_a_runner_that_died_after_claiming_never_sends_it_twice(telegram: Telegram) -> None:
    _anna, boris, (provider, _tutor, lesson_type, student) = await tutor_and_student(telegram)
    start = next_half_hour(timedelta(hours=2))
    await booking.book(student, provider.id, lesson_type.id, start)
    due = start - timedelta(hours=1)
    before = len(from_bot(boris))
    # A runner claims the reminders and dies before sending (its lease runs out).
    crashed = JobRunner(name="crashed")
    crashed.register(JobKind.lesson_reminder, never_runs)
    claimed = await crashed._claim(now=due, limit=10)
    assert len(claimed) == 2

    await telegram.services.jobs.run_due(now=due + timedelta(minutes=5))

    assert len(from_bot(boris)) == before
    assert await Job.filter(kind="lesson.reminder", state=JobState.missed).count() == 2


async def test_a_student_who_blocked_the_bot_is_marked_and_skipped(telegram: Telegram) -> None:
    _anna, boris, (provider, _tutor, lesson_type, student) = await tutor_and_student(telegram)
    start = next_half_hour(timedelta(hours=2))
    await booking.book(student, provider.id, lesson_type.id, start)
    boris.block()

    await telegram.services.jobs.run_due(now=start - timedelta(minutes=59))

    assert (await User.get(tg_id=3002)).bot_blocked
    assert await Job.filter(kind="lesson.reminder", state=JobState.done).count() == 2


async def test_the_tutor_gets_a_morning_digest_and_the_next_one_is_written(
    telegram: Telegram,
) -> None:
    anna, _boris, (provider, _tutor, lesson_type, student) = await tutor_and_student(telegram)
    job = await Job.get(kind="tutor.digest", state=JobState.pending)
    berlin = ZoneInfo("Europe/Berlin")
    assert job.due_at.astimezone(berlin).strftime("%H:%M") == "08:00"
    day = job.due_at.astimezone(berlin).date()
    start = datetime(day.year, day.month, day.day, 15, 0, tzinfo=berlin)  # always ahead
    await booking.book(student, provider.id, lesson_type.id, start)
    before = len(from_bot(anna))

    await telegram.services.jobs.run_due(now=job.due_at)

    digests = [m for m in from_bot(anna)[before:] if "☀️" in text_of(m)]
    assert len(digests) == 1
    assert "15:00" in text_of(digests[0]) and "Boris" in text_of(digests[0])
    nxt = await Job.get(kind="tutor.digest", state=JobState.pending)
    local = nxt.due_at.astimezone(berlin)
    assert (local.date(), local.strftime("%H:%M")) == (day + timedelta(days=1), "08:00")
