"""The sandbox chat page and its JSON API (a person plays a Telegram user in a browser)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox.common import JsonDict
from sandbox.emulator import TelegramEmulator
from sandbox.errors import ApiError
from sandbox.initdata import sign_init_data
from sandbox.params import read_form
from sandbox.state import BotState, ChatEvent
from sandbox.user import SandboxUser

EMULATOR_KEY = web.AppKey("sandbox_emulator", TelegramEmulator)
WEB_DIR = Path(__file__).parent / "web"
_STATIC = {"app.js": "text/javascript", "webapp.js": "text/javascript", "style.css": "text/css"}
_LONG_POLL_SECONDS = 25.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def add_page_routes(app: web.Application) -> None:
    """The page at "/", its assets under "/static/" and its API under "/api/"."""
    router = app.router
    router.add_get("/", _index)
    router.add_get("/static/{name}", _static)
    router.add_get("/api/bots", _bots)
    router.add_get("/api/users", _users)
    router.add_post("/api/users", _create_user)
    router.add_get("/api/files/{file_id}", _file)
    router.add_get("/api/chats/{user_id}", _chat_state)
    router.add_get("/api/chats/{user_id}/events", _chat_events)
    actions: dict[str, Callable[[SandboxUser, JsonDict], Awaitable[JsonDict]]] = {
        "send": _send,
        "click": _click,
        "press": _press,
        "contact": _contact,
        "location": _location,
        "webapp": _web_app,
        "webapp-data": _web_app_data,
        "pay": _pay,
        "block": _block,
        "prepared": _prepared,
        "requested-contact": _requested_contact,
    }
    for name, action in actions.items():
        router.add_post(f"/api/chats/{{user_id}}/{name}", _json_action(action))
    router.add_post("/api/chats/{user_id}/upload", _upload)


async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(WEB_DIR / "index.html", headers={"Cache-Control": "no-cache"})


async def _static(request: web.Request) -> web.FileResponse:
    name = request.match_info["name"]
    if name not in _STATIC:
        raise web.HTTPNotFound()
    return web.FileResponse(
        WEB_DIR / name, headers={"Content-Type": _STATIC[name], "Cache-Control": "no-cache"}
    )


def _emulator(request: web.Request) -> TelegramEmulator:
    return request.app[EMULATOR_KEY]


def _bot(request: web.Request) -> BotState:
    try:
        return _emulator(request).bot(request.query.get("bot") or None)
    except LookupError as exc:
        raise web.HTTPNotFound(text=str(exc)) from exc


def _user(request: web.Request) -> SandboxUser:
    bot = _bot(request)
    try:
        user_id = int(request.match_info["user_id"])
    except ValueError as exc:
        raise web.HTTPBadRequest(text="user id must be a number") from exc
    return _emulator(request).user(user_id, bot=bot.token)


async def _bots(request: web.Request) -> web.Response:
    bots = [
        {key: bot.user[key] for key in ("id", "username", "first_name")}
        for bot in _emulator(request).bots
    ]
    return web.json_response({"bots": bots})


async def _users(request: web.Request) -> web.Response:
    users = _emulator(request).users(_bot(request).token)
    return web.json_response({"users": [user.profile.as_user() for user in users]})


async def _create_user(request: web.Request) -> web.Response:
    body = await _json_body(request)
    try:
        user_id = int(body.get("id", 0))
    except (TypeError, ValueError) as exc:
        raise web.HTTPBadRequest(text="id must be a number") from exc
    if user_id <= 0:
        raise web.HTTPBadRequest(text="id must be a positive number")
    user = _emulator(request).user(
        user_id,
        first_name=str(body.get("first_name") or "") or None,
        language_code=str(body.get("language_code") or "") or None,
        username=str(body.get("username") or "") or None,
        bot=_bot(request).token,
    )
    return web.json_response({"user": user.profile.as_user()})


async def _file(request: web.Request) -> web.FileResponse:
    emulator = _emulator(request)
    stored = emulator.files.get(request.match_info["file_id"])
    path = emulator.files.local_path(stored.file_path) if stored else None
    if stored is None or path is None:
        raise web.HTTPNotFound()
    headers = {"Content-Type": stored.mime_type} if stored.mime_type else None
    return web.FileResponse(path, headers=headers)


def visible_commands(bot: BotState, user: SandboxUser) -> list[JsonDict]:
    """The commands a Telegram client would list for this user ("/" menu)."""
    scopes = [
        {"type": "chat", "chat_id": user.id},
        {"type": "all_private_chats"},
        {"type": "default"},
    ]
    languages = [user.profile.language_code or "", ""]
    for scope in scopes:
        for language in languages:
            commands = bot.commands.get((json.dumps(scope, sort_keys=True), language))
            if commands:
                return commands
    return []


async def _chat_state(request: web.Request) -> web.Response:
    user = _user(request)
    chat = user.chat
    state: JsonDict = {
        "bot": user.bot.user,
        "user": user.profile.as_user(),
        "seq": chat.seq if chat else 0,
        "messages": list(chat.messages.values()) if chat else [],
        "blocked": bool(chat and chat.blocked),
        **_chat_extras(user),
    }
    return web.json_response(state)


def _chat_extras(user: SandboxUser) -> JsonDict:
    chat = user.chat
    return {
        "reply_keyboard": chat.reply_keyboard if chat else None,
        "menu_button": (chat.menu_button if chat else None) or user.bot.default_menu_button,
        "commands": visible_commands(user.bot, user),
    }


async def _chat_events(request: web.Request) -> web.Response:
    user = _user(request)
    try:
        after = int(request.query.get("after", "0"))
        timeout = min(float(request.query.get("timeout", _LONG_POLL_SECONDS)), 60.0)
    except ValueError as exc:
        raise web.HTTPBadRequest(text="after and timeout must be numbers") from exc
    chat = user.chat
    if chat is not None and after > chat.seq:
        # The page saw changes this chat does not have: the server restarted from state saved
        # before them (a crash between two saves). The page reloads the chat.
        return web.json_response({"reset": True, "seq": chat.seq, "events": []})
    events: list[ChatEvent] = []
    if chat is None:
        await asyncio.sleep(min(timeout, 1.0))
    else:
        events = await chat.wait_events(after, timeout)
    body = {
        "seq": events[-1].seq if events else max(after, chat.seq if chat else 0),
        "events": [{"seq": e.seq, "kind": e.kind, "data": e.data} for e in events],
        **_chat_extras(user),
    }
    return web.json_response(body)


def _json_action(action: Callable[[SandboxUser, JsonDict], Awaitable[JsonDict]]) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        user = _user(request)
        body = await _json_body(request)
        try:
            result = await action(user, body)
        except (AssertionError, ValueError, KeyError) as exc:
            return web.json_response({"error": str(exc) or type(exc).__name__}, status=400)
        except ApiError as exc:
            return web.json_response({"error": exc.description}, status=400)
        return web.json_response({"ok": True, **result})

    return handler


async def _json_body(request: web.Request) -> JsonDict:
    if not request.body_exists:
        return {}
    try:
        body = await request.json()
    except ValueError as exc:
        raise web.HTTPBadRequest(text="expected a JSON body") from exc
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return body


async def _send(user: SandboxUser, body: JsonDict) -> JsonDict:
    text = str(body.get("text", "")).strip()
    if not text:
        raise ValueError("empty message")
    reply_to = body.get("reply_to")
    await user.send(text, reply_to=int(reply_to) if reply_to else None, wait=False)
    return {}


async def _click(user: SandboxUser, body: JsonDict) -> JsonDict:
    await user.click(str(body["label"]), int(body["message_id"]), wait=False)
    return {}


async def _press(user: SandboxUser, body: JsonDict) -> JsonDict:
    await user.press(str(body["label"]), wait=False)
    return {}


async def _contact(user: SandboxUser, body: JsonDict) -> JsonDict:
    await user.share_contact(body.get("phone") or None, wait=False)
    return {}


async def _location(user: SandboxUser, body: JsonDict) -> JsonDict:
    await user.send_location(float(body["latitude"]), float(body["longitude"]), wait=False)
    return {}


async def _web_app(user: SandboxUser, body: JsonDict) -> JsonDict:
    label = body.get("label") or None
    message_id = body.get("message_id")
    message = int(message_id) if message_id else None
    return {"url": user.web_app_url(label, message=message, theme=body.get("theme") or None)}


async def _prepared(user: SandboxUser, body: JsonDict) -> JsonDict:
    """The message a Mini App asked to share (shareMessage(id)): the user's own, unexpired."""
    prepared = user.bot.prepared_messages.get(str(body["id"]))
    if prepared is None or prepared.user_id != user.profile.id:
        raise ValueError("PREPARED_MESSAGE_NOT_FOUND")
    if prepared.expiration_date < time.time():
        raise ValueError("MESSAGE_EXPIRED")
    return {"result": prepared.result}


async def _requested_contact(user: SandboxUser, body: JsonDict) -> JsonDict:
    """requestContact() agreed to: the contact goes into the chat with the bot, and the Mini App
    gets it signed (the answer to its getRequestedContact custom method)."""
    await user.share_contact(wait=False)
    contact = {
        "user_id": user.profile.id,
        "phone_number": user.profile.phone_number,
        "first_name": user.profile.first_name,
    }
    signed = sign_init_data(user.bot.token, user.profile.as_user(), extra={"contact": contact})
    return {"result": signed}


async def _web_app_data(user: SandboxUser, body: JsonDict) -> JsonDict:
    await user.send_web_app_data(str(body["button_text"]), str(body["data"]), wait=False)
    return {}


async def _pay(user: SandboxUser, body: JsonDict) -> JsonDict:
    target: Any = body.get("link") or int(body["message_id"])
    result = await user.pay(target)
    return {"status": result.status, "error_message": result.error_message}


async def _block(user: SandboxUser, body: JsonDict) -> JsonDict:
    if body.get("blocked"):
        user.block()
    else:
        user.unblock()
    return {}


async def _upload(request: web.Request) -> web.Response:
    user = _user(request)
    if not request.content_type.startswith("multipart/"):
        raise web.HTTPBadRequest(text="expected multipart/form-data")
    fields, uploads = await read_form(await request.multipart())
    upload = uploads.get("file")
    if upload is None:
        raise web.HTTPBadRequest(text="a file is required")
    caption = str(fields.get("caption") or "") or None
    try:
        if fields.get("kind") == "photo":
            await user.send_photo(upload.data, caption, wait=False)
        else:
            await user.send_document(
                upload.data, upload.filename, caption, mime_type=upload.content_type, wait=False
            )
    except ApiError as exc:
        return web.json_response({"error": exc.description}, status=400)
    return web.json_response({"ok": True})
