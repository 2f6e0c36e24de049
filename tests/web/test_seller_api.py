"""Seller mode's API: the shop's staff see and move their orders, hand them over by the
customer's pickup code, see what runs out and how the shop does; nobody else does."""

from __future__ import annotations

import asyncio
from typing import Any, get_args

import pytest

from db.models import Order, OrderStatus, OrderTransition, Provider, User
from services.seller import OrderFilter
from tests.web.conftest import TG_USER, Web
from tests.web.test_pickup_and_profile_api import READY, move, placed_order
from tests.web.test_shop_api import OTHER_USER, Customer, error_of
from webapp.routes.seller_api_models import SellerOrdersQuery

SELLER_USER: dict[str, Any] = {**TG_USER, "id": 5550077, "first_name": "Vera", "username": "v"}


@pytest.fixture
async def vera(web: Web) -> Customer:
    """The bakery's owner in the Mini App (the bakery is made by `placed_order`)."""
    return Customer(web, SELLER_USER)


async def own(vera: Customer, slug: str = "bakery") -> User:
    user = await vera.user()
    await Provider.filter(slug=slug).update(owner_id=user.id)
    return user


async def ready_order(web: Web, ann: Customer) -> dict[str, Any]:
    order = await placed_order(web, ann)
    await move(web, order["id"], *READY)
    return order


async def test_the_staff_hand_over_an_order_by_its_pickup_code_once(
    web: Web, vera: Customer
) -> None:
    ann = Customer(web)
    order = await ready_order(web, ann)
    await own(vera)

    code = {"pickup_code": order["pickup_code"]}
    status, body = await vera.request("POST", "/seller/pickups", body=code)

    assert status == 200, body
    assert body["id"] == order["id"] and body["status"] == "completed"
    assert body["cash_confirmed"] is True  # a cash order: the money is taken at hand-over
    assert "pickup_code" not in body
    status, again = await vera.request(
        "POST", "/seller/pickups", body={"pickup_code": order["pickup_code"]}
    )
    assert status == 409
    assert f"#{order['id']}" in error_of(again, "pickup_code_used")["message"]
    done = OrderTransition.filter(order_id=order["id"], to_status=OrderStatus.completed)
    assert await done.count() == 1
    status, mine = await ann.get(f"/orders/{order['id']}")
    assert mine["status"] == "completed"


async def test_two_scans_at_once_complete_the_order_once(web: Web, vera: Customer) -> None:
    ann = Customer(web)
    order = await ready_order(web, ann)
    await own(vera)
    code = {"pickup_code": order["pickup_code"]}

    answers = await asyncio.gather(
        vera.request("POST", "/seller/pickups", body=code),
        vera.request("POST", "/seller/pickups", body=code),
    )

    assert sorted(status for status, _ in answers) == [200, 409]
    refused = next(body for status, body in answers if status == 409)
    error_of(refused, "pickup_code_used")
    done = OrderTransition.filter(order_id=order["id"], to_status=OrderStatus.completed)
    assert await done.count() == 1


async def test_a_customer_calling_seller_endpoints_gets_403(web: Web) -> None:
    ann = Customer(web)
    order = await ready_order(web, ann)
    calls = [
        ("GET", "/seller/shops", None),
        ("GET", "/seller/orders", None),
        ("GET", f"/seller/orders/{order['id']}", None),
        ("POST", f"/seller/orders/{order['id']}/status", {"status": "completed"}),
        ("POST", "/seller/pickups", {"pickup_code": order["pickup_code"]}),
        ("GET", "/seller/low-stock", None),
        ("GET", "/seller/dashboard", None),
    ]
    for method, path, body in calls:
        status, answer = await ann.request(method, path, body=body)
        assert status == 403, (path, answer)
        assert error_of(answer, "not_staff")["message"]
    assert (await Order.get(id=order["id"])).status is OrderStatus.ready_for_pickup


async def test_another_shops_staff_get_404_and_change_nothing(web: Web, vera: Customer) -> None:
    ann = Customer(web)
    order = await ready_order(web, ann)
    await own(vera, "books")  # Vera runs the bookshop, not the bakery
    books = await Provider.get(slug="books")
    bakery = await Provider.get(slug="bakery")

    for method, path, body in [
        ("GET", f"/seller/orders/{order['id']}", None),
        ("POST", f"/seller/orders/{order['id']}/status", {"status": "completed"}),
        ("GET", f"/seller/orders?provider_id={bakery.id}", None),
        ("GET", f"/seller/dashboard?provider_id={bakery.id}", None),
    ]:
        status, answer = await vera.request(method, path, body=body)
        assert status == 404, (path, answer)
        error_of(answer, "not_found")
    status, answer = await vera.request(
        "POST", "/seller/pickups", body={"pickup_code": order["pickup_code"]}
    )
    assert status == 404
    assert error_of(answer, "pickup_code_unknown")["message"]
    status, mine = await vera.get("/seller/orders?status=all")
    assert status == 200 and mine["items"] == []
    status, shops = await vera.get("/seller/shops")
    assert [shop["id"] for shop in shops["items"]] == [books.id]
    assert (await Order.get(id=order["id"])).status is OrderStatus.ready_for_pickup


async def test_bad_codes_are_refused_clearly(web: Web, vera: Customer) -> None:
    ann = Customer(web)
    order = await placed_order(web, ann)
    await own(vera)
    for code in ("12345", "abcdef", "1234567"):
        status, answer = await vera.request("POST", "/seller/pickups", body={"pickup_code": code})
        assert status == 422
        assert error_of(answer, "invalid_input")["message"]
    status, answer = await vera.request("POST", "/seller/pickups", body={"pickup_code": 123456})
    assert status == 422
    wrong = f"{(int(order['pickup_code']) + 1) % 10**6:06d}"
    status, answer = await vera.request("POST", "/seller/pickups", body={"pickup_code": wrong})
    assert status == 404
    error_of(answer, "pickup_code_unknown")
    status, answer = await vera.request(
        "POST", "/seller/pickups", body={"pickup_code": order["pickup_code"]}
    )
    assert status == 409  # placed, not ready yet
    error_of(answer, "pickup_not_ready")
    assert (await Order.get(id=order["id"])).status is OrderStatus.placed


async def test_the_staff_walk_an_order_through_its_statuses(web: Web, vera: Customer) -> None:
    ann = Customer(web)
    order = await placed_order(web, ann)
    await own(vera)

    status, listed = await vera.get("/seller/orders?status=new&today=true")
    assert status == 200 and [o["id"] for o in listed["items"]] == [order["id"]]
    assert listed["items"][0]["customer_name"] == "Анна Смирнова"
    status, card = await vera.get(f"/seller/orders/{order['id']}")
    assert [a["status"] for a in card["actions"]] == ["accepted", "cancelled"]
    assert card["actions"][1]["needs_reason"] is True
    path = f"/seller/orders/{order['id']}/status"
    status, card = await vera.request("POST", path, body={"status": "accepted"})
    assert status == 200 and card["status"] == "accepted"
    status, stale = await vera.request("POST", path, body={"status": "accepted"})
    assert status == 409
    error_of(stale, "illegal_transition")
    status, refused = await vera.request("POST", path, body={"status": "cancelled"})
    assert status == 422
    assert error_of(refused, "invalid_input")["field"] == "reason"
    status, card = await vera.request(
        "POST", path, body={"status": "cancelled", "reason": "Out of flour"}
    )
    assert status == 200 and card["status"] == "cancelled"
    assert card["cancel_reason"] == "Out of flour" and card["actions"] == []
    status, mine = await ann.get(f"/orders/{order['id']}")
    assert mine["status"] == "cancelled"


async def test_low_stock_and_the_dashboard(web: Web, vera: Customer) -> None:
    ann = Customer(web)
    order = await ready_order(web, ann)  # one rye bread (250 ₽) of 5 in stock
    await own(vera)
    await Provider.filter(slug="bakery").update(low_stock_threshold=5)

    status, low = await vera.get("/seller/low-stock")
    assert status == 200
    assert [(i["title"], i["stock"]) for i in low["items"]] == [
        ("Croissant", 2),
        ("Rye bread", 4),
    ]
    status, board = await vera.get("/seller/dashboard")
    assert status == 200, board
    today = next(s for s in board["sales"] if s["period"] == "today")
    assert today["orders"] == 1
    assert today["revenue"][0]["amount"] == order["total"]["amount"]
    assert [(p["title"], p["quantity"]) for p in board["top_products"]] == [("Rye bread", 1)]
    assert board["low_stock"] == 2 and board["waiting_orders"] == 0
    assert board["balances"] == []


def test_the_apis_list_names_are_the_services_filters() -> None:
    annotation = SellerOrdersQuery.model_fields["status"].annotation
    assert set(get_args(annotation)) == {f.value for f in OrderFilter}


async def seller_session(web: Web, contract: Any, bakery: Provider, ready: dict[str, Any]) -> None:
    """Every seller endpoint's answers, checked against the OpenAPI document (called by the
    contract test of tests/web/test_openapi.py with an order ready for pickup)."""
    c = contract.call
    vera = Customer(web, SELLER_USER)
    await c(vera, "GET", "/seller/shops")  # 403: not staff yet
    await Provider.filter(id=bakery.id).update(owner_id=(await vera.user()).id)
    await c(vera, "GET", "/seller/shops")
    await c(vera, "GET", "/seller/orders", query="?status=all&today=true&page=1")
    await c(vera, "GET", "/seller/orders", query="?status=nonsense")
    await c(vera, "GET", "/seller/orders/{order_id}", order_id=ready["id"])
    await c(vera, "GET", "/seller/orders/{order_id}", order_id=999_999)
    await c(vera, "POST", "/seller/pickups", body={"pickup_code": ready["pickup_code"]})
    await c(vera, "POST", "/seller/pickups", body={"pickup_code": ready["pickup_code"]})  # used
    await c(vera, "POST", "/seller/pickups", body={"pickup_code": "12"})
    status = "/seller/orders/{order_id}/status"
    await c(vera, "POST", status, order_id=ready["id"], body={"status": "completed"})  # 409
    await c(vera, "GET", "/seller/low-stock")
    await c(vera, "GET", "/seller/dashboard")


async def test_forged_init_data_is_refused(web: Web) -> None:
    response = await web.client.get(
        "/api/v1/seller/orders", headers={"Authorization": "tma user=1&hash=00"}
    )
    assert response.status == 401
    boris = Customer(web, OTHER_USER)
    status, _ = await boris.get("/seller/shops")
    assert status == 403
