"""The checkout's questions, each rendered from the service's options (nothing decided here)."""

from __future__ import annotations

from html import escape

from aiogram.fsm.state import State

from core.i18n import gettext as _
from core.money import format_price
from db.models import Fulfilment, PaymentMethod
from handlers import screens
from handlers.checkout.conversation import (
    CheckoutStates,
    Turn,
    ask_with_reply_keyboard,
    say,
    with_notice,
)
from keyboards import menus
from keyboards import shop as kb
from keyboards.shop import CheckoutAction
from services.checkout import CheckoutOptions


async def _ask_to_choose(
    turn: Turn,
    step: State,
    question: str,
    action: CheckoutAction,
    choices: list[tuple[str, str]],
    notice: str,
    columns: int = 1,
) -> None:
    """A question answered with one of the (label, value) buttons of `action`."""
    await turn.state.set_state(step)
    keyboard = kb.checkout_choices(action, choices, columns=columns)
    await say(turn, with_notice(notice, question), keyboard)


async def ask_fulfilment(turn: Turn, options: CheckoutOptions, notice: str = "") -> None:
    """Pickup or delivery, with the pickup address and the delivery fee."""
    provider = options.provider
    lines = [_("How do you want to get the order?")]
    if provider.pickup_address:
        lines.append(_("🏪 Pickup: {address}").format(address=escape(provider.pickup_address)))
    fee = (
        format_price(options.delivery_fee, options.currency, turn.locale)
        if options.delivery_fee
        else _("free")
    )
    lines.append(_("🚚 Delivery: {fee}").format(fee=fee))
    names = {Fulfilment.pickup: _("🏪 Pickup"), Fulfilment.delivery: _("🚚 Delivery")}
    choices = [(names[kind], kind.value) for kind in options.fulfilments]
    question = "\n".join(lines)
    await _ask_to_choose(
        turn, CheckoutStates.fulfilment, question, CheckoutAction.fulfilment, choices, notice
    )


async def ask_consent(turn: Turn, notice: str = "") -> None:
    """Consent to the processing of personal data, before the address and the phone."""
    await turn.state.set_state(CheckoutStates.consent)
    version = turn.settings.privacy_policy_version
    text = with_notice(notice, screens.consent_text(turn.settings))
    await say(turn, text, kb.checkout_consent(version))


async def ask_address(turn: Turn, notice: str = "") -> None:
    """A typed address, or a shared location."""
    await turn.state.set_state(CheckoutStates.address)
    text = _(
        "Where should we deliver? Type the address (street, house, flat), "
        "or share a location with the button below."
    )
    await ask_with_reply_keyboard(turn, with_notice(notice, text), kb.request_location())


async def ask_slot(turn: Turn, options: CheckoutOptions, notice: str = "") -> None:
    """The free delivery windows."""
    choices = [(slot.label(options.now), slot.id) for slot in options.slots]
    question = _("When should we deliver?")
    await _ask_to_choose(
        turn, CheckoutStates.slot, question, CheckoutAction.slot, choices, notice, columns=3
    )


async def ask_phone(turn: Turn, options: CheckoutOptions, notice: str = "") -> None:
    """The courier's number to call: the known one, or a shared or typed one."""
    await turn.state.set_state(CheckoutStates.phone)
    known = options.contact.known_phone
    if known:
        text = _("The courier will call you at {phone}. Use this number?").format(
            phone=escape(known)
        )
        await say(turn, with_notice(notice, text), kb.checkout_phone(known))
        return
    text = _(
        "The courier needs your phone number. Press the button below to share it, "
        "or type it like +79991234567."
    )
    await ask_with_reply_keyboard(turn, with_notice(notice, text), menus.request_phone())


async def ask_payment(turn: Turn, options: CheckoutOptions, notice: str = "") -> None:
    """Online or cash on receipt."""
    names = {
        PaymentMethod.online: _("💳 Pay online"),
        PaymentMethod.cash: _("💵 Cash on receipt"),
    }
    choices = [(names[method], method.value) for method in options.payment_methods]
    question = _("How will you pay?")
    await _ask_to_choose(
        turn, CheckoutStates.payment, question, CheckoutAction.payment, choices, notice
    )


async def ask_comment(turn: Turn, notice: str = "") -> None:
    """A comment for the seller, or none."""
    await turn.state.set_state(CheckoutStates.comment)
    text = _("Any wishes for the seller? Send a comment, or press “Skip”.")
    await say(turn, with_notice(notice, text), kb.checkout_comment())
