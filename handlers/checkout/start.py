"""Checkout steps: start (from the cart), pickup or delivery, start over, leave."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer

from core.config import Settings
from core.errors import CartChanged, EmptyCart, InvalidInput
from core.i18n import gettext as _
from core.problems import explain
from db.models import Fulfilment, User
from handlers.cart import cart_screen
from handlers.checkout.conversation import DATA_KEY, CheckoutStates, leave, remember, turn_of
from handlers.checkout.flow import advance
from handlers.ui import show_for
from keyboards.shop import CartAction, CartCB, CheckoutAction, CheckoutCB
from services import cart as carts
from services import checkout


async def start_checkout(
    callback: CallbackQuery,
    user: User,
    settings: Settings,
    bot: Bot,
    locale: str,
    state: FSMContext,
    callback_answer: CallbackAnswer,
) -> None:
    """ "Checkout" in the cart: starts (or restarts) the conversation."""
    cart = await carts.view(user)
    if cart.empty or cart.changes:  # the cart again, with what changed
        error = EmptyCart() if cart.empty else CartChanged()
        callback_answer.text = explain(error)
        await leave(state)
        await show_for(callback, cart_screen(cart, locale), settings, bot)
        return
    await state.update_data({DATA_KEY: {}})
    await advance(turn_of(callback, bot, user, settings, locale, state))


async def busy_elsewhere(callback: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    """ "Checkout" pressed while another conversation waits for an answer."""
    callback_answer.text = _("Please finish the current step first, or send /cancel.")
    callback_answer.show_alert = True


async def choose_fulfilment(
    callback: CallbackQuery,
    callback_data: CheckoutCB,
    user: User,
    settings: Settings,
    bot: Bot,
    locale: str,
    state: FSMContext,
) -> None:
    """Pickup or delivery, one of those the service offers."""
    if callback_data.value not in {kind.value for kind in Fulfilment}:
        raise InvalidInput(field="fulfilment")
    options = await checkout.options(user, settings)
    fulfilment = checkout.choose_fulfilment(Fulfilment(callback_data.value), options)
    await remember(state, fulfilment=fulfilment.value)
    await advance(turn_of(callback, bot, user, settings, locale, state))


async def restart(
    callback: CallbackQuery,
    user: User,
    settings: Settings,
    bot: Bot,
    locale: str,
    state: FSMContext,
) -> None:
    """ "Change details": answer every question again."""
    await state.update_data({DATA_KEY: {}})
    await advance(turn_of(callback, bot, user, settings, locale, state))


async def abort(
    callback: CallbackQuery,
    user: User,
    settings: Settings,
    bot: Bot,
    locale: str,
    state: FSMContext,
    callback_answer: CallbackAnswer,
) -> None:
    """Leave the checkout; the cart stays as it is."""
    await leave(state)
    callback_answer.text = _("Checkout cancelled. Your cart is kept.")
    await show_for(callback, cart_screen(await carts.view(user), locale), settings, bot)


def create_router() -> Router:
    """Entering, leaving and restarting the checkout; pickup or delivery."""
    router = Router(name=__name__)
    cb = router.callback_query
    cb.register(
        start_checkout,
        CartCB.filter(F.action == CartAction.checkout),
        StateFilter(None, CheckoutStates),
    )
    cb.register(busy_elsewhere, CartCB.filter(F.action == CartAction.checkout))
    cb.register(
        abort, CheckoutCB.filter(F.action == CheckoutAction.abort), StateFilter(CheckoutStates)
    )
    cb.register(
        restart,
        CheckoutCB.filter(F.action == CheckoutAction.restart),
        StateFilter(CheckoutStates.confirm),
    )
    cb.register(
        choose_fulfilment,
        CheckoutCB.filter(F.action == CheckoutAction.fulfilment),
        StateFilter(CheckoutStates.fulfilment),
    )
    return router
