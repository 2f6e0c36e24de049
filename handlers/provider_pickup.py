"""/shop → "🔑 Pickup code": the seller types the six digits a customer shows (under the
pickup QR code) and the order is handed over.

The rule is services.seller.confirm_pickup, the same as the Mini App's scan: the code names
a ready-for-pickup order of the seller's shop, which becomes completed through the order
state machine (the customer is told by the notifier); a wrong, used or other shop's code is
explained and the seller may type another one.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from core.errors import PickupRefused
from core.i18n import gettext as _
from core.problems import explain
from handlers.provider_kit import ProviderOwner, owned
from handlers.turn import Turn, with_turns
from keyboards import provider as kb
from keyboards.provider import ShopAction, ShopCB
from services import seller
from services.events import ShopEvents


class PickupCode(StatesGroup):
    """Waiting for the digits of a pickup code."""

    code = State()


async def ask_code(
    callback: CallbackQuery, callback_data: ShopCB, turn: Turn, callback_answer: CallbackAnswer
) -> None:
    """Ask for the code the customer shows."""
    provider = await owned(turn.user, callback_data.provider_id)
    await turn.state.clear()
    await turn.state.set_state(PickupCode.code)
    await turn.state.update_data(provider_id=provider.id)
    await turn.edit(
        _(
            "🔑 Send the six digits of the customer's pickup code (under their QR code in "
            "the order). /cancel to stop."
        ),
        kb.back_to_shop(provider.id),
    )


async def code_typed(message: Message, turn: Turn, shop_events: ShopEvents) -> None:
    """Hand over the order with this code; a code that fits none is explained."""
    data = await turn.state.get_data()
    provider = await owned(turn.user, int(data.get("provider_id", 0)))
    try:
        # A malformed code is InvalidInput: handlers.errors explains it and keeps asking.
        change = await seller.confirm_pickup(
            turn.user, message.text or "", shop_events, provider_id=provider.id
        )
    except PickupRefused as refusal:
        await message.answer(
            explain(refusal) + "\n" + _("Send another code, or /cancel."),
            reply_markup=kb.back_to_shop(provider.id),
        )
        return
    await turn.state.clear()
    await message.answer(
        _("✅ Order #{number} is handed over and completed. The customer was told.").format(
            number=change.order.id
        ),
        reply_markup=kb.pickup_done(provider.id),
    )


async def code_wrong_input(message: Message) -> None:
    """A photo, sticker, ... instead of the digits."""
    await message.answer(_("Please send the six digits of the pickup code as text, or /cancel."))


def create_router() -> Router:
    """The pickup code for people who own a provider."""
    router = with_turns(Router(name=__name__))
    router.message.filter(F.chat.type == "private", StateFilter(PickupCode), ProviderOwner())
    router.callback_query.filter(F.data.startswith("vs:"), ProviderOwner())
    router.callback_query.register(ask_code, ShopCB.filter(F.action == ShopAction.pickup))
    router.message.register(code_typed, StateFilter(PickupCode.code), F.text)
    router.message.register(code_wrong_input, StateFilter(PickupCode.code))
    return router
