"""The admin's services: provider settings with 54-FZ data, owners, product and order lookup."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput, NotFound
from db.models import AuditLog, Provider, Role, User
from services import admin, catalog
from services.deeplinks import DeepLinkKind, invite_link, parse_payload
from tests.services.shop_data import make_product, make_provider, make_user


@pytest.mark.parametrize(
    ("inn", "valid"),
    [
        ("7707083893", True),  # an organisation
        ("500100732259", True),  # an entrepreneur
        ("7707083894", False),  # wrong check digit
        ("500100732258", False),
        ("500100732269", False),  # first check digit wrong
        ("77070838", False),
        ("770708389300", False),
        ("７７０７０８３８９３", False),  # full-width digits are not ASCII
        ("", False),
    ],
)
def test_inn_checksum(inn: str, valid: bool) -> None:
    assert admin.valid_inn(inn) is valid


def test_slug_suggestions_transliterate() -> None:
    assert admin.suggest_slug("Лавка Чая") == "lavka-chaya"
    assert admin.suggest_slug("Щи & Борщ!") == "shchi-borshch"
    assert admin.suggest_slug("Ёлка") == "elka"
    assert admin.suggest_slug("!!") == "shop"
    assert all(admin.valid_slug(admin.suggest_slug(name)) for name in ("x", "Я", "a" * 200))


def test_order_numbers() -> None:
    assert [admin.parse_order_number(text) for text in ("123", "#45", "№ 7", "No. 8")] == [
        123,
        45,
        7,
        8,
    ]
    assert admin.parse_order_number("abc") is None
    assert admin.parse_order_number("1 2") is None


def test_invite_payloads_next_to_the_other_kinds() -> None:
    link = parse_payload("inv_Ab3xY9")
    assert link is not None and (link.kind, link.value) == (DeepLinkKind.invite, "Ab3xY9")
    assert invite_link("prilavok_bot", "Ab3xY9") == "https://t.me/prilavok_bot?start=inv_Ab3xY9"
    kinds = [parse_payload(p).kind for p in ("ref_u1", "p_12", "s_lavka")]  # type: ignore[union-attr]
    assert kinds == [DeepLinkKind.referral, DeepLinkKind.product, DeepLinkKind.provider]
    assert parse_payload("inv_") is None and parse_payload("invite_x") is None


@pytest.mark.usefixtures("db")
async def test_free_slug_appends_a_number() -> None:
    await make_provider(slug="lavka")
    await make_provider(slug="lavka-2")
    assert await admin.free_slug("lavka") == "lavka-3"
    assert await admin.free_slug("chai") == "chai"


@pytest.mark.usefixtures("db")
async def test_update_provider_validates_and_audits() -> None:
    root = await make_user(Role.admin)
    shop = await make_provider()
    updated = await admin.update_provider(
        shop.id, actor=root, inn="7707083893", tax_system_code=2, allow_cash=False
    )
    assert (updated.inn, updated.tax_system_code, updated.allow_cash) == ("7707083893", 2, False)
    entry = await AuditLog.get(action="provider.update")
    assert entry.actor_id == root.id and entry.data["inn"] == "7707083893"
    for changes in (
        {"inn": "7707083894"},
        {"tax_system_code": 7},
        {"delivery_fee": -1},
        {"low_stock_threshold": 10**7},
        {"pickup_address": "x" * 257},
        {"owner_id": root.id},
    ):
        with pytest.raises(InvalidInput):
            await admin.update_provider(shop.id, actor=root, **changes)
    assert (await Provider.get(id=shop.id)).inn == "7707083893"
    with pytest.raises(NotFound):
        await admin.update_provider(424242, actor=root, allow_cash=True)


@pytest.mark.usefixtures("db")
async def test_owner_by_telegram_id_creates_a_placeholder_and_makes_a_provider() -> None:
    root = await make_user(Role.admin)
    shop = await make_provider()
    owner = await admin.user_by_tg_id(555000111)
    assert owner.first_name == "" and owner.role is Role.customer
    assert (await admin.user_by_tg_id(555000111)).id == owner.id
    await admin.set_owner(shop.id, owner, actor=root)
    assert (await Provider.get(id=shop.id)).owner_id == owner.id
    assert (await User.get(id=owner.id)).role is Role.provider
    with pytest.raises(InvalidInput):
        await admin.user_by_tg_id(0)


@pytest.mark.usefixtures("db")
async def test_find_products_sees_blocked_and_hidden_ones() -> None:
    root = await make_user(Role.admin)
    shop = await make_provider()
    tea = await make_product(shop, title="Зелёный чай")
    await catalog.set_blocked(tea.id, True, actor=root, reason="spam")
    assert [p.id for p in await admin.find_products("зеленый")] == [tea.id]
    assert [p.id for p in await admin.find_products(f"#{tea.id}")] == [tea.id]
    assert await admin.find_products("coffee") == []
    _provider, stats = await admin.provider_card(shop.id)
    assert (stats.products, stats.visible, stats.blocked) == (1, 0, 1)
