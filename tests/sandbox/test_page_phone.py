"""The sandbox page in a phone-sized window (420 px), in Chromium: the user list is a drawer
behind a toggle and the Mini App opens as a full-screen sheet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from PIL import Image

from sandbox import create_emulator_app
from tests.sandbox.conftest import TOKEN, ServerFactory, make_emulator
from tests.web.test_pages import BROWSER_READY, CHROMIUM, CHROMIUM_FLAGS

PHONE = {"width": 420, "height": 800}


async def _mini_app(request: web.Request) -> web.Response:
    return web.Response(
        text="<h1 id='hello'>Hello from the Mini App</h1>", content_type="text/html"
    )


def inside_the_viewport(box: dict[str, float] | None) -> bool:
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= PHONE["width"] + 0.5
        and box["y"] + box["height"] <= PHONE["height"] + 0.5
    )


@pytest.mark.skipif(not BROWSER_READY, reason="needs /usr/bin/chromium and playwright")
async def test_the_sandbox_page_fits_a_phone(aiohttp_server: ServerFactory, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    emulator = make_emulator(tmp_path / "files")
    app = create_emulator_app(emulator)
    app.router.add_get("/mini-app", _mini_app)
    server = await aiohttp_server(app)
    anna = emulator.user(77, first_name="Анна", language_code="ru")
    boris = emulator.user(78, first_name="Boris", language_code="en")
    for person in (anna, boris):
        await person.send("/start", wait=False)
    markup = {
        "inline_keyboard": [
            [{"text": "Open shop", "web_app": {"url": str(server.make_url("/mini-app"))}}]
        ]
    }
    status, body = await emulator.call(
        TOKEN,
        "sendMessage",
        {"chat_id": 77, "text": "Добро пожаловать!", "reply_markup": json.dumps(markup)},
    )
    assert status == 200, body

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS
        )
        try:
            page = await browser.new_page(viewport=PHONE)
            await page.goto(str(server.make_url("/")))
            await expect(page.get_by_text("Добро пожаловать!")).to_be_visible()

            # The chat has the whole width; the user list waits behind the toggle.
            await expect(page.locator("#sidebar")).to_be_hidden()
            await expect(page.locator("#users-toggle")).to_be_visible()
            for selector in (".chat", ".chat-header", "#composer", "#text-input", "#send-button"):
                box = await page.locator(selector).bounding_box()
                assert inside_the_viewport(box), f"{selector} leaves the screen: {box}"
            chat_box = await page.locator(".chat").bounding_box()
            assert chat_box is not None and chat_box["width"] == PHONE["width"]
            overflow: Any = await page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= PHONE["width"], "the page scrolls sideways"
            screenshot = tmp_path / "sandbox-420.png"
            await page.screenshot(path=str(screenshot))
            with Image.open(screenshot) as image:
                assert image.size == (PHONE["width"], PHONE["height"])

            # The toggle opens the list over the chat; choosing a person closes it.
            await page.locator("#users-toggle").click()
            await expect(page.locator("#sidebar")).to_be_visible()
            await expect(page.locator("#users-toggle")).to_have_attribute("aria-expanded", "true")
            await page.wait_for_timeout(300)  # the drawer slides in
            assert inside_the_viewport(await page.locator("#sidebar").bounding_box())
            await expect(page.locator("#user-list li")).to_have_count(2)
            await page.screenshot(path=str(tmp_path / "sandbox-420-users.png"))
            await page.locator("#user-list li", has_text="Boris").click()
            await expect(page.locator("#sidebar")).to_be_hidden()
            await expect(page.get_by_text("Добро пожаловать!")).to_have_count(0)
            await page.locator("#users-toggle").click()
            await page.locator("#user-list li", has_text="Анна").click()
            await expect(page.locator("#sidebar")).to_be_hidden()

            # The Mini App is a sheet over the whole screen, with its close button on it.
            await page.get_by_role("button", name="Open shop").click()
            panel = page.locator("#webapp-panel")
            await expect(panel).to_be_visible()
            frame = page.frame_locator("#webapp-frame")
            await expect(frame.locator("#hello")).to_have_text("Hello from the Mini App")
            assert await panel.bounding_box() == {"x": 0, "y": 0, **PHONE}
            assert inside_the_viewport(await page.locator("#webapp-close").bounding_box())
            await page.screenshot(path=str(tmp_path / "sandbox-420-mini-app.png"))
            await page.locator("#webapp-close").click()
            await expect(panel).to_be_hidden()

            # A wide window keeps the three columns side by side, no toggle.
            await page.set_viewport_size({"width": 1280, "height": 800})
            await expect(page.locator("#sidebar")).to_be_visible()
            await expect(page.locator("#users-toggle")).to_be_hidden()
        finally:
            await browser.close()
