"""Tutoring end to end in the chat: the tutor sets hours, a student books through the deep
link, both get reminders when the clock moves, the tutor marks the lesson held, the credit is
spent; refusals (a time just taken, a bad /availability line) are explained."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiogram.types import Message

from db.models import (
    Achievement,
    AchievementCode,
    Lesson,
    LessonStatus,
    Package,
    ProviderKind,
    Role,
    User,
)
from sandbox import SandboxUser
from services import ledger
from services.events import ShopListener
from services.tutoring import booking, money, profiles
from tests.handlers.conftest import Telegram, faster_clicks, labels, text_of
from tests.services.shop_data import make_provider

make_settings = faster_clicks("100/5seconds")


@pytest.fixture
def telegram_settings() -> dict[str, str]:
    return {"lesson_reminders": "24h,1h"}


async def tutor_week(tutor: SandboxUser) -> list[Message]:
    """/tutor, then "Today / This week": the week's lessons with their actions."""
    menu = await tutor.send("/tutor")
    return await tutor.click("📅 Today / This week", menu[-1])


def from_bot(user: SandboxUser) -> list[Message]:
    return [m for m in user.messages if m.from_user is not None and m.from_user.is_bot]


class HeldLessons(ShopListener):
    def __init__(self) -> None:
        self.held: list[int] = []

    async def lesson_held(self, lesson: Lesson) -> None:
        self.held.append(lesson.id)


async def test_tutor_sets_hours_student_books_reminded_held_and_credit_spent(
    telegram: Telegram,
) -> None:
    held = HeldLessons()
    telegram.services.shop_events.subscribe(held)
    anna = telegram.user(4001, first_name="Anna", language_code="en")
    await anna.send("/start")
    owner = await User.get(tg_id=4001)
    await User.filter(id=owner.id).update(role=Role.provider)
    provider = await make_provider(owner, kind=ProviderKind.tutor, name="Anna Math")
    tutor = await profiles.create_tutor(provider, timezone="Europe/Berlin")
    await profiles.update_settings(tutor, min_notice=0, subjects="Maths")
    await profiles.add_lesson_type(
        tutor, title="Algebra", duration=60, price=100000, location="https://meet.example/a"
    )

    # The tutor sets her hours: every day 08:00-20:00 Berlin; a bad line is explained.
    bad = await anna.send("/availability Mon 14:00-10:00")
    assert "must start before it ends" in text_of(bad[-1])
    days = "; ".join(f"{d} 08:00-20:00" for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))
    saved = await anna.send(f"/availability {days}")
    assert "Saved: 7" in text_of(saved[-1])

    # The student (Moscow) has a package and opens the tutor's link.
    boris = telegram.user(4002, first_name="Boris", language_code="en")
    await boris.send("/start")
    student = await User.get(tg_id=4002)
    await money.buy_package(
        student,
        tutor,
        lessons=4,
        lesson_price=100000,
        discount_percent=10,
        payment_reference="chat-e2e",
        channel="telegram",
    )
    # Vera opened the same free times a moment before Boris.
    vera = telegram.user(4003, first_name="Vera", language_code="en")
    await vera.send("/start")
    await money.buy_package(
        await User.get(tg_id=4003),
        tutor,
        lessons=1,
        lesson_price=100000,
        payment_reference="chat-e2e-2",
        channel="telegram",
    )
    vera_page = await vera.send(f"/start tutor_{provider.id}")
    vera_slots = await vera.click(labels(vera_page[-1])[0])
    vera_later = await vera.click("Later ▶", vera_slots[-1])

    page = await boris.send(f"/start tutor_{provider.id}")
    assert "Anna Math" in text_of(page[-1]) and "prepaid lessons here: 4" in text_of(page[-1])
    slots = await boris.click(labels(page[-1])[0])
    assert "Europe/Moscow" in text_of(slots[-1])
    later = await boris.click("Later ▶", slots[-1])  # three days on: beyond any reminder
    first_slot = labels(later[-1])[0]
    booked = await boris.click(first_slot, later[-1])
    assert "Booked" in text_of(booked[-1])
    lesson = await Lesson.get(student_id=student.id)
    assert lesson.status == LessonStatus.booked
    assert (await Package.get(student_id=student.id)).remaining == 3
    moscow = lesson.starts_at.astimezone(ZoneInfo("Europe/Moscow")).strftime("%d.%m %H:%M")
    assert moscow in first_slot

    # Vera presses the same time on her older screen: just taken, her lesson stays prepaid.
    refused = await vera.click(first_slot, vera_later[-1])
    assert "just taken" in text_of(refused[-1])
    assert labels(refused[-1]) == ["⏳ Join the waitlist"]
    assert await Lesson.all().count() == 1
    assert (await Package.get(payment_reference="chat-e2e-2")).remaining == 1

    # The clock moves to each reminder: both get it once.
    before_s, before_t = len(from_bot(boris)), len(from_bot(anna))
    for hours in (24, 1):
        await telegram.services.jobs.run_due(now=lesson.starts_at - timedelta(hours=hours))
        await telegram.services.jobs.run_due(
            now=lesson.starts_at - timedelta(hours=hours, minutes=-1)
        )
    reminders_s = [m for m in from_bot(boris)[before_s:] if "Reminder" in text_of(m)]
    reminders_t = [m for m in from_bot(anna)[before_t:] if "Reminder" in text_of(m)]
    assert len(reminders_s) == 2 and len(reminders_t) == 2
    assert "(Europe/Moscow)" in text_of(reminders_s[0])
    assert any(e.type == "date_time" for e in reminders_s[0].entities or [])

    # The lesson has started: the tutor marks it held from /tutor.
    started = datetime.now(UTC) - timedelta(minutes=10)
    await Lesson.filter(id=lesson.id).update(
        starts_at=started, ends_at=started + timedelta(hours=1)
    )
    shown = await tutor_week(anna)
    card = next(m for m in shown if "Boris" in text_of(m))
    done = await anna.click("✅ Held", card)
    assert "held" in text_of(done[-1])
    await anna.click("✅ Held", card)  # a stale button: refused, nothing twice
    assert "already changed" in anna.callback_answers[-1].text

    package = await Package.get(student_id=student.id)
    assert (package.remaining, package.consumed) == (3, 1)
    assert (await Lesson.get(id=lesson.id)).status == LessonStatus.held
    assert held.held == [lesson.id]
    (held_at,) = await booking.held_lesson_times(student.id)
    assert abs(held_at - started) < timedelta(seconds=1)
    earned = await ledger.provider_account(provider.id, "RUB")
    assert earned.balance == 90000 - 9000

    # Her first held lesson is an achievement, announced once in her chat.
    assert await Achievement.filter(user_id=student.id).values_list("code", flat=True) == [
        AchievementCode.first_lesson
    ]
    await telegram.services.jobs.run_due()
    await telegram.services.jobs.run_due()
    announced = [m for m in from_bot(boris) if "First lesson" in text_of(m)]
    assert len(announced) == 1


async def test_lessons_command_cancels_with_confirmation(telegram: Telegram) -> None:
    anna = telegram.user(4101, first_name="Anna", language_code="en")
    await anna.send("/start")
    owner = await User.get(tg_id=4101)
    provider = await make_provider(owner, kind=ProviderKind.tutor, name="Anna Math")
    tutor = await profiles.create_tutor(provider, timezone="Europe/Berlin")
    await profiles.update_settings(tutor, min_notice=0)
    for weekday in range(7):
        await profiles.add_rule(tutor, weekday, 8 * 60, 20 * 60)
    lesson_type = await profiles.add_lesson_type(tutor, title="Algebra", duration=60, price=1000)
    boris = telegram.user(4102, first_name="Boris", language_code="en")
    await boris.send("/start")
    student = await User.get(tg_id=4102)
    await money.buy_package(
        student, tutor, lessons=1, lesson_price=1000, payment_reference="l-1", channel="telegram"
    )
    day = datetime.now(UTC) + timedelta(days=3)
    start = day.astimezone(ZoneInfo("Europe/Berlin")).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    await booking.book(student, provider.id, lesson_type.id, start)

    shown = await boris.send("/lessons")
    card = shown[-1]
    assert "🔁 Reschedule" in labels(card) and "✖️ Cancel" in labels(card)
    asked = await boris.click("✖️ Cancel", card)
    done = await boris.click("Yes, cancel", asked[-1])

    assert "cancelled" in text_of(done[-1])
    assert (await Package.get(student_id=student.id)).remaining == 1


async def test_tutor_cancels_and_the_student_hears_of_it_with_the_credit_back(
    telegram: Telegram,
) -> None:
    anna = telegram.user(4201, first_name="Anna", language_code="en")
    await anna.send("/start")
    owner = await User.get(tg_id=4201)
    provider = await make_provider(owner, kind=ProviderKind.tutor, name="Anna Math")
    tutor = await profiles.create_tutor(provider, timezone="Europe/Berlin")
    await profiles.update_settings(tutor, min_notice=0, requires_confirmation=True)
    for weekday in range(7):
        await profiles.add_rule(tutor, weekday, 0, 24 * 60)
    lesson_type = await profiles.add_lesson_type(tutor, title="Algebra", duration=60, price=1000)
    boris = telegram.user(4202, first_name="Boris", language_code="ru")
    await boris.send("/start")
    student = await User.get(tg_id=4202)
    await money.buy_package(
        student, tutor, lessons=1, lesson_price=1000, payment_reference="tc-1", channel="telegram"
    )
    start = (datetime.now(UTC) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    lesson = (await booking.book(student, provider.id, lesson_type.id, start)).lesson
    assert lesson.status == LessonStatus.pending

    card = next(m for m in await tutor_week(anna) if "Boris" in text_of(m))
    await anna.click("✅ Confirm", card)
    assert "подтвердил" in text_of(from_bot(boris)[-1])
    card = next(m for m in await tutor_week(anna) if "Boris" in text_of(m))
    await anna.click("✖️ Cancel lesson", card)

    assert "отменил" in text_of(from_bot(boris)[-1])
    assert (await Lesson.get(id=lesson.id)).status == LessonStatus.cancelled_by_tutor
    assert (await Package.get(student_id=student.id)).remaining == 1
