"""aiohttp middlewares: metrics, request locale, JSON errors for the API."""

from __future__ import annotations

import time

from aiohttp import web
from aiohttp.typedefs import Handler
from loguru import logger

from core.errors import DomainError
from core.i18n import pick_locale
from webapp.errors import ApiError, domain_error, error_response, http_error, json_error
from webapp.keys import LOCALE, SERVICES

API_PREFIX = "/api/"


def _route_name(request: web.Request) -> str:
    info = request.match_info.route.resource
    return info.canonical if info is not None else "unmatched"


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count and time every request by route template (not by raw path)."""
    metrics = request.app[SERVICES].metrics
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        metrics.observe_request(
            request.method, _route_name(request), str(status), time.perf_counter() - started
        )


@web.middleware
async def locale_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """gettext in the language of ?lang=, else Accept-Language, else the default."""
    services = request.app[SERVICES]
    locale = pick_locale(
        request.query.get("lang"),
        request.headers.get("Accept-Language"),
        default=services.settings.default_locale,
    )
    request[LOCALE] = locale
    with services.i18n.context(), services.i18n.use_locale(locale):
        return await handler(request)


@web.middleware
async def api_errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Under /api/ every error is JSON with a code; nothing leaks a traceback.

    The one place the web face answers refusals: a service's `DomainError` (its status and
    localized explanation), the API layer's `ApiError`, and aiohttp's own errors.
    """
    if not request.path.startswith(API_PREFIX):
        return await handler(request)
    try:
        return await handler(request)
    except DomainError as exc:
        return domain_error(exc)
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.field)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return http_error(exc)
    except Exception:
        logger.exception("API request {} {} failed", request.method, request.path)
        return json_error(500, "internal")
