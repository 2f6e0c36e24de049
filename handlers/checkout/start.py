"""Checkout steps: start (from the cart), pickup or delivery, start over, leave."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer

from core.errors import CartChanged, EmptyCart
from core.i18n import gettext as _
from core.problems import explain
from db.models import Fulfilment
from handlers.cart import cart_screen
from handlers.checkout.conversation import (
    DATA_KEY,
    CheckoutStates,
    Turn,
    choice_of,
    leave,
    remember,
)
from handlers.checkout.flow import advance
from handlers.ui import show_for
from keyboards.shop import CartAction, CartCB, CheckoutAction, CheckoutCB
from services import cart as carts
from services import checkout


async def start_checkout(
    callback: CallbackQuery, turn: Turn, callback_answer: CallbackAnswer
) -> None:
    """ "Checkout" in the cart: starts (or restarts) the conversation."""
    cart = await carts.view(turn.user)
    if cart.empty or cart.changes:  # the cart again, with what changed
        error = EmptyCart() if cart.empty else CartChanged()
        callback_answer.text = explain(error)
        await leave(turn.state)
        await show_for(callback, cart_screen(cart, turn.locale), turn.settings, turn.bot)
        return
    await turn.state.update_data({DATA_KEY: {}})
    await advance(turn)


async def busy_elsewhere(callback: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    """ "Checkout" pressed while another conversation waits for an answer."""
    callback_answer.text = _("Please finish the current step first, or send /cancel.")
    callback_answer.show_alert = True


async def choose_fulfilment(callback: CallbackQuery, callback_data: CheckoutCB, turn: Turn) -> None:
    """Pickup or delivery, one of those the service offers."""
    chosen = choice_of(Fulfilment, callback_data.value, "fulfilment")
    options = await checkout.options(turn.user, turn.settings)
    await remember(turn.state, fulfilment=checkout.choose_fulfilment(chosen, options).value)
    await advance(turn)


async def restart(callback: CallbackQuery, turn: Turn) -> None:
    """ "Change details": answer every question again."""
    await turn.state.update_data({DATA_KEY: {}})
    await advance(turn)


async def abort(callback: CallbackQuery, turn: Turn, callback_answer: CallbackAnswer) -> None:
    """Leave the checkout; the cart stays as it is."""
    await leave(turn.state)
    callback_answer.text = _("Checkout cancelled. Your cart is kept.")
    screen = cart_screen(await carts.view(turn.user), turn.locale)
    await show_for(callback, screen, turn.settings, turn.bot)


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
