"""The Mini App entry page: rendered per language, its assets served, and (with Chromium) a
person opening it from Telegram sees their name."""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import json
import re
import shutil
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest

from tests.web.conftest import Web
from webapp.routes.pages import STATIC_DIR

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--headless",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-gl=angle",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]
ASSETS_BUILT = (STATIC_DIR / "vendor" / "telegram-web-app.js").is_file()
BUILT_BY_MAKE_ASSETS = ("/static/vendor/", "/static/models/")


async def open_app(web: Web, url: str = "/app", **headers: str) -> str:
    response = await web.client.get(url, headers=headers)
    assert response.status == 200
    assert response.content_type == "text/html"
    return await response.text()


def static_references(html: str) -> set[str]:
    """Paths under /static/ that the page loads, without their ?v= version."""
    found = re.findall(r'(?:src|href)="(/static/[^"?]+)', html)
    return set(found)


def page_texts(html: str) -> dict[str, str]:
    match = re.search(r'<script id="i18n" type="application/json">(.*?)</script>', html, re.S)
    assert match is not None
    texts: dict[str, str] = json.loads(match.group(1))
    return texts


async def test_app_page_is_russian_by_default(web: Web) -> None:
    html = await open_app(web)

    assert '<html lang="ru">' in html
    assert web.services.i18n.gettext("Privacy policy", locale="ru") in html


@pytest.mark.parametrize(
    ("url", "headers"),
    [("/app?lang=en", {}), ("/app", {"Accept-Language": "en-US,en;q=0.9"})],
)
async def test_app_page_follows_the_asked_language(
    web: Web, url: str, headers: dict[str, str]
) -> None:
    html = await open_app(web, url, **headers)

    assert '<html lang="en">' in html
    assert "Privacy policy" in html


async def test_app_page_loads_the_telegram_sdk_and_shows_the_operator(web: Web) -> None:
    html = await open_app(web, "/app?lang=en")

    assert '<script src="/static/vendor/telegram-web-app.js?v=' in html
    assert '<script src="/static/js/app.js?v=' in html
    assert f'href="{web.settings.privacy_policy_url}"' in html
    assert web.settings.operator_legal_name in html
    for section in ("catalog", "cart", "orders", "lessons", "profile"):
        assert f'data-section="{section}"' in html
    assert "cdn" not in html.lower()


async def test_every_string_the_script_shows_comes_from_the_page(
    web: Web,
) -> None:
    texts = page_texts(await open_app(web, "/app?lang=en"))
    script = (STATIC_DIR / "js" / "app.js").read_text(encoding="utf-8")

    used = set(re.findall(r"\btexts\.(\w+)", script))
    assert used <= texts.keys()
    assert "{name}" in texts["hello"]


async def test_own_static_files_are_served(web: Web) -> None:
    html = await open_app(web)
    own = {path for path in static_references(html) if not path.startswith(BUILT_BY_MAKE_ASSETS)}

    assert own == {"/static/css/app.css", "/static/js/app.js"}
    for path in own:
        response = await web.client.get(path)
        assert response.status == 200, path


@pytest.mark.skipif(not ASSETS_BUILT, reason="static/vendor is missing: run `make assets`")
async def test_built_assets_referenced_by_the_page_exist(web: Web) -> None:
    html = await open_app(web)
    references = static_references(html)

    assert "/static/vendor/telegram-web-app.js" in references
    assert "/static/vendor/model-viewer.min.js" in references
    assert "/static/models/demo-cube.glb" in references
    for path in references:
        assert (STATIC_DIR / path.removeprefix("/static/")).is_file(), path
        response = await web.client.get(path)
        assert response.status == 200, path


# A person opening the Mini App from Telegram ------------------------------------------------


def _sign_init_data(token: str, user: dict[str, Any]) -> str:
    """initData signed as Telegram signs it (the sandbox's signer when it is there)."""
    if importlib.util.find_spec("sandbox.initdata") is not None:
        from sandbox.initdata import sign_init_data

        return sign_init_data(token, user=user)
    fields = {
        "auth_date": str(int(time.time())),
        "user": json.dumps(user, separators=(",", ":")),
    }
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields, quote_via=quote)


BROWSER_READY = (
    CHROMIUM.is_file()
    and importlib.util.find_spec("playwright") is not None
    and shutil.which(str(CHROMIUM)) is not None
)


@pytest.mark.skipif(not BROWSER_READY, reason="needs /usr/bin/chromium and playwright")
@pytest.mark.skipif(not ASSETS_BUILT, reason="static/vendor is missing: run `make assets`")
async def test_person_opening_the_mini_app_is_greeted_by_name(web: Web) -> None:
    from playwright.async_api import async_playwright, expect

    user = {"id": 4242, "first_name": "Ada", "username": "ada", "language_code": "en"}
    init_data = _sign_init_data(web.settings.token, user)
    launch = "&".join(
        [f"tgWebAppData={quote(init_data, safe='')}", "tgWebAppVersion=8.0", "tgWebAppPlatform=web"]
    )
    url = f"{web.client.make_url('/app')}?lang=en#{launch}"
    assert urlsplit(url).hostname == "127.0.0.1"

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS
        )
        try:
            page = await browser.new_page()
            await page.goto(url)

            await expect(page.locator("#greeting")).to_have_text("Hello, Ada!")
            await expect(page.locator("#error")).to_be_hidden()
            await page.get_by_role("button", name="Catalog").click()
            await expect(page.locator("#toast")).to_have_text("This section is coming soon.")
        finally:
            await browser.close()


async def test_the_product_asked_for_reaches_the_page_only_as_a_number(web: Web) -> None:
    assert 'data-product="12"' in await open_app(web, "/app?product=12")
    for wrong in ("12abc", "-3", "0", "99999999999999"):
        assert "data-product" not in await open_app(web, f"/app?product={wrong}")


@pytest.mark.skipif(not BROWSER_READY, reason="needs /usr/bin/chromium and playwright")
@pytest.mark.skipif(not ASSETS_BUILT, reason="static/vendor is missing: run `make assets`")
async def test_open_in_the_app_shows_the_product_its_photos_and_its_3d_model(web: Web) -> None:
    from playwright.async_api import async_playwright, expect

    from db.models import Product, ProductPhoto
    from services.demo import load_demo_data

    await load_demo_data(web.settings.data_path)
    product = await Product.filter(model_path__isnull=False).first()
    assert product is not None
    photos = await ProductPhoto.filter(product_id=product.id).count()
    user = {"id": 4242, "first_name": "Ada", "username": "ada", "language_code": "en"}
    init_data = _sign_init_data(web.settings.token, user)
    launch = "&".join(
        [f"tgWebAppData={quote(init_data, safe='')}", "tgWebAppVersion=8.0", "tgWebAppPlatform=web"]
    )
    url = f"{web.client.make_url('/app')}?product={product.id}&lang=en#{launch}"

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS
        )
        try:
            page = await browser.new_page()
            await page.goto(url)

            await expect(page.locator("#product-title")).to_have_text(product.title)
            await expect(page.locator("#product-model")).to_be_visible()
            src = await page.locator("#product-model").get_attribute("src")
            assert src is not None and src.endswith(".glb")
            await expect(page.locator("#product-gallery img")).to_have_count(photos)
            await expect(page.locator("#greeting")).to_have_text("Hello, Ada!")

            await page.goto(url.replace(f"product={product.id}", "product=987654"))
            await expect(page.locator("#toast")).to_have_text("This product is no longer on sale.")
            await expect(page.locator("#product")).to_be_hidden()
        finally:
            await browser.close()
