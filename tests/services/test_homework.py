"""Homework, materials and achievements against the database: states change once, reminders
are rows that follow the homework, achievements are earned and announced once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.errors import InvalidInput, NotFound
from db.models import (
    Achievement,
    AchievementCode,
    GradeKind,
    HomeworkStatus,
    Job,
    JobState,
    ProviderKind,
    User,
)
from services import achievements, homework, materials
from services.homework import AlreadySubmitted, FileRef, FileRefused, NotSubmitted
from services.jobs import JobKind
from tests.services.shop_data import make_provider, make_user

pytestmark = pytest.mark.usefixtures("db")

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
PDF = FileRef(file_id="F1", kind="document", name="tasks.pdf", size=1000, mime="application/pdf")


async def tutor_and_student() -> tuple[homework.Provider, User, User]:
    owner = await make_user(username="tutor_t")
    tutor = await make_provider(owner, kind=ProviderKind.tutor, name="Ms Tutor")
    student = await make_user(username="pupil_p")
    return tutor, owner, student


async def pending(kind: JobKind) -> list[Job]:
    return list(await Job.filter(kind=str(kind), state=JobState.pending))


async def test_assign_writes_the_notice_and_both_reminders() -> None:
    tutor, owner, student = await tutor_and_student()
    due = NOW + timedelta(days=3)

    work = await homework.assign(
        tutor,
        student,
        text="Ex. 1-5",
        due_at=due,
        files=[PDF],
        checklist=["- ex 1", "", "ex 2"],
        actor=owner,
        now=NOW,
    )

    assert work.status is HomeworkStatus.open and work.checklist == ["ex 1", "ex 2"]
    assert work.files[0]["file_id"] == "F1"
    assert len(await pending(JobKind.homework_assigned)) == 1
    [soon] = await pending(JobKind.homework_due_soon)
    [late] = await pending(JobKind.homework_overdue)
    assert soon.due_at == due - timedelta(days=1) and late.due_at == due
    assert [s.id for s in await homework.known_students(tutor)] == [student.id]


async def test_bad_input_is_refused_and_nothing_is_written() -> None:
    tutor, _, student = await tutor_and_student()
    with pytest.raises(InvalidInput):
        await homework.assign(tutor, student, text="x", due_at=NOW - timedelta(hours=1), now=NOW)
    with pytest.raises(InvalidInput):
        await homework.assign(tutor, student, text="  ", due_at=NOW + timedelta(days=1), now=NOW)
    big = FileRef(
        file_id="B", kind="document", name="big.pdf", size=21 * 2**20, mime="application/pdf"
    )
    with pytest.raises(FileRefused) as too_large:
        await homework.assign(
            tutor, student, text="x", due_at=NOW + timedelta(days=1), files=[big], now=NOW
        )
    assert too_large.value.details == {"reason": "too_large", "max_mb": 20}
    exe = FileRef(
        file_id="E", kind="document", name="run.exe", size=10, mime="application/x-msdownload"
    )
    with pytest.raises(FileRefused):
        homework.check_file(exe)
    with pytest.raises(FileRefused):
        homework.check_file(PDF, already=homework.MAX_FILES)
    assert await homework.student_homework(student) == []
    assert await Job.all().count() == 0


async def test_submit_once_then_grade_once() -> None:
    tutor, owner, student = await tutor_and_student()
    work = await homework.assign(
        tutor, student, text="Essay", due_at=NOW + timedelta(days=2), now=NOW
    )

    done = await homework.submit(student, work.id, text="My essay", now=NOW + timedelta(days=1))
    assert done.status is HomeworkStatus.submitted and done.submission.on_time
    with pytest.raises(AlreadySubmitted):
        await homework.submit(student, work.id, text="again", now=NOW + timedelta(days=1))
    # submitted: the reminders are cancelled, the tutor is told
    assert await pending(JobKind.homework_due_soon) == []
    assert await pending(JobKind.homework_overdue) == []
    assert len(await pending(JobKind.homework_submitted)) == 1

    graded = await homework.grade(
        tutor, work.id, kind=GradeKind.score, score=5, comment="Great", actor=owner
    )
    assert graded.status is HomeworkStatus.graded and graded.grade.score == 5
    with pytest.raises(NotSubmitted):
        await homework.grade(tutor, work.id, kind=GradeKind.score, score=4)
    assert len(await pending(JobKind.homework_graded)) == 1


async def test_grades_are_checked_and_pass_fail_works() -> None:
    tutor, _, student = await tutor_and_student()
    work = await homework.assign(tutor, student, text="T", due_at=NOW + timedelta(days=2), now=NOW)
    with pytest.raises(NotSubmitted):
        await homework.grade(tutor, work.id, kind=GradeKind.pass_fail, score=1)
    await homework.submit(student, work.id, files=[PDF], now=NOW)
    with pytest.raises(InvalidInput):
        await homework.grade(tutor, work.id, kind=GradeKind.score, score=6)
    graded = await homework.grade(tutor, work.id, kind=GradeKind.pass_fail, score=0)
    assert homework.grade_text(graded.grade.kind, graded.grade.score) == "fail"


async def test_someone_elses_homework_is_not_found() -> None:
    tutor, _, student = await tutor_and_student()
    other = await make_user()
    stranger_tutor = await make_provider(await make_user(), kind=ProviderKind.tutor)
    work = await homework.assign(tutor, student, text="T", due_at=NOW + timedelta(days=2), now=NOW)
    with pytest.raises(NotFound):
        await homework.submit(other, work.id, text="mine", now=NOW)
    with pytest.raises(NotFound):
        await homework.grade(stranger_tutor, work.id, kind=GradeKind.score, score=5)
    with pytest.raises(NotFound):
        await homework.delete(stranger_tutor, work.id)


async def test_moving_or_deleting_moves_or_cancels_the_reminders() -> None:
    tutor, _, student = await tutor_and_student()
    work = await homework.assign(tutor, student, text="T", due_at=NOW + timedelta(days=2), now=NOW)
    later = NOW + timedelta(days=5)

    await homework.change_due(tutor, work.id, later, now=NOW)
    [soon] = await pending(JobKind.homework_due_soon)
    [late] = await pending(JobKind.homework_overdue)
    assert soon.due_at == later - timedelta(days=1) and late.due_at == later

    await homework.delete(tutor, work.id)
    assert await pending(JobKind.homework_due_soon) == []
    assert await pending(JobKind.homework_overdue) == []
    assert await Job.filter(state=JobState.cancelled).count() == 4


async def test_find_student_by_username_or_telegram_id() -> None:
    _, _, student = await tutor_and_student()
    assert (await homework.find_student("@Pupil_P")).id == student.id
    assert (await homework.find_student(str(student.tg_id))).id == student.id
    with pytest.raises(NotFound):
        await homework.find_student("@nobody_here")
    with pytest.raises(InvalidInput):
        await homework.find_student("not a name!")


async def test_materials_for_one_student_or_all() -> None:
    tutor, _, student = await tutor_and_student()
    other = await make_user()
    outsider = await make_user()
    await homework.assign(tutor, other, text="T", due_at=NOW + timedelta(days=2), now=NOW)
    personal = await materials.share(tutor, student, title="Notes", file=PDF)
    common = await materials.share(tutor, None, title="", url="https://example.com/grammar")

    assert [m.id for m in await materials.materials_for(student)] == [common.id, personal.id]
    assert [m.id for m in await materials.materials_for(other)] == [common.id]
    assert await materials.materials_for(outsider) == []
    assert common.title == "https://example.com/grammar"
    # the shared-with-all link reached the tutor's two students known at that time
    assert await Job.filter(kind=str(JobKind.material_shared)).count() == 3
    with pytest.raises(InvalidInput):
        await materials.share(tutor, student, title="x", url="javascript:alert(1)")
    with pytest.raises(NotFound):
        await materials.material_for(outsider, personal.id)


def lessons(*days: int) -> list[datetime]:
    return [datetime(2026, 11, 2, 10, tzinfo=UTC) + timedelta(days=day) for day in days]


def test_streak_counts_consecutive_weeks() -> None:
    assert achievements.longest_weekly_streak(lessons(0, 7, 14, 21)) == 4
    assert achievements.longest_weekly_streak(lessons(0, 1, 7, 21, 28)) == 2
    assert achievements.lesson_codes([]) == []


async def test_lesson_achievements_are_recorded_and_announced_once() -> None:
    student = await make_user()
    first = await achievements.lessons_achievements(student.id, lessons(0))
    assert first == [AchievementCode.first_lesson]
    again = await achievements.lessons_achievements(student.id, lessons(0, 7))
    assert again == []
    ten = lessons(0, 7, 14, 21, 22, 23, 24, 25, 26, 27)
    assert await achievements.lessons_achievements(student.id, ten) == [
        AchievementCode.ten_lessons,
        AchievementCode.four_week_streak,
    ]
    assert await achievements.lessons_achievements(student.id, ten) == []
    assert await Achievement.filter(user_id=student.id).count() == 3
    assert await Job.filter(kind=str(JobKind.achievement_earned)).count() == 3


async def test_all_homework_on_time_this_month() -> None:
    tutor, _, student = await tutor_and_student()
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    first = await homework.assign(
        tutor, student, text="A", due_at=start + timedelta(days=5), now=start
    )
    second = await homework.assign(
        tutor, student, text="B", due_at=start + timedelta(days=9), now=start
    )
    await homework.submit(student, first.id, text="a", now=start + timedelta(days=4))
    assert await Achievement.filter(user_id=student.id).count() == 0
    await homework.submit(student, second.id, text="b", now=start + timedelta(days=8))
    [earned] = await Achievement.filter(user_id=student.id)
    assert earned.code is AchievementCode.homework_on_time_month and earned.period == "2026-12"


async def test_a_late_submission_earns_nothing() -> None:
    tutor, _, student = await tutor_and_student()
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    first = await homework.assign(
        tutor, student, text="A", due_at=start + timedelta(days=5), now=start
    )
    second = await homework.assign(
        tutor, student, text="B", due_at=start + timedelta(days=9), now=start
    )
    await homework.submit(student, first.id, text="a", now=start + timedelta(days=6))
    done = await homework.submit(student, second.id, text="b", now=start + timedelta(days=8))
    assert not (await homework.student_homework_one(student, first.id)).submission.on_time
    assert done.submission.on_time
    assert await Achievement.filter(user_id=student.id).count() == 0


def test_due_dates_are_read_in_the_zone() -> None:
    moscow = ZoneInfo("Europe/Moscow")
    assert homework.parse_due("25.12 18:00", moscow, NOW) == datetime(2026, 12, 25, 15, tzinfo=UTC)
    assert homework.parse_due("25.12.2026", moscow, NOW) == datetime(
        2026, 12, 25, 20, 59, tzinfo=UTC
    )
    assert homework.parse_due("01.01", moscow, NOW) == datetime(2027, 1, 1, 20, 59, tzinfo=UTC)
    for wrong in ("tomorrow", "31.02", "12.12 25:00", ""):
        assert homework.parse_due(wrong, moscow, NOW) is None
