"""Reviews: one per completed order of one's own, the provider's reply, admins hide them."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput, NotFound, ReviewRefused
from db.models import OrderStatus, Review
from services import reviews
from tests.services.shop_data import make_provider, make_user, order_in

pytestmark = pytest.mark.usefixtures("db")


async def test_a_customer_reviews_a_completed_order_once_and_the_shop_replies() -> None:
    ann, bob, shop = await make_user(), await make_user(), await make_provider()
    done = await order_in(OrderStatus.completed, ann, shop)
    waiting = await order_in(OrderStatus.paid, ann, shop)

    with pytest.raises(NotFound):
        await reviews.write(bob, done.id, 5, "not mine")  # someone else's order
    with pytest.raises(ReviewRefused) as early:
        await reviews.write(ann, waiting.id, 5)
    assert early.value.details["reason"] == "not_completed"
    for bad in ("abc", 0, 6, "4.5", None):
        with pytest.raises(InvalidInput) as refused:
            await reviews.write(ann, done.id, bad)
        assert refused.value.details["field"] == "rating"
    assert not await Review.exists()

    review = await reviews.write(ann, done.id, "4", "  Tasty bread  ")
    assert (review.rating, review.text, review.provider_id) == (4, "Tasty bread", shop.id)
    with pytest.raises(ReviewRefused) as twice:
        await reviews.write(ann, done.id, 5)
    assert twice.value.details["reason"] == "exists"

    other = await make_provider()
    with pytest.raises(NotFound):
        await reviews.reply(other.id, review.id, "Thanks")  # not their review
    await reviews.reply(shop.id, review.id, "Thank you!")
    assert (await Review.get(id=review.id)).reply == "Thank you!"


async def test_the_rating_averages_visible_reviews_and_a_hidden_one_counts_nowhere() -> None:
    shop = await make_provider()
    assert (await reviews.rating(shop.id)).count == 0
    for stars in (5, 4, 1):
        person = await make_user()
        order = await order_in(OrderStatus.completed, person, shop)
        last = await reviews.write(person, order.id, stars)
    assert await reviews.rating(shop.id) == reviews.Rating(3.33, 3)

    await reviews.hide(last.id)

    assert await reviews.rating(shop.id) == reviews.Rating(4.5, 2)
    page = await reviews.provider_reviews(shop.id)
    assert [r.rating for r in page.items] == [4, 5] and page.total == 2
