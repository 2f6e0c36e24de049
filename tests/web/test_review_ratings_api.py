"""Ratings on the storefront (fresh despite the cache) and the member card's QR image."""

from __future__ import annotations

from typing import Any

from db.models import OrderStatus, User
from services import reviews
from tests.web.conftest import TG_USER, Web
from tests.web.test_pickup_and_profile_api import READY, expected, modules, move, placed_order
from tests.web.test_shop_api import OTHER_USER, Customer


async def rating_of(ann: Customer, provider_id: int) -> tuple[Any, Any, Any, Any]:
    """The storefront's and the catalogue's rating and count of the provider."""
    status, page = await ann.get(f"/providers/{provider_id}")
    assert status == 200, page
    status, listing = await ann.get("/catalog")
    assert status == 200, listing
    listed = next(item for item in listing["items"] if item["id"] == provider_id)
    return page["rating"], page["reviews_count"], listed["rating"], listed["reviews_count"]


async def product_rating_of(ann: Customer, provider_id: int, product_id: int) -> tuple[Any, ...]:
    """The product card's and the product list's rating and count of the product."""
    status, card = await ann.get(f"/products/{product_id}")
    assert status == 200, card
    status, listing = await ann.get(f"/providers/{provider_id}/products")
    assert status == 200, listing
    listed = next(item for item in listing["items"] if item["id"] == product_id)
    return card["rating"], card["reviews_count"], listed["rating"], listed["reviews_count"]


async def test_a_review_and_its_hiding_show_at_once_despite_the_cache(web: Web) -> None:
    ann = Customer(web)
    order = await placed_order(web, ann)
    provider_id = order["provider"]["id"]
    await move(web, order["id"], *READY, OrderStatus.completed)
    product_id = order["items"][0]["product_id"]
    assert await rating_of(ann, provider_id) == (None, 0, None, 0)
    assert await rating_of(ann, provider_id) == (None, 0, None, 0)  # now from the cache
    assert await product_rating_of(ann, provider_id, product_id) == (None, 0, None, 0)

    anna = await User.get(tg_id=TG_USER["id"])
    review = await reviews.write(anna, order["id"], 4, "Good")  # as the chat writes it
    assert await rating_of(ann, provider_id) == (4.0, 1, 4.0, 1)
    assert await product_rating_of(ann, provider_id, product_id) == (4.0, 1, 4.0, 1)

    await reviews.hide(review.id)  # an admin hides it: it counts no more
    assert await rating_of(ann, provider_id) == (None, 0, None, 0)
    assert await product_rating_of(ann, provider_id, product_id) == (None, 0, None, 0)
    await reviews.hide(review.id, hidden=False)
    assert await rating_of(ann, provider_id) == (4.0, 1, 4.0, 1)


async def test_the_member_card_png_is_a_qr_of_the_member_id(web: Web) -> None:
    ann = Customer(web)
    status, card = await ann.get("/loyalty")
    assert status == 200, card
    response = await web.client.get("/api/v1/loyalty/card.png", headers=ann.headers)
    assert (response.status, response.content_type) == (200, "image/png")
    assert modules(await response.read()) == expected(card["member_id"])
    bob = Customer(web, OTHER_USER)  # everyone gets their own card
    status, other = await bob.get("/loyalty")
    assert status == 200 and other["member_id"] != card["member_id"]
    response = await web.client.get("/api/v1/loyalty/card.png", headers=bob.headers)
    assert modules(await response.read()) == expected(other["member_id"])
    assert (await web.client.get("/api/v1/loyalty/card.png")).status == 401  # no initData
