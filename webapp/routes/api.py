"""JSON API of the Mini App under /api/v1, authenticated by Telegram initData."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

from db.models import EventChannel, EventKind, User
from services.users import TelegramProfile
from webapp.auth import InitDataError, VerifiedInitData, parse_authorization
from webapp.errors import json_error
from webapp.keys import SERVICES
from webapp.routes import (
    custom_api,  # noqa: F401  (adds its endpoints to the shop's table)
    homework_api,  # noqa: F401  (adds its endpoints to the shop's table)
    mini_app_api,  # noqa: F401  (adds its endpoints to the shop's table)
    seller_api,
    shop_api,
    shop_api_views,
    tutor_admin_api,  # noqa: F401  (adds its endpoints to seller mode's table)
    tutoring_api,  # noqa: F401  (adds its endpoints to the shop's table)
)

API_V1 = "/api/v1"
CURRENT_USER = web.RequestKey("current_user", User)
VERIFIED_INIT_DATA = web.AppKey("verified_init_data", VerifiedInitData)
PUBLIC_PATHS = frozenset({f"{API_V1}/openapi.json"})
"""Readable without initData: the API's description."""


@web.middleware
async def tma_auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every /api/v1 route needs valid initData; the user comes from the user cache (a known
    person's request reads and writes nothing), created or refreshed from it otherwise."""
    if request.path in PUBLIC_PATHS:
        return await handler(request)
    services = request.config_dict[SERVICES]
    settings = services.settings
    try:
        raw = parse_authorization(request.headers.get("Authorization"))
        data = request.app[VERIFIED_INIT_DATA].verify(
            raw, max_age=timedelta(seconds=settings.init_data_max_age)
        )
    except InitDataError as exc:
        return json_error(401, exc.code)
    tg_user = data.user
    assert tg_user is not None
    user = await services.user_cache.resolve(
        TelegramProfile(
            tg_id=tg_user.id,
            first_name=tg_user.first_name or "",
            last_name=tg_user.last_name,
            username=tg_user.username,
            language_code=tg_user.language_code,
        )
    )
    if user.is_banned:
        return json_error(403, "banned")
    request[CURRENT_USER] = user
    return await handler(request)


async def me(request: web.Request) -> web.Response:
    """The signed-in person's profile (the Mini App's first call: it counts as opening it)."""
    user: User = request[CURRENT_USER]
    services = request.config_dict[SERVICES]
    profile = await shop_api_views.me(user, services.settings)
    services.analytics.record(EventKind.app_opened, EventChannel.app, user_id=user.id)
    body = profile.__pydantic_serializer__.to_json(profile)
    return web.Response(
        body=body, content_type="application/json", headers={hdrs.CACHE_CONTROL: "no-store"}
    )


def create_api(token: str) -> web.Application:
    """The /api/v1 sub-application of the bot with this token (initData is signed with it)."""
    api = web.Application(middlewares=[tma_auth_middleware])
    api[VERIFIED_INIT_DATA] = VerifiedInitData(token)
    api.router.add_get("/me", me)
    shop_api.setup(api, seller_api.routes)
    return api
