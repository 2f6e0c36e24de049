"""Mini App authentication: `Authorization: tma <raw initData>`, checked on the raw string."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiogram.utils.web_app import WebAppInitData, safe_parse_webapp_init_data

CLOCK_SKEW = timedelta(seconds=30)
"""Tolerance for an `auth_date` slightly ahead of our clock."""


class InitDataError(Exception):
    """initData is missing, forged, stale or from the future."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_authorization(header: str | None) -> str:
    """The raw initData from an `Authorization: tma ...` header."""
    if not header:
        raise InitDataError("auth_missing")
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "tma" or not value.strip():
        raise InitDataError("auth_scheme")
    return value.strip()


def verify_init_data(
    token: str, raw: str, *, max_age: timedelta, now: datetime | None = None
) -> WebAppInitData:
    """Check the signature on the raw string, then that `auth_date` is neither old nor ahead."""
    try:
        data = safe_parse_webapp_init_data(token, raw)
    except ValueError:
        raise InitDataError("auth_invalid") from None
    now = now or datetime.now(UTC)
    auth_date = data.auth_date
    if auth_date.tzinfo is None:
        auth_date = auth_date.replace(tzinfo=UTC)
    if auth_date > now + CLOCK_SKEW:
        raise InitDataError("auth_future")
    if now - auth_date > max_age:
        raise InitDataError("auth_expired")
    if data.user is None:
        raise InitDataError("auth_no_user")
    return data
