"""The sandbox page emulates Telegram's QR scanner for Mini Apps: `web_app_open_scan_qr_popup`
opens a box that asks for the QR code's text; each "Scan" posts `qr_text_received` {data} to
the Mini App, which closes it with `web_app_close_scan_qr_popup` (or the person with "Close":
`scan_qr_popup_closed`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from sandbox import create_emulator_app
from tests.sandbox.conftest import TOKEN, ServerFactory, make_emulator
from tests.web.test_pages import BROWSER_READY, CHROMIUM, CHROMIUM_FLAGS

MINI_APP = """<!doctype html><meta charset="utf-8"><ol id="events"></ol>
<script>
  const post = (eventType, eventData) =>
    window.parent.postMessage(JSON.stringify({ eventType, eventData }), "*");
  window.addEventListener("message", (event) => {
    const { eventType, eventData } = JSON.parse(event.data);
    if (eventType !== "qr_text_received" && eventType !== "scan_qr_popup_closed") return;
    const item = document.createElement("li");
    item.textContent = eventType + " " + JSON.stringify(eventData || {});
    document.getElementById("events").append(item);
    if (eventType === "qr_text_received" && eventData.data === "123456") {
      post("web_app_close_scan_qr_popup", {});
    }
  });
  window.openScanner = () => post("web_app_open_scan_qr_popup", { text: "Scan the pickup code" });
</script>"""


async def _mini_app(request: web.Request) -> web.Response:
    return web.Response(text=MINI_APP, content_type="text/html")


@pytest.mark.skipif(not BROWSER_READY, reason="needs /usr/bin/chromium and playwright")
async def test_the_sandbox_asks_for_the_text_a_qr_code_would_hold(
    aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    from playwright.async_api import async_playwright, expect

    emulator = make_emulator(tmp_path / "files")
    app = create_emulator_app(emulator)
    app.router.add_get("/mini-app", _mini_app)
    server = await aiohttp_server(app)
    vera = emulator.user(77, first_name="Vera", language_code="en")
    await vera.send("/start", wait=False)
    markup = {
        "inline_keyboard": [
            [{"text": "Seller", "web_app": {"url": str(server.make_url("/mini-app"))}}]
        ]
    }
    status, body = await emulator.call(
        TOKEN, "sendMessage", {"chat_id": 77, "text": "Shop", "reply_markup": json.dumps(markup)}
    )
    assert status == 200, body

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS
        )
        try:
            page = await browser.new_page()
            await page.goto(str(server.make_url("/")))
            await page.get_by_role("button", name="Seller").click()
            frame = page.frame_locator("#webapp-frame")
            await expect(frame.locator("#events")).to_have_count(1)
            mini_app: Any = next(f for f in page.frames if "/mini-app" in f.url)
            await mini_app.evaluate("window.openScanner()")

            popup = page.locator("#scan-qr-popup")
            await expect(popup).to_be_visible()
            await expect(popup).to_contain_text("Scan the pickup code")
            await page.locator("#scan-qr-text").fill("not a code")
            await page.get_by_role("button", name="Scan", exact=True).click()
            events = frame.locator("#events li")
            await expect(events).to_have_text(['qr_text_received {"data":"not a code"}'])
            await expect(popup).to_be_visible()  # the scanner keeps reading

            await page.locator("#scan-qr-text").fill("123456")
            await page.get_by_role("button", name="Scan", exact=True).click()
            await expect(events.nth(1)).to_have_text('qr_text_received {"data":"123456"}')
            await expect(popup).to_have_count(0)  # the Mini App closed it

            await mini_app.evaluate("window.openScanner()")
            await expect(popup).to_be_visible()
            await page.get_by_role("button", name="Close", exact=True).click()
            await expect(popup).to_have_count(0)
            await expect(events.nth(2)).to_have_text("scan_qr_popup_closed {}")
        finally:
            await browser.close()
