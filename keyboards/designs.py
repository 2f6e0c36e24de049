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


class TemplateAction(StrEnum):
    """A seller's buttons about a custom product's template."""

    open = "o"
    done = "d"


class TemplateCB(CallbackData, prefix="tpl"):
    """A seller's button about the template of one of their products."""

    action: TemplateAction
    provider_id: int
    product_id: int


def template_entry(provider_id: int, product_id: int) -> TemplateCB:
    """The product edit menu's "Picture template" button."""
    return TemplateCB(action=TemplateAction.open, provider_id=provider_id, product_id=product_id)


def template_done(provider_id: int, product_id: int) -> InlineKeyboardMarkup:
    """While the seller sends the sides of the product: finish."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✅ Done"),
        callback_data=TemplateCB(
            action=TemplateAction.done, provider_id=provider_id, product_id=product_id
        ),
    )
    return builder.as_markup()
