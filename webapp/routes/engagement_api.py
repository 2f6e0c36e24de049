"""The engagement part of /api/v1: the loyalty card with its points and history, reviews.

Its endpoints join the shop API's document (`shop_api.setup` registers this table too).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Literal

import aiohttp
from aiogram.exceptions import TelegramAPIError
from loguru import logger
from pydantic import Field

from core.errors import NotFound
from db.models import Review as ReviewRow
from services import loyalty, reviews
from services.deeplinks import referral_link
from webapp.keys import BOT
from webapp.qr import qr_png
from webapp.routes.media import media_url
from webapp.routes.shop_api_kit import Call, Png, RouteTable
from webapp.routes.shop_api_models import JsonInt, Page, PageQuery, RequestBody, ResponseBody
from webapp.routes.uploads import UPLOAD_FIELD, incoming_path, receive_upload

routes = RouteTable()


class PointsMove(ResponseBody):
    """One change of the person's points."""

    at: datetime
    points: int = Field(
        description="Positive: earned or given back; negative: spent, expired or taken back."
    )
    kind: Literal["earned", "spent", "returned", "expired", "taken_back"]
    order_id: int | None


class Loyalty(ResponseBody):
    """The person's member card: its id (the QR code shows it), points and latest moves."""

    member_id: str = Field(description="10 digits; the chat's /card shows it as a QR code.")
    points: int = Field(description="1 point = 1 rouble.")
    next_expiry: datetime | None = Field(description="When the points earned first expire.")
    expiring: int = Field(description="How many points expire then.")
    history: list[PointsMove] = Field(description="Newest first, at most 20.")


@routes.endpoint("GET", "/loyalty", tag="loyalty")
async def get_loyalty(call: Call) -> Loyalty:
    """The caller's member card (issued on first use), points and their latest moves."""
    summary = await loyalty.summary(call.user)
    return Loyalty(
        member_id=summary.member_id,
        points=summary.points,
        next_expiry=summary.next_expiry,
        expiring=summary.expiring,
        history=[
            PointsMove(at=move.at, points=move.points, kind=move.kind, order_id=move.order_id)
            for move in summary.history
        ],
    )


@routes.endpoint("GET", "/loyalty/card.png", tag="loyalty")
async def loyalty_card_png(call: Call) -> Png:
    """The caller's member card as a PNG QR code of the member id (the chat's /card draws the
    same code); the seller scans it."""
    summary = await loyalty.summary(call.user)
    return Png(await asyncio.to_thread(qr_png, summary.member_id))


class ReviewRequest(RequestBody):
    """A review of a completed order."""

    rating: JsonInt = Field(ge=1, le=5, description="1 to 5 stars.")
    text: str = Field(default="", max_length=reviews.MAX_TEXT)


class Review(ResponseBody):
    """A customer's review and the provider's reply."""

    id: int
    order_id: int
    rating: int
    text: str
    reply: str | None
    photo_url: str | None = Field(description="The customer's photo (JPEG); null: none.")
    created_at: datetime


class ReviewList(Page):
    """One page of a provider's reviews, newest first, with its rating."""

    items: list[Review]
    rating: float | None = Field(description="Average of the visible reviews; null: none yet.")
    rating_count: int


def _review(row: ReviewRow) -> Review:
    return Review(
        id=row.id,
        order_id=row.order_id,
        rating=row.rating,
        text=row.text,
        reply=row.reply,
        photo_url=media_url(row.photo_path),
        created_at=row.created_at,
    )


class Referral(ResponseBody):
    """The caller's invitation link and what it brought."""

    start_parameter: str = Field(description="`ref_<code>`: the /start payload of the link.")
    link: str | None = Field(
        description="t.me link with that start parameter; null while Telegram cannot be asked "
        "for the bot's username."
    )
    invited: int = Field(description="People who joined through it.")
    rewarded: int = Field(description="Of them, those whose first order was completed.")
    points: int = Field(description="Points the invitations brought.")


@routes.endpoint("GET", "/referral", tag="loyalty")
async def get_referral(call: Call) -> Referral:
    """The caller's personal link (start=ref_<code>) and the rewards it brought."""
    summary = await loyalty.referral_summary(call.user)
    link: str | None = None
    try:  # aiogram keeps the answer after the first call
        me = await asyncio.wait_for(call.request.config_dict[BOT].me(), timeout=3)
        link = referral_link(me.username or "", call.user.pseudonym) if me.username else None
    except (TelegramAPIError, aiohttp.ClientError, TimeoutError) as error:
        logger.warning("Referral link without the bot's username: {}", error)
    return Referral(
        start_parameter=f"ref_{call.user.pseudonym}",
        link=link,
        invited=summary.invited,
        rewarded=summary.rewarded,
        points=summary.points,
    )


@routes.endpoint(
    "POST", "/orders/{order_id}/review", tag="loyalty", status=201, errors=(404, 409, 422)
)
async def write_review(call: Call, body: ReviewRequest, order_id: int) -> Review:
    """Review one's own completed order, once (`review_refused` with `not_completed` or
    `exists`; someone else's order is 404). A photo follows with POST .../review/photo."""
    review = await reviews.write(
        call.user, order_id, body.rating, body.text, events=call.services.shop_events
    )
    return _review(review)


@routes.endpoint(
    "POST",
    "/orders/{order_id}/review/photo",
    tag="loyalty",
    status=201,
    errors=(404, 409, 413, 422),
    upload=UPLOAD_FIELD,
)
async def add_review_photo(call: Call, order_id: int) -> Review:
    """Add a photo to one's review of the order (multipart field `file`), once (201).

    The type comes from the content (JPEG, PNG, WebP); it is kept as a JPEG without metadata
    and shown with the review. 404 without such a review; 409 `review_refused` with
    `photo_exists` for a second photo; 413 `upload_too_large`; 422 `upload_wrong_type`,
    `upload_too_many_pixels`, `upload_bomb`, `upload_corrupt`, `upload_empty`.
    """
    if not await ReviewRow.exists(order_id=order_id, user_id=call.user.id):
        raise NotFound(entity="review")  # before reading a byte
    upload = incoming_path(call)
    try:
        await receive_upload(call.request, upload)
        review = await reviews.attach_photo(
            call.user, order_id, upload, call.settings.data_path, call.services.shop_events
        )
    finally:
        await asyncio.to_thread(upload.unlink, missing_ok=True)
    return _review(review)


@routes.endpoint("GET", "/providers/{provider_id}/reviews", tag="loyalty", errors=(404,))
async def provider_reviews(call: Call, query: PageQuery, provider_id: int) -> ReviewList:
    """A provider's reviews (hidden ones left out), newest first, and its rating."""
    page = await reviews.provider_reviews(provider_id, query.page)
    rating = await reviews.rating(provider_id)
    return ReviewList(
        items=[_review(row) for row in page.items],
        page=page.number,
        pages=page.pages,
        total=page.total,
        rating=rating.average,
        rating_count=rating.count,
    )
