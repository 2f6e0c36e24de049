"""The catalog: what customers see and find, pages, stock changes and provider invites."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from core.errors import InvalidInput, NotFound
from db.models import AuditLog, Product, ProductKind, Provider, ProviderInvite, Role, User
from services import catalog
from services.catalog import ProductDraft
from tests.services.shop_data import make_product, make_provider, make_user

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


async def titles(text: str) -> list[str]:
    return [product.title for product in (await catalog.search(text)).items]


async def searchable_shop() -> Provider:
    shop = await make_provider()
    await make_product(shop, "Чёрный чай с чабрецом", description="Крупнолистовой, 75 г")
    await make_product(shop, "Ёлочная игрушка", description="Стеклянный шар ручной работы")
    await make_product(shop, "Green Tea Sencha", description="Japanese LEAF tea, 100 g")
    await make_product(shop, "Mug", description="Stoneware, holds 350 ml of tea")
    return shop


SEARCHES = [
    ("черный", ["Чёрный чай с чабрецом"]),
    ("ЧЁРНЫЙ ЧАЙ", ["Чёрный чай с чабрецом"]),
    ("чАбРеЦ", ["Чёрный чай с чабрецом"]),
    ("елочная", ["Ёлочная игрушка"]),
    ("ЁЛОЧНАЯ", ["Ёлочная игрушка"]),
    ("ручной работы", ["Ёлочная игрушка"]),
    ("крупнолистовой", ["Чёрный чай с чабрецом"]),
    ("green tea", ["Green Tea Sencha"]),
    ("TEA", ["Green Tea Sencha", "Mug"]),
    ("leaf", ["Green Tea Sencha"]),
    ("  stoneware\tTEA  ", ["Mug"]),
    ("tea coffee", []),
    ("", []),
    ("   ", []),
    ("%", []),
    ("_", []),
]


@pytest.mark.usefixtures("db")
async def test_search_is_case_and_yo_insensitive_in_russian_and_english() -> None:
    await searchable_shop()

    for text, expected in SEARCHES:
        assert await titles(text) == expected, text


@pytest.mark.postgres
async def test_search_works_the_same_on_postgresql(pg_db: str) -> None:
    await searchable_shop()

    for text, expected in SEARCHES:
        assert await titles(text) == expected, text


@pytest.mark.usefixtures("db")
async def test_edited_titles_are_found_by_the_new_words_only() -> None:
    shop = await make_provider()
    tea = await make_product(shop, "Чай")
    await catalog.update_product(shop, tea.id, title="Кофе", description="Молотый, Ёмкость 1 кг")

    assert await titles("чай") == []
    assert await titles("кофе емкость") == ["Кофе"]


@pytest.mark.usefixtures("db")
async def test_hidden_blocked_and_closed_products_are_invisible() -> None:
    admin = await make_user(Role.admin)
    shop, closed = await make_provider(), await make_provider(is_active=False)
    shown = await make_product(shop, "Tea shown", category="Tea")
    hidden = await make_product(shop, "Tea hidden", category="Hidden")
    blocked = await make_product(shop, "Tea blocked", category="Blocked")
    elsewhere = await make_product(closed, "Tea of a closed shop")
    await catalog.set_active(shop, hidden.id, False)
    await catalog.set_blocked(blocked.id, True, actor=admin, reason="counterfeit")

    assert await titles("tea") == ["Tea shown"]
    assert [p.id for p in (await catalog.products_page(shop.id, None)).items] == [shown.id]
    assert [c.title for c in await catalog.categories(shop.id)] == ["Tea"]
    assert [p.id for p in await catalog.storefronts()] == [shop.id]
    for product in (hidden, blocked, elsewhere):
        with pytest.raises(NotFound):
            await catalog.get_visible_product(product.id)
    with pytest.raises(NotFound):
        await catalog.get_provider(closed.id)
    entry = await AuditLog.get(action="product.block")
    assert (entry.target, entry.data) == (f"product:{blocked.id}", {"reason": "counterfeit"})

    await catalog.set_active(shop, hidden.id, True)
    await catalog.set_blocked(blocked.id, False, actor=admin)
    assert await titles("tea") == ["Tea blocked", "Tea hidden", "Tea shown"]
    assert (await catalog.get_visible_product(hidden.id)).provider.id == shop.id


@pytest.mark.usefixtures("db")
async def test_a_provider_still_sees_and_edits_its_hidden_products() -> None:
    owner = await make_user(Role.provider)
    shop = await make_provider(owner)
    hidden = await make_product(shop, "Tea")
    await catalog.set_active(shop, hidden.id, False)

    assert (await catalog.owned_product(shop, hidden.id)).id == hidden.id
    assert [p.id for p in await catalog.providers_of(owner)] == [shop.id]
    with pytest.raises(NotFound):
        await catalog.owned_provider(await make_user(), shop.id)
    with pytest.raises(NotFound):
        await catalog.owned_product(await make_provider(), hidden.id)


# Pages ---------------------------------------------------------------------------------------


@pytest.mark.usefixtures("db")
async def test_pages_of_eight_and_out_of_range_pages_are_clamped() -> None:
    shop = await make_provider()
    for number in range(10):
        await make_product(shop, f"Product {number:02d}")

    first = await catalog.products_page(shop.id, None, 1)
    second = await catalog.products_page(shop.id, None, 2)
    beyond = await catalog.products_page(shop.id, None, 7)
    before = await catalog.products_page(shop.id, None, 0)

    assert [p.title for p in first.items] == [f"Product {n:02d}" for n in range(8)]
    assert (first.number, first.pages, first.total, first.out_of_range) == (1, 2, 10, False)
    assert [p.title for p in second.items] == ["Product 08", "Product 09"]
    assert (beyond.number, beyond.requested, beyond.out_of_range) == (2, 7, True)
    assert [p.id for p in beyond.items] == [p.id for p in second.items]
    assert (before.number, before.out_of_range) == (1, True)


@pytest.mark.usefixtures("db")
async def test_an_empty_list_has_one_empty_page() -> None:
    shop = await make_provider()

    page = await catalog.products_page(shop.id, None, 3)

    assert (page.items, page.number, page.pages, page.total) == ([], 1, 1, 0)
    assert page.out_of_range


@pytest.mark.usefixtures("db")
async def test_category_pages_hold_only_that_category() -> None:
    shop = await make_provider()
    tea = await make_product(shop, "Tea", category="Drinks")
    await make_product(shop, "Mug", category="Ceramics")
    [drinks, _] = sorted(await catalog.categories(shop.id), key=lambda c: c.title != "Drinks")

    page = await catalog.products_page(shop.id, drinks.id)

    assert [p.id for p in page.items] == [tea.id]


# Products ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("db")
async def test_create_product_validates_and_fills_search_text() -> None:
    shop = await make_provider()

    product = await catalog.create_product(
        shop, ProductDraft(title="  Ёж   Колючий ", price=100, description="Игрушка", stock=2)
    )

    assert product.title == "Ёж Колючий"
    assert product.search_text == "еж колючий игрушка"
    for draft in (
        ProductDraft(title="", price=100),
        ProductDraft(title="x" * 129, price=100),
        ProductDraft(title="Tea", price=0),
        ProductDraft(title="Tea", price=catalog.MAX_PRICE + 1),
        ProductDraft(title="Tea", price=100, stock=-1),
        ProductDraft(title="Tea", price=100, currency="USD"),
        ProductDraft(title="Tea", price=100, currency="XTR"),
        ProductDraft(title="E-book", price=100, kind=ProductKind.digital),
    ):
        with pytest.raises(InvalidInput):
            await catalog.create_product(shop, draft)
    assert await Product.filter(provider_id=shop.id).count() == 1


@pytest.mark.usefixtures("db")
async def test_a_duplicate_sku_is_invalid_input() -> None:
    shop = await make_provider()
    await make_product(shop, "Tea", sku="TEA-1")

    with pytest.raises(InvalidInput) as refused:
        await make_product(shop, "Other tea", sku="TEA-1")

    assert refused.value.details == {"field": "sku", "value": "TEA-1"}


@pytest.mark.usefixtures("db")
async def test_restock_adds_and_removes_but_never_below_zero() -> None:
    shop = await make_provider()
    tea = await make_product(shop, stock=3)

    assert (await catalog.restock(shop, tea.id, 5)).stock == 8
    assert (await catalog.restock(shop, tea.id, -8)).stock == 0
    for delta in (-1, 0, catalog.MAX_STOCK + 1):
        with pytest.raises(InvalidInput):
            await catalog.restock(shop, tea.id, delta)
    await catalog.restock(shop, tea.id, catalog.MAX_STOCK)
    with pytest.raises(InvalidInput):
        await catalog.restock(shop, tea.id, 1)
    with pytest.raises(NotFound):
        await catalog.restock(await make_provider(), tea.id, 1)

    assert (await Product.get(id=tea.id)).stock == catalog.MAX_STOCK


@pytest.mark.usefixtures("db")
async def test_concurrent_removals_stop_at_zero() -> None:
    shop = await make_provider()
    tea = await make_product(shop, stock=3)

    results = await asyncio.gather(
        *(catalog.restock(shop, tea.id, -1) for _ in range(6)), return_exceptions=True
    )

    assert sum(isinstance(r, InvalidInput) for r in results) == 3
    assert (await Product.get(id=tea.id)).stock == 0


# Providers and invites -----------------------------------------------------------------------


@pytest.mark.usefixtures("db")
async def test_create_provider_checks_name_and_slug() -> None:
    admin = await make_user(Role.admin)
    owner = await make_user()

    shop = await catalog.create_provider(
        catalog.ProviderKind.shop, "  Tea   house ", "Tea-House", actor=admin, owner=owner
    )

    assert (shop.name, shop.slug) == ("Tea house", "tea-house")
    assert (await User.get(id=owner.id)).role is Role.provider
    for name, slug in (("", "ok-slug"), ("Shop", "x"), ("Shop", "bad slug"), ("Shop", "tea-house")):
        with pytest.raises(InvalidInput):
            await catalog.create_provider(catalog.ProviderKind.shop, name, slug, actor=admin)
    assert await Provider.all().count() == 1


@pytest.mark.usefixtures("db")
async def test_an_invite_works_once() -> None:
    admin = await make_user(Role.admin)
    shop = await make_provider()
    invite = await catalog.create_invite(shop, actor=admin, now=NOW)
    first, second = await make_user(), await make_user()

    provider = await catalog.accept_invite(invite.code, first, now=NOW + timedelta(hours=1))
    with pytest.raises(NotFound):
        await catalog.accept_invite(invite.code, second, now=NOW + timedelta(hours=2))

    assert provider.id == shop.id and provider.owner_id == first.id  # type: ignore[attr-defined]
    assert (await Provider.get(id=shop.id)).owner_id == first.id  # type: ignore[attr-defined]
    assert (await User.get(id=first.id)).role is Role.provider
    assert (await User.get(id=second.id)).role is Role.customer
    assert (await ProviderInvite.get(id=invite.id)).used_by_id == first.id  # type: ignore[attr-defined]


@pytest.mark.usefixtures("db")
async def test_an_expired_or_unknown_invite_is_not_found() -> None:
    shop = await make_provider()
    invite = await catalog.create_invite(shop, actor=await make_user(Role.admin), now=NOW)
    person = await make_user()

    with pytest.raises(NotFound):
        await catalog.accept_invite(invite.code, person, now=NOW + catalog.INVITE_TTL * 2)
    with pytest.raises(NotFound):
        await catalog.accept_invite("no-such-code", person, now=NOW)

    assert (await Provider.get(id=shop.id)).owner_id is None  # type: ignore[attr-defined]
    assert (await User.get(id=person.id)).role is Role.customer


@pytest.mark.usefixtures("db")
async def test_two_people_racing_for_one_invite_get_one_owner() -> None:
    shop = await make_provider()
    invite = await catalog.create_invite(shop, actor=await make_user(Role.admin), now=NOW)
    people = [await make_user() for _ in range(4)]

    results = await asyncio.gather(
        *(catalog.accept_invite(invite.code, p, now=NOW) for p in people),
        return_exceptions=True,
    )

    assert sum(isinstance(r, Provider) for r in results) == 1
    assert sum(isinstance(r, NotFound) for r in results) == 3
    owner_id = (await Provider.get(id=shop.id)).owner_id  # type: ignore[attr-defined]
    assert owner_id in {p.id for p in people}
