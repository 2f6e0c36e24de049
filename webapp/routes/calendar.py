"""GET /calendar/{token}.ics: a person's private lesson calendar (no sign-in: the token is it)."""

from __future__ import annotations

import re

from aiohttp import hdrs, web

from core.errors import NotFound
from services.tutoring import calendar

CALENDAR_PATH = "/calendar/{token}.ics"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


async def serve_calendar(request: web.Request) -> web.Response:
    """The iCalendar feed; 404 for a token nobody has."""
    token = request.match_info["token"]
    try:
        if not _TOKEN.match(token):
            raise NotFound(entity="calendar")
        body = await calendar.calendar_ics(token)
    except NotFound:
        raise web.HTTPNotFound(text="not found") from None
    return web.Response(
        body=body,
        content_type="text/calendar",
        charset="utf-8",
        headers={hdrs.CACHE_CONTROL: "private, no-cache"},
    )


def setup(app: web.Application) -> None:
    """Route the feed."""
    app.router.add_get(CALENDAR_PATH, serve_calendar)
