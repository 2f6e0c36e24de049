"""Mini App pages rendered with Jinja2.

The page is a shell: the server renders the translated texts, the settings and an import map;
ES modules under static/js (one per screen) do the rest against /api/v1. No bundler: every
module is served as it is, under a URL versioned by its own content hash, so Telegram's
in-app browsers (which cache hard) fetch a file again only when it changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp_jinja2
from aiohttp import web

from webapp.keys import LOCALE, SERVICES
from webapp.routes.mini_app_texts import mini_app_texts

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
STATIC_PREFIX = "/static/"
OWN_MODULES = "js"
"""static/js/**/*.js: the Mini App's own ES modules, each mapped to its versioned URL."""
VENDOR_MODULES = {
    "lit-html": "vendor/lit-html.js",
    "model-viewer": "vendor/model-viewer.min.js",
}
"""Bare specifiers the modules import, and the vendored file (`make assets`) behind each."""
STYLESHEET = "css/app.css"
TELEGRAM_SCRIPT = "vendor/telegram-web-app.js"
ENTRY_MODULE = "js/app.js"
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True, slots=True)
class MiniAppAssets:
    """What `make assets` and static/ hold, hashed once at start-up instead of per request."""

    urls: dict[str, str] = field(default_factory=dict)
    """A static file's name (e.g. `js/app.js`) → its URL with `?v=<content hash>`."""

    def url(self, name: str) -> str:
        """The versioned URL of a file under static/ (unversioned when it is missing)."""
        return self.urls.get(name, STATIC_PREFIX + name)

    def import_map(self) -> dict[str, dict[str, str]]:
        """Bare specifiers to vendored modules, and every own module's plain URL to its
        versioned one, so that `import "./api.js"` fetches `/static/js/api.js?v=…`."""
        imports = {specifier: self.url(name) for specifier, name in VENDOR_MODULES.items()}
        for name in sorted(self.urls):
            if name.startswith(OWN_MODULES + "/") and name.endswith(".js"):
                imports[STATIC_PREFIX + name] = self.urls[name]
        return {"imports": imports}


MINI_APP_ASSETS = web.AppKey("mini_app_assets", MiniAppAssets)


def _version(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def find_assets(static_dir: Path = STATIC_DIR) -> MiniAppAssets:
    """Every file the page can load, each with the hash of its own content."""
    names = [STYLESHEET, TELEGRAM_SCRIPT, *VENDOR_MODULES.values()]
    names += sorted(
        path.relative_to(static_dir).as_posix() for path in (static_dir / OWN_MODULES).rglob("*.js")
    )
    urls = {
        name: f"{STATIC_PREFIX}{name}?v={_version(static_dir / name)}"
        for name in names
        if (static_dir / name).is_file()
    }
    return MiniAppAssets(urls=urls)


@aiohttp_jinja2.template("app.html")
async def mini_app(request: web.Request) -> dict[str, object]:
    """The Mini App's shell; its modules sign in with initData and route by the URL hash."""
    settings = request.app[SERVICES].settings
    assets = request.app[MINI_APP_ASSETS]
    locale = request[LOCALE]
    return {
        "locale": locale,
        "api_base": "/api/v1",
        "privacy_policy_url": settings.privacy_policy_url,
        "operator_legal_name": settings.operator_legal_name,
        "asset": assets.url,
        # Rendered with `tojson`, which escapes `<`, `>` and `&` for a <script> element.
        "import_map": assets.import_map(),
        "texts": mini_app_texts(),
    }


async def _cache_headers(request: web.Request, response: web.StreamResponse) -> None:
    """The page is checked every time; a versioned asset never changes under its URL."""
    if request.path == "/app":
        response.headers["Cache-Control"] = "no-cache"
    elif request.path.startswith(STATIC_PREFIX) and "v" in request.query:
        response.headers["Cache-Control"] = IMMUTABLE


def setup(app: web.Application) -> None:
    """Register the Mini App pages."""
    app[MINI_APP_ASSETS] = find_assets()
    app.router.add_get("/app", mini_app, name="mini_app")
    app.on_response_prepare.append(_cache_headers)
