"""Mini App authentication: `Authorization: tma <raw initData>`, checked on the raw string."""

from __future__ import annotations

from collections import OrderedDict
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
    check_age(data, max_age=max_age, now=now)
    if data.user is None:
        raise InitDataError("auth_no_user")
    return data


def check_age(data: WebAppInitData, *, max_age: timedelta, now: datetime | None = None) -> None:
    """`auth_date` is neither older than `max_age` nor ahead of our clock."""
    now = now or datetime.now(UTC)
    auth_date = data.auth_date
    if auth_date.tzinfo is None:
        auth_date = auth_date.replace(tzinfo=UTC)
    if auth_date > now + CLOCK_SKEW:
        raise InitDataError("auth_future")
    if now - auth_date > max_age:
        raise InitDataError("auth_expired")


class VerifiedInitData:
    """initData strings whose signature was checked, so the Mini App's next requests with the
    same string skip the HMAC and the parsing (a quarter of a millisecond each). The age is
    checked on every request; a string that never verified is never kept."""

    def __init__(self, token: str, max_entries: int = 10_000) -> None:
        self._token = token
        self._max_entries = max_entries
        self._entries: OrderedDict[str, WebAppInitData] = OrderedDict()

    def verify(
        self, raw: str, *, max_age: timedelta, now: datetime | None = None
    ) -> WebAppInitData:
        """As `verify_init_data`, from memory when this exact string verified before."""
        data = self._entries.get(raw)
        if data is None:
            data = verify_init_data(self._token, raw, max_age=max_age, now=now)
            self._entries[raw] = data
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
            return data
        try:
            check_age(data, max_age=max_age, now=now)
        except InitDataError:
            del self._entries[raw]
            raise
        self._entries.move_to_end(raw)
        return data
