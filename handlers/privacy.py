"""Personal data (152-FZ): /privacy, consent, /my_data export and /delete_my_data erasure."""

from __future__ import annotations

import json

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from core.config import Settings
from core.i18n import gettext as _
from db.models import ConsentKind, User
from handlers.profile import ask_phone
from handlers.screens import consent_text, privacy_text
from keyboards import menus
from keyboards.callbacks import (
    ConsentAction,
    ConsentCB,
    EraseCB,
    MenuAction,
    MenuCB,
    ProfileAction,
    ProfileCB,
)
from services import consent, privacy


async def _privacy(user: User, settings: Settings) -> tuple[str, InlineKeyboardMarkup]:
    version = settings.privacy_policy_version
    consented = await consent.may_collect_personal_data(user, version)
    text = privacy_text(settings, consented=consented)
    return text, menus.privacy(consented=consented, version=version)


async def show_privacy(message: Message, user: User, settings: Settings) -> None:
    """/privacy: the operator, the policy, and withdrawing or giving the consent."""
    text, keyboard = await _privacy(user, settings)
    await message.answer(text, reply_markup=keyboard)


async def privacy_screen(callback: CallbackQuery, user: User, settings: Settings) -> None:
    """The privacy screen from the main menu."""
    if isinstance(callback.message, Message):
        text, keyboard = await _privacy(user, settings)
        await callback.message.edit_text(text, reply_markup=keyboard)


async def decide_consent(
    callback: CallbackQuery,
    callback_data: ConsentCB,
    user: User,
    settings: Settings,
    state: FSMContext,
    callback_answer: CallbackAnswer,
) -> None:
    """Record a consent decision; a button of an older consent text is stale."""
    version = settings.privacy_policy_version
    if callback_data.version != version:
        callback_answer.text = _("This button is out of date. Open /privacy again.")
        return
    action = callback_data.action
    if action in (ConsentAction.marketing_on, ConsentAction.marketing_off):
        granted = action is ConsentAction.marketing_on
        await consent.record(user, ConsentKind.marketing, granted=granted, version=version)
        callback_answer.text = (
            _("You will get news and offers.") if granted else _("No more news and offers.")
        )
        if isinstance(callback.message, Message):
            await callback.message.edit_reply_markup(
                reply_markup=menus.profile(marketing=granted, version=version)
            )
        return
    if not isinstance(callback.message, Message):
        return
    if action is ConsentAction.review:
        await callback.message.edit_text(
            consent_text(settings), reply_markup=menus.consent(version)
        )
        return
    if action is ConsentAction.withdraw:
        erased = await consent.withdraw(user, version)
        text, keyboard = await _privacy(user, settings)
        notice = (
            _("Consent withdrawn: the phone saved in your profile is erased.")
            if erased
            else _("Consent withdrawn.")
        )
        await callback.message.edit_text(notice + "\n\n" + text, reply_markup=keyboard)
        return
    if action is ConsentAction.decline:
        await consent.withdraw(user, version)
        await state.clear()
        await callback.message.edit_text(
            _("Understood: we will not ask for your personal data."),
            reply_markup=menus.back_to_menu(),
        )
        return
    await consent.grant(user, version)
    await callback.message.edit_text(_("Thank you, your consent is recorded."))
    # Resume what asked for consent (e.g. sharing a phone), kept in the FSM data.
    if (await state.get_data()).get("after_consent") == "phone":
        await ask_phone(callback.message, state)


async def export_data(message: Message, user: User) -> None:
    """/my_data: everything we store, as a JSON file."""
    data = await privacy.export_user_data(user)
    payload = json.dumps(data, ensure_ascii=False, indent=2).encode()
    await message.answer_document(
        BufferedInputFile(payload, filename=f"my_data_{user.pseudonym}.json"),
        caption=_("Everything we store about you."),
    )


async def export_button(callback: CallbackQuery, user: User) -> None:
    """The export button on the profile screen."""
    if isinstance(callback.message, Message):
        await export_data(callback.message, user)


async def ask_erase(message: Message, user: User) -> None:
    """/delete_my_data: ask for confirmation first."""
    await message.answer(
        _(
            "Delete your personal data?\n\n"
            "Your name, username, Telegram id, phone and addresses will be erased. Orders and "
            "payments stay in our books under a pseudonym, as the law requires. This cannot "
            "be undone."
        ),
        reply_markup=menus.erase_confirmation(user.id),
    )


async def erase_button(callback: CallbackQuery, user: User) -> None:
    """The erase button on the profile screen."""
    if isinstance(callback.message, Message):
        await ask_erase(callback.message, user)


async def confirm_erase(
    callback: CallbackQuery,
    callback_data: EraseCB,
    user: User,
    state: FSMContext,
    callback_answer: CallbackAnswer,
    settings: Settings,
) -> None:
    """Erase on confirmation; a button meant for an earlier (already erased) account is stale."""
    if not isinstance(callback.message, Message):
        return
    if callback_data.user_id != user.id:
        callback_answer.text = _("This button is out of date.")
        return
    if not callback_data.confirm:
        await callback.message.edit_text(_("Nothing was deleted."))
        return
    await state.clear()
    await privacy.anonymize_user(user, data_dir=settings.data_path)
    await callback.message.edit_text(
        _("Your personal data is erased. If you write to me again, you start as a new user.")
    )


def create_router() -> Router:
    """Privacy commands and consent callbacks."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.message.register(show_privacy, Command("privacy"))
    router.message.register(export_data, Command("my_data"))
    router.message.register(ask_erase, Command("delete_my_data"))
    router.callback_query.register(privacy_screen, MenuCB.filter(F.action == MenuAction.privacy))
    router.callback_query.register(decide_consent, ConsentCB.filter())
    router.callback_query.register(
        export_button, ProfileCB.filter(F.action == ProfileAction.export)
    )
    router.callback_query.register(erase_button, ProfileCB.filter(F.action == ProfileAction.delete))
    router.callback_query.register(confirm_erase, EraseCB.filter())
    return router
