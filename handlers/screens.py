"""Texts and keyboards of screens that several handlers show."""

from __future__ import annotations

from html import escape

from aiogram.types import InlineKeyboardMarkup

from core.config import Settings
from core.i18n import gettext as _
from db.models import User
from keyboards import menus


def main_menu(user: User, settings: Settings) -> tuple[str, InlineKeyboardMarkup]:
    """The greeting and the main menu."""
    name = escape(user.first_name) or _("friend")
    text = _(
        "Hello, {name}! 👋\n\n"
        "Prilavok is a shop counter inside Telegram: goods, custom products and lessons.\n"
        "Choose what to do next:"
    ).format(name=name)
    url = settings.mini_app_url if settings.mini_app_available else None
    return text, menus.main_menu(url)


def privacy_text(settings: Settings, *, consented: bool) -> str:
    """Who processes the data, how to reach them, the policy, and where the consent stands."""
    text = _(
        "<b>Personal data</b>\n\n"
        "Operator: {name}, INN {inn}.\n"
        "Contact: {contact}\n"
        "Policy: {url}\n\n"
        "We store your Telegram id, names, chosen language and, only when a service needs it "
        "and you agree, your phone and address. Orders and payments are kept as the law "
        "requires, under a pseudonym once you erase your data.\n\n"
        "/my_data — download everything we store about you\n"
        "/delete_my_data — erase your personal data"
    ).format(
        name=escape(settings.operator_legal_name),
        inn=escape(settings.operator_inn),
        contact=escape(settings.operator_contact),
        url=escape(settings.privacy_policy_url),
    )
    if consented:
        state = _("✅ You have agreed to the processing of your phone and address.")
    else:
        state = _("You have not agreed to the processing of your phone and address.")
    return text + "\n\n" + state


def consent_text(settings: Settings) -> str:
    """The consent screen (its version is PRIVACY_POLICY_VERSION)."""
    return _(
        "<b>Consent to the processing of personal data</b>\n\n"
        "To continue, we need your phone number or address.\n\n"
        "I agree to the processing of my personal data to fulfil my orders and bookings, "
        "according to the policy: {url}\n"
        "Operator: {name}, INN {inn}.\n\n"
        "You can withdraw the consent at any time in /privacy."
    ).format(
        name=escape(settings.operator_legal_name),
        inn=escape(settings.operator_inn),
        url=escape(settings.privacy_policy_url),
    )
