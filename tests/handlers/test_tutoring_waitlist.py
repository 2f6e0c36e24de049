"""The waitlist through the chat: a taken time is waited for; when it frees, the first in
line is offered it (held for them), then the next when the offer runs out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.types import Message

from db.models import Lesson, LessonStatus, ProviderKind, TutorProfile, User, WaitlistEntry
from keyboards.tutoring import SlotCB
from sandbox import SandboxUser
from services.tutoring import booking, money, profiles
from services.tutoring.errors import SlotTaken
from tests.handlers.conftest import Telegram, faster_clicks, labels, text_of
from tests.services.shop_data import make_provider

make_settings = faster_clicks("100/5seconds")


@pytest.fixture
def telegram_settings() -> dict[str, str]:
    return {"lesson_reminders": "1h"}


def from_bot(user: SandboxUser) -> list[Message]:
    return [m for m in user.messages if m.from_user is not None and m.from_user.is_bot]


async def student(telegram: Telegram, tg_id: int, name: str, tutor: TutorProfile) -> SandboxUser:
    person = telegram.user(tg_id, first_name=name, language_code="en")
    await person.send("/start")
    user = await User.get(tg_id=tg_id)
    await money.buy_package(
        user,
        tutor,
        lessons=1,
        lesson_price=1000,
        payment_reference=f"w-{tg_id}",
        channel="telegram",
    )
    return person


async def test_freed_time_goes_to_the_first_in_line_then_the_next(telegram: Telegram) -> None:
    owner_chat = telegram.user(5001, first_name="Anna", language_code="en")
    await owner_chat.send("/start")
    provider = await make_provider(
        await User.get(tg_id=5001), kind=ProviderKind.tutor, name="Anna Math"
    )
    tutor = await profiles.create_tutor(provider, timezone="Europe/Berlin")
    await profiles.update_settings(tutor, min_notice=0)
    for weekday in range(7):
        await profiles.add_rule(tutor, weekday, 8 * 60, 20 * 60)
    lesson_type = await profiles.add_lesson_type(tutor, title="Algebra", duration=60, price=1000)
    _ann, ben, cat = (
        await student(telegram, 5002, "Ann", tutor),
        await student(telegram, 5003, "Ben", tutor),
        await student(telegram, 5004, "Cat", tutor),
    )
    # Ben and Cat look at the free times; the first one shown is the one everybody wants.
    screens = []
    for person in (ben, cat):
        page = await person.send(f"/start tutor_{provider.id}")
        screens.append((await person.click(labels(page[-1])[0]))[-1])
    # The wanted time is at least two hours ahead, so the offers' 30 minutes never reach it.
    wanted, start = "", datetime.now(UTC)
    for label in labels(screens[0]):
        data = ben.find_button(label, screens[0]).callback_data
        if data is None or not data.startswith(SlotCB.__prefix__):
            continue
        start = datetime.fromtimestamp(SlotCB.unpack(data).minute * 60, UTC)
        if start >= datetime.now(UTC) + timedelta(hours=2):
            wanted = label
            break
    assert wanted, "no free time two hours ahead on the first screen"
    ann_user = await User.get(tg_id=5002)
    first = (await booking.book(ann_user, provider.id, lesson_type.id, start)).lesson

    # They press it on their older screens: just taken, and they join the waitlist.
    for person, screen in zip((ben, cat), screens, strict=True):
        refused = await person.click(wanted, screen)
        assert "just taken" in text_of(refused[-1])
        joined = await person.click("⏳ Join the waitlist", refused[-1])
        assert "on the waitlist" in text_of(joined[-1])
    ben_user, cat_user = await User.get(tg_id=5003), await User.get(tg_id=5004)

    # Ann cancels: Ben, first in line, is offered the time at once; Cat cannot take it.
    await booking.cancel_by_student(
        ann_user,
        first.id,
        default_percent=telegram.settings.platform_commission_percent,
        events=telegram.services.shop_events,
    )
    offer = from_bot(ben)[-1]
    assert "is free" in text_of(offer) and labels(offer) == ["✅ Book it"]
    with pytest.raises(SlotTaken):
        await booking.book(cat_user, provider.id, lesson_type.id, start)

    # Ben lets it run out: Cat is offered it next and books it by the button.
    # The expired offer writes Cat's offer as a job of its own: a later round (or the runner's
    # own wake-up, in the background) sends it.
    later = datetime.now(UTC) + timedelta(minutes=31)
    for _ in range(20):
        await telegram.services.jobs.run_due(now=later)
        if "is free" in text_of(from_bot(cat)[-1]):
            break
        await asyncio.sleep(0.1)
    offer = from_bot(cat)[-1]
    assert "is free" in text_of(offer)
    booked = await cat.click("✅ Book it", offer)
    assert "Booked" in text_of(booked[-1])
    lesson = await Lesson.get(student_id=cat_user.id)
    assert lesson.status == LessonStatus.booked and lesson.starts_at == start
    states = dict(await WaitlistEntry.all().values_list("student_id", "state"))
    assert states == {ben_user.id: "expired", cat_user.id: "booked"}
