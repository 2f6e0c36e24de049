"""The emulator's aiohttp application: Bot API routes under /tg, the sandbox page at /."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.emulator import TelegramEmulator
from sandbox.errors import not_found, unauthorized
from sandbox.page import EMULATOR_KEY, add_page_routes
from sandbox.params import Upload, read_form

API_PREFIX = "/tg"


def create_emulator_app(emulator: TelegramEmulator) -> web.Application:
    """An aiohttp app serving the Bot API at /tg/bot{token}/{method} and the chat page at /."""
    app = web.Application()
    app[EMULATOR_KEY] = emulator
    app.router.add_route("*", API_PREFIX + "/bot{token}/{method}", _api_method)
    app.router.add_get(API_PREFIX + "/file/bot{token}/{path:.+}", _download_file)
    add_page_routes(app)
    app.on_startup.append(_restore_state)
    app.on_shutdown.append(_end_long_polls)
    app.on_cleanup.append(_close_emulator)
    return app


async def _api_method(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR_KEY]
    params, uploads = await _read_call(request)
    status, body = await emulator.call(
        request.match_info["token"], request.match_info["method"], params, uploads
    )
    return web.json_response(body, status=status)


async def _read_call(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Parameters from the query string and a JSON, urlencoded or multipart body."""
    params: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if not request.body_exists:
        return params, uploads
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            params.update(body)
    elif request.content_type.startswith("multipart/"):
        fields, uploads = await read_form(await request.multipart())
        params.update(fields)
    elif request.content_type == "application/x-www-form-urlencoded":
        params.update(await request.post())
    return params, uploads


async def _download_file(request: web.Request) -> web.StreamResponse:
    emulator = request.app[EMULATOR_KEY]
    if not emulator.is_registered(request.match_info["token"]):
        error = unauthorized()
        return web.json_response(error.envelope(), status=error.code)
    path = emulator.files.local_path(request.match_info["path"])
    if path is None:
        error = not_found()
        return web.json_response(error.envelope(), status=error.code)
    return web.FileResponse(path)


async def _restore_state(app: web.Application) -> None:
    await app[EMULATOR_KEY].restore()


async def _end_long_polls(app: web.Application) -> None:
    await app[EMULATOR_KEY].shutdown()


async def _close_emulator(app: web.Application) -> None:
    await app[EMULATOR_KEY].close()
