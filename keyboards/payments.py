"""Callback data and keyboards of paying for orders (YooKassa links, Telegram invoices, Stars)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from core.i18n import gettext as _
from db.models import PaymentChannel
from keyboards.shop import OrdersAction, OrdersCB


class PayAction(StrEnum):
    """Buttons of paying."""

    pay = "p"  # start (or reuse) a payment by the channel
    new_link = "n"  # replace an expired YooKassa link
    check = "c"  # "I have paid": ask YooKassa now
    choose = "o"  # show the ways to pay


class PayCB(CallbackData, prefix="py"):
    """A payment action on one of the customer's orders (ownership checked on every press)."""

    action: PayAction
    order_id: int
    channel: PaymentChannel = PaymentChannel.yookassa


def channel_label(channel: PaymentChannel) -> str:
    """The button that pays by a channel."""
    if channel is PaymentChannel.stars:
        return _("⭐ Pay with Stars")
    if channel is PaymentChannel.telegram:
        return _("💳 Pay in Telegram")
    return _("💳 Pay by card or SBP (YooKassa)")


def pay_choices(order_id: int, channels: Sequence[PaymentChannel]) -> InlineKeyboardMarkup:
    """One button per way to pay, then the order card."""
    builder = InlineKeyboardBuilder()
    for channel in channels:
        builder.button(
            text=channel_label(channel),
            callback_data=PayCB(action=PayAction.pay, order_id=order_id, channel=channel),
        )
    builder.button(
        text=_("📦 Open the order"),
        callback_data=OrdersCB(action=OrdersAction.open, order_id=order_id),
    )
    builder.adjust(1)
    return builder.as_markup()


def yookassa_link(order_id: int, url: str, amount: str) -> InlineKeyboardMarkup:
    """The payment page, a check after paying and a fresh link when this one expired."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("💳 Pay {amount}").format(amount=amount), url=url)
    builder.button(
        text=_("✅ I have paid"),
        callback_data=PayCB(action=PayAction.check, order_id=order_id),
    )
    builder.button(
        text=_("🔄 New payment link"),
        callback_data=PayCB(action=PayAction.new_link, order_id=order_id),
    )
    builder.button(
        text=_("📦 Open the order"),
        callback_data=OrdersCB(action=OrdersAction.open, order_id=order_id),
    )
    builder.adjust(1)
    return builder.as_markup()


def pay_button(order_id: int) -> InlineKeyboardButton:
    """On an order awaiting payment: the ways to pay it."""
    return InlineKeyboardButton(
        text=_("💳 Pay"),
        callback_data=PayCB(action=PayAction.choose, order_id=order_id).pack(),
    )


def pay_again(order_id: int) -> InlineKeyboardMarkup:
    """Under a failed payment's notice: the ways to pay again."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("💳 Pay again"),
        callback_data=PayCB(action=PayAction.choose, order_id=order_id),
    )
    return builder.as_markup()
