"""Seller mode in headless Chromium, against the real app and the emulated Telegram: Vera
(a shop's owner) opens seller mode, accepts a new order with the MainButton, then scans a
customer's pickup QR code (Telegram's scanner reports the text it read as
`qr_text_received`); the order is completed once, the scanner closes, and the customer is
told in the chat. Screenshots in a light and a dark theme go to
`tests/artifacts/mini-app/seller-<theme>/`.
"""

from __future__ import annotations

from typing import Any

import pytest

from db.models import Order, OrderStatus, OrderTransition, Product, User
from tests.handlers.conftest import Telegram, text_of
from tests.handlers.test_provider_orders import bakery, make_settings, person, place, shop
from tests.handlers.test_seller_mode_chat import ready
from tests.web.conftest import TG_USER, sign_init_data, tma
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
from tests.web.test_pickup_and_profile_api import expected, modules

__all__ = ["browser", "make_settings", "shop"]  # fixtures
pytestmark = [
    pytest.mark.skipif(not BROWSER_READY, reason="needs /usr/bin/chromium and playwright"),
    pytest.mark.skipif(not ASSETS_BUILT, reason="static/vendor is missing: run `make assets`"),
]
ANN = {"id": 3001, "first_name": "Ann", "language_code": "en"}


async def customers_qr(telegram: Telegram, order_id: int) -> bytes:
    """The pickup QR code Ann's Mini App shows her (GET /orders/{id}/pickup-qr)."""
    import aiohttp

    headers = tma(sign_init_data(telegram.settings.token, user=ANN))
    url = f"{telegram.app_url}/api/v1/orders/{order_id}/pickup-qr"
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as answer:
        assert answer.status == 200
        return await answer.read()


@pytest.mark.parametrize("theme", ["light", "dark"])
async def test_the_seller_accepts_an_order_and_scans_a_pickup_code(
    shop: Telegram, browser: Any, theme: str
) -> None:
    from playwright.async_api import expect

    _, _, product = await bakery(shop, tg_id=TG_USER["id"])
    vera = await User.get(tg_id=TG_USER["id"])
    ann = await person(shop, ANN["id"], "Ann")
    waiting = await place(shop, ann, product, quantity=1)
    pickup = await place(shop, ann, product, quantity=2)
    await ready(shop, pickup, vera)
    code = (await Order.get(id=pickup.id)).pickup_code
    assert modules(await customers_qr(shop, pickup.id)) == expected(code)

    page = await browser.new_page(viewport=PHONE)
    watched = Watched(page, ARTIFACTS / f"seller-{theme}")
    bridge: list[str] = []
    page.on(
        "console",
        lambda m: bridge.append(m.text) if "scan_qr_popup" in m.text else None,
    )
    url = f"{shop.app_url}/app?lang=en"
    await page.goto(url + launch_hash(sign_init_data(shop.settings.token), THEMES[theme]))
    texts = await watched.texts()

    # The switch into seller mode is there for staff; the list shows the open orders.
    await page.get_by_role("link", name=texts["seller_mode"]).click()
    await expect(page.get_by_role("heading", name=texts["seller_title"])).to_be_visible()
    rows = page.locator("#seller-orders a")
    await expect(rows).to_have_count(2)
    await expect(rows.first).to_contain_text(texts["order_number"].format(id=pickup.id))
    await watched.shot("orders")
    await page.get_by_role("button", name=texts["filter_new"]).click()
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(texts["order_number"].format(id=waiting.id))
    await watched.shot("orders-new")

    # The new order's card: the MainButton takes the chat's next step, "Accept".
    await rows.first.click()
    await expect(page.locator("#order-status")).to_have_text("Placed, payment on receipt")
    assert (await watched.main_button()) == {"visible": True, "text": "✅ Accept"}
    await watched.shot("order")
    await watched.press_main_button()
    await expect(page.locator("#order-status")).to_have_text("Accepted")
    await expect(page.locator("#seller-actions button")).to_have_count(2)
    assert (await watched.main_button())["text"] == "🛠 In work"
    assert (await Order.get(id=waiting.id)).status is OrderStatus.accepted
    await until(lambda: "accepted your order" in text_of(ann.last_message))
    await watched.shot("order-accepted")

    # Scan: Telegram's scanner opens; it reads Ann's QR code; the order is handed over.
    await page.get_by_role("link", name=texts["nav_scan"]).click()
    await expect(page.get_by_role("heading", name=texts["scan_title"])).to_be_visible()
    await until(lambda: any("web_app_open_scan_qr_popup" in line for line in bridge))
    await watched.shot("scan")
    await page.evaluate(f"Telegram.WebView.receiveEvent('qr_text_received', {{data: '{code}'}})")
    done = page.locator("#pickup-done")
    await expect(done).to_contain_text(texts["picked_up"].format(id=pickup.id))
    await until(lambda: any("web_app_close_scan_qr_popup" in line for line in bridge))
    assert (await Order.get(id=pickup.id)).status is OrderStatus.completed
    await until(lambda: f"Order #{pickup.id} is completed." in text_of(ann.last_message))
    await watched.shot("handed-over")
    assert watched.problems == []

    # The same code again (a second scan): refused, nothing completed twice.
    opened = len([line for line in bridge if "web_app_open_scan_qr_popup" in line])
    await watched.press_main_button()
    await until(lambda: len([b for b in bridge if "web_app_open_scan_qr_popup" in b]) > opened)
    await page.evaluate(f"Telegram.WebView.receiveEvent('qr_text_received', {{data: '{code}'}})")
    await expect(page.locator("#pickup-problem")).to_contain_text("already been handed over")
    await watched.shot("scanned-twice")
    assert await OrderTransition.filter(order_id=pickup.id, to_status="completed").count() == 1
    # The refusal is the one expected HTTP answer (and the console's note of it).
    assert all("409" in problem for problem in watched.problems), watched.problems
    watched.problems.clear()

    # What runs out, and the shop at a glance.
    await Product.filter(id=product.id).update(stock=1)
    await page.get_by_role("link", name=texts["nav_stock"]).click()
    await expect(page.locator("#low-stock li")).to_have_count(1)
    await expect(page.locator("#low-stock li")).to_contain_text("Croissant")
    await watched.shot("low-stock")
    await page.get_by_role("link", name=texts["nav_dashboard"]).click()
    today = page.locator("#sales li[data-period='today']")
    await expect(today).to_contain_text(texts["sales_orders"].format(count=2))
    await expect(today).to_contain_text("360.00")
    await expect(page.locator("#top-products li")).to_contain_text("Croissant")
    await watched.shot("dashboard")
    assert watched.problems == []
