"""Inline and reply keyboards of the account screens."""

from __future__ import annotations

from aiogram.types import (
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    WebAppInfo,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder

from core.config import SUPPORTED_LOCALES
from core.i18n import get_i18n
from core.i18n import gettext as _
from keyboards import shop
from keyboards.callbacks import (
    ConsentAction,
    ConsentCB,
    EraseCB,
    LanguageCB,
    MenuAction,
    MenuCB,
    ProfileAction,
    ProfileCB,
)
from keyboards.support import support_entry

LANGUAGE_NAMES = {"ru": "🇷🇺 Русский", "en": "🇬🇧 English"}


_MAIN_MENUS: dict[tuple[str, str | None], InlineKeyboardMarkup] = {}


def main_menu(mini_app_url: str | None) -> InlineKeyboardMarkup:
    """The main menu: Mini App (when it can be opened), catalog, cart, orders, account screens.

    It depends only on the language and the URL, and /start shows it to every newcomer: built
    once per pair and shared, so a caller must never change the markup it gets."""
    key = (get_i18n().current_locale, mini_app_url)
    markup = _MAIN_MENUS.get(key)
    if markup is None:
        markup = _MAIN_MENUS[key] = _build_main_menu(mini_app_url)
    return markup


def _build_main_menu(mini_app_url: str | None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if mini_app_url:
        builder.button(text=_("🛍 Open the shop"), web_app=WebAppInfo(url=mini_app_url))
    builder.add(shop.catalog_entry(), shop.cart_entry(), shop.orders_entry())
    builder.button(text=_("👤 Profile"), callback_data=MenuCB(action=MenuAction.profile))
    builder.button(text=_("🌐 Language"), callback_data=MenuCB(action=MenuAction.language))
    builder.button(text=_("❓ Help"), callback_data=MenuCB(action=MenuAction.help))
    builder.button(text=_("🔒 Privacy"), callback_data=MenuCB(action=MenuAction.privacy))
    builder.add(support_entry())
    builder.adjust(1, 1, 2, 2, 2, 1) if mini_app_url else builder.adjust(1, 2, 2, 2, 1)
    return builder.as_markup()


def back_to_menu() -> InlineKeyboardMarkup:
    """A single "back to menu" button."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("⬅️ Menu"), callback_data=MenuCB(action=MenuAction.home))
    return builder.as_markup()


def languages(current: str) -> InlineKeyboardMarkup:
    """One button per supported language, the current one marked."""
    builder = InlineKeyboardBuilder()
    for code in SUPPORTED_LOCALES:
        mark = "✅ " if code == current else ""
        builder.button(text=mark + LANGUAGE_NAMES[code], callback_data=LanguageCB(code=code))
    builder.button(text=_("⬅️ Menu"), callback_data=MenuCB(action=MenuAction.home))
    builder.adjust(len(SUPPORTED_LOCALES), 1)
    return builder.as_markup()


def profile(*, marketing: bool, version: str) -> InlineKeyboardMarkup:
    """Profile actions: phone, marketing switch, export, erasure."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📱 Share phone"), callback_data=ProfileCB(action=ProfileAction.phone))
    if marketing:
        text, action = _("🔕 Stop news and offers"), ConsentAction.marketing_off
    else:
        text, action = _("🔔 Get news and offers"), ConsentAction.marketing_on
    builder.button(text=text, callback_data=ConsentCB(action=action, version=version))
    builder.button(
        text=_("📦 Export my data"), callback_data=ProfileCB(action=ProfileAction.export)
    )
    builder.button(text=_("🗑 Delete my data"), callback_data=ProfileCB(action=ProfileAction.delete))
    builder.button(text=_("⬅️ Menu"), callback_data=MenuCB(action=MenuAction.home))
    builder.adjust(1)
    return builder.as_markup()


def consent(version: str) -> InlineKeyboardMarkup:
    """Accept or decline the processing of personal data."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✅ I agree"), callback_data=ConsentCB(action=ConsentAction.accept, version=version)
    )
    builder.button(
        text=_("✖️ Decline"), callback_data=ConsentCB(action=ConsentAction.decline, version=version)
    )
    builder.adjust(2)
    return builder.as_markup()


def privacy(*, consented: bool, version: str) -> InlineKeyboardMarkup:
    """The /privacy screen: withdraw the consent, or give it (again), then back to the menu."""
    builder = InlineKeyboardBuilder()
    if consented:
        action, text = ConsentAction.withdraw, _("🚫 Withdraw consent")
    else:
        action, text = ConsentAction.review, _("✅ Give consent")
    builder.button(text=text, callback_data=ConsentCB(action=action, version=version))
    builder.button(text=_("⬅️ Menu"), callback_data=MenuCB(action=MenuAction.home))
    builder.adjust(1)
    return builder.as_markup()


def erase_confirmation(user_id: int) -> InlineKeyboardMarkup:
    """Confirm or cancel the erasure of personal data."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🗑 Yes, delete"), callback_data=EraseCB(confirm=True, user_id=user_id))
    builder.button(text=_("Cancel"), callback_data=EraseCB(confirm=False, user_id=user_id))
    builder.adjust(2)
    return builder.as_markup()


def request_phone() -> ReplyKeyboardMarkup:
    """A reply keyboard that shares the person's own contact."""
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=_("📱 Send my phone number"), request_contact=True)],
            [KeyboardButton(text=_("Cancel"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def remove() -> ReplyKeyboardRemove:
    """Hide the reply keyboard."""
    return ReplyKeyboardRemove()


def retry(callback_data: str) -> InlineKeyboardMarkup:
    """One "Try again" button that presses the failed button again (its own callback data)."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🔄 Try again"), callback_data=callback_data)
    return builder.as_markup()
