"""Keyboards that depend only on the language are built once per language."""

from __future__ import annotations

from keyboards import menus
from services.container import Services


def test_the_main_menu_is_built_once_per_language_and_url(services: Services) -> None:
    url = "https://bot.example.ru/app"
    with services.i18n.context():
        with services.i18n.use_locale("ru"):
            russian = menus.main_menu(url)
            assert menus.main_menu(url) is russian
            assert menus.main_menu(None) is not russian
        with services.i18n.use_locale("en"):
            english = menus.main_menu(url)

    assert english is not russian
    assert russian.inline_keyboard[0][0].text == "🛍 Открыть магазин"
    assert english.inline_keyboard[0][0].text == "🛍 Open the shop"
    assert russian.inline_keyboard[0][0].web_app is not None
