"""The checkout conversation's state: where it is, what is answered, and how it speaks.

Answers live in the FSM data under one key, so leaving the checkout keeps unrelated data
(the last search, the last order placed).
"""

from __future__ import annotations

from contextlib import suppress
from enum import StrEnum
from typing import Any, TypeVar

from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
)

from core.errors import InvalidInput
from db.models import Fulfilment, PaymentMethod
from handlers.turn import Turn as Turn  # the checkout steps import it from here
from handlers.ui import Screen
from keyboards import shop as kb
from services import checkout

Choice = TypeVar("Choice", bound=StrEnum)

DATA_KEY = "checkout"
PLACED_KEY = "placed"


class CheckoutStates(StatesGroup):
    """Where the checkout conversation is."""

    fulfilment = State()
    consent = State()
    address = State()
    slot = State()
    phone = State()
    payment = State()
    comment = State()
    confirm = State()
    promo = State()


def choice_of(kind: type[Choice], value: str, field: str) -> Choice:
    """A button's value as one of `kind`; a forged or outdated one is refused as the service
    refuses a wrong answer (InvalidInput of `field`)."""
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput(field=field) from None


async def answers(state: FSMContext) -> dict[str, Any]:
    """What the person has answered so far."""
    return dict((await state.get_data()).get(DATA_KEY) or {})


async def remember(state: FSMContext, **given: Any) -> None:
    """Keep answers (None forgets one, so its question is asked again)."""
    data = await answers(state)
    data.update(given)
    await state.update_data({DATA_KEY: data})


async def leave(state: FSMContext) -> None:
    """End the conversation, keeping unrelated FSM data (the last search, the last order)."""
    await state.set_state(None)
    await state.update_data({DATA_KEY: None})


FORGET_ON_REFUSAL = {
    "fulfilment": ("fulfilment", "address", "latitude", "longitude", "slot", "phone"),
    "payment_method": ("payment",),
    "address": ("address", "latitude", "longitude"),
    "delivery_slot": ("slot",),
    "phone": ("phone",),
    "comment": ("comment",),
    "points": ("points",),
}
"""Answers to ask again when the service refuses a field of the draft."""


async def forget(state: FSMContext, field: object) -> bool:
    """Forget the answers behind a refused field; False if no question asks for it."""
    if not isinstance(field, str) or field not in FORGET_ON_REFUSAL:
        return False
    await remember(state, **dict.fromkeys(FORGET_ON_REFUSAL[field]))
    return True


def draft_of(given: dict[str, Any]) -> checkout.CheckoutDraft:
    """The answers as the service's draft."""
    return checkout.CheckoutDraft(
        fulfilment=Fulfilment(given.get("fulfilment") or Fulfilment.pickup.value),
        payment_method=PaymentMethod(given.get("payment") or PaymentMethod.online.value),
        address=given.get("address"),
        latitude=given.get("latitude"),
        longitude=given.get("longitude"),
        delivery_slot=given.get("slot"),
        phone=given.get("phone"),
        comment=given.get("comment") or "",
        promo_code=given.get("promo") or None,
        points=given.get("points") or None,
    )


def with_notice(notice: str, text: str) -> str:
    """A notice (why we ask again) above the question."""
    return f"{notice}\n\n{text}" if notice else text


async def say(turn: Turn, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    """Edit the message of the pressed button, or send a new one after typed input."""
    await turn.show(Screen(text, keyboard))


async def ask_with_reply_keyboard(turn: Turn, text: str, keyboard: ReplyKeyboardMarkup) -> None:
    """Reply keyboards come only with new messages: the pressed buttons are taken away."""
    if turn.current is not None:
        with suppress(TelegramBadRequest):  # nothing to take away
            await turn.current.edit_reply_markup(reply_markup=None)
    await turn.bot.send_message(turn.chat_id, text, reply_markup=keyboard)


async def finish(turn: Turn, text: str) -> None:
    """Leave the checkout with a last word and the way back to the cart."""
    await leave(turn.state)
    await say(turn, text, kb.back_to_cart())
