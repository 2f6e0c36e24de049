"""/api/v1/openapi.json: public, valid OpenAPI 3.1, complete, and true to what the API answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from openapi_spec_validator import validate

from db.models import Provider, Review, User
from services.tutoring import money, purchases
from tests.conftest import TEST_TOKEN
from tests.services.custom_data import picture
from tests.tutoring.tutor_data import make_tutor
from tests.web.conftest import TG_USER, Web
from tests.web.test_custom_api import exercise_custom_products, form
from tests.web.test_homework_api import homework_for
from tests.web.test_pickup_and_profile_api import READY, move
from tests.web.test_seller_api import SELLER_USER, seller_session
from tests.web.test_shop_api import OTHER_USER, Customer, open_shop
from tests.web.test_tutoring_api import lesson_time_berlin, tomorrow_berlin
from webapp.routes.api import create_api

Document = dict[str, Any]


@pytest.fixture
async def document(web: Web) -> Document:
    response = await web.client.get("/api/v1/openapi.json")  # no Authorization header
    assert response.status == 200
    body: Document = await response.json()
    return body


def test_the_document_is_valid_openapi_3_1(document: Document) -> None:
    validate(document)

    assert document["openapi"].startswith("3.1.")
    assert document["servers"] == [{"url": "/api/v1"}]


def test_requests_authenticate_with_tma_init_data(document: Document) -> None:
    scheme = document["components"]["securitySchemes"]["tma"]

    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert document["security"] == [{"tma": []}]
    assert document["paths"]["/openapi.json"]["get"]["security"] == []


def test_errors_share_one_documented_shape(document: Document) -> None:
    detail = document["components"]["schemas"]["ErrorDetail"]

    assert set(detail["required"]) == {"code", "message"}
    assert "field" in detail["properties"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if path == "/openapi.json":
                continue
            assert "401" in operation["responses"], (method, path)


def test_every_route_of_the_api_is_documented(document: Document) -> None:
    routed = {
        (route.method.lower(), route.resource.canonical)
        for route in create_api(TEST_TOKEN).router.routes()
        if route.method != "HEAD" and route.resource is not None
    }
    documented = {
        (method, path) for path, operations in document["paths"].items() for method in operations
    }

    assert routed == documented


def test_checkout_documents_its_options_and_the_slot_it_takes(document: Document) -> None:
    options = document["paths"]["/checkout/options"]["get"]
    schemas = document["components"]["schemas"]
    slot = schemas["DeliverySlot"]["properties"]

    assert options["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CheckoutOffer"
    }
    assert "409" in options["responses"]
    assert {"id", "start", "end", "label"} <= slot.keys()
    assert slot["start"]["format"] == "date-time"
    assert "delivery_slot" in schemas["CheckoutRequest"]["properties"]
    assert {"delivery_phone", "receipt_contact", "consent"} <= set(
        schemas["ContactNeeds"]["properties"]
    )


def test_checkout_documents_its_idempotency_key(document: Document) -> None:
    operation = document["paths"]["/checkout"]["post"]
    [header] = [p for p in operation["parameters"] if p["in"] == "header"]

    assert (header["name"], header["required"]) == ("Idempotency-Key", True)
    assert {"200", "201", "403", "409", "422"} <= operation["responses"].keys()


# --- What the API answers is what the document says ---------------------------------------------


class Contract:
    """Checks response bodies against the schema documented for (method, path, status)."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.checked: set[tuple[str, str, int]] = set()

    def schema(self, method: str, template: str, status: int) -> Document:
        responses = self.document["paths"][template][method.lower()]["responses"]
        assert str(status) in responses, f"{method} {template} answered an undocumented {status}"
        response = responses[str(status)]
        if "$ref" in response:
            name = response["$ref"].rsplit("/", 1)[1]
            response = self.document["components"]["responses"][name]
        content: Document = response["content"]["application/json"]["schema"]
        return content

    def check(self, method: str, template: str, status: int, body: Any) -> None:
        root = {**self.schema(method, template, status), "components": self.document["components"]}
        Draft202012Validator(root).validate(body)
        self.checked.add((method, template, status))

    def check_media(self, method: str, template: str, status: int, content_type: str) -> None:
        """A binary answer: documented with its media type for this status."""
        responses = self.document["paths"][template][method.lower()]["responses"]
        assert str(status) in responses, f"{method} {template} answered an undocumented {status}"
        assert content_type in responses[str(status)]["content"], (template, content_type)
        self.checked.add((method, template, status))

    async def call(
        self, customer: Customer, method: str, template: str, *, body: Any = None, **values: Any
    ) -> tuple[int, Any]:
        path = template.format(**values)
        query = values.get("query", "")
        status, answer = await customer.request(
            method, path + query, body=body, **values.get("headers", {})
        )
        self.check(method, template, status, answer)
        return status, answer


async def test_responses_of_a_whole_session_match_the_document(
    web: Web, document: Document
) -> None:
    shop = await open_shop(web)
    ann = Customer(web)
    contract = Contract(document)
    c = contract.call

    await c(ann, "GET", "/catalog")
    await c(ann, "GET", "/providers/{provider_id}", provider_id=shop.bakery.id)
    await c(ann, "GET", "/providers/{provider_id}", provider_id=999_999)
    await c(ann, "GET", "/providers/{provider_id}/products", provider_id=shop.bakery.id)
    await c(ann, "GET", "/products/{product_id}", product_id=shop.bread.id)
    await c(ann, "GET", "/products/{product_id}", product_id=shop.hidden.id)
    # (The test app reaches no Telegram: a visible product's card is 503; tests/handlers: 201.)
    await c(ann, "POST", "/products/{product_id}/share", product_id=shop.hidden.id)
    await c(ann, "POST", "/products/{product_id}/share", product_id=shop.bread.id)
    await c(ann, "GET", "/search", query="?q=bread")
    await c(ann, "GET", "/search", query="?page=x")
    await c(ann, "POST", "/cart/items", body={"product_id": shop.bread.id, "quantity": 2})
    await c(ann, "POST", "/cart/items", body={"product_id": shop.novel.id})
    await c(ann, "POST", "/cart/items", body={"product_id": "1"})
    await c(ann, "POST", "/cart/items", body={"product_id": shop.croissant.id, "quantity": 1})
    await c(ann, "PATCH", "/cart/items/{product_id}", product_id=shop.croissant.id,
            body={"quantity": 2})  # fmt: skip
    await c(ann, "DELETE", "/cart/items/{product_id}", product_id=shop.croissant.id)
    await c(ann, "GET", "/cart")
    await c(ann, "POST", "/cart/acknowledge")
    status, options = await c(ann, "GET", "/checkout/options")
    assert status == 200 and options["delivery_slots"]
    await c(ann, "GET", "/checkout/options", query="?promo_code=NOPE")  # 409 promo_refused
    await c(ann, "GET", "/checkout/options", query="?promo_code=x")  # 422 not a code

    choices = {"fulfilment": "pickup", "payment_method": "cash"}
    key = {"Idempotency-Key": "contract-key-1"}
    await c(ann, "POST", "/checkout", body={**choices, "phone": "+79001234567"}, headers=key)
    await c(ann, "POST", "/checkout", body=choices, headers={"Idempotency-Key": "bad"})
    status, order = await c(ann, "POST", "/checkout", body=choices, headers=key)
    assert status == 201
    assert (await c(ann, "POST", "/checkout", body=choices, headers=key))[0] == 200
    await c(ann, "POST", "/checkout", body=choices, headers={"Idempotency-Key": "empty-cart-1"})
    await c(ann, "GET", "/orders")
    await c(ann, "GET", "/orders/{order_id}", order_id=order["id"])
    await c(Customer(web, OTHER_USER), "GET", "/orders/{order_id}", order_id=order["id"])
    await c(ann, "POST", "/orders/{order_id}/files", order_id=order["id"])  # nothing to send
    await c(ann, "GET", "/orders/{order_id}/pickup-qr", order_id=order["id"])  # not ready
    await c(ann, "POST", "/orders/{order_id}/cancel", order_id=order["id"])
    await c(ann, "POST", "/orders/{order_id}/cancel", order_id=order["id"])
    await c(ann, "POST", "/cart/items", body={"product_id": shop.croissant.id})
    ready_key = {"Idempotency-Key": "contract-key-2"}
    ready = (await c(ann, "POST", "/checkout", body=choices, headers=ready_key))[1]
    await move(web, ready["id"], *READY)
    qr = await web.client.get(f"/api/v1/orders/{ready['id']}/pickup-qr", headers=ann.headers)
    contract.check_media("GET", "/orders/{order_id}/pickup-qr", qr.status, qr.content_type)
    assert qr.status == 200
    review = "/orders/{order_id}/review"
    await c(ann, "POST", review, order_id=ready["id"], body={"rating": 5})  # 409 not completed
    await c(ann, "POST", review, order_id=ready["id"], body={"rating": "abc"})  # 422
    await c(ann, "POST", review, order_id=999_999, body={"rating": 5})  # 404
    await seller_session(web, contract, shop.bakery, ready)  # hands the order over: completed
    await c(ann, "POST", review, order_id=ready["id"], body={"rating": 4, "text": "Good"})
    reviews_of = "/providers/{provider_id}/reviews"
    await c(ann, "GET", reviews_of, provider_id=shop.bakery.id)
    await c(ann, "GET", reviews_of, provider_id=999_999)
    await review_photo_and_reply(web, contract, ready["id"])
    await c(ann, "GET", "/providers", query="?order=rating")
    pay = "/orders/{order_id}/payments"
    await c(ann, "POST", pay, order_id=order["id"], body={"channel": "telegram"})  # cancelled
    await c(ann, "POST", pay, order_id=order["id"], body={"channel": "bitcoin"})
    check = "/orders/{order_id}/payments/check"
    await c(ann, "POST", check, order_id=order["id"])
    await c(Customer(web, OTHER_USER), "POST", check, order_id=order["id"])
    await c(ann, "DELETE", "/cart")
    assert (await c(ann, "GET", "/checkout/options"))[0] == 409

    await c(ann, "GET", "/me")
    await c(ann, "GET", "/loyalty")
    card = await web.client.get("/api/v1/loyalty/card.png", headers=ann.headers)
    contract.check_media("GET", "/loyalty/card.png", card.status, card.content_type)
    assert card.status == 200
    await c(ann, "GET", "/referral")
    await c(ann, "PATCH", "/me", body={"locale": "ru"})
    await c(ann, "PATCH", "/me", body={"locale": "xx"})

    await exercise_custom_products(web, contract)
    work = await homework_for(await User.get(tg_id=TG_USER["id"]))
    await c(ann, "GET", "/homework", query="?status=open")
    await c(ann, "GET", "/homework/{homework_id}", homework_id=work.id)
    answer = "/homework/{homework_id}/submissions"
    await c(ann, "POST", answer, homework_id=work.id, body={"text": "Spring is here"})
    await c(ann, "POST", answer, homework_id=work.id, body={"text": "Again"})
    await c(ann, "GET", "/materials")
    await c(ann, "GET", "/achievements")
    await tutoring_session(web, c, ann)

    unsigned = await web.client.get("/api/v1/cart")
    contract.check("GET", "/cart", unsigned.status, await unsigned.json())

    statuses = {status for _, _, status in contract.checked}
    assert statuses == {200, 201, 401, 403, 404, 409, 422, 503}
    routed = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    assert routed - {(m, p) for m, p, _ in contract.checked} == {("GET", "/openapi.json")}


async def review_photo_and_reply(web: Web, contract: Contract, order_id: int) -> None:
    """The review photo upload (refused, then taken) and the seller's reply to the review."""
    ann = Customer(web)
    for data in (b"not a picture", picture()):
        response = await web.client.post(
            f"/api/v1/orders/{order_id}/review/photo", data=form(data), headers=ann.headers
        )
        body = await response.json()
        contract.check("POST", "/orders/{order_id}/review/photo", response.status, body)
    review = await Review.get(order_id=order_id)
    reply = "/seller/reviews/{review_id}/reply"
    vera = Customer(web, SELLER_USER)
    await contract.call(vera, "POST", reply, review_id=review.id, body={"text": "Thank you"})
    await contract.call(vera, "POST", reply, review_id=999_999, body={"text": "Thank you"})


def test_the_contract_check_can_fail(document: Document) -> None:
    contract = Contract(document)
    money = {"amount": 100, "currency": "RUB", "formatted": "1 ₽"}

    contract.check("GET", "/cart", 200, {"items": [], "provider": None, "total": money,
                                         "changes": []})  # fmt: skip
    with pytest.raises(ValidationError):
        contract.check("GET", "/cart", 200, {"items": [], "provider": None, "total": money})
    with pytest.raises(ValidationError):
        contract.check("GET", "/cart", 401, {"error": {"code": "auth_missing"}})
    with pytest.raises(AssertionError, match="undocumented"):
        contract.schema("GET", "/catalog", 404)


async def tutoring_session(web: Web, c: Any, ann: Customer) -> None:
    """Every tutoring operation, answered and refused, against the document."""
    tutor = await make_tutor()
    me = await User.get(tg_id=ann.tg_user["id"])
    await money.buy_package(
        me, tutor.profile, lessons=1, lesson_price=100, payment_reference="contract-package",
        channel="telegram",
    )  # fmt: skip
    tid = tutor.provider.id
    await c(ann, "GET", "/tutors", query="?subject=maths")
    await c(ann, "GET", "/tutors/{tutor_id}", tutor_id=tid)
    await c(ann, "GET", "/tutors/{tutor_id}/slots", tutor_id=tid, query="?days=2&tz=Asia/Tokyo")
    await c(ann, "GET", "/tutors/{tutor_id}/slots", tutor_id=tid, query="?days=99")
    await c(ann, "GET", "/tutors/{tutor_id}/slots", tutor_id=tid, query="?moving=999999")
    start = lesson_time_berlin().isoformat()
    body = {"tutor_id": tid, "lesson_type_id": tutor.hour.id, "start": start}
    key = {"Idempotency-Key": "lesson-key-1"}
    status, lesson = await c(ann, "POST", "/bookings", body=body, headers=key)
    assert status == 201
    assert (await c(ann, "POST", "/bookings", body=body, headers=key))[0] == 200
    await c(ann, "POST", "/bookings", body=body, headers={"Idempotency-Key": "lesson-key-2"})
    await c(ann, "GET", "/bookings", query="?scope=past")
    moved = {"start": (lesson_time_berlin() + timedelta(hours=1)).isoformat()}
    await c(ann, "POST", "/bookings/{booking_id}/reschedule", booking_id=lesson["id"], body=moved)
    await c(ann, "POST", "/bookings/{booking_id}/reschedule", booking_id=lesson["id"], body={})
    await c(ann, "POST", "/bookings/{booking_id}/cancel", booking_id=lesson["id"])
    await c(ann, "POST", "/bookings/{booking_id}/cancel", booking_id=lesson["id"])
    await c(ann, "GET", "/bookings")
    await money.buy_package(
        me, tutor.profile, lessons=1, lesson_price=100, payment_reference="contract-series",
        channel="telegram",
    )  # fmt: skip
    weekly = {**body, "start": (tomorrow_berlin() + timedelta(hours=3)).isoformat(), "weeks": 1}
    assert (await c(ann, "POST", "/bookings/series", body=weekly))[0] == 201
    await c(ann, "POST", "/bookings/series", body={**weekly, "weeks": 2})
    await c(ann, "POST", "/bookings/series", body={**weekly, "weeks": 0})
    wait = {k: weekly[k] for k in ("tutor_id", "lesson_type_id", "start")}
    assert (await c(ann, "POST", "/waitlist", body=wait))[0] == 201
    await c(ann, "POST", "/waitlist", body={**wait, "tutor_id": 999999})
    await c(ann, "GET", "/waitlist", query="?tz=Asia/Tokyo")
    await c(ann, "GET", "/credits")
    await c(ann, "GET", "/calendar")
    offer = await purchases.add_offer(tutor.profile, tutor.hour, 4, 10)
    packages = "/tutors/{tutor_id}/packages"
    buy_key = {"Idempotency-Key": "package-key-1"}
    stars = {"offer_id": offer.id, "channel": "stars"}  # not sold for Stars: 409
    await c(ann, "POST", packages, tutor_id=tid, body=stars, headers=buy_key)
    gone = {"offer_id": 999_999, "channel": "telegram"}
    await c(ann, "POST", packages, tutor_id=tid, body=gone, headers=buy_key)  # 404
    await c(ann, "POST", packages, tutor_id=tid, body={"offer_id": "x"}, headers=buy_key)
    # (The test app reaches no Telegram: the invoice link is 503; tests/handlers: 201.)
    sold = {"offer_id": offer.id, "channel": "telegram"}
    await c(ann, "POST", packages, tutor_id=tid, body=sold, headers=buy_key)
    pay_lesson = "/bookings/{booking_id}/payments"
    channel = {"channel": "telegram"}
    await c(ann, "POST", pay_lesson, booking_id=lesson["id"], body=channel)  # not held: 409
    for path in ("/seller/tutor/stats", "/seller/tutor/students"):
        await c(ann, "GET", path)  # 403 not_tutor
    await Provider.filter(id=tid).update(owner_id=me.id)
    for path in ("/seller/tutor/stats", "/seller/tutor/students"):
        await c(ann, "GET", path)
