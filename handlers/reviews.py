"""Reviews in chat: the customer rates a completed order, the provider replies, admins hide.

"⭐ Rate the order" under the completion message → 1–5 stars → a text or "Skip" → a photo
or "Skip" → saved by services.reviews (one per order: a double click or a stale button is
refused there and told by handlers.errors). The provider's owner gets the review with
"💬 Reply" and the reply goes back to the customer, both as job rows (handlers.review_jobs).
`/reviews` lists recent visible reviews for admins with "🙈 Hide".
"""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from core.config import Settings
from core.errors import InvalidInput, NotFound, ReviewRefused, UploadRefused
from core.i18n import gettext as _
from core.problems import explain
from core.texts import shorten
from db.models import Order, OrderStatus, Review, User
from handlers.admin_common import IsAdmin, show
from handlers.designs import download_picture, picture_of
from keyboards import reviews as kb
from keyboards.reviews import RateAction, RateCB, ReviewHideCB, ReviewReplyCB
from services import design_images, reviews
from services.events import ShopEvents

RECENT = 10
LIST_TEXT = 200


class RateOrder(StatesGroup):
    """Rating an order: the stars are asked, then the text."""

    stars = State()
    text = State()
    photo = State()


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


async def _ask_photo(
    message: Message, state: FSMContext, order_id: int, stars: int, text: str
) -> None:
    await state.set_state(RateOrder.photo)
    await state.set_data({"order_id": order_id, "stars": stars, "text": text})
    await message.answer(
        _(
            "📷 Send a photo of what you got (JPEG, PNG or WebP, up to {size} MB), or press Skip."
        ).format(size=design_images.MAX_UPLOAD_BYTES // 2**20),
        reply_markup=kb.skip_photo(order_id, stars),
    )


async def rate_skip(
    callback: CallbackQuery, callback_data: RateCB, user: User, state: FSMContext
) -> None:
    """The button Skip under the text question: no text, the photo is asked next."""
    stars = reviews.clean_rating(callback_data.stars)
    order = await _rateable(user, callback_data.order_id)
    if isinstance(callback.message, Message):
        await _ask_photo(callback.message, state, order.id, stars, "")


async def review_text(message: Message, user: User, state: FSMContext) -> None:
    """The typed text (checked now, saved with the photo or without it)."""
    data = await state.get_data()
    order = await _rateable(user, int(data.get("order_id", 0)))
    text = reviews.clean_text(message.text)
    await _ask_photo(message, state, order.id, reviews.clean_rating(data.get("stars", 0)), text)


async def review_not_text(message: Message) -> None:
    """A photo, sticker, ... where a text is expected."""
    await message.answer(_("Please write the review as text, or press Skip."))


async def _text_for(state: FSMContext, order_id: int) -> str:
    """The text typed for this order (a stale Skip of another rating has none)."""
    data = await state.get_data()
    return str(data.get("text", "")) if data.get("order_id") == order_id else ""


async def no_photo(
    callback: CallbackQuery,
    callback_data: RateCB,
    user: User,
    state: FSMContext,
    shop_events: ShopEvents,
) -> None:
    """The button Skip under the photo question: the review is saved without a photo."""
    text = await _text_for(state, callback_data.order_id)
    await reviews.write(user, callback_data.order_id, callback_data.stars, text, events=shop_events)
    await state.clear()
    if isinstance(callback.message, Message):
        await callback.message.answer(_("⭐ Thank you! Your review is saved."))


async def review_photo(
    message: Message,
    user: User,
    state: FSMContext,
    bot: Bot,
    settings: Settings,
    shop_events: ShopEvents,
) -> None:
    """The photo (or an image file): checked, kept, and the review saved with it."""
    found = picture_of(message)
    if found is None:
        await message.answer(_("Please send a photo, or press Skip."))
        return
    file_id, _unique_id, size = found
    data = await state.get_data()
    order_id, stars = int(data.get("order_id", 0)), int(data.get("stars", 0))
    await _rateable(user, order_id)
    try:
        upload = await download_picture(bot, settings, file_id, size)
        try:
            await reviews.write(
                user,
                order_id,
                stars,
                str(data.get("text", "")),
                photo=upload,
                photo_file_id=file_id if message.photo else None,
                data_dir=settings.data_path,
                events=shop_events,
            )
        finally:
            upload.unlink(missing_ok=True)
    except UploadRefused as refused:  # another picture may do
        await message.answer(
            explain(refused) + "\n" + _("Send another photo, or press Skip."),
            reply_markup=kb.skip_photo(order_id, stars),
        )
        return
    await state.clear()
    await message.answer(_("⭐ Thank you! Your review with the photo is saved."))


# The provider ------------------------------------------------------------------------------


async def reply_start(
    callback: CallbackQuery, callback_data: ReviewReplyCB, user: User, state: FSMContext
) -> None:
    """The button 💬 Reply: the owner types the answer next."""
    review = await reviews.staff_review(user, callback_data.review_id)
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
    message: Message, user: User, state: FSMContext, shop_events: ShopEvents
) -> None:
    """The typed reply: saved; the customer is told by a job (services.reviews)."""
    data = await state.get_data()
    await reviews.staff_reply(user, int(data.get("review_id", 0)), message.text or "", shop_events)
    await state.clear()
    await message.answer(_("💬 Your reply is sent to the customer."))


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
    router.callback_query.register(no_photo, RateCB.filter(F.action == RateAction.no_photo))
    router.callback_query.register(reply_start, ReviewReplyCB.filter())
    router.message.register(typed_stars, StateFilter(RateOrder.stars), F.text)
    router.message.register(review_text, StateFilter(RateOrder.text), F.text)
    router.message.register(review_not_text, StateFilter(RateOrder.text))
    router.message.register(review_photo, StateFilter(RateOrder.photo))
    router.message.register(reply_text, StateFilter(ReplyReview.text), F.text)
    router.message.register(reply_not_text, StateFilter(ReplyReview.text))
    admins = Router(name=f"{__name__}.admin")
    admins.message.filter(IsAdmin())
    admins.callback_query.filter(IsAdmin())
    admins.message.register(reviews_command, Command("reviews"))
    admins.callback_query.register(hide_review, ReviewHideCB.filter())
    router.include_router(admins)
    return router
