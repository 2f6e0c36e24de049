"""The Mini App in headless Chromium at a phone's size, opened as Telegram opens it: the launch
parameters (signed initData, version, platform, theme) in the URL hash.

The page runs outside Telegram with Telegram's own telegram-web-app.js and no fake of it: the
script reads the hash, keeps MainButton and BackButton state in `Telegram.WebApp`, and a test
presses a native button the way Telegram's client reports it,
`Telegram.WebView.receiveEvent("main_button_pressed")`. Each step's screenshot is saved under
`tests/artifacts/mini-app/<theme>-<language>/` (gitignored). Any console error, page error,
failed request or HTTP error answer fails the walk.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from db.models import ConsentKind, Fulfilment, LoyaltyCard, Order, User
from services import consent
from services.demo import load_demo_data
from tests.web.conftest import TG_USER, Web, sign_init_data, tma
from tests.web.test_pages import ASSETS_BUILT, BROWSER_READY, CHROMIUM, CHROMIUM_FLAGS

pytestmark = [
    pytest.mark.skipif(not BROWSER_READY, reason="needs /usr/bin/chromium and playwright"),
    pytest.mark.skipif(not ASSETS_BUILT, reason="static/vendor is missing: run `make assets`"),
]

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "mini-app"
PHONE = {"width": 390, "height": 844}
THEMES: dict[str, dict[str, str]] = {
    "light": {
        "bg_color": "#ffffff",
        "text_color": "#000000",
        "hint_color": "#999999",
        "link_color": "#2481cc",
        "button_color": "#2481cc",
        "button_text_color": "#ffffff",
        "secondary_bg_color": "#efeff3",
        "section_bg_color": "#ffffff",
    },
    "dark": {
        "bg_color": "#17212b",
        "text_color": "#f5f5f5",
        "hint_color": "#708499",
        "link_color": "#6ab3f3",
        "button_color": "#5288c1",
        "button_text_color": "#ffffff",
        "secondary_bg_color": "#0e1621",
        "section_bg_color": "#17212b",
    },
}
MODEL_PRODUCT = "Кубик деревянный с гравировкой"
TOYS = "Деревянные игрушки"
SHOP = "Демо-лавка «Прилавок»"
LESSON = "Урок английского, 60 минут"


def launch_hash(init_data: str, theme: dict[str, str], start_param: str | None = None) -> str:
    """The URL hash Telegram opens a Mini App with."""
    parts = [
        f"tgWebAppData={quote(init_data, safe='')}",
        "tgWebAppVersion=8.0",
        "tgWebAppPlatform=android",
        f"tgWebAppThemeParams={quote(json.dumps(theme), safe='')}",
    ]
    if start_param:
        parts.append(f"tgWebAppStartParam={start_param}")
    return "#" + "&".join(parts)


COUNT_POPUPS = """() => {
  const post = Telegram.WebView.postEvent;
  window.popupsOpened = 0;
  Telegram.WebView.postEvent = function (type, ...rest) {
    if (type === "web_app_open_popup") window.popupsOpened += 1;
    return post.call(this, type, ...rest);
  };
}"""
"""Counts the popups the page asks Telegram to open (a test answers one only once it is open)."""


def rgb(hex_color: str) -> str:
    value = hex_color.lstrip("#")
    red, green, blue = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({red}, {green}, {blue})"


class Watched:
    """A page whose console errors, page errors and failed requests are collected."""

    def __init__(self, page: Any, shots: Path) -> None:
        self.page = page
        self.problems: list[str] = []
        self.shots = shots
        self.step = 0
        page.on(
            "console",
            lambda m: self.problems.append(f"console: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on(
            "requestfailed",
            lambda r: self.problems.append(f"failed: {r.url} {r.failure}"),
        )
        self.requests: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on(
            "response",
            lambda r: (
                self.problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None
            ),
        )

    async def shot(self, name: str) -> None:
        self.step += 1
        self.shots.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(self.shots / f"{self.step:02d}-{name}.png"))

    async def texts(self) -> dict[str, str]:
        texts: dict[str, str] = await self.page.evaluate(
            "JSON.parse(document.getElementById('i18n').textContent)"
        )
        return texts

    async def main_button(self) -> dict[str, Any]:
        state: dict[str, Any] = await self.page.evaluate(
            "({visible: Telegram.WebApp.MainButton.isVisible,"
            " text: Telegram.WebApp.MainButton.text})"
        )
        return state

    async def press_main_button(self) -> None:
        await self.page.evaluate("Telegram.WebView.receiveEvent('main_button_pressed')")


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS
        )
        try:
            yield instance
        finally:
            await instance.close()


@pytest.fixture
async def demo_web(web: Web) -> Web:
    await load_demo_data(web.settings.data_path)
    return web


@pytest.mark.parametrize(("theme", "language"), [("light", "en"), ("dark", "ru")])
async def test_a_customer_walks_from_the_shops_to_the_cart(
    demo_web: Web, browser: Any, theme: str, language: str
) -> None:
    from playwright.async_api import expect

    user = {**TG_USER, "language_code": language}
    init_data = sign_init_data(demo_web.settings.token, user=user)
    url = str(demo_web.client.make_url("/app")) + f"?lang={language}"
    context = await browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = await context.new_page()
    watched = Watched(page, ARTIFACTS / f"{theme}-{language}")

    await page.goto(url + launch_hash(init_data, THEMES[theme]))
    texts = await watched.texts()

    # Shops: Telegram's theme paints the page.
    await expect(page.get_by_role("heading", name=texts["shops_title"])).to_be_visible()
    assert await page.evaluate("document.documentElement.dataset.scheme") == theme
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == rgb(THEMES[theme]["secondary_bg_color"])
    assert (await watched.main_button())["visible"] is False
    await watched.shot("shops")

    # A shop, its category.
    await page.get_by_role("link", name=SHOP).click()
    await expect(page.get_by_role("heading", name=SHOP)).to_be_visible()
    assert await page.evaluate("Telegram.WebApp.BackButton.isVisible") is True
    await page.get_by_role("button", name=TOYS).click()
    await expect(page.get_by_role("button", name=TOYS)).to_have_attribute("aria-pressed", "true")
    await watched.shot("shop")

    # The product with its 3D model, loaded by model-viewer.
    await page.get_by_role("link", name=MODEL_PRODUCT).click()
    await expect(page.get_by_role("heading", name=MODEL_PRODUCT)).to_be_visible()
    await page.wait_for_function(
        "document.querySelector('#product-model')?.loaded === true",
        timeout=30_000,
    )
    touch = await page.locator("#product-model").get_attribute("touch-action")
    assert touch == "pan-y"
    await expect(page.get_by_text("ООО «Демо Прилавок»")).to_be_visible()
    button = await watched.main_button()
    assert button["visible"] is True
    assert button["text"].startswith(texts["add_to_cart"].split("{price}")[0])
    await watched.shot("product-3d")

    # Add to cart with the MainButton, twice: the quantities add up.
    await watched.press_main_button()
    await expect(page.locator("#toast")).to_contain_text(texts["added_to_cart"])
    await page.wait_for_function("!Telegram.WebApp.MainButton.isProgressVisible")
    await watched.press_main_button()
    await expect(page.locator("#toast")).to_contain_text(texts["in_cart"].format(count=2))
    await watched.shot("added")

    # The cart shows the item; its MainButton leads to checkout.
    await page.get_by_role("link", name=texts["cart_count"].format(count=2)).click()
    await expect(page.get_by_role("heading", name=texts["cart_title"])).to_be_visible()
    await expect(page.get_by_role("link", name=MODEL_PRODUCT)).to_be_visible()
    await expect(page.locator(".quantity")).to_have_text("2")
    await expect(page.locator("#cart-total")).to_contain_text("700")
    button = await watched.main_button()
    assert button["visible"] is True
    assert button["text"].startswith(texts["checkout"].split("{total}")[0])
    await watched.shot("cart")

    # One less, then checkout: pickup, cash.
    await page.get_by_role("button", name=texts["decrease"]).click()
    await expect(page.locator(".quantity")).to_have_text("1")
    await watched.press_main_button()
    await expect(page.get_by_role("heading", name=texts["checkout_title"])).to_be_visible()
    await page.get_by_label(texts["fulfilment_pickup"]).check()
    await page.get_by_label(texts["payment_cash"]).check()
    await watched.shot("checkout")
    await watched.press_main_button()
    await expect(page.locator("#order-placed")).to_be_visible()
    assert (await watched.main_button())["visible"] is False
    await watched.shot("placed")

    await context.close()
    assert watched.problems == []
    # Every script and style came under its content-versioned URL (the import map at work).
    assets = [url for url in watched.requests if "/static/" in url]
    assert any("/static/js/screens/product.js?v=" in url for url in assets)
    assert [url for url in assets if "?v=" not in url] == []


async def test_a_deep_link_opens_the_product(demo_web: Web, browser: Any) -> None:
    from playwright.async_api import expect

    init_data = sign_init_data(demo_web.settings.token)
    found = await demo_web.client.get(
        "/api/v1/search", params={"q": "Кубик"}, headers=tma(init_data)
    )
    product = (await found.json())["items"][0]
    start = f"product_{product['id']}"
    launch_data = sign_init_data(demo_web.settings.token, start_param=start)
    page = await browser.new_page(viewport=PHONE)
    watched = Watched(page, ARTIFACTS / "deep-link")
    url = str(demo_web.client.make_url("/app")) + "?lang=en"

    await page.goto(url + launch_hash(launch_data, THEMES["light"], start))

    await expect(page.get_by_role("heading", name=product["title"])).to_be_visible()
    assert await page.evaluate("location.hash") == f"#/product/{product['id']}"
    assert (await watched.main_button())["visible"] is True
    # Back from a product opened first leads to the shops, not out of the app.
    assert await page.evaluate("Telegram.WebApp.BackButton.isVisible") is True
    await page.evaluate("Telegram.WebView.receiveEvent('back_button_pressed')")
    texts = await watched.texts()
    await expect(page.get_by_role("heading", name=texts["shops_title"])).to_be_visible()
    assert await page.evaluate("Telegram.WebApp.BackButton.isVisible") is False
    await watched.shot("back-to-shops")
    assert watched.problems == []


async def test_the_chats_open_in_the_app_button_opens_the_product(
    demo_web: Web, browser: Any
) -> None:
    from playwright.async_api import expect

    from db.models import Product

    product = await Product.filter(model_path__isnull=False).first()
    assert product is not None
    launch_data = sign_init_data(demo_web.settings.token)
    page = await browser.new_page(viewport=PHONE)
    watched = Watched(page, ARTIFACTS / "open-in-the-app")
    url = str(demo_web.client.make_url("/app")) + f"?product={product.id}&lang=en"

    await page.goto(url + launch_hash(launch_data, THEMES["light"]))

    await expect(page.get_by_role("heading", name=product.title)).to_be_visible()
    assert await page.evaluate("location.hash") == f"#/product/{product.id}"
    await watched.shot("product")
    assert watched.problems == []


async def test_a_new_price_shows_at_once_when_the_page_is_opened_again(
    demo_web: Web, browser: Any
) -> None:
    """The catalogue cache never shows a price that no longer holds, in the Mini App too."""
    from playwright.async_api import expect

    from db.models import Product, Provider
    from services import catalog

    # A product without a 3D model: a reload would abort the viewer's download (a "failed
    # request"), which says nothing about prices.
    product = await Product.filter(model_path__isnull=True, price__gt=0, currency="RUB").first()
    assert product is not None
    provider = await Provider.get(id=product.provider_id)  # type: ignore[attr-defined]
    page = await browser.new_page(viewport=PHONE)
    watched = Watched(page, ARTIFACTS / "new-price")
    launch = launch_hash(sign_init_data(demo_web.settings.token), THEMES["light"])
    url = str(demo_web.client.make_url("/app")) + f"?product={product.id}&lang=en" + launch
    await page.goto(url)
    await expect(page.locator(".price.big")).to_be_visible()
    before = await page.locator(".price.big").inner_text()

    await catalog.update_product(provider, product.id, price=product.price + 12_300)
    await page.reload()

    await expect(page.locator(".price.big")).not_to_have_text(before)
    now = f"{(product.price + 12_300) / 100:.2f}"  # kopecks; English shows 473.00
    assert now in (await page.locator(".price.big").inner_text()).replace(",", "")
    await watched.shot("new-price")
    assert watched.problems == []


async def test_search_shows_results_as_you_type(demo_web: Web, browser: Any) -> None:
    from playwright.async_api import expect

    init_data = sign_init_data(demo_web.settings.token)
    page = await browser.new_page(viewport=PHONE)
    watched = Watched(page, ARTIFACTS / "search")
    searches: list[str] = []
    page.on("request", lambda r: searches.append(r.url) if "/api/v1/search" in r.url else None)
    url = str(demo_web.client.make_url("/app")) + "?lang=en"
    await page.goto(url + launch_hash(init_data, THEMES["light"]))
    texts = await watched.texts()

    await page.get_by_role("link", name=texts["search_label"]).click()
    box = page.get_by_role("searchbox", name=texts["search_label"])
    await expect(box).to_be_focused()
    await box.press_sequentially("кубик", delay=40)

    await expect(page.get_by_role("link", name=MODEL_PRODUCT)).to_be_visible()
    # Debounced: far fewer requests than keystrokes (one when typing is quick), the last one
    # for the whole word.
    assert 1 <= len(searches) < len("кубик"), searches
    assert searches[-1].endswith("q=" + quote("кубик")), searches
    await box.fill("qqqzzz")
    await expect(page.get_by_text(texts["search_empty"].format(query="qqqzzz"))).to_be_visible()
    await watched.shot("nothing-found")
    assert watched.problems == []


async def test_outside_telegram_the_page_asks_to_reopen_it(web: Web, browser: Any) -> None:
    from playwright.async_api import expect

    page = await browser.new_page(viewport=PHONE)
    watched = Watched(page, ARTIFACTS / "outside")

    await page.goto(str(web.client.make_url("/app")) + "?lang=en")

    texts = await watched.texts()
    await expect(page.get_by_role("heading", name=texts["reopen_title"])).to_be_visible()
    await expect(page.get_by_text(texts["reopen_text"])).to_be_visible()
    await watched.shot("reopen")
    assert watched.problems == []


async def test_stale_init_data_asks_to_reopen_it(web: Web, browser: Any) -> None:
    from playwright.async_api import expect

    stale = sign_init_data(web.settings.token, auth_date=time.time() - 3 * 86400)
    page = await browser.new_page(viewport=PHONE)
    watched = Watched(page, ARTIFACTS / "stale")

    await page.goto(
        str(web.client.make_url("/app")) + "?lang=en" + launch_hash(stale, THEMES["dark"])
    )

    texts = await watched.texts()
    await expect(page.get_by_role("heading", name=texts["reopen_title"])).to_be_visible()
    await expect(page.get_by_text(texts["session_expired"])).to_be_visible()
    assert (await watched.main_button())["visible"] is False
    await watched.shot("expired")
    # The refused sign-in is the only failure: an HTTP 401 (Chromium logs it to the console).
    assert [p for p in watched.problems if "/api/v1/me" not in p and "401" not in p] == []


async def test_checkout_with_delivery_needs_consent_a_slot_and_an_address(
    demo_web: Web, browser: Any
) -> None:
    from playwright.async_api import expect

    init_data = sign_init_data(demo_web.settings.token)
    found = await demo_web.client.get(
        "/api/v1/search", params={"q": "Кубик"}, headers=tma(init_data)
    )
    product = (await found.json())["items"][0]
    added = await demo_web.client.post(
        "/api/v1/cart/items", json={"product_id": product["id"]}, headers=tma(init_data)
    )
    assert added.status == 200
    page = await browser.new_page(viewport=PHONE)
    watched = Watched(page, ARTIFACTS / "delivery")
    url = str(demo_web.client.make_url("/app")) + "?lang=en"
    await page.goto(url + launch_hash(init_data, THEMES["dark"]))
    texts = await watched.texts()
    await page.get_by_role("link", name=texts["cart_count"].format(count=1)).click()
    await expect(page.get_by_role("heading", name=texts["cart_title"])).to_be_visible()

    # Without consent to the processing of personal data there is no delivery to choose.
    await watched.press_main_button()
    await page.get_by_label(texts["fulfilment_delivery"]).check()
    await expect(page.get_by_text(texts["consent_needed"])).to_be_visible()
    assert (await watched.main_button())["visible"] is False
    await watched.shot("no-consent")

    user = await User.get(tg_id=TG_USER["id"])
    version = demo_web.settings.privacy_policy_version
    await consent.record(user, ConsentKind.personal_data, granted=True, version=version)
    await page.evaluate("Telegram.WebView.receiveEvent('back_button_pressed')")
    await expect(page.get_by_role("heading", name=texts["cart_title"])).to_be_visible()
    await watched.press_main_button()
    await page.get_by_label(texts["fulfilment_delivery"]).check()
    slots = page.locator("fieldset", has_text=texts["delivery_slot"]).get_by_role("radio")
    assert await slots.count() >= 3  # tomorrow's windows at least
    await slots.last.check()
    await page.get_by_label(texts["payment_cash"]).check()

    # A short address is refused by the server; the message and the field say so.
    await page.get_by_label(texts["address"]).fill("ул")
    await page.get_by_label(texts["phone"]).fill("+7 999 123-45-67")
    await watched.press_main_button()
    await expect(page.get_by_role("alert")).to_be_visible()
    await expect(page.get_by_label(texts["address"])).to_have_attribute("aria-invalid", "true")
    await watched.shot("short-address")

    await page.get_by_label(texts["address"]).fill("Москва, ул. Тверская, д. 1, кв. 5")
    await watched.press_main_button()
    await expect(page.locator("#order-placed")).to_be_visible()
    await watched.shot("placed")

    order = await Order.get(customer_id=user.id)
    assert order.fulfilment is Fulfilment.delivery
    assert order.address == "Москва, ул. Тверская, д. 1, кв. 5"
    assert order.delivery_slot
    # The refused attempt is the only failed request: one 422 of POST /checkout.
    assert [p for p in watched.problems if "422" not in p] == []
    assert sum("422" in p for p in watched.problems) >= 1


async def open_product(web: Web, browser: Any, title: str, folder: str) -> tuple[Watched, str]:
    """A new page on the product found by `title`, opened by a deep link; its initData."""
    init_data = sign_init_data(web.settings.token)
    found = await web.client.get("/api/v1/search", params={"q": title}, headers=tma(init_data))
    (product,) = [item for item in (await found.json())["items"] if item["title"] == title]
    start = f"product_{product['id']}"
    launch_data = sign_init_data(web.settings.token, start_param=start)
    page = await browser.new_page(viewport=PHONE)
    watched = Watched(page, ARTIFACTS / folder)
    url = str(web.client.make_url("/app")) + "?lang=en"
    await page.goto(url + launch_hash(launch_data, THEMES["light"], start))
    return watched, init_data


async def test_a_double_tap_on_the_main_button_adds_once(demo_web: Web, browser: Any) -> None:
    from playwright.async_api import expect

    watched, _ = await open_product(demo_web, browser, MODEL_PRODUCT, "double-tap")
    page = watched.page
    texts = await watched.texts()
    await expect(page.get_by_role("heading", name=MODEL_PRODUCT)).to_be_visible()
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    await page.evaluate(
        "Telegram.WebView.receiveEvent('main_button_pressed');"
        "Telegram.WebView.receiveEvent('main_button_pressed');"
    )

    await expect(page.locator("#toast")).to_contain_text(texts["in_cart"].format(count=1))
    assert len(posts) == 1, posts
    # The cart's Remove empties it (DELETE), and the MainButton goes away with the items.
    await page.get_by_role("link", name=texts["cart_count"].format(count=1)).click()
    await page.get_by_role("button", name=texts["remove"]).click()
    await expect(page.get_by_text(texts["cart_empty"])).to_be_visible()
    assert (await watched.main_button())["visible"] is False
    await watched.shot("emptied")
    assert watched.problems == []


async def test_another_shops_cart_is_replaced_only_after_the_customer_agrees(
    demo_web: Web, browser: Any
) -> None:
    from playwright.async_api import expect

    watched, init_data = await open_product(demo_web, browser, LESSON, "replace")
    page = watched.page
    texts = await watched.texts()
    await expect(page.get_by_role("heading", name=LESSON)).to_be_visible()
    found = await demo_web.client.get(
        "/api/v1/search", params={"q": "Кубик"}, headers=tma(init_data)
    )
    cube = (await found.json())["items"][0]
    await demo_web.client.post(
        "/api/v1/cart/items", json={"product_id": cube["id"]}, headers=tma(init_data)
    )

    # Telegram's confirmation popup: Cancel keeps the cart, OK replaces it. The answer is
    # sent once the page has asked Telegram to open the popup (after its 409), not before.
    await page.evaluate(COUNT_POPUPS)
    await watched.press_main_button()
    await page.wait_for_function("window.popupsOpened === 1")
    await page.evaluate("Telegram.WebView.receiveEvent('popup_closed', {})")
    await page.wait_for_function("!Telegram.WebApp.MainButton.isProgressVisible")
    cart = await (await demo_web.client.get("/api/v1/cart", headers=tma(init_data))).json()
    assert [line["title"] for line in cart["items"]] == [MODEL_PRODUCT]

    await watched.press_main_button()
    await page.wait_for_function("window.popupsOpened === 2")
    await page.evaluate("Telegram.WebView.receiveEvent('popup_closed', {button_id: 'ok'})")
    await expect(page.locator("#toast")).to_contain_text(texts["added_to_cart"])
    cart = await (await demo_web.client.get("/api/v1/cart", headers=tma(init_data))).json()
    assert [line["title"] for line in cart["items"]] == [LESSON]
    # The first refusal is an expected 409 of POST /cart/items (twice: once per press).
    assert [p for p in watched.problems if "409" not in p] == []


async def test_a_model_that_cannot_be_shown_falls_back_to_the_photos(
    demo_web: Web, browser: Any
) -> None:
    from playwright.async_api import expect

    page_errors: list[str] = []

    async def broken_model(route: Any) -> None:
        await route.fulfill(status=200, body=b"not a glTF file", content_type="model/gltf-binary")

    watched, _ = await open_product(demo_web, browser, MODEL_PRODUCT, "broken-model")
    page = watched.page
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    texts = await watched.texts()
    await page.route("**/*.glb", broken_model)
    await page.reload()

    await expect(page.locator("#toast")).to_have_text(texts["model_failed"])
    await expect(page.locator("#product-model")).to_have_count(0)
    await expect(
        page.get_by_role("group", name=texts["photos_label"].format(title=MODEL_PRODUCT))
    ).to_be_visible()
    await expect(page.get_by_role("button", name=texts["show_model"])).to_have_count(0)
    await watched.shot("photos-instead")
    assert page_errors == []


async def test_a_theme_change_repaints_the_page(demo_web: Web, browser: Any) -> None:
    watched, _ = await open_product(demo_web, browser, MODEL_PRODUCT, "theme")
    page = watched.page
    await page.wait_for_function("document.documentElement.dataset.scheme === 'light'")

    dark = json.dumps({"theme_params": THEMES["dark"]})
    await page.evaluate(f"Telegram.WebView.receiveEvent('theme_changed', {dark})")

    await page.wait_for_function("document.documentElement.dataset.scheme === 'dark'")
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == rgb(THEMES["dark"]["secondary_bg_color"])
    await watched.shot("dark")
    assert watched.problems == []


async def test_the_page_switches_to_the_persons_language_and_keeps_the_launch_data(
    demo_web: Web, browser: Any
) -> None:
    from playwright.async_api import expect

    russian = {**TG_USER, "language_code": "ru"}
    init_data = sign_init_data(demo_web.settings.token, user=russian)
    context = await browser.new_context(viewport=PHONE, locale="en-US")
    page = await context.new_page()
    watched = Watched(page, ARTIFACTS / "language")

    # Rendered in the browser's English first; the person's Russian wins after one reload,
    # which finds the launch data again although the hash is a route by then.
    await page.goto(str(demo_web.client.make_url("/app")) + launch_hash(init_data, THEMES["light"]))

    await expect(page.locator("html")).to_have_attribute("lang", "ru")
    await expect(page.get_by_role("heading", name="Магазины и репетиторы")).to_be_visible()
    assert "lang=ru" in page.url
    await watched.shot("russian")
    await context.close()
    assert watched.problems == []


async def until(check: Callable[[], bool], seconds: float = 5) -> None:
    """Wait for something the page reports to the test (not a DOM state)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def place_pickup_order(web: Web, init_data: str, title: str, key: str) -> dict[str, Any]:
    """An order of one `title` for pickup, cash, placed through the API as the app does."""
    found = await web.client.get("/api/v1/search", params={"q": title}, headers=tma(init_data))
    product = next(item for item in (await found.json())["items"] if item["title"] == title)
    added = await web.client.post(
        "/api/v1/cart/items", json={"product_id": product["id"]}, headers=tma(init_data)
    )
    assert added.status == 200
    placed = await web.client.post(
        "/api/v1/checkout",
        json={"fulfilment": "pickup", "payment_method": "cash"},
        headers={**tma(init_data), "Idempotency-Key": key},
    )
    assert placed.status == 201, await placed.text()
    order: dict[str, Any] = await placed.json()
    return order


async def test_orders_show_their_history_a_pickup_qr_code_and_cancel_after_confirming(
    demo_web: Web, browser: Any
) -> None:
    from playwright.async_api import expect

    from db.models import ActorRole, OrderStatus
    from services import orders

    init_data = sign_init_data(demo_web.settings.token)
    ready = await place_pickup_order(demo_web, init_data, MODEL_PRODUCT, "browser-order-1")
    other = await place_pickup_order(demo_web, init_data, MODEL_PRODUCT, "browser-order-2")
    page = await browser.new_page(viewport=PHONE)
    watched = Watched(page, ARTIFACTS / "orders")
    popups: list[str] = []
    page.on("console", lambda m: popups.append(m.text) if "web_app_open_popup" in m.text else None)
    url = str(demo_web.client.make_url("/app")) + "?lang=en"
    await page.goto(url + launch_hash(init_data, THEMES["light"]))
    texts = await watched.texts()

    # Shops → My orders: both, newest first.
    await page.get_by_role("link", name=texts["my_orders"]).click()
    await expect(page.get_by_role("heading", name=texts["orders_title"])).to_be_visible()
    rows = page.locator("#orders a")
    await expect(rows).to_have_count(2)
    await expect(rows.first).to_contain_text(texts["order_number"].format(id=other["id"]))
    await watched.shot("orders")

    # The detail: lines, the timeline, a cancel button; no QR code before it is ready.
    await page.get_by_role("link", name=texts["order_number"].format(id=ready["id"])).click()
    heading = texts["order_number"].format(id=ready["id"])
    await expect(page.get_by_role("heading", name=heading)).to_be_visible()
    await expect(page.locator("#order-history li")).to_have_count(len(ready["history"]))
    await expect(page.get_by_role("button", name=texts["cancel_order"])).to_be_visible()
    await expect(page.locator("#pickup")).to_have_count(0)
    await watched.shot("order-placed")

    # The seller gets it ready; after a reload the QR code and the pickup code are shown.
    order = await Order.get(id=ready["id"])
    for status in (OrderStatus.accepted, OrderStatus.in_work, OrderStatus.ready_for_pickup):
        await orders.transition(
            order.id,
            status,
            role=ActorRole.provider,
            actor=None,
            events=demo_web.services.shop_events,
            provider_id=order.provider_id,  # type: ignore[attr-defined]
        )
    await page.reload()
    qr = page.locator("#pickup-qr")
    await expect(qr).to_be_visible()
    await page.wait_for_function(
        "document.getElementById('pickup-qr').complete"
        " && document.getElementById('pickup-qr').naturalWidth > 0"
    )
    code = texts["pickup_code"].format(code=ready["pickup_code"])
    await expect(page.get_by_text(code)).to_be_visible()
    await expect(page.locator("#order-history li")).to_have_count(len(ready["history"]) + 3)
    await expect(page.get_by_role("button", name=texts["cancel_order"])).to_have_count(0)
    await watched.shot("ready-qr")

    # The other order: Telegram's popup asks first; "Cancel" there keeps the order.
    await page.get_by_role("link", name=texts["all_orders"]).click()
    await page.get_by_role("link", name=texts["order_number"].format(id=other["id"])).click()
    cancel = page.get_by_role("button", name=texts["cancel_order"])
    await cancel.click()
    await until(lambda: len(popups) == 1)
    await page.evaluate("Telegram.WebView.receiveEvent('popup_closed', {})")
    await expect(cancel).to_be_enabled()
    assert (await Order.get(id=other["id"])).status is OrderStatus.placed

    await cancel.click()
    await until(lambda: len(popups) == 2)
    await page.evaluate("Telegram.WebView.receiveEvent('popup_closed', {button_id: 'ok'})")
    await expect(page.locator("#toast")).to_have_text(texts["order_cancelled"])
    await expect(cancel).to_have_count(0)
    assert (await Order.get(id=other["id"])).status is OrderStatus.cancelled
    answer = await demo_web.client.get(
        f"/api/v1/orders/{other['id']}", headers={**tma(init_data), "Accept-Language": "en"}
    )
    await expect(page.locator("#order-status")).to_have_text((await answer.json())["status_name"])
    await watched.shot("cancelled")
    assert watched.problems == []

    # A start parameter order_<id> opens the order.
    start = f"order_{ready['id']}"
    launch_data = sign_init_data(demo_web.settings.token, start_param=start)
    opened = await browser.new_page(viewport=PHONE)
    deep = Watched(opened, ARTIFACTS / "order-deep-link")
    await opened.goto(url + launch_hash(launch_data, THEMES["dark"], start))
    await expect(opened.get_by_role("heading", name=heading)).to_be_visible()
    await expect(opened.locator("#pickup-qr")).to_be_visible()
    assert deep.problems == []


async def test_the_profile_switches_the_language_and_shows_the_consent(
    demo_web: Web, browser: Any
) -> None:
    from playwright.async_api import expect

    init_data = sign_init_data(demo_web.settings.token)
    page = await browser.new_page(viewport=PHONE)
    watched = Watched(page, ARTIFACTS / "profile")
    url = str(demo_web.client.make_url("/app")) + "?lang=en"
    await page.goto(url + launch_hash(init_data, THEMES["light"]))
    texts = await watched.texts()

    await page.get_by_role("link", name=texts["profile_title"]).click()
    await expect(page.get_by_role("heading", name=texts["profile_title"])).to_be_visible()
    await expect(page.get_by_text(texts["consent_not_given"])).to_be_visible()
    policy = page.get_by_role("link", name=texts["privacy_policy"]).first
    assert await policy.get_attribute("href") == demo_web.settings.privacy_policy_url
    # The member card: its id, the points and the QR image of the id.
    await expect(page.locator("#member-card")).to_be_visible()
    card = await LoyaltyCard.get(user_id=(await User.get(tg_id=TG_USER["id"])).id)
    await expect(page.locator("#member-card")).to_contain_text(card.member_id)
    await expect(page.locator("#member-card")).to_contain_text("Points: 0")
    qr = page.locator("#member-qr")
    await expect(qr).to_be_visible()
    assert await qr.evaluate("image => image.complete && image.naturalWidth > 0")
    await watched.shot("english")

    # Russian: saved for the bot too, and the page comes back in Russian on the profile.
    await page.get_by_label("Русский").check()
    await expect(page.locator("html")).to_have_attribute("lang", "ru")
    await expect(page.get_by_role("heading", name="Профиль")).to_be_visible()
    assert (await User.get(tg_id=TG_USER["id"])).locale == "ru"
    await expect(page.get_by_label("Русский")).to_be_checked()
    await watched.shot("russian")
    assert watched.problems == []
