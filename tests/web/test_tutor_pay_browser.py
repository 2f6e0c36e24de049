"""Buying a tutor's package in the Mini App (headless Chromium): the tutor's page lists the
packages; a tap opens Telegram's invoice; paid, the prepaid lessons show on the page."""

from __future__ import annotations

from typing import Any

import pytest

from db.models import TutoringPayment, User
from services.tutoring import money, purchases
from tests.handlers.conftest import Telegram, telegram, telegram_settings
from tests.handlers.customer_data import make_settings, relaxed_flood
from tests.tutoring.tutor_data import make_tutor
from tests.web.conftest import TG_USER, sign_init_data
from tests.web.test_mini_app_browser import ARTIFACTS, PHONE, THEMES, Watched, browser, launch_hash
from tests.web.test_mini_app_pay_browser import RECORD_EVENTS, asked
from tests.web.test_pages import ASSETS_BUILT, BROWSER_READY

__all__ = ["browser", "make_settings", "relaxed_flood", "telegram", "telegram_settings"]
pytestmark = [
    pytest.mark.skipif(not BROWSER_READY, reason="needs /usr/bin/chromium and playwright"),
    pytest.mark.skipif(not ASSETS_BUILT, reason="static/vendor is missing: run `make assets`"),
    pytest.mark.usefixtures("relaxed_flood"),
]


async def test_a_package_bought_on_the_tutors_page(telegram: Telegram, browser: Any) -> None:
    from playwright.async_api import expect

    tutor = await make_tutor()
    await purchases.add_offer(tutor.profile, tutor.hour, 4, 10)
    start = f"tutor_{tutor.provider.id}"
    init_data = sign_init_data(telegram.settings.token, start_param=start)
    page = await browser.new_page(viewport=PHONE)
    watched = Watched(page, ARTIFACTS / "tutor-pay")
    await page.goto(
        telegram.app_url + "/app?lang=en" + launch_hash(init_data, THEMES["light"], start)
    )
    await page.wait_for_selector("#packages")
    await page.evaluate(RECORD_EVENTS)
    texts = await watched.texts()
    offer = page.locator("#packages button.package-offer")
    await expect(offer).to_have_text(texts["tp_buy"].format(count=4, price="7,200.00\u00a0₽"))
    await watched.shot("packages")

    await offer.click()
    slug = (await asked(watched, "web_app_open_invoice"))["slug"]
    payment = await TutoringPayment.get()
    assert payment.invoice_link is not None and payment.invoice_link.endswith(slug)
    student = telegram.user(TG_USER["id"], first_name="Anna", language_code="en")
    assert (await student.pay(payment.invoice_link)).ok
    await page.evaluate(
        "(slug) => Telegram.WebView.receiveEvent('invoice_closed', {slug, status: 'paid'})", slug
    )

    await expect(page.locator("#toast")).to_have_text(texts["tp_paid"])
    await expect(page.locator("#credits")).to_contain_text("4")
    person = await User.get(tg_id=TG_USER["id"])
    assert await money.credits_left(person.id, tutor.profile.id) == 4
    await watched.shot("paid")
    assert watched.problems == []
