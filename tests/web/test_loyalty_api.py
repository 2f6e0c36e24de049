"""GET /api/v1/loyalty: the caller's member card, points and their history."""

from __future__ import annotations

from decimal import Decimal

from db.models import OrderStatus, PointsLot, User
from services import loyalty
from tests.web.conftest import TG_USER, Web
from tests.web.test_pickup_and_profile_api import READY, move, placed_order
from tests.web.test_shop_api import OTHER_USER, Customer


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
