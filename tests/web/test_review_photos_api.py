"""Reviews in the API: a photo with the review, the seller's dashboard ratings and replies,
and the notices they bring as job rows."""

from __future__ import annotations

from typing import Any

from db.models import Job, OrderStatus, Review
from services import catalog, reviews
from services.catalog import ProductDraft
from services.jobs import JobKind
from tests.services.custom_data import picture
from tests.services.shop_data import make_user, order_in
from tests.web.conftest import Web
from tests.web.test_custom_api import form
from tests.web.test_pickup_and_profile_api import READY, move, placed_order
from tests.web.test_seller_api import SELLER_USER, own
from tests.web.test_shop_api import OTHER_USER, Customer, error_of, open_shop


async def completed(web: Web, ann: Customer) -> dict[str, Any]:
    order = await placed_order(web, ann)
    await move(web, order["id"], *READY, OrderStatus.completed)
    return order


async def add_photo(web: Web, who: Customer, order_id: int, data: bytes) -> tuple[int, Any]:
    response = await web.client.post(
        f"/api/v1/orders/{order_id}/review/photo", data=form(data), headers=who.headers
    )
    return response.status, await response.json()


async def test_a_review_photo_is_kept_clean_shown_with_the_review_and_told(web: Web) -> None:
    ann = Customer(web)
    order = await completed(web, ann)
    status, review = await ann.request(
        "POST", f"/orders/{order['id']}/review", body={"rating": 5, "text": "Warm bread"}
    )
    assert status == 201, review
    assert review["photo_url"] is None

    eve = Customer(web, OTHER_USER)
    assert (await add_photo(web, eve, order["id"], picture()))[0] == 404  # not her review
    status, body = await add_photo(web, ann, order["id"], b"not a picture at all")
    assert status == 422 and error_of(body, "upload_wrong_type")

    status, body = await add_photo(web, ann, order["id"], picture())
    assert status == 201, body
    assert body["photo_url"].startswith("/media/reviews/") and body["photo_url"].endswith(".jpg")
    served = await web.client.get(body["photo_url"])
    assert served.status == 200 and served.content_type == "image/jpeg"
    status, again = await add_photo(web, ann, order["id"], picture(color=(1, 2, 3)))
    assert status == 409 and error_of(again, "review_refused")

    status, listed = await ann.get(f"/providers/{order['provider']['id']}/reviews")
    assert status == 200
    assert listed["items"][0]["photo_url"] == body["photo_url"]
    assert listed["items"][0]["text"] == "Warm bread"

    kinds = await Job.filter(kind=str(JobKind.review_new)).values_list("key", flat=True)
    assert sorted(kinds) == [f"review.new:{order['id']}", f"review.new:{order['id']}:photo"]


async def test_the_seller_sees_ratings_on_the_dashboard_and_replies_from_the_mini_app(
    web: Web,
) -> None:
    ann = Customer(web)
    vera = Customer(web, SELLER_USER)
    order = await completed(web, ann)
    await own(vera)
    status, board = await vera.get("/seller/dashboard")
    assert status == 200, board
    assert board["reviews"] == {"rating": None, "rating_count": 0, "unanswered": 0, "latest": []}

    await ann.request("POST", f"/orders/{order['id']}/review", body={"rating": 4, "text": "Ok"})
    review = await Review.get(order_id=order["id"])
    status, board = await vera.get("/seller/dashboard")
    assert board["reviews"]["rating"] == 4.0 and board["reviews"]["rating_count"] == 1
    assert board["reviews"]["unanswered"] == 1
    assert [(r["id"], r["text"], r["reply"]) for r in board["reviews"]["latest"]] == [
        (review.id, "Ok", None)
    ]

    path = f"/seller/reviews/{review.id}/reply"
    status, body = await ann.request("POST", path, body={"text": "mine?"})
    assert status == 403  # a customer is on no shop's staff
    status, body = await vera.request("POST", path, body={"text": ""})
    assert status == 422
    status, body = await vera.request("POST", path, body={"text": "Thank you!"})
    assert status == 200, body
    assert body["reply"] == "Thank you!"
    assert (await Review.get(id=review.id)).reply == "Thank you!"
    told = await Job.get(key=JobKind.review_reply.key(review.id))
    assert told.payload == {"review_id": review.id}
    status, board = await vera.get("/seller/dashboard")
    assert board["reviews"]["unanswered"] == 0


async def test_a_new_rating_reorders_cached_lists_and_never_brings_back_a_stale_price(
    web: Web,
) -> None:
    shop = await open_shop(web)
    book = await catalog.create_product(
        shop.books, ProductDraft(title="Rye bread book", price=70000, stock=4)
    )
    ann = Customer(web)

    async def search() -> list[tuple[str, int, float | None]]:
        status, found = await ann.get("/search?q=rye")
        assert status == 200, found
        return [(i["title"], i["price"]["amount"], i["rating"]) for i in found["items"]]

    async def shops_by_rating() -> list[str]:
        status, listed = await ann.get("/providers?order=rating")
        assert status == 200, listed
        return [item["name"] for item in listed["items"]]

    first = [("Rye bread", 25000, None), ("Rye bread book", 70000, None)]
    assert await search() == first
    assert await search() == first  # now from the cache
    assert await shops_by_rating() == ["Bakery", "Books"]  # no ratings yet: by name
    status, by_name = await ann.get("/providers")
    assert status == 200
    assert [item["name"] for item in by_name["items"]] == ["Bakery", "Books"]

    await catalog.update_product(shop.books, book.id, price=65000)
    reader = await make_user()
    order = await order_in(OrderStatus.completed, reader, shop.books, product=book)
    await reviews.write(reader, order.id, 5, "Loved it")  # as the chat writes it

    assert await search() == [("Rye bread book", 65000, 5.0), ("Rye bread", 25000, None)]
    assert await shops_by_rating() == ["Books", "Bakery"]
    await catalog.update_product(shop.books, book.id, price=60000)
    assert (await search())[0] == ("Rye bread book", 60000, 5.0)
