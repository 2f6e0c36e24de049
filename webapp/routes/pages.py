"""Mini App pages rendered with Jinja2."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import aiohttp_jinja2
from aiohttp import web

from webapp.keys import LOCALE, SERVICES

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
VERSIONED_FILES = (
    "css/app.css",
    "js/app.js",
    "vendor/telegram-web-app.js",
    "vendor/model-viewer.min.js",
)
MODEL_VIEWER = "vendor/model-viewer.min.js"
DEMO_MODEL = "models/demo-cube.glb"
MAX_ID = 2**31 - 1


@dataclass(frozen=True, slots=True)
class MiniAppAssets:
    """What `make assets` produced, looked up once at start-up instead of on every request."""

    version: str
    demo_model_url: str | None
    model_viewer: bool
    """model-viewer was built: a product's 3D model can be shown."""


MINI_APP_ASSETS = web.AppKey("mini_app_assets", MiniAppAssets)


def find_assets(static_dir: Path = STATIC_DIR) -> MiniAppAssets:
    """The cache-busting version of the page's files, and the demo model if it was built."""
    # Telegram's in-app browsers cache hard: a new build must change every asset URL.
    digest = hashlib.sha256()
    for name in VERSIONED_FILES:
        path = static_dir / name
        if path.is_file():
            digest.update(name.encode())
            digest.update(path.read_bytes())
    viewer = (static_dir / MODEL_VIEWER).is_file()
    has_model = (static_dir / DEMO_MODEL).is_file() and viewer
    return MiniAppAssets(
        version=digest.hexdigest()[:12],
        demo_model_url=f"/static/{DEMO_MODEL}" if has_model else None,
        model_viewer=viewer,
    )


@aiohttp_jinja2.template("app.html")
async def mini_app(request: web.Request) -> dict[str, object]:
    """The Mini App's entry page; the script signs in with initData and loads /api/v1/me, and
    with `?product=ID` (the chat's "Open in the app" button) shows that product."""
    settings = request.app[SERVICES].settings
    assets = request.app[MINI_APP_ASSETS]
    wanted = request.query.get("product", "")
    product_id = int(wanted) if wanted.isdigit() and 0 < int(wanted) <= MAX_ID else None
    return {
        "product_id": product_id,
        "model_viewer": assets.model_viewer,
        "locale": request[LOCALE],
        "api_base": "/api/v1",
        "privacy_policy_url": settings.privacy_policy_url,
        "operator_legal_name": settings.operator_legal_name,
        "asset_version": assets.version,
        "demo_model_url": assets.demo_model_url,
    }


def setup(app: web.Application) -> None:
    """Register the Mini App pages."""
    app[MINI_APP_ASSETS] = find_assets()
    app.router.add_get("/app", mini_app, name="mini_app")
