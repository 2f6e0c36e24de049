"""One gettext catalogue (`locales/`) for the bot and the Jinja2 pages."""

from __future__ import annotations

from pathlib import Path

from aiogram.utils.i18n import I18n

from bot.config import SUPPORTED_LOCALES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"


def create_i18n(default_locale: str) -> I18n:
    """Load the compiled catalogues; `make i18n` compiles them."""
    return I18n(path=LOCALES_DIR, default_locale=default_locale, domain=DOMAIN)


def pick_locale(*candidates: str | None, default: str) -> str:
    """The first supported language among the candidates (e.g. 'en-US' → 'en')."""
    for candidate in candidates:
        if not candidate:
            continue
        code = candidate.replace("_", "-").split("-", 1)[0].lower()
        if code in SUPPORTED_LOCALES:
            return code
    return default
