"""The Mini App's booking screens beyond one booking, in headless Chromium: a lesson moved
from My lessons with the shared slot picker (and the policy's refusal in the API's words); a
weekly series whose taken week is named, then booked for fewer weeks; a time taken a moment
ago waited for, offered when it frees, and booked from My lessons. Prepaid lessons are shown
on the tutor's page and per tutor in My lessons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from db.models import Lesson, LessonStatus, TutorProfile, User, WaitlistEntry
from services.tutoring import booking, money, waitlist
from tests.tutoring.tutor_data import make_student, make_tutor
from tests.web.conftest import TG_USER, Web, sign_init_data
from tests.web.test_mini_app_browser import (
    ARTIFACTS,
    PHONE,
    THEMES,
    Watched,
    browser,
    launch_hash,
    pytestmark,
)
from tests.web.test_tutoring_api import BERLIN, tomorrow_berlin

__all__ = ["browser", "pytestmark"]  # the fixture and the skip marks of the browser tests

ZONE = "Asia/Yekaterinburg"  # the browser's zone: the times are shown in it (+05:00)


async def student_with_credits(tutor: Any, lessons: int) -> User:
    student = await User.get(tg_id=TG_USER["id"])
    await money.buy_package(
        student,
        tutor.profile,
        lessons=lessons,
        lesson_price=tutor.hour.price,
        payment_reference=f"browser-package:{student.id}:{lessons}",
        channel="telegram",
    )
    return student


async def sign_up(web: Web) -> str:
    init_data = sign_init_data(web.settings.token)
    signed_up = await web.client.get("/api/v1/me", headers={"Authorization": f"tma {init_data}"})
    assert signed_up.status == 200
    return init_data


async def open_page(
    web: Web, browser: Any, init_data: str, theme: str, name: str, start_param: str
) -> tuple[Any, Watched]:
    page = await browser.new_page(viewport=PHONE, timezone_id=ZONE)
    watched = Watched(page, ARTIFACTS / f"{name}-{theme}")
    url = str(web.client.make_url("/app")) + "?lang=en"
    await page.goto(url + launch_hash(init_data, THEMES[theme], start_param))
    return page, watched


@pytest.mark.parametrize("theme", ["light", "dark"])
async def test_move_a_lesson_from_my_lessons(web: Web, browser: Any, theme: str) -> None:
    from playwright.async_api import expect

    init_data = await sign_up(web)
    tutor = await make_tutor()
    student = await student_with_credits(tutor, 2)
    start = tomorrow_berlin() + timedelta(days=2)  # far from the 24 h deadline at any hour
    lesson = (await booking.book(student, tutor.provider.id, tutor.hour.id, start)).lesson

    page, watched = await open_page(
        web, browser, init_data, theme, "move", f"tutor_{tutor.provider.id}"
    )
    texts = await watched.texts()
    await expect(page.locator("#credits")).to_contain_text("1")
    await page.get_by_role("link", name=texts["bk_lessons_title"]).first.click()

    # My lessons: prepaid lessons per tutor, and the lesson with its Reschedule button.
    await expect(page.locator("#credits")).to_contain_text("Anna Math: 1")
    card = page.locator(f"[data-lesson='{lesson.id}']")
    await card.get_by_role("button", name=texts["bk_reschedule"]).click()
    picker = card.locator("#move-slots button.slot")
    await expect(picker.first).to_be_visible()
    new_start = await picker.last.get_attribute("data-start")  # days ahead: still movable
    assert new_start is not None and new_start.endswith("+05:00")
    await picker.last.click()
    button = await watched.main_button()
    assert button["visible"] is True and button["text"].startswith("Move to ")
    await watched.shot("picker")

    # Telegram's BackButton closes the picker, not the screen.
    await page.evaluate("Telegram.WebView.receiveEvent('back_button_pressed')")
    await expect(card.locator("#move-picker")).to_have_count(0)
    assert (await watched.main_button())["visible"] is False
    await expect(page.get_by_role("heading", name=texts["bk_lessons_title"])).to_be_visible()

    await card.get_by_role("button", name=texts["bk_reschedule"]).click()
    await card.locator(f"#move-slots [data-start='{new_start}']").click()
    await watched.press_main_button()
    await expect(page.locator("#toast")).to_have_text(texts["bk_lesson_moved"])
    await expect(card.locator("#move-picker")).to_have_count(0)
    moved = await Lesson.get(id=lesson.id)
    assert moved.starts_at == datetime.fromisoformat(new_start)
    await watched.shot("moved")

    # The tutor's policy changes meanwhile: the refusal is the API's own sentence.
    await TutorProfile.filter(id=tutor.profile.id).update(free_cancel_hours=24 * 20)
    await card.get_by_role("button", name=texts["bk_reschedule"]).click()
    other = card.locator("#move-slots button.slot").nth(2)
    await other.click()
    await watched.press_main_button()
    await expect(card.locator("#move-problem")).to_contain_text(
        "A lesson can be moved until 480 h before it starts"
    )
    assert (await Lesson.get(id=lesson.id)).starts_at == datetime.fromisoformat(new_start)
    await watched.shot("too-late")
    assert [p for p in watched.problems if "409" not in p] == []


async def test_weekly_series_names_the_taken_week_then_books_fewer(web: Web, browser: Any) -> None:
    from playwright.async_api import expect

    init_data = await sign_up(web)
    tutor = await make_tutor(booking_window=60)
    student = await student_with_credits(tutor, 4)
    page, watched = await open_page(
        web, browser, init_data, "light", "series", f"tutor_{tutor.provider.id}"
    )
    texts = await watched.texts()
    await expect(page.locator("#credits")).to_contain_text("4")
    last = page.locator("#slots button.slot").last  # the last day: never within the hour
    chosen = await last.get_attribute("data-start")
    assert chosen is not None
    first = datetime.fromisoformat(chosen)
    rival = await make_student(credits=1, tutor=tutor)
    weeks = booking.series_starts(tutor.profile, first, 3)  # the tutor's wall clock
    third_week = weeks[2]
    await booking.book(rival, tutor.provider.id, tutor.hour.id, third_week)

    await last.click()
    await page.locator("#weekly").check()
    await page.locator("#weeks").fill("3")  # typed: the MainButton follows at once
    button = await watched.main_button()
    assert button["visible"] is True and "3" in button["text"]
    await watched.press_main_button()
    problem = page.locator("#booking-problem")
    await expect(problem).to_contain_text(third_week.astimezone(BERLIN).strftime("%d.%m"))
    await expect(problem).not_to_contain_text(first.astimezone(BERLIN).strftime("%d.%m"))
    await expect(page.locator("#join-waitlist")).to_have_count(0)  # not one taken time
    assert not await Lesson.exists(student_id=student.id)
    await watched.shot("series-conflict")

    # The first time stays chosen: two weeks fit.
    await expect(page.locator(f"#slots [data-start='{chosen}']")).to_have_attribute(
        "aria-pressed", "true"
    )
    await page.locator("#weeks").fill("2")
    await page.locator("#weeks").dispatch_event("change")
    assert "2" in (await watched.main_button())["text"]
    await watched.press_main_button()
    await expect(page.get_by_role("heading", name=texts["bk_lessons_title"])).to_be_visible()
    lessons = await Lesson.filter(student_id=student.id).order_by("starts_at")
    assert [x.starts_at for x in lessons] == weeks[:2]
    assert lessons[0].series is not None and lessons[0].series == lessons[1].series
    await expect(page.locator("#lessons .lesson")).to_have_count(2)
    await expect(page.locator("#credits")).to_contain_text("Anna Math: 2")
    await watched.shot("series-booked")


async def test_wait_for_a_taken_time_then_book_it_when_offered(web: Web, browser: Any) -> None:
    from playwright.async_api import expect

    init_data = await sign_up(web)
    tutor = await make_tutor()
    student = await student_with_credits(tutor, 1)
    page, watched = await open_page(
        web, browser, init_data, "dark", "waitlist", f"tutor_{tutor.provider.id}"
    )
    texts = await watched.texts()
    last = page.locator("#slots button.slot").last
    wanted = await last.get_attribute("data-start")
    assert wanted is not None
    start = datetime.fromisoformat(wanted)

    # Someone takes the time before the press: the server's message and "join the waitlist".
    await last.click()
    rival = await make_student(credits=1, tutor=tutor)
    held = (await booking.book(rival, tutor.provider.id, tutor.hour.id, start)).lesson
    await watched.press_main_button()
    await expect(page.locator("#booking-problem")).to_contain_text("just taken")
    await page.locator("#join-waitlist").click()
    await expect(page.locator("#waitlist-joined")).to_have_text(texts["bk_waitlist_joined"])
    entry = await WaitlistEntry.get(student_id=student.id)
    assert entry.starts_at == start and entry.state == waitlist.WAITING
    await watched.shot("waiting")

    # The rival cancels: the time is offered to the student, who books it from My lessons.
    await booking.cancel_by_student(rival, held.id, default_percent=Decimal(10))
    # The job runner may take the step first; either way the time is offered to the student.
    await waitlist.advance(tutor.profile.id, start.astimezone(UTC), 0, datetime.now(UTC))
    offered = await WaitlistEntry.get(student_id=student.id)
    assert offered.state == waitlist.OFFERED
    await page.get_by_role("link", name=texts["bk_lessons_title"]).first.click()
    row = page.locator(f"[data-waiting='{entry.id}']")
    await expect(row).to_contain_text(texts["bk_offered"])
    await watched.shot("offered")
    await row.get_by_role("button", name=texts["bk_book_offer"]).click()
    await expect(page.locator("#toast")).to_have_text(texts["bk_booked"])
    await expect(page.locator("#waitlist")).to_have_count(0)
    lesson = await Lesson.get(student_id=student.id)
    assert lesson.starts_at == start and lesson.status is LessonStatus.booked
    assert lesson.package_id is not None  # the prepaid lesson paid for it
    assert (await WaitlistEntry.get(id=entry.id)).state == waitlist.BOOKED
    await expect(page.locator(f"[data-lesson='{lesson.id}']")).to_be_visible()
    assert [p for p in watched.problems if p.startswith("HTTP")] == [
        f"HTTP 409: {web.client.make_url('/api/v1/bookings')}"
    ]
