"""The seller's dashboard in headless Chromium: the shop's rating and latest reviews, and a
reply sent from the Mini App that reaches the customer in the chat (as a reply typed there)."""

from __future__ import annotations

from typing import Any

import pytest

from db.models import Review
from tests.handlers.conftest import Telegram, text_of
from tests.handlers.test_provider_orders import bakery, make_settings, person, place, shop
from tests.handlers.test_reviews_chat import COMPLETE
from tests.web.conftest import TG_USER, sign_init_data
from tests.web.test_mini_app_browser import (
    ARTIFACTS,
    PHONE,
    THEMES,
    Watched,
    browser,
    launch_hash,
    until,
)
from tests.web.test_pages import ASSETS_BUILT, BROWSER_READY

__all__ = ["browser", "make_settings", "shop"]  # fixtures
pytestmark = [
    pytest.mark.skipif(not BROWSER_READY, reason="needs /usr/bin/chromium and playwright"),
    pytest.mark.skipif(not ASSETS_BUILT, reason="static/vendor is missing: run `make assets`"),
]


async def test_the_seller_reads_the_reviews_and_replies_from_the_dashboard(
    shop: Telegram, browser: Any
) -> None:
    from playwright.async_api import expect

    seller, _, product = await bakery(shop, tg_id=TG_USER["id"])
    ann = await person(shop, 3001, "Ann")
    order = await place(shop, ann, product, quantity=1)
    push = seller.last_message
    assert push is not None
    for label in COMPLETE:
        await seller.click(label, push.message_id)
    done = ann.last_message
    asked = await ann.click("⭐ Rate the order", done)
    await ann.click("4⭐", asked[-1])
    photo_asked = await ann.send("Crispy <crust>")
    await ann.click("Skip", photo_asked[-1])

    page = await browser.new_page(viewport=PHONE)
    watched = Watched(page, ARTIFACTS / "seller-reviews")
    url = f"{shop.app_url}/app?lang=en"
    await page.goto(url + launch_hash(sign_init_data(shop.settings.token), THEMES["light"]))
    texts = await watched.texts()
    await page.get_by_role("link", name=texts["seller_mode"]).click()
    await page.get_by_role("link", name=texts["nav_dashboard"]).click()

    reviews = page.locator("#reviews")
    await expect(reviews).to_contain_text(texts["rating_line"].format(rating="4.0", count=1))
    await expect(reviews).to_contain_text(texts["unanswered_reviews"].format(count=1))
    item = reviews.locator("li.review")
    await expect(item).to_have_count(1)
    await expect(item).to_contain_text("Crispy <crust>")  # as typed, not as markup
    await expect(item).to_contain_text("★★★★☆")
    await watched.shot("dashboard-reviews")

    await item.get_by_role("button", name=texts["review_reply"]).click()
    await item.locator("textarea").fill("Thank you, Ann!")
    await item.get_by_role("button", name=texts["review_send_reply"]).click()
    await expect(item).to_contain_text(texts["review_your_reply"].format(text="Thank you, Ann!"))
    await expect(reviews).not_to_contain_text(texts["unanswered_reviews"].format(count=1))
    assert (await Review.get(order_id=order.id)).reply == "Thank you, Ann!"
    await until(lambda: "replied to your review" in text_of(ann.last_message))
    assert "Thank you, Ann!" in text_of(ann.last_message)
    await watched.shot("dashboard-replied")
    assert watched.problems == []
