"""Checkout steps: how to pay (online or cash, as the service offers) and a comment."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from core.config import Settings
from core.errors import InvalidInput
from core.i18n import gettext as _
from db.models import PaymentMethod, User
from handlers.checkout.conversation import CheckoutStates, remember, turn_of
from handlers.checkout.flow import advance
from keyboards.shop import CheckoutAction, CheckoutCB
from services import checkout


async def choose_payment(
    callback: CallbackQuery,
    callback_data: CheckoutCB,
    user: User,
    settings: Settings,
    bot: Bot,
    locale: str,
    state: FSMContext,
) -> None:
    """Online or cash on receipt, one of those the service offers."""
    if callback_data.value not in {method.value for method in PaymentMethod}:
        raise InvalidInput(field="payment_method")
    options = await checkout.options(user, settings)
    method = checkout.choose_payment(PaymentMethod(callback_data.value), options)
    await remember(state, payment=method.value)
    await advance(turn_of(callback, bot, user, settings, locale, state))


async def skip_comment(
    callback: CallbackQuery,
    user: User,
    settings: Settings,
    bot: Bot,
    locale: str,
    state: FSMContext,
) -> None:
    """No comment."""
    await remember(state, comment="")
    await advance(turn_of(callback, bot, user, settings, locale, state))


async def comment_text(
    message: Message, user: User, settings: Settings, bot: Bot, locale: str, state: FSMContext
) -> None:
    """A comment for the seller (a refusal is answered and the question stays)."""
    await remember(state, comment=checkout.clean_comment(message.text))
    await advance(turn_of(message, bot, user, settings, locale, state))


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
