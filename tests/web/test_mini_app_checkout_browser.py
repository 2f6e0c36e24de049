"""Checkout helpers from Telegram in headless Chromium: the personal text of an engraved
product, the cart's SecondaryButton, the phone shared from Telegram (`requestContact`) and the
address from `LocationManager`. The test plays Telegram's client: it answers the events the
page posts (`web_app_request_phone`, `web_app_request_location`, ...) the way Telegram does.
Screenshots: `tests/artifacts/mini-app/checkout-helpers/`."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from db.models import CartItem, ConsentKind, Fulfilment, Order, OrderItem, Product, User
from services import consent
from tests.web.conftest import TG_USER, Web
from tests.web.test_mini_app_browser import (
    MODEL_PRODUCT,
    SHOP,
    browser,
    demo_web,
    open_product,
)
from tests.web.test_mini_app_pay_browser import RECORD_EVENTS, asked
from tests.web.test_pages import ASSETS_BUILT, BROWSER_READY

__all__ = ["browser", "demo_web"]
pytestmark = [
    pytest.mark.skipif(not BROWSER_READY, reason="needs /usr/bin/chromium and playwright"),
    pytest.mark.skipif(not ASSETS_BUILT, reason="static/vendor is missing: run `make assets`"),
]

PHONE_NUMBER = "79001234567"
"""As Telegram hands a contact over: digits, no plus."""


def shared_contact() -> str:
    """The `getRequestedContact` answer: the contact as a signed query string."""
    contact = {"user_id": TG_USER["id"], "phone_number": PHONE_NUMBER, "first_name": "Анна"}
    return f"contact={quote(json.dumps(contact))}&auth_date=1700000000&hash=abc"


async def test_engraving_cart_and_delivery_take_what_telegram_knows(
    demo_web: Web, browser: Any
) -> None:
    from playwright.async_api import expect

    await Product.filter(title=MODEL_PRODUCT).update(
        personal_text_prompt="Name to engrave", personal_text_limit=12
    )
    watched, _ = await open_product(demo_web, browser, MODEL_PRODUCT, "checkout-helpers")
    page = watched.page
    texts = await watched.texts()
    await page.evaluate(RECORD_EVENTS)

    # The product asks for the text; adding without it is refused on the page, not the server.
    field = page.get_by_label("Name to engrave")
    await expect(field).to_have_attribute("maxlength", "12")
    await watched.press_main_button()
    await expect(page.locator("#toast")).to_have_text(texts["personal_text_needed"].format(max=12))
    assert await CartItem.all().count() == 0
    await field.fill("Анна")
    await watched.press_main_button()
    await expect(page.locator("#toast")).to_contain_text(texts["added_to_cart"])
    (line,) = await CartItem.all()
    assert line.personal_text == "Анна"

    # The cart: checkout on the MainButton, "Continue shopping" on the SecondaryButton.
    await page.get_by_role("link", name=texts["cart_count"].format(count=1)).click()
    await expect(page.get_by_role("heading", name=texts["cart_title"])).to_be_visible()
    secondary = await page.evaluate(
        "({visible: Telegram.WebApp.SecondaryButton.isVisible,"
        " text: Telegram.WebApp.SecondaryButton.text})"
    )
    assert secondary == {"visible": True, "text": texts["continue_shopping"]}
    await page.evaluate("Telegram.WebView.receiveEvent('secondary_button_pressed')")
    await expect(page.get_by_role("heading", name=SHOP)).to_be_visible()
    assert await page.evaluate("Telegram.WebApp.SecondaryButton.isVisible") is False
    await page.evaluate("Telegram.WebView.receiveEvent('back_button_pressed')")
    await expect(page.get_by_role("heading", name=texts["cart_title"])).to_be_visible()

    # Delivery: the location becomes the address text, the phone comes from Telegram.
    user = await User.get(tg_id=TG_USER["id"])
    version = demo_web.settings.privacy_policy_version
    await consent.record(user, ConsentKind.personal_data, granted=True, version=version)
    await watched.press_main_button()
    await page.get_by_label(texts["fulfilment_delivery"]).check()
    slots = page.locator("fieldset", has_text=texts["delivery_slot"]).get_by_role("radio")
    await slots.last.check()
    await page.get_by_label(texts["payment_cash"]).check()

    await page.get_by_role("button", name=texts["use_my_location"]).click()
    await asked(watched, "web_app_check_location")
    await page.evaluate(
        "Telegram.WebView.receiveEvent('location_checked',"
        " {available: true, access_requested: true, access_granted: true})"
    )
    await asked(watched, "web_app_request_location")
    await page.evaluate(
        "Telegram.WebView.receiveEvent('location_requested',"
        " {available: true, latitude: 55.7558, longitude: 37.6173})"
    )
    await expect(page.get_by_label(texts["address"])).to_have_value("55.75580, 37.61730")

    share = page.get_by_role("button", name=texts["share_phone"])
    await share.click()
    await asked(watched, "web_app_request_phone")
    await page.evaluate("Telegram.WebView.receiveEvent('phone_requested', {status: 'cancelled'})")
    await expect(page.locator("#toast")).to_have_text(texts["phone_not_shared"])
    await share.click()
    await page.evaluate("Telegram.WebView.receiveEvent('phone_requested', {status: 'sent'})")
    request = await asked(watched, "web_app_invoke_custom_method")
    assert request["method"] == "getRequestedContact"
    await page.evaluate(
        "([id, result]) => Telegram.WebView.receiveEvent('custom_method_invoked',"
        " {req_id: id, result})",
        [request["req_id"], shared_contact()],
    )
    await expect(page.get_by_label(texts["phone"])).to_have_value("+" + PHONE_NUMBER)
    await watched.shot("delivery-from-telegram")

    await watched.press_main_button()
    await expect(page.locator("#order-placed")).to_be_visible()
    order = await Order.get(customer_id=user.id)
    assert order.fulfilment is Fulfilment.delivery
    assert order.address == "55.75580, 37.61730"
    assert (order.latitude, order.longitude) == (55.7558, 37.6173)
    assert order.phone is not None and order.phone.lstrip("+") == PHONE_NUMBER
    (item,) = await OrderItem.filter(order_id=order.id)
    assert item.personal_text == "Анна"
    await watched.shot("placed")
    assert watched.problems == []
