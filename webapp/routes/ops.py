"""Operations endpoints: /health and /metrics."""

from __future__ import annotations

import asyncio

from aiohttp import web
from loguru import logger
from prometheus_client import CONTENT_TYPE_LATEST
from tortoise import connections

from webapp.keys import SERVICES

CHECK_TIMEOUT_SECONDS = 2.0


async def _check_database() -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await connections.get("default").execute_query("SELECT 1")
    except Exception as exc:
        logger.warning("Health: database check failed: {}", type(exc).__name__)
        return "error"
    return "ok"


async def _check_redis(request: web.Request) -> str:
    redis = request.app[SERVICES].redis
    if redis is None:
        return "disabled"
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await redis.ping()
    except Exception as exc:
        logger.warning("Health: Redis check failed: {}", type(exc).__name__)
        return "error"
    return "ok"


async def health(request: web.Request) -> web.Response:
    """200 when the database (and Redis, if configured) answer; 503 otherwise."""
    database, redis = await asyncio.gather(_check_database(), _check_redis(request))
    healthy = database == "ok" and redis in ("ok", "disabled")
    body = {"status": "ok" if healthy else "error", "database": database, "redis": redis}
    return web.json_response(body, status=200 if healthy else 503)


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text format."""
    body = request.app[SERVICES].metrics.render()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def setup(app: web.Application) -> None:
    """Register /health and /metrics."""
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", metrics)
