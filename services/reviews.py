"""Reviews: one per completed order (1–5, a text, a photo), the provider's reply, admins hide.

A provider's rating is the average of its visible reviews (services.ratings; lists rank by its
damped score). A new review, a photo added to one and a reply are told by job rows written in
the same transaction (`review.new` to the provider's staff, `review.reply` to the customer);
a day after completion an order not rated yet brings a `review.request`. All three wait out
the recipient's quiet hours (services.quiet_hours).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count, Sum
from tortoise.transactions import in_transaction

from core.errors import InvalidInput, NotFound, NotStaff, ReviewRefused
from db.models import Order, OrderStatus, Provider, Review, User
from services import catalog_versions, design_images, jobs, media
from services.catalog import Page, paginate, providers_of
from services.events import ShopEvents
from services.jobs import JobKind
from services.ratings import Rating, provider_ratings, rating_of
from services.ratings import product_ratings as product_ratings

MAX_TEXT = 1000
MAX_REPLY = 1000
PAGE_SIZE = 10
LATEST = 5
"""Reviews on the seller's dashboard."""
PHOTO_DIR = "media/reviews"
"""Review photos under the data dir, served publicly by /media (names are content hashes)."""
REQUEST_AFTER = timedelta(days=1)
"""How long after completion an order not rated yet brings a request to rate it."""

__all__ = ["Rating", "product_ratings"]


def clean_rating(value: object) -> int:
    """A rating of 1 to 5 (an int, or digits as typed); InvalidInput naming rating else."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if type(value) is not int or not 1 <= value <= 5:
        raise InvalidInput(field="rating", min=1, max=5)
    return value


def clean_text(text: str | None, limit: int = MAX_TEXT) -> str:
    """The text without surrounding spaces; InvalidInput naming text when too long."""
    cleaned = (text or "").strip()
    if len(cleaned) > limit:
        raise InvalidInput(field="text", max=limit)
    return cleaned


async def store_photo(upload: Path, data_dir: Path) -> str:
    """Check an uploaded picture (type, size, pixels: UploadRefused says what is wrong) and keep
    it as a clean JPEG without metadata; its path relative to the data dir."""
    await asyncio.to_thread(design_images.inspect_upload, upload)
    data = await asyncio.to_thread(upload.read_bytes)
    directory = data_dir / PHOTO_DIR
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    photo, _thumb = await media.save_photo(data, directory)
    return photo.relative_to(data_dir).as_posix()


async def _tell(events: ShopEvents | None, keys: list[str]) -> None:
    if events is not None:
        await events.jobs_added(keys)


async def write(
    user: User,
    order_id: int,
    rating: object,
    text: str | None = "",
    *,
    photo: Path | None = None,
    photo_file_id: str | None = None,
    data_dir: Path | None = None,
    events: ShopEvents | None = None,
) -> Review:
    """The customer's review of their completed order, once, with an optional photo (an
    uploaded file under `data_dir`; `photo_file_id` when it came from the chat).

    Someone else's order is NotFound; an order not completed, or reviewed already, is
    ReviewRefused; a rating outside 1–5 or a text too long is InvalidInput; a photo we do not
    take is UploadRefused. The provider's staff are told by a `review.new` job.
    """
    stars = clean_rating(rating)
    body = clean_text(text)
    order = await Order.get_or_none(id=order_id, customer_id=user.id)
    if order is None:
        raise NotFound(entity="order")
    if order.status is not OrderStatus.completed:
        raise ReviewRefused(reason="not_completed", order_id=order.id)
    if await Review.exists(order_id=order.id):
        raise ReviewRefused(reason="exists", order_id=order.id)
    photo_path = None
    if photo is not None:
        if data_dir is None:
            raise ValueError("a review photo needs the data dir")
        photo_path = await store_photo(photo, data_dir)
    key = JobKind.review_new.key(order.id)
    try:
        async with in_transaction():
            review = await Review.create(
                order_id=order.id,
                user_id=user.id,
                provider_id=order.provider_id,
                rating=stars,
                text=body,
                photo_path=photo_path,
                photo_file_id=photo_file_id if photo_path else None,
            )
            await jobs.enqueue(JobKind.review_new, key, {"review_id": review.id})
            await jobs.cancel(JobKind.review_request.key(order.id), "rated")
            # The storefront's rating changed: cached catalogue pages must not show the old one.
            await catalog_versions.bump([order.provider_id])
    except IntegrityError as error:  # one per order, a double click included
        raise ReviewRefused(reason="exists", order_id=order.id) from error
    await _tell(events, [key])
    return review


async def attach_photo(
    user: User, order_id: int, upload: Path, data_dir: Path, events: ShopEvents | None = None
) -> Review:
    """A photo added to the person's review of the order (once; the Mini App sends it after
    the review). NotFound without such a review; ReviewRefused `photo_exists` for a second."""
    review = await Review.get_or_none(order_id=order_id, user_id=user.id)
    if review is None:
        raise NotFound(entity="review")
    if review.photo_path:
        raise ReviewRefused(reason="photo_exists", order_id=order_id)
    photo_path = await store_photo(upload, data_dir)
    key = JobKind.review_new.key(f"{order_id}:photo")
    async with in_transaction():
        added = await Review.filter(id=review.id, photo_path__isnull=True).update(
            photo_path=photo_path
        )
        if not added:  # a concurrent upload won
            raise ReviewRefused(reason="photo_exists", order_id=order_id)
        await jobs.enqueue(JobKind.review_new, key, {"review_id": review.id, "photo_added": True})
    await _tell(events, [key])
    await review.refresh_from_db()
    return review


async def remember_photo_file_id(review_id: int, file_id: str) -> None:
    """Telegram's id of the review's photo once the bot has sent it (sent by id next time)."""
    await Review.filter(id=review_id, photo_file_id__isnull=True).update(photo_file_id=file_id)


async def staff_review(user: User, review_id: int) -> Review:
    """A review of a provider the person is on the staff of; NotStaff for someone on no
    shop's staff, NotFound for another shop's review."""
    review = await Review.get_or_none(id=review_id)
    shops = {shop.id for shop in await providers_of(user)}
    if not shops:
        raise NotStaff()
    if review is None or review.provider_id not in shops:
        raise NotFound(entity="review")
    return review


async def reply(
    provider_id: int, review_id: int, text: str, events: ShopEvents | None = None
) -> Review:
    """The provider's answer to a review of its own (NotFound for others'); the customer is
    told by a `review.reply` job (a changed answer is told again)."""
    review = await Review.get_or_none(id=review_id, provider_id=provider_id)
    if review is None:
        raise NotFound(entity="review")
    body = clean_text(text, MAX_REPLY)
    if not body:
        raise InvalidInput(field="text", min=1)
    key = JobKind.review_reply.key(review.id)
    async with in_transaction():
        review.reply = body
        review.replied_at = datetime.now(UTC)
        await review.save(update_fields=["reply", "replied_at"])
        await jobs.enqueue(JobKind.review_reply, key, {"review_id": review.id})
    await _tell(events, [key])
    return review


async def staff_reply(
    user: User, review_id: int, text: str, events: ShopEvents | None = None
) -> Review:
    """A reply by someone on the staff of the review's provider (the chat and the Mini App)."""
    review = await staff_review(user, review_id)
    return await reply(review.provider_id, review.id, text, events)


async def request_review(order: Order) -> None:
    """Ask, a day after completion, for a rating of the order if none is given by then."""
    await jobs.enqueue(
        JobKind.review_request,
        JobKind.review_request.key(order.id),
        {"order_id": order.id},
        due_at=datetime.now(UTC) + REQUEST_AFTER,
        once=True,
    )


async def hide(review_id: int, hidden: bool = True) -> Review:
    """An admin hides (or shows again) a review: hidden ones count nowhere."""
    review = await Review.get_or_none(id=review_id)
    if review is None:
        raise NotFound(entity="review")
    async with in_transaction():
        await Review.filter(id=review.id).update(hidden=hidden)
        await catalog_versions.bump([review.provider_id])  # the rating counts it no more
    review.hidden = hidden
    return review


async def provider_reviews(provider_id: int, page: int = 1) -> Page[Review]:
    """A provider's visible reviews, newest first (NotFound for an unknown provider)."""
    if not await Provider.exists(id=provider_id, is_active=True):
        raise NotFound(entity="provider")
    query = Review.filter(provider_id=provider_id, hidden=False).order_by("-id")
    return await paginate(query, page, PAGE_SIZE)


async def rating(provider_id: int) -> Rating:
    """The provider's average of visible reviews."""
    rows = (
        await Review.filter(provider_id=provider_id, hidden=False)
        .annotate(stars=Sum("rating"), count=Count("id"))
        .values("stars", "count")
    )
    if not rows:
        return Rating(None, 0)
    return rating_of(int(rows[0]["stars"] or 0), int(rows[0]["count"] or 0))


async def ratings(provider_ids: list[int]) -> dict[int, Rating]:
    """Ratings of several providers at once (Rating(None, 0) for those without reviews)."""
    return await provider_ratings(provider_ids)


@dataclass(frozen=True, slots=True)
class StaffView:
    """A provider's rating and latest reviews, as its staff see them (hidden ones too)."""

    provider: Provider
    rating: Rating
    latest: list[Review]
    unanswered: int


async def staff_view(user: User, provider: Provider, limit: int = LATEST) -> StaffView:
    """The rating, the latest reviews and how many visible ones wait for a reply."""
    if provider.id not in {shop.id for shop in await providers_of(user)}:
        raise NotFound(entity="provider")
    latest = await Review.filter(provider_id=provider.id).order_by("-id").limit(limit)
    unanswered = await Review.filter(
        provider_id=provider.id, hidden=False, reply__isnull=True
    ).count()
    return StaffView(provider, await rating(provider.id), list(latest), unanswered)


# Personal data --------------------------------------------------------------------------------


async def export_reviews(user: User) -> list[dict[str, Any]]:
    """The person's reviews for /my_data."""
    rows = await Review.filter(user_id=user.id).order_by("id").prefetch_related("provider")
    return [
        {
            "order": row.order_id,
            "shop": row.provider.name,
            "rating": row.rating,
            "text": row.text,
            "photo": bool(row.photo_path),
            "reply": row.reply,
            "hidden": row.hidden,
            "written_at": row.created_at.isoformat(),
        }
        for row in rows
    ]


async def erase_person(user: User) -> list[str]:
    """Erasure: the texts and photos of the person's reviews go; the stars stay, so providers'
    ratings do not change. Call inside the erasure's transaction; the photos' paths are given
    back for `delete_photos` after the commit."""
    paths = await Review.filter(user_id=user.id, photo_path__isnull=False).values_list(
        "photo_path", flat=True
    )
    await Review.filter(user_id=user.id).update(text="", photo_path=None, photo_file_id=None)
    return [str(path) for path in paths]


async def delete_photos(data_dir: Path, paths: list[str]) -> None:
    """Delete review photo files (and thumbnails) no review refers to any more."""
    for path in paths:
        # Files are named by content: another review with the same picture keeps it.
        if not path.startswith(PHOTO_DIR + "/") or await Review.exists(photo_path=path):
            continue
        photo = data_dir / path
        thumb = photo.with_name(photo.stem + ".thumb.jpg")
        for file in (photo, thumb):
            await asyncio.to_thread(file.unlink, missing_ok=True)
