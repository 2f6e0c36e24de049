"""The tutor's own tools through the services: figures on a crafted history, per-student
records, the weekly chart, and the validated edits of profile, settings and lesson types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import InvalidInput, NotFound
from db.models import Homework, Lesson, LessonStatus, LessonType, Package, Submission, User
from services import ledger
from services.tutoring import booking, money, tutor_admin, tutor_stats
from services.tutoring.tutor_admin import PhotoRef
from tests.tutoring.tutor_data import COMMISSION, NOW, Tutor, make_student, make_tutor

pytestmark = pytest.mark.usefixtures("db")

# NOW is Monday 2 March 2026 08:00 Berlin: the eight weeks begin on Monday 12 January.


async def lesson_at(
    tutor: Tutor,
    student: User,
    days_ago: float,
    status: LessonStatus,
    *,
    price: int = 200000,
    package: Package | None = None,
    now: datetime = NOW,
) -> Lesson:
    start = now - timedelta(days=days_ago)
    return await Lesson.create(
        tutor_id=tutor.profile.id,
        student_id=student.id,
        lesson_type_id=tutor.hour.id,
        package_id=package.id if package else None,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        status=status,
        price=0 if package else price,
    )


async def homework_due(
    tutor: Tutor, student: User, days_ago: float, *, on_time: bool | None, now: datetime = NOW
) -> Homework:
    """A homework due `days_ago` days before `now`; on_time None: never handed in."""
    homework = await Homework.create(
        provider_id=tutor.provider.id,
        student_id=student.id,
        text="Exercises",
        due_at=now - timedelta(days=days_ago),
    )
    if on_time is not None:
        await Submission.create(homework_id=homework.id, text="done", on_time=on_time)
    return homework


async def crafted_history(tutor: Tutor) -> tuple[User, User]:
    boris = await make_student(credits=4, tutor=tutor)  # 1 800 ₽ a credit (10 % off)
    vera = await make_student()
    package = await Package.get(student_id=boris.id)
    await lesson_at(tutor, boris, 1, LessonStatus.held, package=package)  # Sunday 1 March
    await lesson_at(tutor, boris, 8, LessonStatus.held, package=package)
    await lesson_at(tutor, boris, 9, LessonStatus.no_show, package=package)
    await lesson_at(tutor, vera, 2, LessonStatus.held, price=250000)
    await lesson_at(tutor, vera, 3, LessonStatus.late_cancelled, price=250000)
    await lesson_at(tutor, vera, 4, LessonStatus.cancelled, price=250000)
    await lesson_at(tutor, vera, 5, LessonStatus.cancelled_by_tutor, price=250000)
    await lesson_at(tutor, vera, 80, LessonStatus.held, price=999999)  # before the 8 weeks
    await lesson_at(tutor, vera, -1, LessonStatus.booked, price=250000)  # tomorrow
    await homework_due(tutor, boris, 3, on_time=True)
    await homework_due(tutor, boris, 2, on_time=False)
    await homework_due(tutor, vera, 1, on_time=None)  # overdue, never handed in
    await homework_due(tutor, vera, -2, on_time=None)  # not due yet: not counted
    return boris, vera


async def test_stats_of_the_last_eight_weeks_on_a_crafted_history() -> None:
    tutor = await make_tutor()
    await crafted_history(tutor)

    stats = await tutor_stats.tutor_stats(tutor.profile, now=NOW)

    totals = stats.totals
    assert stats.since == datetime(2026, 1, 11, 23, 0, tzinfo=UTC)  # Mon 12 Jan, Berlin midnight
    assert (totals.held, totals.no_shows) == (3, 1)
    assert (totals.cancelled, totals.cancelled_by_tutor) == (2, 1)
    assert totals.attendance == pytest.approx(0.75)
    # Held, missed and late-cancelled lessons earn: 3 credits × 1 800 ₽ + 2 × 2 500 ₽.
    assert totals.income == {"RUB": 3 * 180000 + 2 * 250000}
    assert (totals.homework_due, totals.homework_on_time) == (3, 1)
    assert totals.homework_rate == pytest.approx(1 / 3)
    assert len(stats.weeks) == 8
    assert stats.weeks[0].monday.isoformat() == "2026-01-12"
    last, before = stats.weeks[-1], stats.weeks[-2]
    assert last.monday.isoformat() == "2026-03-02" and (last.held, last.income) == (0, 0)
    # The week of 23 February: Boris's Sunday lesson, Vera's held and late-cancelled ones.
    assert (before.held, before.income) == (2, 180000 + 2 * 250000)
    assert stats.weeks[-3].held == 1 and stats.weeks[-3].income == 2 * 180000


async def test_income_matches_what_the_ledger_moved_to_the_tutor() -> None:
    tutor = await make_tutor()
    student = await make_student(credits=2, tutor=tutor)
    start = NOW + timedelta(days=1, hours=3)
    lesson = (await booking.book(student, tutor.provider.id, tutor.hour.id, start, now=NOW)).lesson
    await Lesson.filter(id=lesson.id).update(
        starts_at=NOW - timedelta(hours=2), ends_at=NOW - timedelta(hours=1)
    )
    await booking.close(
        tutor.owner, lesson.id, LessonStatus.held, default_percent=COMMISSION, now=NOW
    )

    stats = await tutor_stats.tutor_stats(tutor.profile, now=NOW)

    unearned = await money.unearned_account(tutor.provider.id, "RUB")
    paid_in = 2 * 180000
    moved = paid_in - await ledger.derived_balance(unearned)
    assert stats.totals.income == {"RUB": moved} == {"RUB": 180000}


async def test_students_with_credits_attendance_and_homework() -> None:
    tutor = await make_tutor()
    boris, vera = await crafted_history(tutor)

    rows = await tutor_stats.student_figures(tutor.profile, now=NOW)

    by_id = {row.student.id: row for row in rows}
    assert set(by_id) == {boris.id, vera.id}
    assert by_id[boris.id].credits == 4  # the crafted lessons took no credits
    assert (by_id[boris.id].figures.held, by_id[boris.id].figures.no_shows) == (2, 1)
    assert by_id[boris.id].figures.attendance == pytest.approx(2 / 3)
    assert by_id[boris.id].figures.homework_rate == pytest.approx(0.5)
    assert by_id[vera.id].credits == 0
    assert by_id[vera.id].figures.held == 2  # all time: the one 80 days ago too
    assert by_id[vera.id].figures.homework_rate == 0


async def test_weekly_chart_is_a_png() -> None:
    tutor = await make_tutor()
    await crafted_history(tutor)
    stats = await tutor_stats.tutor_stats(tutor.profile, now=NOW)

    png = await tutor_stats.weekly_chart_png(
        stats.weeks, tutor_stats.WeeklyChartLabels("Weeks", "₽", "Held")
    )

    assert png.startswith(b"\x89PNG")


async def test_profile_edits_are_validated() -> None:
    tutor = await make_tutor()
    profile = tutor.profile

    await tutor_admin.set_description(profile, "  Maths for exams  ")
    await tutor_admin.set_timezone(profile, "Asia/Yekaterinburg")
    await tutor_admin.set_subjects(profile, "Maths,  Physics ,")
    await tutor_admin.set_photo(profile, PhotoRef("AgAC-1", 1000))

    await profile.refresh_from_db()
    await tutor.provider.refresh_from_db()
    assert tutor.provider.description == "Maths for exams"
    assert profile.timezone == "Asia/Yekaterinburg"
    assert profile.subjects == "Maths, Physics"
    assert profile.photo_file_id == "AgAC-1"
    with pytest.raises(InvalidInput):
        await tutor_admin.set_timezone(profile, "Mars/Olympus")
    with pytest.raises(InvalidInput):
        await tutor_admin.set_photo(profile, PhotoRef("x", 6 * 1024 * 1024))
    with pytest.raises(InvalidInput):
        await tutor_admin.set_photo(profile, PhotoRef("x", 100, "application/pdf"))
    with pytest.raises(InvalidInput):
        await tutor_admin.set_description(profile, "x" * 1001)


async def test_settings_and_reminders_from_text() -> None:
    tutor = await make_tutor()
    profile = tutor.profile

    await tutor_admin.set_setting(profile, "buffer_after", "15")
    await tutor_admin.set_setting(profile, "daily_limit", "0")
    await tutor_admin.set_reminders(profile, "24h, 2m")
    await tutor_admin.toggle_confirmation(profile)

    await profile.refresh_from_db()
    assert (profile.buffer_after, profile.daily_limit) == (15, None)
    assert profile.reminders == "24h, 2m" and profile.requires_confirmation
    for name, text in (("slot_step", "1"), ("slot_step", "ten"), ("booking_window", "400")):
        with pytest.raises(InvalidInput) as refused:
            await tutor_admin.set_setting(profile, name, text)
        assert refused.value.details["field"] == name
    with pytest.raises(InvalidInput):
        await tutor_admin.set_reminders(profile, "tomorrow")
    await tutor_admin.set_reminders(profile, "-")
    await profile.refresh_from_db()
    assert profile.reminders is None


async def test_lesson_types_are_added_edited_and_hidden_never_deleted() -> None:
    tutor = await make_tutor()
    other = await make_tutor()
    profile = tutor.profile

    added = await tutor_admin.create_lesson_type(
        profile,
        title="Trial",
        duration=tutor_admin.parse_duration("30"),
        price=tutor_admin.parse_rub_price("1 500,50"),
        stars_price=tutor_admin.parse_stars("75"),
        location=tutor_admin.parse_location("Lenina 1"),
    )
    assert (added.price, added.stars_price, added.location) == (150050, 75, "Lenina 1")
    await tutor_admin.edit_lesson_type(profile, added.id, "price", "900")
    await tutor_admin.edit_lesson_type(profile, added.id, "stars_price", "-")
    await tutor_admin.set_lesson_type_hidden(profile, added.id, hidden=True)

    stored = await LessonType.get(id=added.id)
    assert (stored.price, stored.stars_price, stored.is_active) == (90000, None, False)
    assert added.id not in [x.id for x in await booking.lesson_types(profile)]
    assert added.id in [x.id for x in await tutor_admin.all_lesson_types(profile)]
    with pytest.raises(NotFound):
        await tutor_admin.edit_lesson_type(other.profile, added.id, "title", "Mine")
    for text in ("10", "abc", "600"):
        with pytest.raises(InvalidInput):
            tutor_admin.parse_duration(text)
    with pytest.raises(InvalidInput):
        tutor_admin.parse_rub_price("cheap")
    with pytest.raises(InvalidInput):
        tutor_admin.parse_stars("1.5")
