"""The catalogue read cache never shows what no longer holds.

A customer reads a storefront, a page of products and a card (so they are cached), someone
changes the shop — through the services the chat calls, a CSV import, an order placed or
cancelled through the API — and the very next read shows the change; also when two app
processes share one Redis. The Mini App revalidates with ETags (304), and the user cache never
lets a banned or erased person through.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fakeredis import FakeAsyncRedis
from redis.asyncio import Redis

from db.models import ActorRole, Fulfilment, OrderStatus, PaymentMethod, Role, User
from db.setup import with_pool_size
from services import admin, cart, catalog, catalog_csv, checkout, media, orders, privacy, users
from services import user_cache as user_cache_module
from services.catalog import ProductDraft
from services.checkout import CheckoutDraft
from tests.conftest import REDIS_URL, TEST_TOKEN
from tests.web.conftest import TG_USER, MakeWeb, Web, sign_init_data, tamper
from tests.web.test_shop_api import Customer, Shop, open_shop, png
from webapp.auth import InitDataError, VerifiedInitData

Change = Callable[[Web, Shop], Awaitable[None]]


async def read_everything(ann: Customer, shop: Shop) -> dict[str, Any]:
    """What the Mini App shows of the bakery: the storefront, its first page and the card."""
    pages: dict[str, Any] = {}
    for name, path in (
        ("storefront", f"/providers/{shop.bakery.id}"),
        ("page", f"/providers/{shop.bakery.id}/products"),
        ("card", f"/products/{shop.bread.id}"),
        ("catalog", "/catalog"),
    ):
        status, body = await ann.get(path)
        pages[name] = body if status == 200 else status
    return pages


def bread_in(page: dict[str, Any]) -> dict[str, Any] | None:
    return next((item for item in page["items"] if item["title"].endswith("bread")), None)


async def change_price(web: Web, shop: Shop) -> None:
    await catalog.update_product(shop.bakery, shop.bread.id, price=31000)


async def change_stock(web: Web, shop: Shop) -> None:
    await catalog.restock(shop.bakery, shop.bread.id, -4)


async def hide(web: Web, shop: Shop) -> None:
    await catalog.set_active(shop.bakery, shop.bread.id, False)


async def take_down(web: Web, shop: Shop) -> None:
    moderator = await User.create(tg_id=999, pseudonym="u-moderator", first_name="M")
    await catalog.set_blocked(shop.bread.id, True, actor=moderator, reason="spam")


async def add_photo(web: Web, shop: Shop) -> None:
    data = web.settings.data_path
    photo, thumb = await media.save_photo(png((1, 2, 3)), data / "media" / "products" / "bakery")
    await catalog.add_photo(
        shop.bread, photo.relative_to(data).as_posix(), thumb.relative_to(data).as_posix()
    )


async def recategorise(web: Web, shop: Shop) -> None:
    await catalog.update_product(shop.bakery, shop.bread.id, category="Loaves", title="Rye bread")


async def close_shop(web: Web, shop: Shop) -> None:
    admin_user = await User.create(tg_id=999, pseudonym="u-admin", first_name="A")
    await admin.update_provider(shop.bakery.id, actor=admin_user, is_active=False)


async def rename_shop(web: Web, shop: Shop) -> None:
    admin_user = await User.create(tg_id=999, pseudonym="u-admin", first_name="A")
    await admin.update_provider(shop.bakery.id, actor=admin_user, pickup_address="Mira 5")


async def new_product(web: Web, shop: Shop) -> None:
    await catalog.create_product(shop.bakery, ProductDraft(title="Baguette", price=7000, stock=1))


def check_price(pages: dict[str, Any]) -> None:
    assert bread_in(pages["page"])["price"]["amount"] == 31000  # type: ignore[index]
    assert pages["card"]["price"]["amount"] == 31000


def check_stock(pages: dict[str, Any]) -> None:
    assert bread_in(pages["page"])["stock"]["available"] == 1  # type: ignore[index]
    assert pages["card"]["stock"] == {"state": "in_stock", "available": 1, "label": "In stock: 1"}


def check_gone(pages: dict[str, Any]) -> None:
    assert bread_in(pages["page"]) is None
    assert pages["card"] == 404
    assert [c["title"] for c in pages["storefront"]["categories"]] == ["Pastry"]


def check_photo(pages: dict[str, Any]) -> None:
    assert len(pages["card"]["photos"]) == 2


def check_category(pages: dict[str, Any]) -> None:
    assert pages["card"]["category"]["title"] == "Loaves"
    assert [c["title"] for c in pages["storefront"]["categories"]] == ["Loaves", "Pastry"]


def check_closed(pages: dict[str, Any]) -> None:
    assert pages["storefront"] == pages["page"] == pages["card"] == 404
    assert "bakery" not in [s["slug"] for s in pages["catalog"]["items"]]


def check_renamed(pages: dict[str, Any]) -> None:
    assert pages["storefront"]["checkout"]["pickup_address"] == "Mira 5"


def check_new_product(pages: dict[str, Any]) -> None:
    assert [item["title"] for item in pages["page"]["items"]] == [
        "Baguette",
        "Croissant",
        "Rye bread",
    ]


CHANGES: dict[str, tuple[Change, Callable[[dict[str, Any]], None]]] = {
    "price": (change_price, check_price),
    "stock": (change_stock, check_stock),
    "hidden": (hide, check_gone),
    "taken_down": (take_down, check_gone),
    "photo": (add_photo, check_photo),
    "category": (recategorise, check_category),
    "shop_closed": (close_shop, check_closed),
    "shop_settings": (rename_shop, check_renamed),
    "new_product": (new_product, check_new_product),
}


@pytest.mark.parametrize("name", list(CHANGES))
async def test_a_change_through_the_services_shows_at_once(web: Web, name: str) -> None:
    shop = await open_shop(web)
    ann = Customer(web)
    before = await read_everything(ann, shop)
    hits = web.services.read_cache.hits
    assert await read_everything(ann, shop) == before
    assert web.services.read_cache.hits == hits + 4, "the second read comes from the cache"

    change, check = CHANGES[name]
    await change(web, shop)

    after = await read_everything(ann, shop)
    check(after)
    assert after != before


async def test_a_csv_import_shows_at_once(web: Web) -> None:
    shop = await open_shop(web)
    ann = Customer(web)
    await read_everything(ann, shop)

    data = f"sku,title,price,stock\r\n{shop.bread.sku},Rye bread,310.00,1\r\n".encode()
    report = await catalog_csv.import_catalog(shop.bakery, data)
    assert report.ok and report.updated == 1

    after = await read_everything(ann, shop)
    check_price(after)
    check_stock(after)


async def test_an_order_and_its_cancellation_through_the_api_show_at_once(web: Web) -> None:
    shop = await open_shop(web)
    ann = Customer(web)
    await read_everything(ann, shop)

    assert (await ann.add(shop.bread, 4))[0] == 200
    status, order = await ann.checkout()
    assert status == 201
    check_stock(await read_everything(ann, shop))

    status, _ = await ann.request("POST", f"/orders/{order['id']}/cancel")
    assert status == 200
    pages = await read_everything(ann, shop)
    assert pages["card"]["stock"]["available"] == 5
    assert bread_in(pages["page"])["stock"]["available"] == 5  # type: ignore[index]


async def test_an_order_placed_in_the_chat_and_cancelled_by_the_shop_shows_at_once(
    web: Web,
) -> None:
    shop = await open_shop(web)
    ann = Customer(web)
    await read_everything(ann, shop)
    boris = await users.upsert_user(users.TelegramProfile(tg_id=777, first_name="Boris"))
    await cart.add(boris, shop.bread.id, 4)
    order = await checkout.place_order(
        boris,
        CheckoutDraft(fulfilment=Fulfilment.pickup, payment_method=PaymentMethod.cash),
        settings=web.settings,
        checkout_key="chat-order-1",
        events=web.services.shop_events,
    )
    check_stock(await read_everything(ann, shop))

    owner = await User.create(tg_id=778, pseudonym="u-owner", first_name="O")
    await orders.transition(
        order.id,
        OrderStatus.cancelled,
        role=ActorRole.provider,
        actor=owner,
        events=web.services.shop_events,
        reason="Out of flour",
    )
    assert (await read_everything(ann, shop))["card"]["stock"]["available"] == 5


# --- HTTP caching -----------------------------------------------------------------------------


async def test_catalogue_responses_carry_an_etag_and_revalidate_to_304(web: Web) -> None:
    shop = await open_shop(web)
    ann = Customer(web)
    path = f"/api/v1/products/{shop.bread.id}"

    first = await web.client.get(path, headers=ann.headers)
    assert first.status == 200
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert "Accept-Language" in first.headers["Vary"]

    again = await web.client.get(path, headers={**ann.headers, "If-None-Match": etag})
    assert again.status == 304
    assert again.headers["ETag"] == etag
    assert await again.read() == b""

    weak = await web.client.get(path, headers={**ann.headers, "If-None-Match": f'"x", W/{etag}'})
    assert weak.status == 304

    await change_price(web, shop)
    changed = await web.client.get(path, headers={**ann.headers, "If-None-Match": etag})
    assert changed.status == 200
    assert changed.headers["ETag"] != etag
    assert (await changed.json())["price"]["amount"] == 31000


async def test_each_language_has_its_own_page(web: Web) -> None:
    shop = await open_shop(web)
    english, russian = Customer(web, lang="en"), Customer(web, lang="ru")
    _, en = await english.get(f"/products/{shop.bread.id}")
    _, ru = await russian.get(f"/products/{shop.bread.id}")
    assert en["stock"]["label"] == "In stock: 5"
    assert ru["stock"]["label"] != en["stock"]["label"]
    assert ru["price"]["formatted"] != en["price"]["formatted"]


async def test_personal_responses_are_not_stored_by_the_client(web: Web) -> None:
    await open_shop(web)
    ann = Customer(web)
    for path in ("/api/v1/cart", "/api/v1/me", "/api/v1/orders"):
        response = await web.client.get(path, headers=ann.headers)
        assert response.status == 200
        assert response.headers["Cache-Control"] == "no-store", path
        assert "ETag" not in response.headers, path


async def test_the_api_still_needs_initdata_for_cached_pages(web: Web) -> None:
    shop = await open_shop(web)
    await Customer(web).get(f"/products/{shop.bread.id}")
    response = await web.client.get(f"/api/v1/products/{shop.bread.id}")
    assert response.status == 401


async def test_versioned_static_files_are_immutable(web: Web) -> None:
    versioned = await web.client.get("/static/css/app.css?v=abc123")
    assert versioned.status == 200
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    plain = await web.client.get("/static/css/app.css")
    assert plain.headers["Cache-Control"] == "no-cache"


async def test_request_timings_by_route_and_status_in_metrics(web: Web) -> None:
    shop = await open_shop(web)
    await Customer(web).get(f"/providers/{shop.bakery.id}/products")
    await Customer(web).get("/providers/424242/products")
    text = await (await web.client.get("/metrics")).text()
    route = "/api/v1/providers/{provider_id}/products"
    for status in ("200", "404"):
        line = (
            f'prilavok_http_request_seconds_count{{method="GET",route="{route}",'
            f'status="{status}"}} 1.0'
        )
        assert line in text
    assert "424242" not in text


# --- Two processes --------------------------------------------------------------------------


@pytest.fixture
async def shared_redis() -> AsyncIterator[Redis]:
    """The real Redis when TEST_REDIS_URL is set, an in-process one otherwise."""
    if REDIS_URL:
        client: Redis = Redis.from_url(REDIS_URL)
    else:
        client = FakeAsyncRedis()
    yield client
    await client.aclose()


async def test_two_processes_sharing_redis_see_each_others_changes(
    make_web: MakeWeb, shared_redis: Redis
) -> None:
    first = await make_web(redis=shared_redis)
    second = await make_web(redis=shared_redis, migrate=False)
    await see_each_others_changes(first, second)


async def test_two_processes_on_postgresql_see_each_others_changes(
    make_web: MakeWeb, shared_redis: Redis, pg_database_url: str
) -> None:
    first = await make_web(redis=shared_redis, database_url=pg_database_url)
    second = await make_web(redis=shared_redis, database_url=pg_database_url, migrate=False)
    await see_each_others_changes(first, second)


async def see_each_others_changes(first: Web, second: Web) -> None:
    shop = await open_shop(first)
    ann_first, ann_second = Customer(first), Customer(second)

    before = await read_everything(ann_first, shop)
    hits = second.services.read_cache.hits
    assert await read_everything(ann_second, shop) == before
    assert second.services.read_cache.hits == hits + 4, "the pages built by the first process"

    await change_price(first, shop)
    check_price(await read_everything(ann_second, shop))
    await change_stock(second, shop)
    check_stock(await read_everything(ann_first, shop))
    check_stock(await read_everything(ann_second, shop))


# --- The user cache ---------------------------------------------------------------------------


async def count_loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    loads: list[int] = []
    real = user_cache_module.upsert_user

    async def counting(profile: users.TelegramProfile, **kwargs: Any) -> User:
        loads.append(profile.tg_id)
        return await real(profile, **kwargs)

    monkeypatch.setattr(user_cache_module, "upsert_user", counting)
    return loads


async def test_a_known_person_is_not_read_again_and_last_seen_is_written_later(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = await count_loads(monkeypatch)
    ann = Customer(web)
    for _ in range(3):
        assert (await ann.get("/me"))[0] == 200
    assert loads == [TG_USER["id"]]

    user = await User.get(tg_id=TG_USER["id"])
    seen = user.last_seen_at
    assert seen is not None
    old = seen - users.SEEN_RESOLUTION * 2
    await User.filter(id=user.id).update(last_seen_at=old)
    cached = web.services.user_cache
    (await cached.resolve(users.TelegramProfile(**profile_of(TG_USER)))).last_seen_at = old

    assert (await ann.get("/me"))[0] == 200
    assert (await User.get(id=user.id)).last_seen_at == old, "not written on the request"
    await cached.flush()
    assert (await User.get(id=user.id)).last_seen_at > old  # type: ignore[operator]


def profile_of(tg_user: dict[str, Any]) -> dict[str, Any]:
    return {
        "tg_id": tg_user["id"],
        "first_name": tg_user["first_name"],
        "last_name": tg_user.get("last_name"),
        "username": tg_user.get("username"),
        "language_code": tg_user.get("language_code"),
    }


async def test_new_names_from_telegram_are_taken_at_once(web: Web) -> None:
    assert (await Customer(web).get("/me"))[1]["first_name"] == "Анна"
    renamed = {**TG_USER, "first_name": "Аня"}
    assert (await Customer(web, user=renamed).get("/me"))[1]["first_name"] == "Аня"
    assert (await User.get(tg_id=TG_USER["id"])).first_name == "Аня"


async def test_a_banned_person_is_stopped_at_the_next_request(web: Web) -> None:
    ann = Customer(web)
    assert (await ann.get("/cart"))[0] == 200
    assert await users.set_banned(TG_USER["id"], True)
    status, body = await ann.get("/cart")
    assert (status, body["error"]["code"]) == (403, "banned")
    await users.set_banned(TG_USER["id"], False)
    assert (await ann.get("/cart"))[0] == 200


async def test_an_erased_person_is_a_stranger_at_the_next_request(web: Web) -> None:
    ann = Customer(web)
    status, me = await ann.get("/me")
    assert status == 200
    erased = await User.get(tg_id=TG_USER["id"])
    await privacy.anonymize_user(erased)
    status, again = await ann.get("/me")
    assert status == 200
    assert again["id"] != me["id"], "a new person, not the erased row"
    assert (await User.get(id=erased.id)).tg_id is None


async def test_a_ban_in_another_process_stops_the_next_request_here(
    make_web: MakeWeb, shared_redis: Redis
) -> None:
    here = await make_web(redis=shared_redis)
    there = await make_web(redis=shared_redis, migrate=False)
    ann = Customer(here)
    assert (await ann.get("/cart"))[0] == 200
    assert len(here.services.user_cache) == 1
    # Only the other process learns of the ban directly; this one hears of it through Redis.
    await User.filter(tg_id=TG_USER["id"]).update(is_banned=True)
    await there.services.user_cache.user_changed(TG_USER["id"])
    assert len(here.services.user_cache) == 1
    status, body = await ann.get("/cart")
    assert (status, body["error"]["code"]) == (403, "banned")


async def test_a_role_or_phone_change_is_seen_at_once(web: Web) -> None:
    ann = Customer(web)
    assert (await ann.get("/me"))[1]["has_phone"] is False
    user = await User.get(tg_id=TG_USER["id"])  # another copy, as the chat holds one
    await users.set_phone(user, "+79991234567")
    assert (await ann.get("/me"))[1]["has_phone"] is True
    await users.grant_role(TG_USER["id"], Role.provider)
    assert (await ann.get("/me"))[1]["role"] == "provider"


def test_the_pool_size_goes_to_postgresql_only() -> None:
    assert with_pool_size("sqlite://data/x.sqlite3", 20) == "sqlite://data/x.sqlite3"
    assert with_pool_size("postgres://u@h/db", 20) == "postgres://u@h/db?maxsize=20"
    assert with_pool_size("postgres://u@h/db?ssl=true", 7) == "postgres://u@h/db?ssl=true&maxsize=7"
    assert with_pool_size("postgres://u@h/db?maxsize=3", 20) == "postgres://u@h/db?maxsize=3"
    assert with_pool_size("postgres://u@h/db", None) == "postgres://u@h/db"


def test_verified_init_data_is_remembered_but_its_age_is_checked_every_time() -> None:
    hour = timedelta(hours=1)
    raw = sign_init_data(TEST_TOKEN, auth_date=time.time() - 100)
    verifier = VerifiedInitData(TEST_TOKEN)
    data = verifier.verify(raw, max_age=hour)
    assert verifier.verify(raw, max_age=hour) is data, "the second check is from memory"

    later = datetime.now(UTC) + 2 * hour
    with pytest.raises(InitDataError, match="auth_expired"):
        verifier.verify(raw, max_age=hour, now=later)

    forged = tamper(raw, user=json.dumps({**TG_USER, "id": 1}))
    for _ in range(2):  # a forgery is refused every time: it is never remembered
        with pytest.raises(InitDataError, match="auth_invalid"):
            verifier.verify(forged, max_age=hour)
