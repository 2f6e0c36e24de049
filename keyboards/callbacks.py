"""Callback-data classes: short prefixes, enum fields, always under 64 bytes."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class MenuAction(StrEnum):
    """Screens reachable from the main menu."""

    home = "home"
    profile = "prof"
    language = "lang"
    help = "help"
    privacy = "priv"


class MenuCB(CallbackData, prefix="m"):
    """Navigate between menu screens."""

    action: MenuAction


class LanguageCB(CallbackData, prefix="lng"):
    """Choose the interface language."""

    code: str


class ConsentAction(StrEnum):
    """Answers on the consent screen and the marketing switch."""

    accept = "ok"
    decline = "no"
    withdraw = "wd"
    """From /privacy: withdraw a consent given earlier."""
    review = "rv"
    """From /privacy: read the consent text again and decide."""
    marketing_on = "mon"
    marketing_off = "moff"


class ConsentCB(CallbackData, prefix="cns"):
    """Consent decisions; `version` makes a button from an older text stale."""

    action: ConsentAction
    version: str


class ProfileAction(StrEnum):
    """Actions on the profile screen."""

    phone = "phone"
    export = "export"
    delete = "delete"


class ProfileCB(CallbackData, prefix="pf"):
    """Profile screen actions."""

    action: ProfileAction


class EraseCB(CallbackData, prefix="er"):
    """Confirm or cancel erasure; bound to the internal user id so a stale button cannot act."""

    confirm: bool
    user_id: int
