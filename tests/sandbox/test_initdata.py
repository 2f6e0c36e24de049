"""Mini App initData: signed exactly as Telegram does, so aiogram's own check accepts it."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from aiogram.utils.web_app import safe_parse_webapp_init_data

from sandbox import TelegramEmulator, launch_url, sign_init_data

TOKEN = "123456:TEST-token"
USER = {"id": 1001, "first_name": "Анна", "language_code": "ru", "is_premium": True}


def test_signed_init_data_passes_aiogram_validation() -> None:
    init_data = sign_init_data(
        TOKEN,
        user=USER,
        auth_date=1_700_000_000,
        query_id="AAH1",
        start_param="promo",
        extra={"chat_type": "sender"},
    )
    parsed = safe_parse_webapp_init_data(TOKEN, init_data)
    assert parsed.user is not None and parsed.user.id == 1001
    assert parsed.user.first_name == "Анна"
    assert int(parsed.auth_date.timestamp()) == 1_700_000_000
    assert (parsed.query_id, parsed.start_param, parsed.chat_type) == ("AAH1", "promo", "sender")


def test_other_token_or_tampering_fails() -> None:
    init_data = sign_init_data(TOKEN, user=USER)
    with pytest.raises(ValueError, match="Invalid init data signature"):
        safe_parse_webapp_init_data("999:OTHER", init_data)
    tampered = init_data.replace("1001", "1002")
    with pytest.raises(ValueError, match="Invalid init data signature"):
        safe_parse_webapp_init_data(TOKEN, tampered)


def test_launch_url_carries_telegram_launch_parameters() -> None:
    init_data = sign_init_data(TOKEN, user=USER)
    url = launch_url("https://shop.example/app?x=1#old", init_data)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path, parts.query) == (
        "https",
        "shop.example",
        "/app",
        "x=1",
    )
    fragment = parse_qs(parts.fragment)
    assert fragment["tgWebAppData"] == [init_data]
    assert fragment["tgWebAppVersion"] == ["8.0"] and fragment["tgWebAppPlatform"] == ["web"]
    assert json.loads(fragment["tgWebAppThemeParams"][0])["bg_color"] == "#ffffff"


async def test_menu_button_launch_is_signed_for_the_user(emulator: TelegramEmulator, bot) -> None:
    from aiogram.types import MenuButtonWebApp, WebAppInfo

    user = emulator.user(1001, "Anna", "ru")
    await user.send("/start", wait=False)
    await bot.set_chat_menu_button(
        menu_button=MenuButtonWebApp(
            text="Shop", web_app=WebAppInfo(url="http://127.0.0.1:8080/app")
        )
    )
    url = user.web_app_url()
    init_data = unquote(url.split("#tgWebAppData=", 1)[1].split("&", 1)[0])
    parsed = safe_parse_webapp_init_data(TOKEN, init_data)
    assert parsed.user is not None and parsed.user.id == 1001 and parsed.query_id
