"""The Mini App's booking screens in headless Chromium, light and dark: the deep link
`tutor_<id>` opens the tutor's page with free times grouped by day in the browser's own zone;
a time someone takes a moment before the MainButton is pressed shows the server's message and
disappears; another time is booked; My lessons shows it with its join link and cancels it
after Telegram's confirmation popup."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from db.models import Lesson, LessonStatus, User
from services.tutoring import booking
from tests.tutoring.tutor_data import make_student, make_tutor
from tests.web.conftest import TG_USER, Web, sign_init_data
from tests.web.test_mini_app_browser import (
    ARTIFACTS,
    COUNT_POPUPS,
    PHONE,
    THEMES,
    Watched,
    browser,
    launch_hash,
    pytestmark,
)
from tests.web.test_tutoring_api import make_student_package

__all__ = ["browser", "pytestmark"]  # the fixture and the skip marks of the browser tests

ZONE = "Asia/Yekaterinburg"  # the browser's zone: the times are shown in it (+05:00)


@pytest.mark.parametrize("theme", ["light", "dark"])
async def test_book_a_lesson_from_the_deep_link_then_cancel_it(
    web: Web, browser: Any, theme: str
) -> None:
    from playwright.async_api import expect

    init_data = sign_init_data(web.settings.token)
    signed_up = await web.client.get("/api/v1/me", headers={"Authorization": f"tma {init_data}"})
    assert signed_up.status == 200
    student = await User.get(tg_id=TG_USER["id"])
    tutor = await make_tutor()
    await make_student_package(student, tutor)
    rival = await make_student(credits=1, tutor=tutor)

    page = await browser.new_page(viewport=PHONE, timezone_id=ZONE)
    watched = Watched(page, ARTIFACTS / f"booking-{theme}")
    url = str(web.client.make_url("/app")) + "?lang=en"
    start_param = f"tutor_{tutor.provider.id}"
    await page.goto(url + launch_hash(init_data, THEMES[theme], start_param))
    texts = await watched.texts()

    # The tutor's page: profile, lesson types with prices, times by day in the browser's zone.
    await expect(page.get_by_role("heading", name="Anna Math")).to_be_visible()
    await expect(page.locator(".tutor-profile")).to_contain_text("Maths, Physics")
    await expect(page.locator("#credits")).to_contain_text("2")
    await expect(page.locator("#lesson-types")).to_contain_text("Exam prep")
    await expect(page.locator("#lesson-types")).to_contain_text("2,000")
    slots = page.locator("#slots button.slot")
    await expect(slots.first).to_be_visible()
    first = await slots.nth(0).get_attribute("data-start")
    second = await slots.last.get_attribute("data-start")  # another day
    assert first is not None and second is not None
    assert first.endswith("+05:00")  # Berlin 10:00 is 14:00 in Yekaterinburg (or 13:00)
    assert first[11:16] in ("13:00", "14:00")
    assert (await watched.main_button())["visible"] is False
    await watched.shot("tutor")

    # Someone takes the chosen time before the press: the server's message, fresh times.
    await slots.nth(0).click()
    assert (await watched.main_button())["visible"] is True
    await booking.book(rival, tutor.provider.id, tutor.hour.id, datetime.fromisoformat(first))
    await watched.press_main_button()
    await expect(page.locator("#booking-problem")).to_be_visible()
    await expect(page.locator(f"#slots [data-start='{first}']")).to_have_count(0)
    assert (await watched.main_button())["visible"] is False
    await watched.shot("taken")

    # Another time: booked (a double press books once), then My lessons shows it.
    await page.locator(f"#slots [data-start='{second}']").click()
    await page.evaluate(
        "Telegram.WebView.receiveEvent('main_button_pressed');"
        "Telegram.WebView.receiveEvent('main_button_pressed');"
    )
    await expect(page.get_by_role("heading", name=texts["bk_lessons_title"])).to_be_visible()
    lessons = await Lesson.filter(student_id=student.id)
    assert len(lessons) == 1 and lessons[0].status is LessonStatus.booked
    assert lessons[0].starts_at == datetime.fromisoformat(second)
    card = page.locator(f"[data-lesson='{lessons[0].id}']")
    await expect(card).to_contain_text("Lesson")
    await expect(card.get_by_role("link", name=texts["bk_join_lesson"])).to_be_visible()
    await watched.shot("lessons")

    # Cancel: Telegram's popup asks first; its "Cancel" keeps the lesson, OK cancels it.
    await page.evaluate(COUNT_POPUPS)
    await card.get_by_role("button", name=texts["bk_cancel_lesson"]).click()
    await page.wait_for_function("window.popupsOpened === 1")
    await page.evaluate("Telegram.WebView.receiveEvent('popup_closed', {})")
    await expect(card.get_by_role("button", name=texts["bk_cancel_lesson"])).to_be_enabled()
    assert (await Lesson.get(id=lessons[0].id)).status is LessonStatus.booked
    await card.get_by_role("button", name=texts["bk_cancel_lesson"]).click()
    await page.wait_for_function("window.popupsOpened === 2")
    await page.evaluate("Telegram.WebView.receiveEvent('popup_closed', {button_id: 'ok'})")
    await expect(page.locator("#toast")).to_have_text(texts["bk_lesson_cancelled"])
    await expect(card.get_by_role("button", name=texts["bk_cancel_lesson"])).to_have_count(0)
    await watched.shot("cancelled")

    assert (await Lesson.get(id=lessons[0].id)).status is LessonStatus.cancelled
    # The only refusal is the expected 409 of the time taken a moment before.
    assert [p for p in watched.problems if "409" not in p] == []
    assert [p for p in watched.problems if p.startswith("HTTP")] == [
        f"HTTP 409: {web.client.make_url('/api/v1/bookings')}"
    ]
