"""The Mini App's shell page: rendered per language with its texts, its ES modules mapped to
content-versioned URLs and served (the walk through the screens in Chromium is in
test_mini_app_browser.py)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import shutil
from pathlib import Path

import pytest

from tests.web.conftest import Web
from webapp.routes.pages import STATIC_DIR, find_assets

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
BUILT_BY_MAKE_ASSETS = ("/static/vendor/",)


async def open_app(web: Web, url: str = "/app", **headers: str) -> str:
    response = await web.client.get(url, headers=headers)
    assert response.status == 200
    assert response.content_type == "text/html"
    return await response.text()


def static_references(html: str) -> set[str]:
    """Paths under /static/ that the page loads or maps in its import map, without `?v=`."""
    found = set(re.findall(r'(?:src|href)="(/static/[^"?]+)', html))
    found |= {url.split("?")[0] for url in import_map(html)["imports"].values()}
    return found


def import_map(html: str) -> dict[str, dict[str, str]]:
    match = re.search(r'<script type="importmap">(.*?)</script>', html, re.S)
    assert match is not None
    mapping: dict[str, dict[str, str]] = json.loads(match.group(1))
    return mapping


def page_texts(html: str) -> dict[str, str]:
    match = re.search(r'<script id="i18n" type="application/json">(.*?)</script>', html, re.S)
    assert match is not None
    texts: dict[str, str] = json.loads(match.group(1))
    return texts


OWN_MODULES = sorted((STATIC_DIR / "js").rglob("*.js"))


async def test_app_page_is_russian_by_default(web: Web) -> None:
    html = await open_app(web)

    assert '<html lang="ru">' in html
    assert web.services.i18n.gettext("Privacy policy", locale="ru") in html
    assert page_texts(html)["cart_title"] == web.services.i18n.gettext("Cart", locale="ru")


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
    assert page_texts(html)["cart_title"] == "Cart"


async def test_app_page_loads_the_telegram_sdk_first_and_shows_the_operator(web: Web) -> None:
    html = await open_app(web, "/app?lang=en")

    head = html.split("</head>")[0]
    assert head.index("/static/vendor/telegram-web-app.js?v=") < head.index("<script type=")
    assert '<script type="module" src="/static/js/app.js?v=' in html
    assert f'href="{web.settings.privacy_policy_url}"' in html
    assert web.settings.operator_legal_name in html
    assert "cdn" not in html.lower()


async def test_the_import_map_versions_every_module_by_its_content(web: Web) -> None:
    imports = import_map(await open_app(web))["imports"]

    assert imports["lit-html"].startswith("/static/vendor/lit-html.js?v=")
    assert imports["model-viewer"].startswith("/static/vendor/model-viewer.min.js?v=")
    for path in OWN_MODULES:
        name = path.relative_to(STATIC_DIR).as_posix()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        assert imports[f"/static/{name}"] == f"/static/{name}?v={digest}", name
    assert any("/screens/" in key for key in imports)


def test_a_changed_module_changes_only_its_own_url(tmp_path: Path) -> None:
    (tmp_path / "js" / "screens").mkdir(parents=True)
    (tmp_path / "js" / "app.js").write_text("import './screens/a.js';")
    (tmp_path / "js" / "screens" / "a.js").write_text("export default 1;")
    before = find_assets(tmp_path).import_map()["imports"]

    (tmp_path / "js" / "screens" / "a.js").write_text("export default 2;")
    after = find_assets(tmp_path).import_map()["imports"]

    assert after["/static/js/app.js"] == before["/static/js/app.js"]
    assert after["/static/js/screens/a.js"] != before["/static/js/screens/a.js"]


async def test_the_page_is_revalidated_and_versioned_assets_are_immutable(web: Web) -> None:
    page = await web.client.get("/app")
    assert page.headers["Cache-Control"] == "no-cache"
    url = import_map(await page.text())["imports"]["/static/js/api.js"]

    versioned = await web.client.get(url)
    plain = await web.client.get("/static/js/api.js")

    assert versioned.status == 200
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "immutable" not in plain.headers.get("Cache-Control", "")


async def test_every_string_the_modules_show_comes_from_the_page(web: Web) -> None:
    texts = page_texts(await open_app(web, "/app?lang=en"))

    used: set[str] = set()
    for path in OWN_MODULES:
        used |= set(re.findall(r"\bt\(\s*\"(\w+)\"", path.read_text(encoding="utf-8")))
    assert {"add_to_cart", "checkout", "reopen_title"} <= used
    assert used <= texts.keys(), used - texts.keys()
    assert "{price}" in texts["add_to_cart"]


async def test_own_static_files_are_served(web: Web) -> None:
    html = await open_app(web)
    own = {path for path in static_references(html) if not path.startswith(BUILT_BY_MAKE_ASSETS)}

    assert own == {"/static/css/app.css"} | {
        "/static/" + path.relative_to(STATIC_DIR).as_posix() for path in OWN_MODULES
    }
    for path in own:
        response = await web.client.get(path)
        assert response.status == 200, path


@pytest.mark.skipif(not ASSETS_BUILT, reason="static/vendor is missing: run `make assets`")
async def test_built_assets_referenced_by_the_page_exist(web: Web) -> None:
    html = await open_app(web)
    references = static_references(html)

    assert "/static/vendor/telegram-web-app.js" in references
    assert "/static/vendor/model-viewer.min.js" in references
    assert "/static/vendor/lit-html.js" in references
    for path in references:
        assert (STATIC_DIR / path.removeprefix("/static/")).is_file(), path
        response = await web.client.get(path)
        assert response.status == 200, path


# Chromium, for the browser tests ------------------------------------------------------------

BROWSER_READY = (
    CHROMIUM.is_file()
    and importlib.util.find_spec("playwright") is not None
    and shutil.which(str(CHROMIUM)) is not None
)
