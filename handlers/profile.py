"""The profile screen and sharing a phone number (asked only after consent)."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from core.config import Settings
from core.i18n import gettext as _
from db.models import ConsentKind, User
from handlers import screens
from handlers.homework_texts import achievements_line
from keyboards import menus
from keyboards.callbacks import MenuAction, MenuCB, ProfileAction, ProfileCB
from keyboards.menus import LANGUAGE_NAMES
from services import consent, users
from services.users import normalize_phone


class ProfileStates(StatesGroup):
    """Conversation states of the profile."""

    phone = State()


async def profile_screen(
    callback: CallbackQuery, user: User, settings: Settings, locale: str
) -> None:
    """Name, language, phone and the marketing switch."""
    marketing = await consent.has_consent(user, ConsentKind.marketing)
    text = _(
        "<b>Profile</b>\n\n"
        "Name: {name}\n"
        "Language: {language}\n"
        "Phone: {phone}\n"
        "News and offers: {marketing}"
    ).format(
        name=escape(user.full_name) or "—",
        language=LANGUAGE_NAMES[locale],
        phone=escape(user.phone) if user.phone else _("not given"),
        marketing=_("on") if marketing else _("off"),
    )
    text += await achievements_line(user)
    keyboard = menus.profile(marketing=marketing, version=settings.privacy_policy_version)
    if isinstance(callback.message, Message):
        await callback.message.edit_text(text, reply_markup=keyboard)


async def ask_phone(message: Message, state: FSMContext) -> None:
    """Ask for the phone with a contact button."""
    await state.set_state(ProfileStates.phone)
    await state.update_data(after_consent=None)
    await message.answer(
        _("Press the button below to share your phone number, or type it like +79991234567."),
        reply_markup=menus.request_phone(),
    )


async def phone_button(
    callback: CallbackQuery, user: User, settings: Settings, state: FSMContext
) -> None:
    """Share a phone: first the consent screen, unless consent is already given."""
    if not isinstance(callback.message, Message):
        return
    if await consent.may_collect_personal_data(user, settings.privacy_policy_version):
        await ask_phone(callback.message, state)
        return
    await state.update_data(after_consent="phone")
    await callback.message.answer(
        screens.consent_text(settings),
        reply_markup=menus.consent(settings.privacy_policy_version),
    )


async def _save_phone(message: Message, state: FSMContext, user: User, phone: str) -> None:
    await users.set_phone(user, phone)
    await state.clear()
    await message.answer(
        _("Saved: {phone}").format(phone=escape(phone)), reply_markup=menus.remove()
    )
    await message.answer(_("Back to the menu:"), reply_markup=menus.back_to_menu())


async def phone_contact(message: Message, state: FSMContext, user: User) -> None:
    """A shared contact: only the person's own number is accepted."""
    contact = message.contact
    assert contact is not None
    if message.from_user is None or contact.user_id != message.from_user.id:
        await message.answer(_("Please share your own number with the button below."))
        return
    phone = normalize_phone(contact.phone_number)
    if phone is None:
        await message.answer(_("Telegram sent a number I cannot read. Please type it."))
        return
    await _save_phone(message, state, user, phone)


async def phone_text(message: Message, state: FSMContext, user: User) -> None:
    """A typed number, validated."""
    phone = normalize_phone(message.text or "")
    if phone is None:
        await message.answer(
            _("That does not look like a phone number. Type it like +79991234567, or /cancel.")
        )
        return
    await _save_phone(message, state, user, phone)


async def phone_wrong_input(message: Message) -> None:
    """Anything else while we wait for a phone."""
    await message.answer(
        _("I am waiting for your phone number: press the button below, or /cancel.")
    )


def create_router() -> Router:
    """Profile screen and the phone conversation."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.callback_query.register(profile_screen, MenuCB.filter(F.action == MenuAction.profile))
    router.callback_query.register(phone_button, ProfileCB.filter(F.action == ProfileAction.phone))
    router.message.register(phone_contact, StateFilter(ProfileStates.phone), F.contact)
    router.message.register(phone_text, StateFilter(ProfileStates.phone), F.text)
    router.message.register(phone_wrong_input, StateFilter(ProfileStates.phone))
    return router
