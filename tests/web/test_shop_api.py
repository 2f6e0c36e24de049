"""The shop's JSON API: a customer browses, fills the cart, checks out and follows the order.

Each test talks HTTP to the real app (`make_web`) with signed initData and then looks at the
database. Money is integer minor units; ownership leaks nothing (404, never 403).
"""

from __future__ import annotations

import asyncio
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from core.errors import EmptyCart
from core.money import format_price
from db.models import (
    CartItem,
    ConsentKind,
    Order,
    OrderItem,
    OrderStatus,
    Product,
    ProductKind,
    Provider,
    ProviderKind,
    User,
)
from services import catalog, checkout, consent, media, users
from services.catalog import ProductDraft
from tests.web.conftest import TG_USER, MakeWeb, Web, russian_catalogue, sign_init_data, tma
from webapp.routes.media import resolve_media

OTHER_USER: dict[str, Any] = {**TG_USER, "id": 5550002, "first_name": "Boris", "username": "bo"}
NOT_FOUND_RU = "Не найдено (тест)."


# --- The shop and the customer ------------------------------------------------------------------


@dataclass
class Shop:
    """A bakery that takes cash, a bookshop, and their products."""

    bakery: Provider
    books: Provider
    bread: Product
    croissant: Product
    hidden: Product
    novel: Product


def png(color: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, format="PNG")
    return buffer.getvalue()


async def open_shop(web: Web) -> Shop:
    """Providers and products as the chat flows create them, with a photo on disk."""
    bakery = await Provider.create(
        slug="bakery",
        kind=ProviderKind.shop,
        name="Bakery",
        description="Fresh every morning",
        legal_name="IP Ivanova A. A.",
        inn="771234567890",
        allow_cash=True,
        allow_delivery=True,
        delivery_fee=15000,
        pickup_address="Lenina 1",
    )
    books = await Provider.create(slug="books", kind=ProviderKind.shop, name="Books")
    bread = await catalog.create_product(
        bakery,
        ProductDraft(title="Rye bread", price=25000, stock=5, category="Bread", description="Хлеб"),
    )
    croissant = await catalog.create_product(
        bakery, ProductDraft(title="Croissant", price=9000, stock=2, category="Pastry")
    )
    hidden = await catalog.create_product(
        bakery, ProductDraft(title="Secret cake", price=100, stock=9, category="Pastry")
    )
    await catalog.set_active(bakery, hidden.id, False)
    novel = await catalog.create_product(books, ProductDraft(title="A novel", price=50000, stock=3))
    data = web.settings.data_path
    photo, thumb = await media.save_photo(png(), data / "media" / "products" / "bakery")
    await catalog.add_photo(
        bread, photo.relative_to(data).as_posix(), thumb.relative_to(data).as_posix()
    )
    return Shop(bakery, books, bread, croissant, hidden, novel)


class Customer:
    """Someone using the Mini App: every request carries their signed initData."""

    def __init__(self, web: Web, user: dict[str, Any] = TG_USER, lang: str = "en") -> None:
        self.web = web
        self.tg_user = user
        self.headers = {
            **tma(sign_init_data(web.settings.token, user=user)),
            "Accept-Language": lang,
        }

    async def request(
        self, method: str, path: str, *, body: Any = None, raw: str | None = None, **headers: str
    ) -> tuple[int, Any]:
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = await self.web.client.request(
            method,
            "/api/v1" + path,
            data=data,
            headers={**self.headers, "Content-Type": "application/json", **headers},
        )
        assert response.content_type == "application/json", await response.text()
        return response.status, await response.json()

    async def get(self, path: str, **headers: str) -> tuple[int, Any]:
        return await self.request("GET", path, **headers)

    async def add(self, product: Product, quantity: int = 1, **extra: Any) -> tuple[int, Any]:
        return await self.request(
            "POST", "/cart/items", body={"product_id": product.id, "quantity": quantity, **extra}
        )

    async def checkout(self, key: str = "checkout-0001", **choices: Any) -> tuple[int, Any]:
        body = {"fulfilment": "pickup", "payment_method": "cash", **choices}
        return await self.request("POST", "/checkout", body=body, **{"Idempotency-Key": key})

    async def user(self) -> User:
        await self.get("/cart")  # signs in (creates the person) if not yet
        return await User.get(tg_id=self.tg_user["id"])


def en_price(amount: int) -> str:
    return format_price(amount, "RUB", "en")


def error_of(body: Any, code: str) -> dict[str, Any]:
    """The shared error shape; returns the error object."""
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    assert set(error) <= {"code", "message", "field"}
    return dict(error)


@pytest.fixture
async def shop(web: Web) -> Shop:
    return await open_shop(web)


@pytest.fixture
def ann(web: Web) -> Customer:
    return Customer(web)


# --- Browse, buy, follow -----------------------------------------------------------------------


async def test_browse_add_to_cart_check_out_and_see_the_order(
    web: Web, shop: Shop, ann: Customer
) -> None:
    status, storefronts = await ann.get("/catalog")
    assert status == 200
    bakery = next(s for s in storefronts["items"] if s["slug"] == "bakery")
    assert bakery == {
        "id": shop.bakery.id,
        "slug": "bakery",
        "kind": "shop",
        "name": "Bakery",
        "description": "Fresh every morning",
        "legal_name": "IP Ivanova A. A.",
        "inn": "771234567890",
        "rating": None,  # no reviews yet
        "reviews_count": 0,
    }

    status, page = await ann.get(f"/providers/{shop.bakery.id}")
    assert status == 200
    assert [c["title"] for c in page["categories"]] == ["Bread", "Pastry"]
    assert page["checkout"]["cash"] is True
    assert page["checkout"]["delivery_fee"]["amount"] == 15000
    bread_category = page["categories"][0]["id"]

    status, products = await ann.get(
        f"/providers/{shop.bakery.id}/products?category={bread_category}"
    )
    assert status == 200
    assert (products["page"], products["pages"], products["total"]) == (1, 1, 1)
    [item] = products["items"]
    assert item["title"] == "Rye bread"
    assert item["price"] == {"amount": 25000, "currency": "RUB", "formatted": en_price(25000)}
    assert item["thumbnail_url"].startswith("/media/products/bakery/")

    status, card = await ann.get(f"/products/{shop.bread.id}")
    assert status == 200
    assert card["stock"] == {"state": "in_stock", "available": 5, "label": "In stock: 5"}
    assert card["provider"]["name"] == "Bakery"
    assert card["category"]["title"] == "Bread"
    assert card["model_url"] is None
    photo = await web.client.get(card["photo_url"])
    assert (photo.status, photo.content_type) == (200, "image/jpeg")
    thumbnail = await web.client.get(card["thumbnail_url"])
    assert thumbnail.status == 200

    status, cart = await ann.add(shop.bread, 2)
    assert status == 200
    assert [(line["title"], line["quantity"]) for line in cart["items"]] == [("Rye bread", 2)]
    assert cart["total"]["amount"] == 50000
    assert cart["changes"] == []

    status, order = await ann.checkout()
    assert status == 201
    assert order["status"] == "placed"
    assert order["status_name"] == "Placed, payment on receipt"
    assert order["total"]["amount"] == 50000
    assert [(i["title"], i["quantity"], i["subtotal"]["amount"]) for i in order["items"]] == [
        ("Rye bread", 2, 50000)
    ]
    assert [(h["from_status"], h["to_status"], h["actor_role"]) for h in order["history"]] == [
        (None, "placed", "customer")
    ]
    assert order["can_cancel"] is True

    status, orders = await ann.get("/orders")
    assert status == 200
    assert [o["id"] for o in orders["items"]] == [order["id"]]
    status, again = await ann.get(f"/orders/{order['id']}")
    assert (status, again) == (200, order)

    assert (await Product.get(id=shop.bread.id)).stock == 3
    assert await CartItem.all().count() == 0
    stored = await Order.get(id=order["id"])
    assert (stored.customer_id, stored.status) == ((await ann.user()).id, OrderStatus.placed)


async def test_money_is_formatted_in_the_request_language(web: Web, shop: Shop) -> None:
    _, english = await Customer(web, lang="en").get(f"/products/{shop.bread.id}")
    _, russian = await Customer(web, lang="ru").get(f"/products/{shop.bread.id}")

    assert english["price"]["formatted"] == format_price(25000, "RUB", "en")
    assert russian["price"]["formatted"] == format_price(25000, "RUB", "ru")
    assert english["price"]["formatted"] != russian["price"]["formatted"]
    assert english["price"]["amount"] == russian["price"]["amount"] == 25000


async def test_products_are_paged_and_a_page_out_of_range_gives_the_last(
    web: Web, shop: Shop, ann: Customer
) -> None:
    for n in range(10):
        await catalog.create_product(shop.books, ProductDraft(title=f"Book {n:02}", price=100))

    _, first = await ann.get(f"/providers/{shop.books.id}/products")
    _, beyond = await ann.get(f"/providers/{shop.books.id}/products?page=99")

    assert (first["page"], first["pages"], first["total"], len(first["items"])) == (1, 2, 11, 8)
    assert (beyond["page"], len(beyond["items"])) == (2, 3)


async def test_search_finds_visible_products_in_any_case(shop: Shop, ann: Customer) -> None:
    _, rye = await ann.get("/search?q=RYE")
    _, russian = await ann.get("/search?q=хлеб")
    _, hidden = await ann.get("/search?q=secret")

    assert [p["id"] for p in rye["items"]] == [shop.bread.id]
    assert [p["id"] for p in russian["items"]] == [shop.bread.id]
    assert hidden["items"] == [] and hidden["total"] == 0


UNSEEN = [
    "/products/{hidden}",
    "/products/999999",
    "/products/99999999999999999999",
    "/products/" + "9" * 5000,
    "/providers/999999",
    "/providers/999999/products",
    "/orders/999999",
]


async def test_what_cannot_be_seen_is_not_found(shop: Shop, ann: Customer) -> None:
    # One app for all cases (here and below): building the app is the slow part of a test.
    for path in UNSEEN:
        status, body = await ann.get(path.format(hidden=shop.hidden.id))

        assert status == 404, path
        error_of(body, "not_found")


async def test_a_closed_storefront_hides_its_products(shop: Shop, ann: Customer) -> None:
    await Provider.filter(id=shop.bakery.id).update(is_active=False)

    _, storefronts = await ann.get("/catalog")
    product, _ = await ann.get(f"/products/{shop.bread.id}")
    provider, _ = await ann.get(f"/providers/{shop.bakery.id}")

    assert [s["slug"] for s in storefronts["items"]] == ["books"]
    assert (product, provider) == (404, 404)


async def test_the_api_needs_initdata(web: Web, shop: Shop) -> None:
    response = await web.client.get("/api/v1/cart")

    assert response.status == 401
    error_of(await response.json(), "auth_missing")


# --- Cart ----------------------------------------------------------------------------------------


async def test_quantities_change_lines_go_and_the_cart_empties(shop: Shop, ann: Customer) -> None:
    await ann.add(shop.bread)
    await ann.add(shop.bread)
    _, cart = await ann.add(shop.croissant)
    assert [(i["product_id"], i["quantity"]) for i in cart["items"]] == [
        (shop.bread.id, 2),
        (shop.croissant.id, 1),
    ]

    _, cart = await ann.request("PATCH", f"/cart/items/{shop.bread.id}", body={"quantity": 4})
    assert cart["items"][0]["quantity"] == 4
    assert cart["total"]["amount"] == 4 * 25000 + 9000

    _, cart = await ann.request("PATCH", f"/cart/items/{shop.bread.id}", body={"quantity": 0})
    assert [i["product_id"] for i in cart["items"]] == [shop.croissant.id]

    _, cart = await ann.request("DELETE", f"/cart/items/{shop.croissant.id}")
    assert cart["items"] == [] and cart["provider"] is None

    await ann.add(shop.bread)
    status, cart = await ann.request("DELETE", "/cart")
    assert (status, cart["items"], cart["total"]["amount"]) == (200, [], 0)
    assert await CartItem.all().count() == 0


async def test_more_than_in_stock_is_refused(shop: Shop, ann: Customer) -> None:
    status, body = await ann.add(shop.croissant, 3)

    assert status == 409
    assert error_of(body, "sold_out")["message"] == "Only 2 of “Croissant” left."
    assert await CartItem.all().count() == 0


async def test_changing_a_line_that_is_not_in_the_cart_is_not_found(
    shop: Shop, ann: Customer
) -> None:
    status, body = await ann.request("PATCH", f"/cart/items/{shop.bread.id}", body={"quantity": 2})

    assert status == 404
    error_of(body, "not_found")


async def test_one_cart_holds_one_providers_products(shop: Shop, ann: Customer) -> None:
    await ann.add(shop.bread)

    status, body = await ann.add(shop.novel)
    assert status == 409
    assert "Bakery" in error_of(body, "other_provider_in_cart")["message"]

    status, cart = await ann.add(shop.novel, replace=True)
    assert status == 200
    assert [i["product_id"] for i in cart["items"]] == [shop.novel.id]
    assert cart["provider"]["slug"] == "books"


async def test_cart_changes_are_shown_and_block_checkout_until_acknowledged(
    shop: Shop, ann: Customer
) -> None:
    await ann.add(shop.bread, 2)
    await ann.add(shop.croissant, 2)
    extra = await catalog.create_product(
        shop.bakery, ProductDraft(title="Bagel", price=500, stock=1)
    )
    await ann.add(extra)
    await Product.filter(id=shop.bread.id).update(price=27000)
    await Product.filter(id=shop.croissant.id).update(stock=1)
    await catalog.set_active(shop.bakery, extra.id, False)

    _, cart = await ann.get("/cart")
    changes = {(c["product_id"], c["kind"]): c for c in cart["changes"]}
    assert set(changes) == {
        (shop.bread.id, "price_changed"),
        (shop.croissant.id, "short_of_stock"),
        (extra.id, "unavailable"),
    }
    price = changes[(shop.bread.id, "price_changed")]
    assert (price["old_price"]["amount"], price["new_price"]["amount"]) == (25000, 27000)
    old, new = en_price(25000), en_price(27000)
    assert price["message"] == f"The price of “Rye bread” changed from {old} to {new}."
    assert changes[(shop.croissant.id, "short_of_stock")]["available"] == 1
    assert changes[(extra.id, "unavailable")]["message"] == "“Bagel” is no longer available."
    assert cart["total"]["amount"] == 2 * 27000 + 2 * 9000, "unavailable lines do not count"

    status, body = await ann.checkout()
    assert status == 409
    error_of(body, "cart_changed")
    assert await Order.all().count() == 0

    status, cart = await ann.request("POST", "/cart/acknowledge")
    assert (status, cart["changes"]) == (200, [])
    assert [(i["product_id"], i["quantity"]) for i in cart["items"]] == [
        (shop.bread.id, 2),
        (shop.croissant.id, 1),
    ]
    status, order = await ann.checkout()
    assert status == 201
    assert order["total"]["amount"] == 2 * 27000 + 9000


# --- Checkout -----------------------------------------------------------------------------------


async def test_the_same_idempotency_key_twice_gives_the_same_order(
    shop: Shop, ann: Customer
) -> None:
    await ann.add(shop.bread)

    first_status, first = await ann.checkout(key="same-key-123")
    await ann.add(shop.bread)  # a new cart meanwhile must not become a second order
    second_status, second = await ann.checkout(key="same-key-123")

    assert (first_status, second_status) == (201, 200)
    assert second == first
    assert await Order.all().count() == 1
    assert (await Product.get(id=shop.bread.id)).stock == 4


async def test_concurrent_checkouts_with_one_key_make_one_order(shop: Shop, ann: Customer) -> None:
    await ann.add(shop.bread, 2)

    results = await asyncio.gather(*(ann.checkout(key="double-click-1") for _ in range(5)))

    assert {status for status, _ in results} <= {200, 201}
    assert len({body["id"] for _, body in results}) == 1
    assert await Order.all().count() == 1
    assert (await Product.get(id=shop.bread.id)).stock == 3


async def test_a_twin_request_that_emptied_the_cart_first_still_gets_the_order(
    shop: Shop, ann: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The twin commits between our look-up of the key and our reading of the cart."""
    place_order = checkout.place_order

    async def twin_wins(*args: Any, **kwargs: Any) -> Order:
        await place_order(*args, **kwargs)
        raise EmptyCart()

    monkeypatch.setattr(checkout, "place_order", twin_wins)
    await ann.add(shop.bread)

    status, order = await ann.checkout(key="twin-key-01")

    assert status == 200
    assert order["id"] == (await Order.get()).id


@pytest.mark.postgres
async def test_concurrent_checkouts_with_one_key_on_postgres(
    make_web: MakeWeb, pg_database_url: str
) -> None:
    web = await make_web(database_url=pg_database_url)
    shop = await open_shop(web)
    ann = Customer(web)
    await ann.add(shop.bread, 2)

    results = await asyncio.gather(*(ann.checkout(key="double-click-pg") for _ in range(8)))

    assert {status for status, _ in results} <= {200, 201}, results
    assert len({body["id"] for _, body in results}) == 1
    assert await Order.all().count() == 1
    assert (await Product.get(id=shop.bread.id)).stock == 3


async def test_two_people_may_pick_the_same_key(web: Web, shop: Shop, ann: Customer) -> None:
    boris = Customer(web, OTHER_USER)
    await ann.add(shop.bread)
    await boris.add(shop.bread)

    ann_status, ann_order = await ann.checkout(key="common-key-1")
    boris_status, boris_order = await boris.checkout(key="common-key-1")

    assert (ann_status, boris_status) == (201, 201)
    assert ann_order["id"] != boris_order["id"]


async def test_checkout_needs_a_well_formed_idempotency_key(shop: Shop, ann: Customer) -> None:
    await ann.add(shop.bread)
    body = {"fulfilment": "pickup", "payment_method": "cash"}

    for key in [None, "short", "x" * 65, "has space1", "кириллица1"]:
        headers = {} if key is None else {"Idempotency-Key": key}
        status, answer = await ann.request("POST", "/checkout", body=body, **headers)

        assert status == 422, key
        assert error_of(answer, "invalid_input")["field"] == "Idempotency-Key", key
    assert await Order.all().count() == 0


async def test_an_empty_cart_cannot_be_checked_out(shop: Shop, ann: Customer) -> None:
    status, body = await ann.checkout()

    assert status == 409
    error_of(body, "empty_cart")


async def test_cash_only_where_the_provider_allows_it(shop: Shop, ann: Customer) -> None:
    await ann.add(shop.novel)

    status, body = await ann.checkout()

    assert status == 409  # a well-formed request this shop refuses
    assert error_of(body, "invalid_input")["field"] == "payment_method"


async def test_online_payment_waits_for_payment(shop: Shop, ann: Customer) -> None:
    await ann.add(shop.novel)

    status, order = await ann.checkout(payment_method="online")

    assert status == 201
    assert order["status"] == "pending_payment"
    assert order["expires_at"] is not None


async def test_paying_a_cash_order_online_is_a_conflict_not_malformed_input(
    shop: Shop, ann: Customer
) -> None:
    await ann.add(shop.bread)
    status, order = await ann.checkout()  # cash on receipt
    assert status == 201

    status, body = await ann.request(
        "POST", f"/orders/{order['id']}/payments", body={"channel": "telegram"}
    )

    # The request is well-formed; the order's state refuses it (RFC 9110: 409, not 422).
    assert status == 409
    assert error_of(body, "payment_channel_unavailable")["field"] == "channel"


async def test_online_checkout_is_refused_when_no_payment_is_configured(
    make_web: MakeWeb,
) -> None:
    web = await make_web(telegram_payments_provider_token=None)
    shop = await open_shop(web)
    ann = Customer(web)
    await ann.add(shop.novel)

    status, body = await ann.checkout(payment_method="online")

    assert status == 409
    assert error_of(body, "payment_channel_unavailable")["field"] == "payment_method"
    assert await Order.all().count() == 0


async def test_personal_data_needs_consent(web: Web, shop: Shop, ann: Customer) -> None:
    await ann.add(shop.bread)

    shared: list[dict[str, Any]] = [
        {"phone": "+7 900 123-45-67"},
        {"address": "Lenina 5"},
        {"latitude": 55.7, "longitude": 37.6},
    ]
    for personal in shared:
        status, body = await ann.checkout(**personal)

        assert status == 403, personal
        error_of(body, "consent_required")
    assert await Order.all().count() == 0


async def agree(web: Web, ann: Customer) -> User:
    """Ann has consented to the processing of personal data."""
    user = await ann.user()
    version = web.settings.privacy_policy_version
    await consent.record(user, ConsentKind.personal_data, granted=True, version=version)
    return user


async def options_after_consent(web: Web, shop: Shop, ann: Customer) -> dict[str, Any]:
    """Ann has consented and has bread in her cart: her checkout options."""
    await agree(web, ann)
    await ann.add(shop.bread)
    _, options = await ann.get("/checkout/options")
    return dict(options)


async def test_options_say_what_the_cart_can_be_checked_out_with(
    web: Web, shop: Shop, ann: Customer
) -> None:
    status, body = await ann.get("/checkout/options")
    assert status == 409
    error_of(body, "empty_cart")
    await ann.add(shop.bread)

    status, options = await ann.get("/checkout/options")

    assert status == 200, options
    assert options["provider"]["slug"] == "bakery" and options["digital_only"] is False
    assert options["fulfilments"] == ["pickup", "delivery"]
    assert (options["pickup_address"], options["delivery_fee"]["amount"]) == ("Lenina 1", 15000)
    assert options["payment_methods"] == ["online", "cash"]
    assert options["payment_channels"] == ["telegram"]
    assert options["contact"] == {
        "delivery_phone": True,
        "receipt_contact": False,
        "consent": False,
        "has_phone": False,
    }
    slots = options["delivery_slots"]
    assert 3 <= len(slots) <= 6 and len({slot["id"] for slot in slots}) == len(slots)
    tomorrow = [slot for slot in slots if slot["label"].startswith("Tomorrow")]
    assert [slot["label"] for slot in tomorrow] == [
        "Tomorrow 10–14",
        "Tomorrow 14–18",
        "Tomorrow 18–22",
    ]
    start = datetime.fromisoformat(tomorrow[0]["start"])
    end = datetime.fromisoformat(tomorrow[0]["end"])
    assert (start.hour, end.hour, start.utcoffset()) == (10, 14, timedelta(hours=3))  # Moscow
    assert all(datetime.fromisoformat(slot["start"]) > datetime.now(UTC) for slot in slots)

    await agree(web, ann)
    _, options = await ann.get("/checkout/options?lang=ru")
    assert options["contact"]["consent"] is True
    assert options["delivery_slots"][-1]["label"] == "Завтра 18–22"


async def test_digital_goods_offer_only_stars_and_no_delivery(web: Web, ann: Customer) -> None:
    shop = await Provider.create(
        slug="ebooks", kind=ProviderKind.shop, name="E-books", allow_delivery=True, allow_cash=True
    )
    ebook = await catalog.create_product(
        shop, ProductDraft(title="E-book", price=50, kind=ProductKind.digital, currency="XTR")
    )
    await ann.add(ebook)

    _, options = await ann.get("/checkout/options")

    assert (options["digital_only"], options["fulfilments"]) == (True, ["pickup"])
    assert (options["payment_methods"], options["payment_channels"]) == (["online"], ["stars"])
    assert options["delivery_slots"] == []


async def test_delivery_in_a_slot_keeps_the_address_phone_and_slot(
    web: Web, shop: Shop, ann: Customer
) -> None:
    options = await options_after_consent(web, shop, ann)
    slot = options["delivery_slots"][-1]

    status, order = await ann.checkout(
        fulfilment="delivery",
        address="Lenina 5, flat 3",
        phone="+7 900 123-45-67",
        delivery_slot=slot["id"],
        comment="Ring twice",
    )

    assert status == 201, order
    start = datetime.fromisoformat(slot["start"])
    stored = f"{start:%d.%m.%Y %H:%M}–{datetime.fromisoformat(slot['end']):%H:%M}"
    assert (order["address"], order["phone"], order["delivery_slot"]) == (
        "Lenina 5, flat 3",
        "+79001234567",
        stored,
    )
    assert (order["delivery_fee"]["amount"], order["total"]["amount"]) == (15000, 40000)
    saved = await Order.get(id=order["id"])
    assert (saved.address, saved.delivery_slot) == ("Lenina 5, flat 3", stored)


async def test_delivery_uses_the_profile_phone_when_none_is_sent(
    web: Web, shop: Shop, ann: Customer
) -> None:
    user = await agree(web, ann)
    await users.set_phone(user, "+79990001122")
    await ann.add(shop.bread)
    _, options = await ann.get("/checkout/options")
    assert options["contact"]["has_phone"] is True

    status, order = await ann.checkout(
        fulfilment="delivery", address="Lenina 5", delivery_slot=options["delivery_slots"][0]["id"]
    )

    assert (status, order["phone"]) == (201, "+79990001122")


async def test_withdrawn_consent_counts(web: Web, shop: Shop, ann: Customer) -> None:
    user = await agree(web, ann)
    version = web.settings.privacy_policy_version
    await consent.record(user, ConsentKind.personal_data, granted=False, version=version)
    await ann.add(shop.bread)
    _, options = await ann.get("/checkout/options")

    status, body = await ann.checkout(
        fulfilment="delivery",
        address="Lenina 5",
        phone="+79001234567",
        delivery_slot=options["delivery_slots"][0]["id"],
    )

    assert status == 403
    error_of(body, "consent_required")


async def test_a_draft_that_does_not_fit_the_options_is_refused_by_field(
    web: Web, shop: Shop, ann: Customer
) -> None:
    options = await options_after_consent(web, shop, ann)
    good = {
        "fulfilment": "delivery",
        "address": "Lenina 5",
        "phone": "+79001234567",
        "delivery_slot": options["delivery_slots"][0]["id"],
    }
    cases: dict[str, tuple[dict[str, Any], str, str]] = {
        "a short address": ({"address": "Mir"}, "address", "too short"),
        "no address": ({"address": None}, "address", "too short"),
        "a phone of digits too few": ({"phone": "12345"}, "phone", "does not look like a phone"),
        "no slot": ({"delivery_slot": None}, "delivery_slot", "choose a delivery time"),
        "a slot that started": ({"delivery_slot": "2020010110"}, "delivery_slot", "passed"),
        "a slot never offered": ({"delivery_slot": "tonight"}, "delivery_slot", "no such"),
    }
    for case, (change, field, words) in cases.items():
        status, body = await ann.checkout(**{**good, **change})

        assert status == 422, case
        error = error_of(body, "invalid_input")
        assert error["field"] == field, case
        assert words in error["message"], case
    assert await Order.all().count() == 0


# --- Orders ---------------------------------------------------------------------------------------


async def test_another_persons_order_does_not_exist_for_you(
    web: Web, shop: Shop, ann: Customer
) -> None:
    await ann.add(shop.bread)
    _, order = await ann.checkout()
    boris = Customer(web, OTHER_USER)

    seen = await boris.get(f"/orders/{order['id']}")
    cancelled = await boris.request("POST", f"/orders/{order['id']}/cancel")
    missing = await boris.get("/orders/999999")
    _, listed = await boris.get("/orders")

    assert seen[0] == cancelled[0] == missing[0] == 404
    assert seen[1] == missing[1], "the same answer as for an order that does not exist"
    assert listed["items"] == []
    assert (await Order.get(id=order["id"])).status == OrderStatus.placed


async def test_cancelling_releases_the_stock_once(shop: Shop, ann: Customer) -> None:
    await ann.add(shop.bread, 3)
    _, order = await ann.checkout()
    assert (await Product.get(id=shop.bread.id)).stock == 2

    status, cancelled = await ann.request("POST", f"/orders/{order['id']}/cancel")
    again, body = await ann.request("POST", f"/orders/{order['id']}/cancel")

    assert status == 200
    assert (cancelled["status"], cancelled["status_name"], cancelled["can_cancel"]) == (
        "cancelled",
        "Cancelled",
        False,
    )
    assert [h["to_status"] for h in cancelled["history"]] == ["placed", "cancelled"]
    assert again == 409
    error_of(body, "illegal_transition")
    assert (await Product.get(id=shop.bread.id)).stock == 5


async def test_orders_are_paged_newest_first(shop: Shop, ann: Customer) -> None:
    ids = []
    for n in range(3):
        await ann.add(shop.bread)
        _, order = await ann.checkout(key=f"order-key-{n}")
        ids.append(order["id"])

    _, orders = await ann.get("/orders?page=1")

    assert [o["id"] for o in orders["items"]] == ids[::-1]
    assert orders["items"][0]["provider"]["slug"] == "bakery"


# --- Bad input --------------------------------------------------------------------------------

BAD_BODIES: dict[str, tuple[str, str | None]] = {
    "not json": ("{oops", None),
    "empty body": ("", None),
    "an array": ("[1, 2]", None),
    "a string for a number": ('{"product_id": "1"}', "product_id"),
    "a float for an integer": ('{"product_id": 1.5}', "product_id"),
    "a boolean for an integer": ('{"product_id": true}', "product_id"),
    "missing product": ('{"quantity": 1}', "product_id"),
    "unknown field": ('{"product_id": 1, "colour": "red"}', "colour"),
    "zero quantity": ('{"product_id": 1, "quantity": 0}', "quantity"),
    "too many": ('{"product_id": 1, "quantity": 100}', "quantity"),
    "a huge id": ('{"product_id": 99999999999999999999}', "product_id"),
    "a negative id": ('{"product_id": -1}', "product_id"),
}


async def test_integral_json_numbers_are_integers(shop: Shop, ann: Customer) -> None:
    # JSON has one kind of number: 2.0 is the integer 2 (2.5 and true were refused above).
    raw = f'{{"product_id": {shop.bread.id}.0, "quantity": 2.0}}'

    status, cart = await ann.request("POST", "/cart/items", raw=raw)

    assert status == 200
    assert [(line["product_id"], line["quantity"]) for line in cart["items"]] == [
        (shop.bread.id, 2)
    ]
    status, cart = await ann.request(
        "PATCH", f"/cart/items/{shop.bread.id}", raw='{"quantity": 3.0}'
    )
    assert status == 200 and cart["items"][0]["quantity"] == 3
    status, body = await ann.request(
        "PATCH", f"/cart/items/{shop.bread.id}", raw='{"quantity": 3.5}'
    )
    assert status == 422 and error_of(body, "invalid_input")["field"] == "quantity"


async def test_a_bad_cart_body_is_invalid_input(shop: Shop, ann: Customer) -> None:
    # One app for every case: each case is one request, building the app is the slow part.
    for case, (raw, field) in BAD_BODIES.items():
        status, body = await ann.request("POST", "/cart/items", raw=raw)

        assert status == 422, case
        assert error_of(body, "invalid_input").get("field") == field, case
    assert await CartItem.all().count() == 0


BAD_CHECKOUTS: dict[str, tuple[dict[str, Any], str]] = {
    "unknown fulfilment": ({"fulfilment": "teleport"}, "fulfilment"),
    "latitude out of range": ({"latitude": 91.0, "longitude": 1.0}, "latitude"),
    "a phone of letters": ({"phone": "call me"}, "phone"),
    "a long comment": ({"comment": "x" * 501}, "comment"),
    "a null comment": ({"comment": None}, "comment"),
}


async def test_a_bad_checkout_body_is_invalid_input(shop: Shop, ann: Customer) -> None:
    await ann.add(shop.bread)

    for case, (change, field) in BAD_CHECKOUTS.items():
        status, body = await ann.checkout(**change)

        assert status == 422, case
        assert error_of(body, "invalid_input")["field"] == field, case
    assert await Order.all().count() == 0


BAD_QUERIES = {
    "/search": "q",
    "/search?q=": "q",
    "/search?q=bread&page=abc": "page",
    "/orders?page=0": "page",
    "/providers/{bakery}/products?category=x": "category",
}


async def test_bad_query_parameters_are_invalid_input(shop: Shop, ann: Customer) -> None:
    for path, field in BAD_QUERIES.items():
        status, body = await ann.get(path.format(bakery=shop.bakery.id))

        assert status == 422, path
        assert error_of(body, "invalid_input")["field"] == field, path


# --- Language -----------------------------------------------------------------------------------


async def test_domain_errors_speak_the_request_language(make_web: MakeWeb, tmp_path: Path) -> None:
    web = await make_web(
        i18n=russian_catalogue(tmp_path, "Not found. It may have been removed.", NOT_FOUND_RU),
        default_locale="en",
    )

    _, english = await Customer(web, lang="en").get("/products/999")
    _, russian = await Customer(web, lang="ru-RU,ru;q=0.9").get("/products/999")

    assert error_of(english, "not_found")["message"] == "Not found. It may have been removed."
    assert error_of(russian, "not_found")["message"] == NOT_FOUND_RU


# --- Media ---------------------------------------------------------------------------------------


OUTSIDE_OR_PRIVATE = [
    "/media/../secret.jpg",
    "/media/%2e%2e/secret.jpg",
    "/media/..%2Fsecret.jpg",
    "/media/products/..%2F..%2Fsecret.jpg",
    "/media/%2Fetc%2Fpasswd",
    "/media/.hidden.jpg",
    "/media/notes.txt",
    "/media/missing.jpg",
    "/media/link.jpg",
]


async def test_media_serves_only_files_under_media(web: Web) -> None:
    data = web.settings.data_path
    (data / "media" / "products").mkdir(parents=True, exist_ok=True)
    (data / "secret.jpg").write_bytes(b"top secret")
    (data / "media" / "products" / "ok.jpg").write_bytes(b"public")
    (data / "media" / ".hidden.jpg").write_bytes(b"hidden")
    (data / "media" / "notes.txt").write_bytes(b"notes")
    (data / "media" / "link.jpg").symlink_to(data / "secret.jpg")

    public = await web.client.get("/media/products/ok.jpg")
    assert (public.status, await public.read()) == (200, b"public")
    for path in OUTSIDE_OR_PRIVATE:
        response = await web.client.get(path)

        assert response.status == 404, path
        assert b"secret" not in await response.read(), path


def test_media_resolution_refuses_escapes(tmp_path: Path) -> None:
    root = tmp_path / "media"
    (root / "products").mkdir(parents=True)
    (root / "products" / "ok.jpg").write_bytes(b"jpeg")
    (tmp_path / "outside.jpg").write_bytes(b"secret")

    assert resolve_media(root, "products/ok.jpg") == (root / "products" / "ok.jpg").resolve()
    for bad in ["../outside.jpg", "products/../../outside.jpg", "/etc/passwd", "products\\..\\x"]:
        assert resolve_media(root, bad) is None, bad


async def test_a_product_with_a_model_links_it(web: Web, shop: Shop, ann: Customer) -> None:
    model = web.settings.data_path / "media" / "models" / "cube.glb"
    media.write_demo_glb(model)
    await Product.filter(id=shop.bread.id).update(model_path="media/models/cube.glb")

    _, card = await ann.get(f"/products/{shop.bread.id}")
    response = await web.client.get(card["model_url"])

    assert card["model_url"] == "/media/models/cube.glb"
    assert (response.status, response.content_type) == (200, "model/gltf-binary")


async def test_a_product_made_with_a_personal_text_needs_it_in_the_cart(
    shop: Shop, ann: Customer
) -> None:
    await catalog.set_personal_text(shop.bakery, shop.bread.id, "Name on the crust", 12)
    status, card = await ann.get(f"/products/{shop.bread.id}")
    assert card["personal_text"] == {"prompt": "Name on the crust", "max_length": 12}
    _, plain = await ann.get(f"/products/{shop.croissant.id}")
    assert plain["personal_text"] is None

    status, body = await ann.add(shop.bread)
    assert status == 422
    assert error_of(body, "invalid_input")["message"] == (
        "This product is made with your text: send it, up to 12 characters."
    )
    status, body = await ann.add(shop.bread, personal_text="Alexandra-Maria")
    assert status == 422 and "1 to 12 characters" in error_of(body, "invalid_input")["message"]
    status, body = await ann.add(shop.croissant, personal_text="Ann")
    assert status == 422
    assert error_of(body, "invalid_input")["message"] == (
        "This product is not made with a personal text."
    )

    status, cart = await ann.add(shop.bread, personal_text="  Ann   Lee ")
    assert status == 200
    assert [(i["product_id"], i["personal_text"]) for i in cart["items"]] == [
        (shop.bread.id, "Ann Lee")
    ]
    status, order = await ann.checkout()
    assert status == 201, order
    assert [i["personal_text"] for i in order["items"]] == ["Ann Lee"]
    assert await OrderItem.filter(order_id=order["id"]).values_list("personal_text", flat=True) == [
        "Ann Lee"
    ]
