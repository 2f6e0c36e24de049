"""The aiohttp application: webhook, health, metrics, Mini App pages, JSON API, static."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiogram import Bot, Dispatcher
from aiohttp import hdrs, web

from db import close_db, init_db
from services.container import Services
from webapp.keys import BOT, DISPATCHER, SERVICES
from webapp.middlewares import api_errors_middleware, locale_middleware, metrics_middleware
from webapp.routes import api, calendar, media, ops, pages, telegram, yookassa

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = ROOT / "static"
STATIC_PREFIX = "/static/"
VERSIONED_ASSET = "public, max-age=31536000, immutable"
"""A static URL with `?v=<digest of the build>` (pages.find_assets) never changes content."""
UNVERSIONED_ASSET = "no-cache"
"""Any other static URL: kept, but revalidated (aiohttp answers 304 by Last-Modified)."""
MAX_REQUEST_SIZE = 20 * 1024**2
"""The largest request body the server reads (photo uploads); larger ones are answered 413."""


def _setup_templates(app: web.Application, services: Services) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        extensions=["jinja2.ext.i18n"],
        autoescape=jinja2.select_autoescape(["html"]),
    )
    i18n = services.i18n
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda message: i18n.gettext(message),
        ngettext=lambda singular, plural, n: i18n.gettext(singular, plural, n),
        newstyle=True,
    )


def database_context(database_url: str, pool_size: int | None = None) -> Any:
    """Tortoise lives exactly as long as the app (STYLE.md, item 8)."""

    async def context(_: web.Application) -> AsyncIterator[None]:
        await init_db(database_url, pool_size=pool_size)
        yield
        await close_db()

    return context


def user_cache_context(services: Services) -> Any:
    """Pending `last_seen_at` writes and product events are written before the database
    closes."""

    async def context(_: web.Application) -> AsyncIterator[None]:
        yield
        await services.user_cache.close()
        await services.analytics.close()

    return context


def create_app(
    services: Services,
    bot: Bot,
    dp: Dispatcher,
    *,
    sandbox: web.Application | None = None,
    manage_database: bool = True,
) -> web.Application:
    """Build the one HTTP server of the process."""
    settings = services.settings
    app = web.Application(
        middlewares=[metrics_middleware, locale_middleware, api_errors_middleware],
        client_max_size=MAX_REQUEST_SIZE,
    )
    app[SERVICES] = services
    app[BOT] = bot
    app[DISPATCHER] = dp
    if manage_database:
        app.cleanup_ctx.append(database_context(settings.database_url, settings.database_pool_size))
    # After the database's context: cleanup contexts unwind in reverse, so this one runs first.
    app.cleanup_ctx.append(user_cache_context(services))
    _setup_templates(app, services)
    ops.setup(app)
    pages.setup(app)
    media.setup(app)
    calendar.setup(app)
    yookassa.setup(app)
    app.add_subapp(api.API_V1, api.create_api(settings.token))
    if settings.webhook_secret is not None:
        telegram.setup(app, dp, bot, settings.webhook_secret.get_secret_value())
    if STATIC_DIR.is_dir():
        app.router.add_static("/static", STATIC_DIR, name="static")
        app.on_response_prepare.append(_static_cache_control)
    if sandbox is not None:
        app.router.add_get("/sandbox", _to_sandbox)
        app.add_subapp("/sandbox/", sandbox)
    return app


async def _static_cache_control(request: web.Request, response: web.StreamResponse) -> None:
    if request.path.startswith(STATIC_PREFIX) and response.status in (200, 304):
        versioned = "v" in request.query
        response.headers[hdrs.CACHE_CONTROL] = VERSIONED_ASSET if versioned else UNVERSIONED_ASSET


async def _to_sandbox(_: web.Request) -> web.Response:
    raise web.HTTPFound("/sandbox/")
