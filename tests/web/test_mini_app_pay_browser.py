"""Paying in the Mini App, in headless Chromium against the product's app wired to the emulated
Telegram (invoice links, the bot's webhook) and the fake YooKassa.

Telegram's client is the test: it reads what the page asked for (`web_app_open_invoice`,
`web_app_open_link`), pays through the emulator or the fake, and reports back the way Telegram
does (`invoice_closed`, `visibility_changed`). The page shows what the server's payment record
says. Screenshots: `tests/artifacts/mini-app/pay-*/`.
"""

from __future__ import annotations

from typing import Any

import pytest

from core.money import STARS
from db.models import Order, OrderStatus, Payment, PaymentStatus, ProductKind, User
from services import consent
from tests.fakes.yookassa import SECRET_KEY, SHOP_ID, FakeYooKassa, serve_fake_yookassa
from tests.handlers.conftest import Telegram, telegram
from tests.handlers.customer_data import make_product, make_settings, make_shop, relaxed_flood
from tests.handlers.test_payments_api import MiniApp
from tests.web.conftest import TG_USER, sign_init_data
from tests.web.test_mini_app_browser import (
    ARTIFACTS,
    PHONE,
    THEMES,
    Watched,
    browser,
    launch_hash,
)
from tests.web.test_pages import ASSETS_BUILT, BROWSER_READY

__all__ = ["browser", "make_settings", "relaxed_flood", "telegram"]
pytestmark = [
    pytest.mark.skipif(not BROWSER_READY, reason="needs /usr/bin/chromium and playwright"),
    pytest.mark.skipif(not ASSETS_BUILT, reason="static/vendor is missing: run `make assets`"),
    pytest.mark.usefixtures("relaxed_flood"),
]

RECORD_EVENTS = """() => {
  const post = Telegram.WebView.postEvent;
  window.telegramEvents = [];
  Telegram.WebView.postEvent = function (type, callback, data) {
    window.telegramEvents.push([type, data]);
    return post.call(this, type, callback, data);
  };
}"""
"""Keeps what the page asks Telegram's client to do, for the test to act on."""


@pytest.fixture
async def fake(aiohttp_server: Any) -> FakeYooKassa:
    return await serve_fake_yookassa(aiohttp_server)


@pytest.fixture
def telegram_settings(fake: FakeYooKassa) -> dict[str, Any]:
    return {
        "yookassa_shop_id": SHOP_ID,
        "yookassa_secret_key": SECRET_KEY,
        "yookassa_api_url": fake.api_url,
        "yookassa_timeout": 3.0,
    }


async def open_order(
    telegram: Telegram, browser: Any, order_id: int, folder: str, *, from_chat: bool = False
) -> Watched:
    """The Mini App opened on the order: from a deep link (start parameter `order_<id>`), or
    `from_chat` by the `web_app` button of the bot's message about it (`/app?order=<id>`)."""
    page = await browser.new_page(viewport=PHONE)
    watched = Watched(page, ARTIFACTS / folder)
    if from_chat:
        init_data = sign_init_data(telegram.settings.token)
        url = telegram.settings.mini_app_order_url(order_id).replace(
            telegram.settings.mini_app_url, telegram.app_url + "/app"
        )
        await page.goto(url + "&lang=en" + launch_hash(init_data, THEMES["light"]))
    else:
        start = f"order_{order_id}"
        init_data = sign_init_data(telegram.settings.token, start_param=start)
        await page.goto(
            telegram.app_url + "/app?lang=en" + launch_hash(init_data, THEMES["light"], start)
        )
    await page.wait_for_selector("#payment")
    await page.evaluate(RECORD_EVENTS)
    return watched


async def asked(watched: Watched, kind: str, times: int = 1) -> dict[str, Any]:
    """The data of the last `kind` event the page posted to Telegram (waits until it has
    posted `times` of them: an event answered before the page asked is lost, as in Telegram)."""
    events: list[list[Any]] = []

    async def poll() -> None:
        events[:] = await watched.page.evaluate("window.telegramEvents")

    for _ in range(100):
        await poll()
        if sum(name == kind for name, _ in events) >= times:
            break
        await watched.page.wait_for_timeout(50)
    found = [data for name, data in events if name == kind]
    assert len(found) >= times, f"the page posted {kind} {len(found)} times, not {times}: {events}"
    data: dict[str, Any] = found[-1]
    return data


async def test_a_stars_invoice_paid_in_telegram_shows_the_order_paid(
    telegram: Telegram, browser: Any
) -> None:
    from playwright.async_api import expect

    shop = await make_shop(allow_cash=False, allow_delivery=False)
    ebook = await make_product(
        shop, "Tea e-book", 250, stock=0, kind=ProductKind.digital, currency=STARS
    )
    order = await MiniApp(telegram).order(ebook.id)
    watched = await open_order(telegram, browser, order["id"], "pay-stars")
    texts = await watched.texts()
    page = watched.page

    # The order waits for payment: the MainButton pays it with Stars.
    await expect(page.get_by_role("button", name=texts["pay_stars"])).to_be_visible()
    button = await watched.main_button()
    assert button["visible"] is True
    assert button["text"] == texts["pay_main"].format(total=order["total"]["formatted"])
    await watched.shot("waiting")

    await watched.press_main_button()
    slug = (await asked(watched, "web_app_open_invoice"))["slug"]
    payment = await Payment.get(order_id=order["id"])
    assert payment.invoice_link is not None and payment.invoice_link.endswith(slug)

    # Telegram takes the Stars (the bot settles the order), then closes the invoice.
    ann = telegram.user(TG_USER["id"], first_name="Anna", language_code="en")
    assert (await ann.pay(payment.invoice_link)).ok
    await page.evaluate(
        "(slug) => Telegram.WebView.receiveEvent('invoice_closed', {slug, status: 'paid'})", slug
    )
    await expect(page.locator("#toast")).to_have_text(texts["payment_received"])
    paid = (await Order.get(id=order["id"])).status
    assert paid is OrderStatus.paid
    await expect(page.locator("#payment")).to_have_count(0)
    assert (await watched.main_button())["visible"] is False
    await watched.shot("paid")
    assert watched.problems == []


async def test_a_cancelled_invoice_keeps_the_order_waiting(
    telegram: Telegram, browser: Any
) -> None:
    from playwright.async_api import expect

    shop = await make_shop(allow_cash=False, allow_delivery=False)
    ebook = await make_product(
        shop, "Tea e-book", 250, stock=0, kind=ProductKind.digital, currency=STARS
    )
    order = await MiniApp(telegram).order(ebook.id)
    watched = await open_order(telegram, browser, order["id"], "pay-cancelled", from_chat=True)
    texts = await watched.texts()
    page = watched.page

    await page.get_by_role("button", name=texts["pay_stars"]).click()
    slug = (await asked(watched, "web_app_open_invoice"))["slug"]
    await page.evaluate(
        "(slug) => Telegram.WebView.receiveEvent('invoice_closed', {slug, status: 'cancelled'})",
        slug,
    )
    await expect(page.locator("#toast")).to_have_text(texts["payment_cancelled"])
    await expect(page.get_by_role("button", name=texts["pay_stars"])).to_be_enabled()
    assert (await Order.get(id=order["id"])).status is OrderStatus.pending_payment

    # "failed" says so too, and the order still waits.
    await page.get_by_role("button", name=texts["pay_stars"]).click()
    slug = (await asked(watched, "web_app_open_invoice", times=2))["slug"]
    await page.evaluate(
        "(slug) => Telegram.WebView.receiveEvent('invoice_closed', {slug, status: 'failed'})",
        slug,
    )
    await expect(page.locator("#toast")).to_have_text(texts["payment_failed"])
    assert await Payment.filter(order_id=order["id"]).count() == 1  # the same invoice again
    await watched.shot("cancelled")
    assert watched.problems == []


async def test_yookassa_asks_for_the_receipt_contact_and_updates_on_return(
    telegram: Telegram, fake: FakeYooKassa, browser: Any
) -> None:
    from playwright.async_api import expect

    shop = await make_shop(allow_cash=False, allow_delivery=False)
    tea = await make_product(shop, "Green tea", 15000, stock=5)
    order = await MiniApp(telegram).order(tea.id)
    await consent.grant(
        await User.get(tg_id=TG_USER["id"]), telegram.settings.privacy_policy_version
    )
    watched = await open_order(telegram, browser, order["id"], "pay-yookassa")
    texts = await watched.texts()
    page = watched.page

    # No receipt contact yet: paying by card asks for one first, without a request.
    card = page.get_by_role("button", name=texts["pay_yookassa"])
    await card.click()
    await expect(page.get_by_role("alert")).to_have_text(texts["receipt_contact_needed"])
    assert await Payment.all().count() == 0
    await page.get_by_label(texts["receipt_contact"]).fill("ann@mail.ru")
    await watched.shot("receipt-contact")
    await card.click()
    link = await asked(watched, "web_app_open_link")
    payment = await Payment.get(order_id=order["id"])
    assert link["url"] == payment.confirmation_url
    assert (await Order.get(id=order["id"])).email == "ann@mail.ru"
    await expect(page.locator("#payment-note")).to_have_text(texts["payment_return_hint"])

    # Back from YooKassa's page, paid: the page asks the server, the server asks YooKassa.
    assert payment.external_id is not None
    fake.succeed(payment.external_id)
    await page.evaluate("Telegram.WebView.receiveEvent('visibility_changed', {is_visible: true})")
    await expect(page.locator("#toast")).to_have_text(texts["payment_received"])
    await expect(page.locator("#payment")).to_have_count(0)
    await payment.refresh_from_db()
    assert payment.status is PaymentStatus.succeeded
    assert (await Order.get(id=order["id"])).status is OrderStatus.paid
    await watched.shot("paid")
    assert watched.problems == []


async def test_send_to_a_friend_shares_the_prepared_card(telegram: Telegram, browser: Any) -> None:
    from playwright.async_api import expect

    shop = await make_shop(allow_cash=False, allow_delivery=False)
    tea = await make_product(shop, "Green tea", 15000, stock=5)
    start = f"product_{tea.id}"
    init_data = sign_init_data(telegram.settings.token, start_param=start)
    page = await browser.new_page(viewport=PHONE)
    watched = Watched(page, ARTIFACTS / "share")
    await page.goto(
        telegram.app_url + "/app?lang=en" + launch_hash(init_data, THEMES["dark"], start)
    )
    texts = await watched.texts()
    await expect(page.get_by_role("heading", name="Green tea")).to_be_visible()
    await page.evaluate(RECORD_EVENTS)

    await page.get_by_role("button", name=texts["share_product"]).click()
    sent = await asked(watched, "web_app_send_prepared_message")
    prepared = telegram.emulator.bot(None).prepared_messages[sent["id"]]
    assert prepared.user_id == TG_USER["id"] and prepared.result["title"] == "Green tea"
    await watched.shot("share")
    await page.evaluate("Telegram.WebView.receiveEvent('prepared_message_sent')")
    await expect(page.locator("#toast")).to_have_text(texts["shared"])
    assert watched.problems == []


async def test_right_after_checkout_the_main_button_pays(telegram: Telegram, browser: Any) -> None:
    from playwright.async_api import expect

    shop = await make_shop(allow_cash=False, allow_delivery=False)
    tea = await make_product(shop, "Green tea", 15000, stock=5)
    start = f"product_{tea.id}"
    init_data = sign_init_data(telegram.settings.token, start_param=start)
    page = await browser.new_page(viewport=PHONE)
    watched = Watched(page, ARTIFACTS / "pay-after-checkout")
    await page.goto(
        telegram.app_url + "/app?lang=en" + launch_hash(init_data, THEMES["dark"], start)
    )
    texts = await watched.texts()

    # Product → cart → checkout (pickup, online: all this shop takes) → placed.
    await expect(page.get_by_role("heading", name="Green tea")).to_be_visible()
    await watched.press_main_button()
    await page.get_by_role("link", name=texts["cart_count"].format(count=1)).click()
    await expect(page.get_by_role("heading", name=texts["cart_title"])).to_be_visible()
    await watched.press_main_button()
    await expect(page.get_by_role("heading", name=texts["checkout_title"])).to_be_visible()
    await watched.press_main_button()
    await expect(page.locator("#order-placed")).to_be_visible()
    order = await Order.get(customer__tg_id=TG_USER["id"])
    assert order.status is OrderStatus.pending_payment

    # The order screen's MainButton now pays by the first way, YooKassa, which needs a
    # receipt contact first; "Pay in Telegram" opens Telegram's invoice over the page.
    await expect(page.locator("#payment")).to_be_visible()
    total = texts["pay_main"].split("{total}")[0]
    assert (await watched.main_button())["text"].startswith(total)
    await watched.press_main_button()
    await expect(page.get_by_role("alert")).to_have_text(texts["receipt_contact_needed"])
    await watched.shot("placed")
    await page.evaluate(RECORD_EVENTS)
    await page.get_by_role("button", name=texts["pay_telegram"]).click()
    slug = (await asked(watched, "web_app_open_invoice"))["slug"]
    payment = await Payment.get(order_id=order.id)
    assert payment.channel.value == "telegram" and payment.invoice_link is not None
    assert payment.invoice_link.endswith(slug)
    await page.evaluate(
        "(slug) => Telegram.WebView.receiveEvent('invoice_closed', {slug, status: 'pending'})", slug
    )
    await expect(page.locator("#payment-note")).to_have_text(texts["payment_pending"])
    assert watched.problems == []
