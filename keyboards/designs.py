"""Buttons of the custom-product conversation: add the design to the cart, or try another."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from core.i18n import gettext as _


class DesignAction(StrEnum):
    """What a button does with a design."""

    add = "a"
    swap = "r"
    another = "n"


class DesignCB(CallbackData, prefix="dz"):
    """A button about one of the person's designs (well under 64 bytes)."""

    action: DesignAction
    design_id: int
    quantity: int = 1


def previews_shown(design_id: int, quantity: int) -> InlineKeyboardMarkup:
    """Under the previews: add to the cart, or send another picture."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("🛒 Add to cart"),
        callback_data=DesignCB(action=DesignAction.add, design_id=design_id, quantity=quantity),
    )
    builder.button(
        text=_("🔁 Another picture"),
        callback_data=DesignCB(action=DesignAction.another, design_id=design_id, quantity=quantity),
    )
    builder.adjust(1)
    return builder.as_markup()


def replace_cart(design_id: int, quantity: int) -> InlineKeyboardMarkup:
    """Another shop's products are in the cart: replace them with this design."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("🔄 Replace the cart"),
        callback_data=DesignCB(action=DesignAction.swap, design_id=design_id, quantity=quantity),
    )
    return builder.as_markup()
