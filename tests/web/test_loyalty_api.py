"""GET /api/v1/loyalty: the caller's member card, points and their history."""

from __future__ import annotations

from decimal import Decimal

from db.models import OrderStatus, PointsLot, User
from services import loyalty
from tests.web.conftest import TG_USER, Web
from tests.web.test_pickup_and_profile_api import READY, move, placed_order
from tests.web.test_shop_api import OTHER_USER, Customer, open_shop


class Rates:
    loyalty_earn_percent = Decimal(10)
    loyalty_points_days = 365


async def test_the_card_shows_points_earned_by_a_completed_order(web: Web) -> None:
    ann = Customer(web)
    status, card = await ann.get("/loyalty")
    assert status == 200, card
    assert card["points"] == 0 and card["history"] == [] and card["next_expiry"] is None
    member_id = card["member_id"]
    assert len(member_id) == 10 and member_id.isdigit()

    order = await placed_order(web, ann)
    await move(web, order["id"], *READY, OrderStatus.completed)
    # The app runs the points job right after the completion (LOYALTY_EARN_PERCENT, 5 %).
    await web.services.jobs.run_due()
    assert await loyalty.earn_for_order(order["id"], Rates()) == 0  # given once already
    earned = (await PointsLot.get(order_id=order["id"])).points
    assert earned == int(order["total"]["amount"] * 5 // 100 // 100) and earned > 0

    status, card = await ann.get("/loyalty")
    assert status == 200
    assert card["member_id"] == member_id  # the same card
    assert card["points"] == earned and card["expiring"] == earned
    assert [(m["kind"], m["points"], m["order_id"]) for m in card["history"]] == [
        ("earned", earned, order["id"])
    ]
    anna = await User.get(tg_id=TG_USER["id"])
    assert await PointsLot.filter(user_id=anna.id).count() == 1

    status, other = await Customer(web, user=OTHER_USER).get("/loyalty")  # someone else's card
    assert status == 200 and other["points"] == 0 and other["member_id"] != member_id


async def test_the_card_needs_signed_init_data(web: Web) -> None:
    response = await web.client.get("/api/v1/loyalty")
    assert response.status == 401


async def test_points_pay_part_of_a_checkout_through_the_api(web: Web) -> None:
    shop = await open_shop(web)
    ann = Customer(web)
    assert (await ann.add(shop.bread, 2))[0] == 200
    status, first = await ann.checkout("points-0001")
    assert status == 201, first
    await move(web, first["id"], *READY, OrderStatus.completed)
    await web.services.jobs.run_due()
    anna = await User.get(tg_id=TG_USER["id"])
    balance = await loyalty.balance(anna.id)
    assert balance > 0

    assert (await ann.add(shop.bread, 2))[0] == 200
    status, refused = await ann.checkout("points-0002", points=10**6)  # more than allowed
    assert status == 422 and refused["error"]["field"] == "points", refused
    status, options = await ann.get("/checkout/options?points=1")
    assert status == 200, options
    quote = options["quote"]
    assert quote["points_balance"] == balance and quote["points"] == 1
    assert quote["total_pickup"]["amount"] == quote["items_total"]["amount"] - 100
    status, placed = await ann.checkout("points-0003", points=1)
    assert status == 201, placed
    assert placed["points_spent"] == 1 and placed["discount"]["amount"] == 100
    assert await loyalty.balance(anna.id) == balance - 1


async def test_a_review_of_a_completed_order_shows_on_the_providers_reviews(web: Web) -> None:
    ann = Customer(web)
    order = await placed_order(web, ann)
    path = f"/orders/{order['id']}/review"

    status, early = await ann.request("POST", path, body={"rating": 5})
    assert status == 409 and early["error"]["code"] == "review_refused"
    await move(web, order["id"], *READY, OrderStatus.completed)
    status, _ = await ann.request("POST", path, body={"rating": "abc"})
    assert status == 422
    status, _ = await Customer(web, user=OTHER_USER).request("POST", path, body={"rating": 5})
    assert status == 404  # someone else's order

    status, review = await ann.request("POST", path, body={"rating": 4, "text": "Good"})
    assert status == 201, review
    assert (review["rating"], review["text"], review["reply"]) == (4, "Good", None)
    status, again = await ann.request("POST", path, body={"rating": 5})
    assert status == 409 and again["error"]["message"] == "This order has a review already."

    provider_id = order["provider"]["id"]
    status, page = await ann.get(f"/providers/{provider_id}/reviews")
    assert status == 200, page
    assert (page["rating"], page["rating_count"], page["total"]) == (4.0, 1, 1)
    assert [item["id"] for item in page["items"]] == [review["id"]]
    assert (await ann.get("/providers/999999/reviews"))[0] == 404


async def test_my_referral_link(web: Web) -> None:
    ann = Customer(web)
    status, referral = await ann.get("/referral")
    assert status == 200, referral
    anna = await User.get(tg_id=TG_USER["id"])
    assert referral["start_parameter"] == f"ref_{anna.pseudonym}"
    assert referral["link"] is None or referral["link"].endswith(f"?start=ref_{anna.pseudonym}")
    assert (referral["invited"], referral["rewarded"], referral["points"]) == (0, 0, 0)
