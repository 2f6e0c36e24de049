"""Users service: upsert, roles, consent, privacy export and erasure."""

from __future__ import annotations

import asyncio
import json

import pytest

from db.models import (
    ActorRole,
    AuditLog,
    CartItem,
    Consent,
    ConsentKind,
    Fulfilment,
    Order,
    OrderItem,
    OrderMessage,
    OrderStatus,
    OrderTransition,
    Role,
    User,
)
from services import cart, consent, onboarding, orders, privacy, users
from services.events import ShopEvents
from services.users import TelegramProfile
from tests.services.shop_data import make_product, make_provider, order_of


def profile(tg_id: int = 42, **kwargs: object) -> TelegramProfile:
    return TelegramProfile(tg_id=tg_id, first_name=str(kwargs.get("first_name", "Anna")))


async def test_first_contact_creates_a_user_with_a_pseudonym(db: None) -> None:
    user = await users.upsert_user(profile())
    assert user.tg_id == 42
    assert user.pseudonym.startswith("u") and len(user.pseudonym) == 17
    assert await User.filter(tg_id=42).count() == 1


async def test_concurrent_first_updates_create_one_user(db: None) -> None:
    results = await asyncio.gather(*(users.upsert_user(profile()) for _ in range(5)))
    assert len({u.id for u in results}) == 1
    assert await User.filter(tg_id=42).count() == 1


async def test_names_follow_telegram(db: None) -> None:
    await users.upsert_user(profile())
    await users.upsert_user(profile(first_name="Анна"))
    assert (await User.get(tg_id=42)).first_name == "Анна"


async def test_grant_role_creates_placeholder_and_audits(db: None) -> None:
    user = await users.grant_role(777, Role.admin)
    assert user.role is Role.admin
    entry = await AuditLog.get(action="user.role")
    assert entry.data == {"from": "customer", "to": "admin"}


async def test_consent_latest_decision_counts(db: None) -> None:
    user = await users.upsert_user(profile())
    assert not await consent.may_collect_personal_data(user, "1")
    await consent.record(user, ConsentKind.personal_data, granted=True, version="1")
    assert await consent.may_collect_personal_data(user, "1")
    assert not await consent.may_collect_personal_data(user, "2")
    await consent.record(user, ConsentKind.personal_data, granted=False, version="1")
    assert not await consent.may_collect_personal_data(user, "1")
    assert await Consent.filter(user_id=user.id).count() == 2


async def test_referral_is_credited_once_and_never_to_oneself(db: None) -> None:
    referrer = await users.upsert_user(profile(1))
    newcomer = await users.upsert_user(profile(2))
    link = f"ref_{referrer.pseudonym}"
    assert (await onboarding.start(newcomer, link)).referrer is not None
    other = await users.upsert_user(profile(3))
    assert (await onboarding.start(newcomer, f"ref_{other.pseudonym}")).referrer is None
    assert (await onboarding.start(referrer, link)).referrer is None
    assert (await User.get(id=newcomer.id)).referrer_id == referrer.id


async def test_unknown_payloads_are_ignored(db: None) -> None:
    user = await users.upsert_user(profile())
    for payload in ("", "garbage", "p_abc", "p_999999", "s_nope", "x" * 200, "ref_'; DROP"):
        result = await onboarding.start(user, payload)
        assert result.product is None and result.provider is None and result.referrer is None


async def test_erasure_keeps_the_row_under_its_pseudonym(db: None) -> None:
    user = await users.upsert_user(profile())
    await users.set_phone(user, "+79991234567")
    await consent.record(user, ConsentKind.personal_data, granted=True, version="1")
    exported = await privacy.export_user_data(user)
    assert exported["profile"]["phone"] == "+79991234567"
    assert exported["consents"][0]["granted"] is True

    await privacy.anonymize_user(user)

    erased = await User.get(id=user.id)
    assert erased.tg_id is None and erased.phone is None and erased.first_name == ""
    assert erased.pseudonym == user.pseudonym and erased.is_anonymized
    again = await users.upsert_user(profile())
    assert again.id != user.id


async def test_export_includes_orders_and_cart(db: None) -> None:
    user = await users.upsert_user(profile())
    shop = await make_provider(name="Tea house", delivery_fee=30000)
    tea = await make_product(shop, "Tea", price=45000, stock=5)
    cup = await make_product(shop, "Cup", price=5000, stock=5)
    order = await order_of(
        user,
        tea,
        2,
        fulfilment=Fulfilment.delivery,
        address="Lenina 5, flat 3",
        phone="+79990001122",
        comment="Ring twice",
    )
    await cart.add(user, cup.id)

    exported = await privacy.export_user_data(user)

    [entry] = exported["orders"]
    assert entry["number"] == order.id and entry["shop"] == "Tea house"
    assert (entry["status"], entry["fulfilment"], entry["payment_method"]) == (
        "pending_payment",
        "delivery",
        "online",
    )
    assert (entry["address"], entry["phone"], entry["comment"]) == (
        "Lenina 5, flat 3",
        "+79990001122",
        "Ring twice",
    )
    assert (entry["items_total"], entry["delivery_fee"], entry["total"]) == (90000, 30000, 120000)
    assert entry["placed_at"] and entry["currency"] == "RUB"
    assert entry["items"] == [
        {"title": "Tea", "sku": tea.sku, "price": 45000, "quantity": 2, "currency": "RUB"}
    ]
    assert [(h["from"], h["to"]) for h in entry["history"]] == [(None, "pending_payment")]
    [line] = exported["cart"]
    assert (line["product"], line["quantity"], line["price_seen"]) == ("Cup", 1, 5000)
    json.dumps(exported)  # the export is sent as a JSON file


async def test_erasure_keeps_orders_but_not_addresses_phones_or_comments(db: None) -> None:
    user = await users.upsert_user(profile())
    other = await users.upsert_user(profile(43))
    shop = await make_provider()
    tea = await make_product(shop, "Tea", stock=10)
    mine = await order_of(
        user,
        tea,
        2,
        fulfilment=Fulfilment.delivery,
        latitude=55.75,
        longitude=37.62,
        address="Lenina 5",
        phone="+79990001122",
        comment="Ring twice",
    )
    await orders.transition(
        mine.id, OrderStatus.cancelled, role=ActorRole.customer, actor=user, events=ShopEvents()
    )
    theirs = await order_of(
        other, tea, fulfilment=Fulfilment.delivery, address="Mira 1", phone="+79995556677"
    )
    await OrderMessage.create(order=mine, chat_id=42, message_id=7)
    await OrderMessage.create(order=mine, chat_id=555, message_id=8)  # the provider's copy
    await cart.add(user, tea.id)

    await privacy.anonymize_user(user)

    kept = await Order.get(id=mine.id)
    assert (kept.address, kept.latitude, kept.longitude, kept.phone, kept.comment) == (
        None,
        None,
        None,
        None,
        "",
    )
    assert (kept.status, kept.total, kept.customer_id) == (
        OrderStatus.cancelled,
        mine.total,
        user.id,
    )
    assert await OrderItem.filter(order_id=mine.id).count() == 1
    assert await OrderTransition.filter(order_id=mine.id).count() == 2
    assert await OrderMessage.filter(order_id=mine.id).values_list("chat_id", flat=True) == [555]
    assert await CartItem.filter(user_id=user.id).count() == 0
    untouched = await Order.get(id=theirs.id)
    assert (untouched.address, untouched.phone) == ("Mira 1", "+79995556677")
    [entry] = (await privacy.export_user_data(user))["orders"]
    assert entry["address"] is None and entry["phone"] is None and entry["total"] == mine.total


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+7 (999) 123-45-67", "+79991234567"),
        ("8 999 123 45 67", "+79991234567"),
        ("999 123-45-67", "+79991234567"),
        ("79991234567", "+79991234567"),
        ("+375 29 123-45-67", "+375291234567"),
        ("+852 1234 5678", "+85212345678"),  # a country code: not the Russian 8 prefix
        ("+7999", None),
        ("12345", None),
        ("call me", None),
        ("+7 999 123 45 67 89 01 23", None),
    ],
)
def test_phones_are_stored_in_e164(typed: str, stored: str | None) -> None:
    assert users.normalize_phone(typed) == stored
