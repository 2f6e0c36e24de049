"""Homework in chat: a tutor assigns, the student is told, submits, the tutor grades, the student
is told; reminders fire once when the clock moves; achievements are announced once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from db.models import (
    Achievement,
    Homework,
    HomeworkStatus,
    Job,
    JobState,
    Material,
    Provider,
    ProviderKind,
    User,
)
from sandbox import SandboxUser
from services import achievements, catalog
from services.jobs import JobKind
from tests.handlers.conftest import Telegram, faster_clicks, labels, text_of

make_settings = faster_clicks("200/5seconds")

TUTOR_ID = 3001
STUDENT_ID = 3002


def bot_texts(user: SandboxUser) -> list[str]:
    return [text_of(m) for m in user.messages if m.from_user is not None and m.from_user.is_bot]


async def tutor_and_student(telegram: Telegram) -> tuple[SandboxUser, SandboxUser, Provider]:
    tutor = telegram.user(TUTOR_ID, first_name="Tina", language_code="en")
    student = telegram.user(STUDENT_ID, first_name="Sasha", language_code="en", username="sasha_s")
    await tutor.send("/start")
    await student.send("/start")
    owner = await User.get(tg_id=TUTOR_ID)
    provider = await catalog.create_provider(
        ProviderKind.tutor, "Tina English", "tina-en", actor=owner, owner=owner
    )
    return tutor, student, provider


async def assign(tutor: SandboxUser, due: str = "25.12.2030 18:00") -> Homework:
    await tutor.send("/tutor_homework")
    await tutor.click("➕ Assign homework")
    await tutor.send("@sasha_s")
    await tutor.send("Read chapter 3 and answer the questions")
    await tutor.send_document(b"%PDF-1.4 tasks", "tasks.pdf", mime_type="application/pdf")
    await tutor.click("➡️ Next")
    await tutor.send(due)
    await tutor.send("Question 1\nQuestion 2")
    assert "Assign this homework?" in text_of(tutor.last_message)
    await tutor.click("✅ Assign")
    return await Homework.get(text="Read chapter 3 and answer the questions")


async def test_assign_submit_grade_round_trip(telegram: Telegram) -> None:
    tutor, student, provider = await tutor_and_student(telegram)

    homework = await assign(tutor)

    assert homework.provider_id == provider.id and len(homework.files) == 1
    assert homework.checklist == ["Question 1", "Question 2"]
    assert f"Homework #{homework.id} is assigned to Sasha" in text_of(tutor.last_message)
    notice = student.last_message
    assert "New homework from Tina English, due 25.12.2030 18:00" in text_of(notice)
    assert labels(notice) == ["📝 Open homework"]

    # the tutor's confirm button pressed again: nothing more is assigned
    await tutor.click("✅ Assign", tutor.messages[-2])
    assert await Homework.all().count() == 1

    await student.click("📝 Open homework")
    card = student.last_message
    assert "☐ Question 1" in text_of(card) and "Status: open" in text_of(card)
    await student.click("📎 Files (1)")
    assert student.last_message is not None and student.last_message.document is not None
    await student.click("📤 Submit", card)
    await student.send_location(55.75, 37.61)
    assert "Send text, a photo or a document for your answer" in text_of(student.last_message)
    await student.send_document(b"MZ", "virus.exe", mime_type="application/x-msdownload")
    assert "Files of this type are not accepted (virus.exe)" in text_of(student.last_message)
    await student.send("My answers: 1) yes 2) no")
    await student.send_photo(b"not really a photo", caption="page 2")
    await student.click("✅ Send for review")
    assert "Sent for review" in text_of(student.last_message)

    await homework.refresh_from_db()
    assert homework.status is HomeworkStatus.submitted
    submitted = tutor.last_message
    assert f"Sasha submitted homework #{homework.id}" in text_of(submitted)

    # a stale "Send" and "Submit" are refused
    await student.click("✅ Send for review")
    assert student.callback_answers[-1].text == "This homework is already submitted."
    await student.click("📤 Submit", card)
    assert student.callback_answers[-1].text == "This homework is already submitted."

    await tutor.click("📥 Open to grade", submitted)
    tutor_card = tutor.last_message
    assert "My answers: 1) yes 2) no" in text_of(tutor_card) and "page 2" in text_of(tutor_card)
    await tutor.click("5", tutor_card)
    await tutor.send("Well done")
    assert f"Homework #{homework.id} is graded" in text_of(tutor.last_message)
    assert "is graded: 5/5" in text_of(student.last_message)
    assert "Comment: Well done" in text_of(student.last_message)

    await tutor.click("4", tutor_card)
    assert tutor.callback_answers[-1].text == "This homework is already graded."

    await student.send("/homework")
    assert "graded: 1" in text_of(student.last_message)


async def test_bad_input_from_the_tutor_is_explained(telegram: Telegram) -> None:
    tutor, _, _ = await tutor_and_student(telegram)
    await tutor.send("/tutor_homework")
    await tutor.click("➕ Assign homework")
    await tutor.send("@nobody_like_this")
    assert "No such person" in text_of(tutor.last_message)
    await tutor.send(str(STUDENT_ID))
    await tutor.send_photo(b"x")
    assert "Send the task text first" in text_of(tutor.last_message)
    await tutor.send("Task")
    await tutor.send("no files here")
    assert "Send a photo or a document" in text_of(tutor.last_message)
    await tutor.click("➡️ Next")
    await tutor.send("tomorrow-ish")
    assert "I cannot read that date" in text_of(tutor.last_message)
    await tutor.send("01.01.2020")
    assert "The due time must be in the future." in text_of(tutor.last_message)
    await tutor.send("/cancel")
    assert await Homework.all().count() == 0


async def test_not_a_tutor(telegram: Telegram) -> None:
    someone = telegram.user(3100, language_code="en")
    await someone.send("/tutor_homework")
    assert "Homework is for tutors" in text_of(someone.last_message)


async def test_reminders_fire_once_when_the_clock_moves(telegram: Telegram) -> None:
    tutor, student, _ = await tutor_and_student(telegram)
    homework = await assign(tutor)
    runner = telegram.services.jobs
    before = len(bot_texts(student))

    day_before = homework.due_at - timedelta(days=1) + timedelta(minutes=1)
    await runner.run_due(now=day_before)
    await runner.run_due(now=day_before + timedelta(minutes=5))
    reminders = bot_texts(student)[before:]
    assert len(reminders) == 1 and "is due tomorrow, 25.12.2030 18:00" in reminders[0]

    await runner.run_due(now=homework.due_at + timedelta(minutes=1))
    await runner.run_due(now=homework.due_at + timedelta(hours=2))
    later = bot_texts(student)[before:]
    assert len(later) == 2 and "is overdue" in later[1]
    assert await Job.filter(kind=str(JobKind.homework_overdue), state=JobState.done).count() == 1


async def test_no_reminder_after_submission(telegram: Telegram) -> None:
    tutor, student, _ = await tutor_and_student(telegram)
    homework = await assign(tutor)
    await student.click("📝 Open homework")
    await student.click("📤 Submit")
    await student.send("done")
    await student.click("✅ Send for review")
    before = len(bot_texts(student))
    await telegram.services.jobs.run_due(now=homework.due_at + timedelta(days=1))
    assert bot_texts(student)[before:] == []


async def test_materials_shared_with_one_student(telegram: Telegram) -> None:
    tutor, student, _ = await tutor_and_student(telegram)
    await tutor.send("/tutor_homework")
    await tutor.click("➕ Share a material")
    await tutor.send("@sasha_s")
    await tutor.send("ftp://example.com")
    assert "starts with https://" in text_of(tutor.last_message)
    await tutor.send("https://example.com/grammar Grammar guide")
    assert "Shared: Grammar guide." in text_of(tutor.last_message)
    assert "Tina English shared a material with you: Grammar guide" in text_of(student.last_message)
    await student.click("Grammar guide")
    assert "https://example.com/grammar" in text_of(student.last_message)
    await student.send("/materials")
    assert labels(student.last_message) == ["🔗 Grammar guide", "⬅️ My homework"]
    assert await Material.all().count() == 1


async def test_lesson_achievements_are_announced_once_and_shown_in_the_profile(
    telegram: Telegram,
) -> None:
    _, student, _ = await tutor_and_student(telegram)
    user = await User.get(tg_id=STUDENT_ID)
    held = [datetime(2026, 11, 2, 10, tzinfo=UTC) + timedelta(weeks=week) for week in range(4)]

    events = telegram.services.shop_events
    await achievements.lessons_achievements(user.id, held[:1], events)
    await achievements.lessons_achievements(user.id, held, events)
    await achievements.lessons_achievements(user.id, held, events)

    announced = [t for t in bot_texts(student) if t.startswith("🏆")]
    assert announced == [
        "🏆 Achievement earned: 🎉 First lesson!",
        "🏆 Achievement earned: 🔥 Four weeks in a row!",
    ]
    assert await Achievement.filter(user_id=user.id).count() == 2
    await student.send("/start")
    await student.click("👤 Profile")
    assert "Achievements: 🎉 First lesson, 🔥 Four weeks in a row" in text_of(student.last_message)


@pytest.mark.parametrize("language", ["ru"])
async def test_the_student_is_told_in_their_language(telegram: Telegram, language: str) -> None:
    tutor, _, _ = await tutor_and_student(telegram)
    russian = telegram.user(3003, first_name="Петя", language_code=language, username="petya_p")
    await russian.send("/start")
    await tutor.send("/tutor_homework")
    await tutor.click("➕ Assign homework")
    await tutor.send("@petya_p")
    await tutor.send("Упражнение 5")
    await tutor.click("➡️ Next")
    await tutor.send("25.12.2030")
    await tutor.click("Skip")
    await tutor.click("✅ Assign")
    assert "Новое домашнее задание" in text_of(russian.last_message)


async def test_a_reminder_claimed_by_a_runner_that_died_is_never_sent_twice(
    telegram: Telegram,
) -> None:
    tutor, student, _ = await tutor_and_student(telegram)
    homework = await assign(tutor)
    soon = homework.due_at - timedelta(days=1) + timedelta(minutes=1)
    # another process claimed the reminder and stopped before recording what it did
    job = await Job.get(kind=str(JobKind.homework_due_soon))
    await Job.filter(id=job.id).update(
        state=JobState.running, claimed_by="dead:1", lease_until=soon, attempts=1
    )
    before = len(bot_texts(student))

    await telegram.services.jobs.run_due(now=soon + timedelta(minutes=5))

    assert bot_texts(student)[before:] == []
    assert (await Job.get(id=job.id)).state is JobState.missed


async def test_moving_the_due_time_moves_the_reminders(telegram: Telegram) -> None:
    tutor, student, _ = await tutor_and_student(telegram)
    homework = await assign(tutor)
    await tutor.click("📋 All homework")
    await tutor.click(f"📝 #{homework.id} Sasha · Read chapter 3 an…")
    await tutor.click("📅 Change the due time")
    await tutor.send("01.01.2020 10:00")
    assert "The due time must be in the future." in text_of(tutor.last_message)
    await tutor.send("10.01.2031 09:30")
    assert "is now due 10.01.2031 09:30" in text_of(tutor.last_message)

    await homework.refresh_from_db()
    runner = telegram.services.jobs
    before = len(bot_texts(student))
    await runner.run_due(now=datetime(2030, 12, 25, 18, tzinfo=UTC))  # the old due time
    assert bot_texts(student)[before:] == []
    await runner.run_due(now=homework.due_at - timedelta(hours=23))
    [reminder] = bot_texts(student)[before:]
    assert "is due tomorrow, 10.01.2031 09:30" in reminder


async def test_a_deleted_homework_leaves_stale_buttons_that_explain(telegram: Telegram) -> None:
    tutor, student, _ = await tutor_and_student(telegram)
    homework = await assign(tutor)
    notice = student.last_message
    await tutor.click("📋 All homework")
    listed = tutor.last_message
    await tutor.click(f"📝 #{homework.id} Sasha · Read chapter 3 an…")
    await tutor.click("🗑 Delete")
    await tutor.click("🗑 Yes, delete")
    assert f"Homework #{homework.id} is deleted." in text_of(tutor.last_message)
    assert await Homework.all().count() == 0
    assert not await Job.filter(state=JobState.pending, kind__startswith="homework.").exists()

    await student.click("📝 Open homework", notice)
    assert student.callback_answers[-1].text == "This homework no longer exists."
    await tutor.click(f"📝 #{homework.id} Sasha · Read chapter 3 an…", listed)
    assert tutor.callback_answers[-1].text == "This homework no longer exists."
