"""Checkout step: a promo code, asked from the confirmation ("🏷 Promo code").

The service prices the cart with the code (`checkout.options(promo_code=...)`); a code that
does not apply is refused in the same words as the API's `promo_refused`, and the question
stays until a good code or "Without a promo code".
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.types import CallbackQuery, Message

from core.i18n import gettext as _
from handlers.checkout.conversation import CheckoutStates, Turn, answers, remember, say
from handlers.checkout.flow import show_confirmation
from keyboards import shop as kb
from keyboards.shop import CheckoutAction, CheckoutCB
from services import checkout, promo


async def ask_promo(callback: CallbackQuery, turn: Turn) -> None:
    """ "🏷 Promo code" on the confirmation: ask for it."""
    await turn.state.set_state(CheckoutStates.promo)
    await say(turn, _("Send the promo code."), kb.checkout_promo())


async def promo_text(message: Message, turn: Turn) -> None:
    """A typed code: applied when it fits the cart (a refusal is answered, the question stays)."""
    code = promo.clean_code(message.text)
    await checkout.options(turn.user, turn.settings, promo_code=code)
    await remember(turn.state, promo=code)
    await show_confirmation(turn, _("🏷 The promo code {code} is applied.").format(code=code))


async def promo_back(callback: CallbackQuery, turn: Turn) -> None:
    """Back to the confirmation without a code (also "Remove the promo code")."""
    await remember(turn.state, promo=None)
    await show_confirmation(turn)


async def use_points(callback: CallbackQuery, callback_data: CheckoutCB, turn: Turn) -> None:
    """ "⭐ Use N points" (or "Do not use points"): the service checks the number again."""
    value = callback_data.value
    count = int(value) if value.isdigit() and len(value) <= 9 else -1
    given = await answers(turn.state)
    await checkout.options(  # InvalidInput naming points: refused
        turn.user, turn.settings, promo_code=given.get("promo"), points=count
    )
    await remember(turn.state, points=count or None)
    await show_confirmation(turn)


async def promo_wrong_input(message: Message) -> None:
    """Anything but text while we wait for a code."""
    await message.answer(_("Please send the promo code as text, or press “Without a promo code”."))


def create_router() -> Router:
    """The promo code step."""
    router = Router(name=__name__)
    cb = router.callback_query
    cb.register(
        ask_promo,
        CheckoutCB.filter(F.action == CheckoutAction.promo),
        StateFilter(CheckoutStates.confirm),
    )
    cb.register(
        promo_back,
        CheckoutCB.filter(F.action == CheckoutAction.promo_back),
        StateFilter(CheckoutStates.confirm, CheckoutStates.promo),
    )
    cb.register(
        use_points,
        CheckoutCB.filter(F.action == CheckoutAction.points),
        StateFilter(CheckoutStates.confirm),
    )
    msg = router.message
    msg.register(promo_text, StateFilter(CheckoutStates.promo), F.text, ~F.text.startswith("/"))
    msg.register(promo_wrong_input, StateFilter(CheckoutStates.promo))
    return router
