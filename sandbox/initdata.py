"""Mini App launch data: initData signed like Telegram's, and the URL a client opens."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import quote, urlencode

# Telegram's default light theme, as a client passes it in tgWebAppThemeParams.
DEFAULT_THEME: Mapping[str, str] = MappingProxyType(
    {
        "bg_color": "#ffffff",
        "text_color": "#000000",
        "hint_color": "#999999",
        "link_color": "#2481cc",
        "button_color": "#2481cc",
        "button_text_color": "#ffffff",
        "secondary_bg_color": "#efeff3",
        "header_bg_color": "#ffffff",
        "accent_text_color": "#2481cc",
        "section_bg_color": "#ffffff",
        "section_header_text_color": "#6d6d71",
        "subtitle_text_color": "#999999",
        "destructive_text_color": "#ff3b30",
    }
)
WEB_APP_VERSION = "8.0"


def sign_init_data(
    bot_token: str,
    user: dict[str, Any],
    auth_date: int | None = None,
    query_id: str | None = None,
    start_param: str | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """Telegram WebApp initData, signed with HMAC-SHA256 keyed by HMAC("WebAppData", token)."""
    fields: dict[str, str] = {
        "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(int(time.time()) if auth_date is None else auth_date),
    }
    if query_id is not None:
        fields["query_id"] = query_id
    if start_param is not None:
        fields["start_param"] = start_param
    for key, value in (extra or {}).items():
        is_object = isinstance(value, dict | list)
        fields[key] = json.dumps(value, separators=(",", ":")) if is_object else str(value)
    data_check_string = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, data_check_string.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields, quote_via=quote)


def launch_url(
    url: str, init_data: str, theme: Mapping[str, str] | None = None, platform: str = "web"
) -> str:
    """The Mini App URL with the launch parameters Telegram clients put into its #fragment."""
    params = {
        "tgWebAppData": init_data,
        "tgWebAppVersion": WEB_APP_VERSION,
        "tgWebAppPlatform": platform,
        "tgWebAppThemeParams": json.dumps(dict(theme or DEFAULT_THEME), separators=(",", ":")),
    }
    fragment = "&".join(f"{key}={quote(value, safe='')}" for key, value in params.items())
    base = url.split("#", 1)[0]
    return f"{base}#{fragment}"
