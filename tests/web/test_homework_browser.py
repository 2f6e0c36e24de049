"""The Mini App's homework screen in headless Chromium: the student reads a task, answers it
with a double tap that sends once, sees it waiting for a grade, and sees materials and
achievements."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from db.models import Homework, HomeworkStatus, Submission, User
from services import achievements, materials
from tests.web.conftest import TG_USER, Web, sign_init_data
from tests.web.test_homework_api import homework_for
from tests.web.test_mini_app_browser import (
    ARTIFACTS,
    PHONE,
    THEMES,
    Watched,
    browser,
    launch_hash,
    pytestmark,
)

__all__ = ["browser", "pytestmark"]  # the fixture and the skip marks of the browser tests


async def test_the_student_answers_homework_in_the_mini_app(web: Web, browser: Any) -> None:
    from playwright.async_api import expect

    init_data = sign_init_data(web.settings.token)
    signed_up = await web.client.get(
        "/api/v1/homework", headers={"Authorization": f"tma {init_data}"}
    )
    assert signed_up.status == 200
    student = await User.get(tg_id=TG_USER["id"])
    work = await homework_for(student)
    await materials.share(await work.provider, None, title="Grammar", url="https://example.com/g")
    await achievements.lessons_achievements(student.id, [datetime(2026, 11, 2, tzinfo=UTC)])

    page = await browser.new_page(viewport=PHONE)
    watched = Watched(page, ARTIFACTS / "homework")
    url = str(web.client.make_url("/app")) + "?lang=en"
    await page.goto(url + launch_hash(init_data, THEMES["light"]))
    texts = await watched.texts()

    await page.get_by_role("link", name=texts["hw_title"]).click()
    await expect(page.get_by_role("heading", name=texts["hw_title"])).to_be_visible()
    card = page.locator(f"[data-homework='{work.id}']")
    await expect(card).to_contain_text("Essay on spring")
    await expect(card).to_contain_text("☐ Plan")
    await expect(page.locator("#materials")).to_contain_text("Grammar")
    await expect(page.locator("#achievements")).to_contain_text("First lesson")
    await watched.shot("open")

    await card.get_by_role("textbox").fill("Spring is green")
    button = card.get_by_role("button", name=texts["hw_submit"])
    await button.dblclick()
    await expect(page.locator("#toast")).to_have_text(texts["hw_sent"])
    await expect(card).to_contain_text(texts["hw_status_submitted"])
    await watched.shot("submitted")

    assert (await Homework.get(id=work.id)).status is HomeworkStatus.submitted
    assert await Submission.filter(homework_id=work.id).count() == 1
    assert watched.problems == []
