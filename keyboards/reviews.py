"""Callback data and keyboards of reviews: rate an order, the provider's reply, admins' hide.

Every callback carries the ids it acts on; handlers re-check who may act (the order's customer,
the provider's owner, an admin), so a forged id gets "not found".
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from core.i18n import gettext as _
from db.models import Review

STARS = 5


class RateAction(StrEnum):
    """Steps of rating an order."""

    start = "a"
    stars = "s"
    skip = "k"
    no_photo = "n"


class RateCB(CallbackData, prefix="rv"):
    """The customer rates order `order_id`: open the stars, pick `stars`, skip the text, save
    without a photo."""

    action: RateAction
    order_id: int
    stars: int = 0


class ReviewReplyCB(CallbackData, prefix="rr"):
    """The provider's owner answers review `review_id`."""

    review_id: int


class ReviewHideCB(CallbackData, prefix="rh"):
    """An admin hides review `review_id` from the storefront."""

    review_id: int


def stars_line(rating: int) -> str:
    """★★★★☆ for 4."""
    return "★" * rating + "☆" * (STARS - rating)


def rate_button(order_id: int) -> InlineKeyboardButton:
    """The button ⭐ Rate the order under the completion message."""
    return InlineKeyboardButton(
        text=_("⭐ Rate the order"),
        callback_data=RateCB(action=RateAction.start, order_id=order_id).pack(),
    )


def stars(order_id: int) -> InlineKeyboardMarkup:
    """Five buttons, 1 to 5 stars."""
    builder = InlineKeyboardBuilder()
    for value in range(1, STARS + 1):
        builder.button(
            text=f"{value}⭐",
            callback_data=RateCB(action=RateAction.stars, order_id=order_id, stars=value),
        )
    builder.adjust(STARS)
    return builder.as_markup()


def skip_text(order_id: int, rating: int) -> InlineKeyboardMarkup:
    """The button Skip: no text, the photo is asked next."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Skip"),
        callback_data=RateCB(action=RateAction.skip, order_id=order_id, stars=rating),
    )
    return builder.as_markup()


def skip_photo(order_id: int, rating: int) -> InlineKeyboardMarkup:
    """The button Skip under the photo question: save the review without a photo."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Skip"),
        callback_data=RateCB(action=RateAction.no_photo, order_id=order_id, stars=rating),
    )
    return builder.as_markup()


def reply_button(review_id: int) -> InlineKeyboardMarkup:
    """The button 💬 Reply under the provider's review push."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("💬 Reply"), callback_data=ReviewReplyCB(review_id=review_id))
    return builder.as_markup()


def hide_buttons(reviews: Sequence[Review]) -> InlineKeyboardMarkup | None:
    """The buttons 🙈 Hide #id for each listed review (none when the list is empty)."""
    if not reviews:
        return None
    builder = InlineKeyboardBuilder()
    for review in reviews:
        builder.button(
            text=_("🙈 Hide #{number}").format(number=review.id),
            callback_data=ReviewHideCB(review_id=review.id),
        )
    builder.adjust(2)
    return builder.as_markup()
