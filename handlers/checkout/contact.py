"""Checkout steps of a delivery's personal data: consent first, then the phone."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.callback_answer import CallbackAnswer

from core.i18n import gettext as _
from db.models import ConsentKind, Fulfilment
from handlers.checkout import questions
from handlers.checkout.conversation import (
    CheckoutStates,
    Turn,
    ask_with_reply_keyboard,
    finish,
    remember,
)
from handlers.checkout.flow import advance
from keyboards import menus
from keyboards.shop import CheckoutAction, CheckoutCB, CheckoutConsentCB
from services import checkout, consent, users


async def decide_consent(
    callback: CallbackQuery,
    callback_data: CheckoutConsentCB,
    turn: Turn,
    callback_answer: CallbackAnswer,
) -> None:
    """Consent before the address and phone; without it delivery is not possible."""
    version = turn.settings.privacy_policy_version
    if callback_data.version != version:
        callback_answer.text = _("This button is out of date. Open /privacy again.")
        return
    await consent.record(
        turn.user, ConsentKind.personal_data, granted=callback_data.accept, version=version
    )
    if callback_data.accept:
        callback_answer.text = _("Thank you, your consent is recorded.")
        await advance(turn)
        return
    options = await checkout.options(turn.user, turn.settings)
    refusal = _("Understood. Delivery needs your address and phone, so we cannot deliver.")
    if Fulfilment.pickup in options.fulfilments:
        await remember(turn.state, fulfilment=None)
        notice = refusal + " " + _("You can pick the order up.")
        await questions.ask_fulfilment(turn, options, notice)
        return
    await finish(turn, refusal + " " + _("Your cart is kept."))


async def use_saved_phone(callback: CallbackQuery, turn: Turn) -> None:
    """The phone the person gave before."""
    options = await checkout.options(turn.user, turn.settings)
    known = options.contact.known_phone
    if not known:
        await questions.ask_phone(turn, options)
        return
    await remember(turn.state, phone=known)
    await advance(turn)


async def other_phone(callback: CallbackQuery, turn: Turn) -> None:
    """Give another phone number."""
    await ask_with_reply_keyboard(
        turn,
        _("Press the button below to share your phone number, or type it like +79991234567."),
        menus.request_phone(),
    )


async def _take_phone(message: Message, phone: str, turn: Turn) -> None:
    await users.set_phone(turn.user, phone)
    await remember(turn.state, phone=phone)
    await message.answer(
        _("📱 Phone: {phone}").format(phone=escape(phone)), reply_markup=ReplyKeyboardRemove()
    )
    await advance(turn)


async def phone_contact(message: Message, turn: Turn) -> None:
    """A shared contact: only the person's own number is accepted."""
    contact = message.contact
    assert contact is not None
    if message.from_user is None or contact.user_id != message.from_user.id:
        await message.answer(_("Please share your own number with the button below."))
        return
    phone = checkout.clean_phone(contact.phone_number)
    await _take_phone(message, phone, turn)


async def phone_text(message: Message, turn: Turn) -> None:
    """A typed number (a refusal is answered and the question stays)."""
    await _take_phone(message, checkout.clean_phone(message.text), turn)


async def phone_wrong_input(message: Message) -> None:
    """Anything else while we wait for a phone."""
    await message.answer(
        _("I am waiting for your phone number: press the button below, or /cancel.")
    )


def create_router() -> Router:
    """Consent inside the checkout, and the courier's phone number."""
    router = Router(name=__name__)
    cb = router.callback_query
    cb.register(decide_consent, CheckoutConsentCB.filter(), StateFilter(CheckoutStates.consent))
    cb.register(
        use_saved_phone,
        CheckoutCB.filter(F.action == CheckoutAction.saved_phone),
        StateFilter(CheckoutStates.phone),
    )
    cb.register(
        other_phone,
        CheckoutCB.filter(F.action == CheckoutAction.other_phone),
        StateFilter(CheckoutStates.phone),
    )
    msg = router.message
    msg.register(phone_contact, StateFilter(CheckoutStates.phone), F.contact)
    msg.register(phone_text, StateFilter(CheckoutStates.phone), F.text)
    msg.register(phone_wrong_input, StateFilter(CheckoutStates.phone))
    return router
