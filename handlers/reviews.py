"""Reviews in chat: the customer rates a completed order, the provider replies, admins hide.

"⭐ Rate the order" under the completion message → 1–5 stars → a text or "Skip" → saved by
services.reviews (one per order: a double click or a stale button is refused there and told
by handlers.errors). The provider's owner gets the review with "💬 Reply"; the reply goes back
to the customer. `/reviews` lists recent visible reviews for admins with "🙈 Hide".
"""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from loguru import logger

from core.config import Settings
from core.errors import InvalidInput, NotFound, ReviewRefused
from core.i18n import I18n, pick_locale
from core.i18n import gettext as _
from core.texts import shorten
from db.models import Order, OrderStatus, Provider, Review, User
from handlers.admin_common import IsAdmin, show
from handlers.notifications import reachable
from keyboards import reviews as kb
from keyboards.reviews import RateAction, RateCB, ReviewHideCB, ReviewReplyCB
from services import reviews, users

RECENT = 10
LIST_TEXT = 200


class RateOrder(StatesGroup):
    """Rating an order: the stars are asked, then the text."""

    stars = State()
    text = State()


class ReplyReview(StatesGroup):
    """The provider's owner types a reply to a review."""

    text = State()


# The customer ------------------------------------------------------------------------------


async def _rateable(user: User, order_id: int) -> Order:
    """The person's completed order without a review yet; refusals told by handlers.errors."""
    order = await Order.get_or_none(id=order_id, customer_id=user.id)
    if order is None:
        raise NotFound(entity="order")
    if order.status is not OrderStatus.completed:
        raise ReviewRefused(reason="not_completed", order_id=order.id)
    if await Review.exists(order_id=order.id):
        raise ReviewRefused(reason="exists", order_id=order.id)
    return order


async def rate_start(
    callback: CallbackQuery, callback_data: RateCB, user: User, state: FSMContext
) -> None:
    """The button ⭐ Rate the order: the five star buttons."""
    order = await _rateable(user, callback_data.order_id)
    if not isinstance(callback.message, Message):
        return
    await state.set_state(RateOrder.stars)
    await state.set_data({"order_id": order.id})
    await callback.message.answer(
        _("How would you rate order #{number}? Choose 1 to 5 stars.").format(number=order.id),
        reply_markup=kb.stars(order.id),
    )


async def _ask_text(message: Message, state: FSMContext, order_id: int, stars: int) -> None:
    await state.set_state(RateOrder.text)
    await state.set_data({"order_id": order_id, "stars": stars})
    await message.answer(
        _("{stars} Write a few words about order #{number}, or press Skip.").format(
            stars=kb.stars_line(stars), number=order_id
        ),
        reply_markup=kb.skip_text(order_id, stars),
    )


async def rate_stars(
    callback: CallbackQuery, callback_data: RateCB, user: User, state: FSMContext
) -> None:
    """A star button: the text is asked next (the stars ride on the Skip button too)."""
    stars = reviews.clean_rating(callback_data.stars)
    order = await _rateable(user, callback_data.order_id)
    if isinstance(callback.message, Message):
        await _ask_text(callback.message, state, order.id, stars)


async def typed_stars(message: Message, user: User, state: FSMContext) -> None:
    """Text where the stars are expected: a digit 1–5 is taken, anything else is asked again."""
    data = await state.get_data()
    order_id = int(data.get("order_id", 0))
    try:
        stars = reviews.clean_rating(message.text or "")
    except InvalidInput:
        await message.answer(
            _("Please choose 1 to 5 stars with the buttons above, or /cancel."),
            reply_markup=kb.stars(order_id),
        )
        return
    await _rateable(user, order_id)
    await _ask_text(message, state, order_id, stars)


async def rate_skip(
    callback: CallbackQuery,
    callback_data: RateCB,
    user: User,
    state: FSMContext,
    bot: Bot,
    i18n: I18n,
    settings: Settings,
) -> None:
    """The button Skip: the stars alone."""
    review = await reviews.write(user, callback_data.order_id, callback_data.stars, "")
    await state.clear()
    if isinstance(callback.message, Message):
        await callback.message.answer(_("⭐ Thank you! Your review is saved."))
    await _tell_provider(bot, i18n, settings, review)


async def review_text(
    message: Message, user: User, state: FSMContext, bot: Bot, i18n: I18n, settings: Settings
) -> None:
    """The typed text: the review is saved with the chosen stars."""
    data = await state.get_data()
    review = await reviews.write(
        user, int(data.get("order_id", 0)), int(data.get("stars", 0)), message.text or ""
    )
    await state.clear()
    await message.answer(_("⭐ Thank you! Your review is saved."))
    await _tell_provider(bot, i18n, settings, review)


async def review_not_text(message: Message) -> None:
    """A photo, sticker, ... where a text is expected."""
    await message.answer(_("Please write the review as text, or press Skip."))


# The provider ------------------------------------------------------------------------------


async def _send(bot: Bot, person: User, text: str, markup: InlineKeyboardMarkup | None) -> None:
    try:
        await bot.send_message(int(person.tg_id or 0), text, reply_markup=markup)
    except TelegramForbiddenError:
        await users.mark_bot_blocked(int(person.tg_id or 0))
    except TelegramAPIError as exc:
        logger.warning("Review push to user {} failed: {}", person.id, exc)


async def _tell_provider(bot: Bot, i18n: I18n, settings: Settings, review: Review) -> None:
    """The provider's owner hears of a new review, in their language, with "💬 Reply"."""
    provider = await Provider.get(id=review.provider_id).prefetch_related("owner")
    owner = provider.owner
    if owner is None or not reachable(owner):
        return
    locale = pick_locale(owner.locale, owner.language_code, default=settings.default_locale)
    with i18n.context(), i18n.use_locale(locale):
        lines = [
            _("{stars} New review of order #{number} at {shop}.").format(
                stars=kb.stars_line(review.rating),
                number=review.order_id,
                shop=escape(provider.name),
            )
        ]
        if review.text:
            lines.append(escape(review.text))
        markup = kb.reply_button(review.id)
    await _send(bot, owner, "\n".join(lines), markup)


async def _own_review(user: User, review_id: int) -> Review:
    """A review of a provider the person owns; NotFound otherwise (no ownership leak)."""
    review = await Review.get_or_none(id=review_id)
    if review is None or not await Provider.exists(id=review.provider_id, owner_id=user.id):
        raise NotFound(entity="review")
    return review


async def reply_start(
    callback: CallbackQuery, callback_data: ReviewReplyCB, user: User, state: FSMContext
) -> None:
    """The button 💬 Reply: the owner types the answer next."""
    review = await _own_review(user, callback_data.review_id)
    if not isinstance(callback.message, Message):
        return
    await state.set_state(ReplyReview.text)
    await state.set_data({"review_id": review.id})
    await callback.message.answer(
        _(
            "Write your reply to the review of order #{number}: the customer will see it.\n"
            "/cancel leaves it unanswered."
        ).format(number=review.order_id)
    )


async def reply_text(
    message: Message, user: User, state: FSMContext, bot: Bot, i18n: I18n, settings: Settings
) -> None:
    """The typed reply: saved and sent to the customer."""
    data = await state.get_data()
    review = await _own_review(user, int(data.get("review_id", 0)))
    review = await reviews.reply(review.provider_id, review.id, message.text or "")
    await state.clear()
    await message.answer(_("💬 Your reply is sent to the customer."))
    customer = await User.get_or_none(id=review.user_id)
    provider = await Provider.get(id=review.provider_id)
    if customer is None or not reachable(customer):
        return
    locale = pick_locale(customer.locale, customer.language_code, default=settings.default_locale)
    with i18n.context(), i18n.use_locale(locale):
        text = _("💬 {shop} replied to your review of order #{number}:").format(
            shop=escape(provider.name), number=review.order_id
        )
    await _send(bot, customer, text + "\n" + escape(review.reply or ""), None)


async def reply_not_text(message: Message) -> None:
    """A photo, sticker, ... where the reply text is expected."""
    await message.answer(_("Please write the reply as text, or /cancel."))


# Admins ------------------------------------------------------------------------------------


async def recent_screen() -> tuple[str, InlineKeyboardMarkup | None]:
    """The latest visible reviews with a hide button each."""
    recent = (
        await Review.filter(hidden=False).order_by("-id").limit(RECENT).prefetch_related("provider")
    )
    if not recent:
        return _("No reviews to moderate."), None
    lines = [_("<b>Recent reviews</b>")]
    for review in recent:
        head = _("#{number} · {stars} · {shop} · order #{order}").format(
            number=review.id,
            stars=kb.stars_line(review.rating),
            shop=escape(review.provider.name),
            order=review.order_id,
        )
        lines.append(head)
        if review.text:
            lines.append("  " + escape(shorten(review.text, LIST_TEXT)))
    return "\n".join(lines), kb.hide_buttons(recent)


async def reviews_command(message: Message) -> None:
    """/reviews for admins."""
    text, markup = await recent_screen()
    await message.answer(text, reply_markup=markup)


async def hide_review(
    callback: CallbackQuery, callback_data: ReviewHideCB, callback_answer: CallbackAnswer
) -> None:
    """The button 🙈 Hide: the review leaves the storefront; the list is shown again."""
    review = await reviews.hide(callback_data.review_id)
    callback_answer.text = _("Review #{number} is hidden.").format(number=review.id)
    text, markup = await recent_screen()
    await show(callback, text, markup)


def create_router() -> Router:
    """Rating, replies in private chats; /reviews and its buttons for admins."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.callback_query.register(rate_start, RateCB.filter(F.action == RateAction.start))
    router.callback_query.register(rate_stars, RateCB.filter(F.action == RateAction.stars))
    router.callback_query.register(rate_skip, RateCB.filter(F.action == RateAction.skip))
    router.callback_query.register(reply_start, ReviewReplyCB.filter())
    router.message.register(typed_stars, StateFilter(RateOrder.stars), F.text)
    router.message.register(review_text, StateFilter(RateOrder.text), F.text)
    router.message.register(review_not_text, StateFilter(RateOrder.text))
    router.message.register(reply_text, StateFilter(ReplyReview.text), F.text)
    router.message.register(reply_not_text, StateFilter(ReplyReview.text))
    admins = Router(name=f"{__name__}.admin")
    admins.message.filter(IsAdmin())
    admins.callback_query.filter(IsAdmin())
    admins.message.register(reviews_command, Command("reviews"))
    admins.callback_query.register(hide_review, ReviewHideCB.filter())
    router.include_router(admins)
    return router
