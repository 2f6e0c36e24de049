"""Reviews: one per completed order (1–5 and a text), the provider's reply, admins hide them.

A provider's rating is the average of its visible reviews.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count, Sum
from tortoise.transactions import in_transaction

from core.errors import InvalidInput, NotFound, ReviewRefused
from db.models import Order, OrderItem, OrderStatus, Provider, Review, User
from services import catalog_versions
from services.catalog import Page, paginate

MAX_TEXT = 1000
MAX_REPLY = 1000
PAGE_SIZE = 10


@dataclass(frozen=True, slots=True)
class Rating:
    """A provider's average rating (None: no reviews yet) and how many reviews count."""

    average: float | None
    count: int


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


async def write(user: User, order_id: int, rating: object, text: str | None = "") -> Review:
    """The customer's review of their completed order, once.

    Someone else's order is NotFound; an order not completed, or reviewed already, is
    ReviewRefused; a rating outside 1–5 or a text too long is InvalidInput.
    """
    stars = clean_rating(rating)
    body = clean_text(text)
    order = await Order.get_or_none(id=order_id, customer_id=user.id)
    if order is None:
        raise NotFound(entity="order")
    if order.status is not OrderStatus.completed:
        raise ReviewRefused(reason="not_completed", order_id=order.id)
    try:
        async with in_transaction():
            review = await Review.create(
                order_id=order.id,
                user_id=user.id,
                provider_id=order.provider_id,
                rating=stars,
                text=body,
            )
            # The storefront's rating changed: cached catalogue pages must not show the old one.
            await catalog_versions.bump([order.provider_id])
        return review
    except IntegrityError as error:  # one per order, a double click included
        raise ReviewRefused(reason="exists", order_id=order.id) from error


async def reply(provider_id: int, review_id: int, text: str) -> Review:
    """The provider's answer to a review of its own (NotFound for others')."""
    review = await Review.get_or_none(id=review_id, provider_id=provider_id)
    if review is None:
        raise NotFound(entity="review")
    body = clean_text(text, MAX_REPLY)
    if not body:
        raise InvalidInput(field="text", min=1)
    review.reply = body
    await review.save(update_fields=["reply"])
    return review


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
    count = int(rows[0]["count"] or 0) if rows else 0
    if not count:
        return Rating(None, 0)
    return Rating(round(int(rows[0]["stars"]) / count, 2), count)


async def ratings(provider_ids: list[int]) -> dict[int, Rating]:
    """Ratings of several providers at once (Rating(None, 0) for those without reviews)."""
    ids = sorted(set(provider_ids))
    found: dict[int, Rating] = {provider_id: Rating(None, 0) for provider_id in ids}
    if not ids:
        return found
    rows = (
        await Review.filter(provider_id__in=ids, hidden=False)
        .annotate(stars=Sum("rating"), count=Count("id"))
        .group_by("provider_id")
        .values("provider_id", "stars", "count")
    )
    for row in rows:
        count = int(row["count"] or 0)
        if count:
            found[int(row["provider_id"])] = Rating(round(int(row["stars"]) / count, 2), count)
    return found


async def product_ratings(product_ids: list[int]) -> dict[int, Rating]:
    """Ratings of products: the visible reviews of the orders that had them in."""
    ids = sorted(set(product_ids))
    found: dict[int, Rating] = {product_id: Rating(None, 0) for product_id in ids}
    if not ids:
        return found
    lines = (
        await OrderItem.filter(product_id__in=ids, order__review__hidden=False)
        .distinct()
        .values_list("product_id", "order__review__rating")
    )
    sums: dict[int, list[int]] = {}
    for product_id, stars in lines:
        if product_id is not None and stars is not None:
            sums.setdefault(int(product_id), []).append(int(stars))
    for product_id, all_stars in sums.items():
        found[product_id] = Rating(round(sum(all_stars) / len(all_stars), 2), len(all_stars))
    return found
