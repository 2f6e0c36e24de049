"""The cart: one provider per cart, quantity and stock bounds, changes the customer must see."""

from __future__ import annotations

import pytest

from core.errors import (
    CartLimit,
    InvalidInput,
    NotFound,
    OtherCurrencyInCart,
    OtherProviderInCart,
    SoldOut,
)
from db.models import CartItem, Product, ProductKind, Provider, Role, User
from services import cart, catalog
from tests.services.shop_data import make_product, make_provider, make_user

pytestmark = pytest.mark.usefixtures("db")


async def cart_items(user: User) -> list[tuple[int, int, int]]:
    rows = await CartItem.filter(user_id=user.id).order_by("id")
    return [(row.product_id, row.quantity, row.price_seen) for row in rows]  # type: ignore[attr-defined]


async def test_adding_twice_sums_the_quantity_at_the_current_price() -> None:
    user = await make_user()
    shop = await make_provider()
    tea = await make_product(shop, "Tea", price=10000, stock=10)

    await cart.add(user, tea.id)
    view = await cart.add(user, tea.id, 2)

    assert [(line.product.id, line.quantity) for line in view.lines] == [(tea.id, 3)]
    assert view.total == 30000 and view.provider is not None and view.provider.id == shop.id
    assert not view.changes
    assert await cart_items(user) == [(tea.id, 3, 10000)]


async def test_a_cart_holds_one_providers_products() -> None:
    user = await make_user()
    first, second = await make_provider(name="Tea house"), await make_provider()
    tea = await make_product(first, "Tea")
    mug = await make_product(second, "Mug")
    await cart.add(user, tea.id)

    with pytest.raises(OtherProviderInCart) as refused:
        await cart.add(user, mug.id)

    assert refused.value.details == {"provider": "Tea house"}
    assert await cart_items(user) == [(tea.id, 1, tea.price)]


async def test_replace_empties_the_cart_of_the_other_provider() -> None:
    user = await make_user()
    first, second = await make_provider(), await make_provider()
    tea = await make_product(first, "Tea")
    cup = await make_product(first, "Cup")
    mug = await make_product(second, "Mug")
    await cart.add(user, tea.id)
    await cart.add(user, cup.id)

    view = await cart.add(user, mug.id, 2, replace=True)

    assert [(line.product.id, line.quantity) for line in view.lines] == [(mug.id, 2)]


async def test_replace_keeps_the_cart_of_the_same_provider() -> None:
    user = await make_user()
    shop = await make_provider()
    tea, cup = await make_product(shop, "Tea"), await make_product(shop, "Cup")
    await cart.add(user, tea.id)

    view = await cart.add(user, cup.id, replace=True)

    assert [line.product.id for line in view.lines] == [tea.id, cup.id]


@pytest.mark.parametrize("quantity", [0, -1, cart.MAX_QUANTITY + 1])
async def test_quantity_out_of_bounds_is_refused(quantity: int) -> None:
    user = await make_user()
    tea = await make_product(await make_provider(), stock=1000)

    with pytest.raises(InvalidInput) as refused:
        await cart.add(user, tea.id, quantity)

    assert refused.value.details["field"] == "quantity"
    assert await cart_items(user) == []


async def test_the_sum_of_adds_is_bounded_too() -> None:
    user = await make_user()
    tea = await make_product(await make_provider(), stock=1000)
    await cart.add(user, tea.id, cart.MAX_QUANTITY)

    # A fine request that the cart's contents refuse: a conflict, not malformed input.
    with pytest.raises(CartLimit) as refused:
        await cart.add(user, tea.id)
    assert refused.value.status == 409 and refused.value.details == {"max": cart.MAX_QUANTITY}
    with pytest.raises(InvalidInput):
        await cart.set_quantity(user, tea.id, cart.MAX_QUANTITY + 1)

    assert await cart_items(user) == [(tea.id, cart.MAX_QUANTITY, tea.price)]


async def test_more_than_in_stock_is_sold_out() -> None:
    user = await make_user()
    tea = await make_product(await make_provider(), "Tea", stock=3)
    await cart.add(user, tea.id, 2)

    with pytest.raises(SoldOut) as refused:
        await cart.add(user, tea.id, 2)
    assert refused.value.details == {"title": "Tea", "available": 3}
    with pytest.raises(SoldOut):
        await cart.set_quantity(user, tea.id, 4)

    view = await cart.set_quantity(user, tea.id, 3)
    assert view.lines[0].quantity == 3


async def test_products_without_stock_are_not_bounded_by_it() -> None:
    ann, bob = await make_user(), await make_user()
    shop = await make_provider()
    ebook = await make_product(shop, "E-book", price=150, stock=0, kind=ProductKind.digital)
    lesson = await make_product(shop, "Lesson", stock=0, kind=ProductKind.service)

    books = await cart.add(ann, ebook.id, 5)
    lessons = await cart.add(bob, lesson.id, 2)

    assert [line.quantity for line in books.lines + lessons.lines] == [5, 2]
    assert not books.changes and not lessons.changes


async def test_stars_and_roubles_never_share_a_cart() -> None:
    user = await make_user()
    shop = await make_provider()
    tea = await make_product(shop, "Tea")
    ebook = await make_product(shop, "E-book", price=150, stock=0, kind=ProductKind.digital)
    await cart.add(user, tea.id)

    with pytest.raises(OtherCurrencyInCart) as refused:
        await cart.add(user, ebook.id)
    assert refused.value.status == 409 and refused.value.details == {"currency": "XTR"}
    assert await cart_items(user) == [(tea.id, 1, tea.price)]

    view = await cart.add(user, ebook.id, replace=True)
    assert [(line.product.id, view.currency) for line in view.lines] == [(ebook.id, "XTR")]


async def test_hidden_blocked_and_closed_products_cannot_be_added() -> None:
    user = await make_user()
    admin = await make_user(Role.admin)
    shop, closed = await make_provider(), await make_provider(is_active=False)
    hidden = await make_product(shop, "Hidden")
    await catalog.set_active(shop, hidden.id, False)
    blocked = await make_product(shop, "Blocked")
    await catalog.set_blocked(blocked.id, True, actor=admin)
    elsewhere = await make_product(closed, "Closed shop's")

    for product in (hidden, blocked, elsewhere):
        with pytest.raises(NotFound):
            await cart.add(user, product.id)
    with pytest.raises(NotFound):
        await cart.add(user, 987654)
    assert await cart_items(user) == []


async def test_set_quantity_zero_removes_and_unknown_line_is_not_found() -> None:
    user = await make_user()
    shop = await make_provider()
    tea, cup = await make_product(shop, "Tea"), await make_product(shop, "Cup")
    await cart.add(user, tea.id)
    await cart.add(user, cup.id)

    view = await cart.set_quantity(user, tea.id, 0)
    assert [line.product.id for line in view.lines] == [cup.id]
    with pytest.raises(NotFound):
        await cart.set_quantity(user, tea.id, 1)

    await cart.remove(user, tea.id)  # removing what is not there is fine
    await cart.clear(user)
    assert (await cart.view(user)).empty


async def test_carts_are_per_person() -> None:
    ann, bob = await make_user(), await make_user()
    tea = await make_product(await make_provider())
    await cart.add(ann, tea.id, 2)

    assert (await cart.view(bob)).empty
    with pytest.raises(NotFound):
        await cart.set_quantity(bob, tea.id, 1)
    await cart.clear(bob)
    assert await cart_items(ann) == [(tea.id, 2, tea.price)]


# Changes the customer must see before ordering -------------------------------------------


async def cart_with(stock: int = 10, quantity: int = 2) -> tuple[User, Provider, Product, Product]:
    user = await make_user()
    shop = await make_provider()
    tea = await make_product(shop, "Tea", price=10000, stock=stock)
    cup = await make_product(shop, "Cup", price=5000, stock=10)
    await cart.add(user, tea.id, quantity)
    await cart.add(user, cup.id)
    return user, shop, tea, cup


async def test_an_untouched_cart_has_no_changes() -> None:
    user, _, _, _ = await cart_with()

    view = await cart.view(user)

    assert not view.changes and view.total == 25000


async def test_a_changed_price_is_a_change_and_the_total_uses_the_new_price() -> None:
    user, shop, tea, _ = await cart_with()
    await catalog.update_product(shop, tea.id, price=12000)

    view = await cart.view(user)

    [line] = view.changes
    assert line.product.id == tea.id and line.price_changed and line.available
    assert (line.price_seen, line.price) == (10000, 12000)
    assert view.total == 2 * 12000 + 5000


async def test_a_hidden_product_is_a_change_and_leaves_the_total() -> None:
    user, shop, tea, _ = await cart_with()
    await catalog.set_active(shop, tea.id, False)

    view = await cart.view(user)

    [line] = view.changes
    assert line.product.id == tea.id and not line.available
    assert view.total == 5000


async def test_a_blocked_product_is_a_change() -> None:
    user, _, tea, _ = await cart_with()
    await catalog.set_blocked(tea.id, True, actor=await make_user(Role.admin))

    [line] = (await cart.view(user)).changes

    assert line.product.id == tea.id and not line.available


async def test_a_closed_provider_makes_every_line_a_change() -> None:
    user, shop, _, _ = await cart_with()
    await Provider.filter(id=shop.id).update(is_active=False)

    view = await cart.view(user)

    assert len(view.changes) == 2 and view.total == 0


async def test_short_of_stock_is_a_change() -> None:
    user, _, tea, _ = await cart_with(stock=5, quantity=4)
    await Product.filter(id=tea.id).update(stock=3)

    [line] = (await cart.view(user)).changes

    assert line.product.id == tea.id and line.short_of_stock and line.available
    assert not line.price_changed


async def test_acknowledge_takes_new_prices_caps_quantities_and_drops_the_unavailable() -> None:
    user, shop, tea, cup = await cart_with(stock=5, quantity=4)
    gone = await make_product(shop, "Gone", stock=5)
    await cart.add(user, gone.id)
    await catalog.update_product(shop, tea.id, price=11000)
    await Product.filter(id=tea.id).update(stock=3)
    await Product.filter(id=cup.id).update(stock=0)
    await catalog.set_active(shop, gone.id, False)

    view = await cart.acknowledge_changes(user)

    assert not view.changes
    assert await cart_items(user) == [(tea.id, 3, 11000)]


async def test_acknowledge_keeps_a_price_change_of_an_unlimited_product() -> None:
    user = await make_user()
    shop = await make_provider()
    lesson = await make_product(shop, "Lesson", stock=0, kind=ProductKind.service)
    await cart.add(user, lesson.id, 3)
    await catalog.update_product(shop, lesson.id, price=20000)

    view = await cart.acknowledge_changes(user)

    assert not view.changes
    assert await cart_items(user) == [(lesson.id, 3, 20000)]
