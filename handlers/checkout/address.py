"""Checkout steps of a delivery: the address (typed, or a location) and the time slot."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.callback_answer import CallbackAnswer

from core.errors import InvalidInput
from core.i18n import gettext as _
from core.problems import explain
from handlers.checkout import questions
from handlers.checkout.conversation import CheckoutStates, Turn, remember
from handlers.checkout.flow import advance
from keyboards.shop import CheckoutAction, CheckoutCB
from services import checkout


async def address_text(message: Message, turn: Turn) -> None:
    """A typed address (a refusal is answered and the question stays)."""
    address = checkout.clean_address(message.text)
    await remember(turn.state, address=address, latitude=None, longitude=None)
    await message.answer(
        _("📍 Address: {address}").format(address=escape(address)),
        reply_markup=ReplyKeyboardRemove(),
    )
    await advance(turn)


async def address_location(message: Message, turn: Turn) -> None:
    """A shared location instead of an address."""
    location = message.location
    assert location is not None
    await remember(
        turn.state, address=None, latitude=location.latitude, longitude=location.longitude
    )
    await message.answer(_("📍 Location received."), reply_markup=ReplyKeyboardRemove())
    await advance(turn)


async def address_wrong_input(message: Message) -> None:
    """Anything else while we wait for an address."""
    await message.answer(
        _(
            "Please type the delivery address, or share a location with the button below. "
            "/cancel stops the checkout."
        )
    )


async def choose_slot(
    callback: CallbackQuery,
    callback_data: CheckoutCB,
    turn: Turn,
    callback_answer: CallbackAnswer,
) -> None:
    """A delivery window; one that has started or filled up meanwhile is refused."""
    options = await checkout.options(turn.user, turn.settings)
    try:
        slot = checkout.choose_slot(callback_data.value, options)
    except InvalidInput as refusal:  # the windows as they are now, to choose again
        callback_answer.text = explain(refusal)
        await questions.ask_slot(turn, options)
        return
    await remember(turn.state, slot=slot.id)
    await advance(turn)


def create_router() -> Router:
    """The delivery address and the time slot."""
    router = Router(name=__name__)
    router.callback_query.register(
        choose_slot,
        CheckoutCB.filter(F.action == CheckoutAction.slot),
        StateFilter(CheckoutStates.slot),
    )
    msg = router.message
    msg.register(address_location, StateFilter(CheckoutStates.address), F.location)
    msg.register(address_text, StateFilter(CheckoutStates.address), F.text, ~F.text.startswith("/"))
    msg.register(address_wrong_input, StateFilter(CheckoutStates.address))
    return router
