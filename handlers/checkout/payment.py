"""Checkout steps: how to pay (online or cash, as the service offers) and a comment."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.types import CallbackQuery, Message

from core.i18n import gettext as _
from db.models import PaymentMethod
from handlers.checkout.conversation import CheckoutStates, Turn, choice_of, remember
from handlers.checkout.flow import advance
from keyboards.shop import CheckoutAction, CheckoutCB
from services import checkout


async def choose_payment(callback: CallbackQuery, callback_data: CheckoutCB, turn: Turn) -> None:
    """Online or cash on receipt, one of those the service offers."""
    chosen = choice_of(PaymentMethod, callback_data.value, "payment_method")
    options = await checkout.options(turn.user, turn.settings)
    await remember(turn.state, payment=checkout.choose_payment(chosen, options).value)
    await advance(turn)


async def skip_comment(callback: CallbackQuery, turn: Turn) -> None:
    """No comment."""
    await remember(turn.state, comment="")
    await advance(turn)


async def comment_text(message: Message, turn: Turn) -> None:
    """A comment for the seller (a refusal is answered and the question stays)."""
    await remember(turn.state, comment=checkout.clean_comment(message.text))
    await advance(turn)


async def comment_wrong_input(message: Message) -> None:
    """Anything but text while we wait for a comment."""
    await message.answer(_("Please send the comment as text, or press “Skip”."))


def create_router() -> Router:
    """The payment method and the comment."""
    router = Router(name=__name__)
    cb = router.callback_query
    cb.register(
        choose_payment,
        CheckoutCB.filter(F.action == CheckoutAction.payment),
        StateFilter(CheckoutStates.payment),
    )
    cb.register(
        skip_comment,
        CheckoutCB.filter(F.action == CheckoutAction.skip_comment),
        StateFilter(CheckoutStates.comment),
    )
    msg = router.message
    msg.register(comment_text, StateFilter(CheckoutStates.comment), F.text, ~F.text.startswith("/"))
    msg.register(comment_wrong_input, StateFilter(CheckoutStates.comment))
    return router
