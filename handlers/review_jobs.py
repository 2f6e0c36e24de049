"""Review notices, sent by the job runner in the recipient's language after quiet hours.

`review.new`: the provider's staff hear of a new review (with its photo) or of a photo added
to one, with "💬 Reply". `review.reply`: the customer reads the provider's answer.
`review.request`: a day after completion, an order not rated yet is offered "⭐ Rate the order".
Each is at least once; a notice whose subject is gone (hidden review, rated order) is dropped.
All three kinds are non-urgent (services.quiet_hours): inside the recipient's quiet hours the
row is postponed to their end.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from html import escape

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import FSInputFile, InlineKeyboardMarkup, Message

from core.i18n import gettext as _
from core.i18n import pick_locale
from core.texts import shorten
from db.models import Job, Order, OrderStatus, Review, User
from handlers.notifications import reachable
from keyboards import reviews as kb
from services import jobs, quiet_hours, reviews, users
from services.container import Services
from services.jobs import JobKind, JobPolicy, JobRunner

NOTICE_POLICY = JobPolicy(first_backoff=timedelta(seconds=30), max_backoff=timedelta(minutes=30))
CAPTION_TEXT = 800
"""Of a review's text under its photo (a caption holds 1024 characters)."""


class ReviewNotices:
    """The handler of every review job kind."""

    def __init__(self, bot: Bot, services: Services) -> None:
        self._bot = bot
        self._i18n = services.i18n
        self._settings = services.settings

    async def __call__(self, job: Job) -> None:
        """Send what the job is about, if it still makes sense."""
        kind = JobKind(job.kind)
        if kind is JobKind.review_request:
            await self._request(job, int(job.payload["order_id"]))
            return
        review = await Review.get_or_none(id=int(job.payload["review_id"])).prefetch_related(
            "provider__owner", "user"
        )
        if review is None:
            return
        if kind is JobKind.review_new:
            await self._new(job, review, bool(job.payload.get("photo_added")))
        else:
            await self._reply(job, review)

    async def _new(self, job: Job, review: Review, photo_added: bool) -> None:
        owner = review.provider.owner
        if review.hidden or owner is None or not reachable(owner):
            return
        quiet_hours.hold(job.kind, owner, self._settings)
        with self._speaking(owner):
            stars = kb.stars_line(review.rating)
            if photo_added:
                head = _("📷 A photo was added to the review of order #{number}.")
            else:
                head = _("{stars} New review of order #{number} at {shop}.")
            lines = [
                head.format(stars=stars, number=review.order_id, shop=escape(review.provider.name))
            ]
            if review.text and not photo_added:
                limit = CAPTION_TEXT if review.photo_path else 3000
                lines.append(escape(shorten(review.text, limit)))
            markup = kb.reply_button(review.id)
        await self._deliver(owner, "\n".join(lines), markup, review)

    async def _reply(self, job: Job, review: Review) -> None:
        customer = review.user
        if not review.reply or not reachable(customer):
            return
        quiet_hours.hold(job.kind, customer, self._settings)
        with self._speaking(customer):
            text = _("💬 {shop} replied to your review of order #{number}:").format(
                shop=escape(review.provider.name), number=review.order_id
            )
        await self._deliver(customer, text + "\n" + escape(review.reply), None, None)

    async def _request(self, job: Job, order_id: int) -> None:
        order = await Order.get_or_none(id=order_id).prefetch_related("customer", "provider")
        if order is None or order.status is not OrderStatus.completed:
            return
        if await Review.exists(order_id=order.id) or not reachable(order.customer):
            return
        quiet_hours.hold(job.kind, order.customer, self._settings)
        with self._speaking(order.customer):
            text = _("How was order #{number} from {shop}? Your rating helps other customers.")
            text = text.format(number=order.id, shop=escape(order.provider.name))
            markup = InlineKeyboardMarkup(inline_keyboard=[[kb.rate_button(order.id)]])
        await self._deliver(order.customer, text, markup, None)

    @contextmanager
    def _speaking(self, person: User) -> Iterator[None]:
        """gettext in the person's language (their choice, else their Telegram client's)."""
        locale = pick_locale(
            person.locale, person.language_code, default=self._settings.default_locale
        )
        with self._i18n.context(), self._i18n.use_locale(locale):
            yield

    async def _deliver(
        self, person: User, text: str, markup: InlineKeyboardMarkup | None, photo_of: Review | None
    ) -> None:
        """A message, or the review's photo captioned with it; blocked: marked; else retried."""
        chat_id = int(person.tg_id or 0)
        try:
            if photo_of is not None and photo_of.photo_path:
                sent = await self._bot.send_photo(
                    chat_id, self._photo(photo_of), caption=text[:1024], reply_markup=markup
                )
                await self._remember(photo_of, sent)
            else:
                await self._bot.send_message(chat_id, text, reply_markup=markup)
        except TelegramForbiddenError:
            await users.mark_bot_blocked(chat_id)
        except TelegramAPIError as exc:
            raise jobs.Retry(f"Bot API: {exc}") from exc

    def _photo(self, review: Review) -> str | FSInputFile:
        if review.photo_file_id:
            return review.photo_file_id
        return FSInputFile(self._settings.data_path / str(review.photo_path))

    async def _remember(self, review: Review, sent: Message) -> None:
        if not review.photo_file_id and sent.photo:
            await reviews.remember_photo_file_id(review.id, sent.photo[-1].file_id)


REVIEW_KINDS = (JobKind.review_new, JobKind.review_reply, JobKind.review_request)


def register_review_jobs(runner: JobRunner, bot: Bot, services: Services) -> None:
    """Review notices to the provider's staff and to the customer, and review requests."""
    notices = ReviewNotices(bot, services)
    for kind in REVIEW_KINDS:
        runner.register(kind, notices, NOTICE_POLICY)
