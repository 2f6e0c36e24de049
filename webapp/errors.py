"""JSON errors of the API: `{"error": {"code": ..., "message": ...}}`, localized.

Handlers raise (a service's `DomainError`, the API layer's own `ApiError`, aiohttp's
`HTTPException`); `webapp.middlewares.api_errors_middleware` turns each into this one shape.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import hdrs, web

from core.errors import DomainError, InvalidInput
from core.i18n import gettext as _
from core.problems import explain

HTTP_ERROR_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
}
"""Codes of the errors aiohttp raises itself (routing, reading the body)."""

KEPT_HEADERS = (hdrs.ALLOW,)
"""Headers of aiohttp's errors that the JSON answer keeps (RFC 9110: a 405 names the methods)."""


class ApiError(Exception):
    """A refusal decided by the API layer itself (not by a service)."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


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
        "request_too_large": _("The request is too large."),
        "bad_request": _("The request is malformed."),
        "internal": _("Something went wrong on our side."),
    }


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """The one error shape; `field` only where it names an input."""
    detail: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        detail["field"] = field
    return web.Response(
        body=orjson.dumps({"error": detail}),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def json_error(status: int, code: str, message: str | None = None) -> web.Response:
    """A JSON error response with a stable code (and its usual message)."""
    return error_response(status, code, message or error_messages().get(code, code))


def domain_error(error: DomainError) -> web.Response:
    """A refusal of the services, with its status, code and localized explanation."""
    field = error.details.get("field") if isinstance(error, InvalidInput) else None
    return error_response(
        error.status, error.code, explain(error), str(field) if field is not None else None
    )


def http_error(error: web.HTTPException) -> web.Response:
    """aiohttp's own error (no route, wrong method, body too large) in the API's shape."""
    code = HTTP_ERROR_CODES.get(error.status, "bad_request" if error.status < 500 else "internal")
    kept = {str(name): error.headers[name] for name in KEPT_HEADERS if name in error.headers}
    return error_response(error.status, code, error_messages()[code], headers=kept or None)
