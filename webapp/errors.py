"""JSON errors of the API: `{"error": {"code": ..., "message": ...}}`, localized."""

from __future__ import annotations

from aiohttp import web

from core.i18n import gettext as _


def error_messages() -> dict[str, str]:
    """Human messages for error codes, in the request's language."""
    return {
        "auth_missing": _("Open this page from the bot in Telegram."),
        "auth_scheme": _("Use the header Authorization: tma <initData>."),
        "auth_invalid": _("The sign-in data is not valid."),
        "auth_expired": _("The sign-in data is too old. Reopen the app from the bot."),
        "auth_future": _("The sign-in data is dated in the future."),
        "auth_no_user": _("The sign-in data has no user."),
        "banned": _("Your account is blocked."),
        "not_found": _("Not found."),
        "method_not_allowed": _("This method is not allowed here."),
        "bad_request": _("The request is malformed."),
        "internal": _("Something went wrong on our side."),
    }


def json_error(status: int, code: str, message: str | None = None) -> web.Response:
    """A JSON error response with a stable code."""
    text = message or error_messages().get(code, code)
    return web.json_response({"error": {"code": code, "message": text}}, status=status)
