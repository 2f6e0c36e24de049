"""Checkout: the cart becomes an order with frozen receipt data, and stock is reserved."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from core.errors import CartChanged, EmptyCart, InvalidInput, SoldOut
from db.models import (
    ActorRole,
    CartItem,
    Fulfilment,
    Order,
    OrderItem,
    OrderStatus,
    OrderTransition,
    PaymentMethod,
    Product,
    ProductKind,
    Provider,
    User,
)
from services import cart, catalog
from services.checkout import CheckoutDraft, new_checkout_key, place_order, validate
from services.events import ShopEvents
from tests.services.shop_data import (
    make_product,
    make_provider,
    make_user,
    recording_events,
)

pytestmark = pytest.mark.usefixtures("db")

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
DELIVERY = CheckoutDraft(
    fulfilment=Fulfilment.delivery, address="Lenina 5, flat 3", phone="+79990001122"
)


async def stock(product: Product) -> int:
    return (await Product.get(id=product.id)).stock


async def place(user: User, draft: CheckoutDraft | None = None, **kwargs: object) -> Order:
    events = kwargs.pop("events", None) or ShopEvents()
    assert isinstance(events, ShopEvents)
    return await place_order(
        user,
        draft or CheckoutDraft(),
        checkout_key=str(kwargs.pop("checkout_key", new_checkout_key())),
        events=events,
        now=NOW,
        **kwargs,  # type: ignore[arg-type]
    )


async def test_an_order_freezes_the_cart_with_receipt_data_and_its_first_transition() -> None:
    user = await make_user()
    shop = await make_provider()
    tea = await make_product(
        shop,
        "Tea",
        price=45000,
        stock=10,
        sku="TEA-1",
        receipt={"vat_code": 4, "payment_subject": "commodity", "payment_mode": "full_payment"},
    )
    cup = await make_product(shop, "Cup", price=5000, stock=10)
    await cart.add(user, tea.id, 2)
    await cart.add(user, cup.id)
    events, recorder = recording_events()

    order = await place(user, CheckoutDraft(comment="  ring twice  "), events=events)

    assert order.status is OrderStatus.pending_payment
    assert (order.customer_id, order.provider_id) == (user.id, shop.id)
    assert (order.items_total, order.delivery_fee, order.total) == (95000, 0, 95000)
    assert order.currency == "RUB" and order.comment == "ring twice"
    assert order.expires_at == NOW + timedelta(minutes=30)
    assert len(order.pickup_code) == 6 and order.pickup_code.isdigit()
    items = await OrderItem.filter(order_id=order.id).order_by("id")
    assert [
        (i.product_id, i.sku, i.title, i.kind, i.price, i.quantity, i.currency) for i in items
    ] == [
        (tea.id, "TEA-1", "Tea", ProductKind.physical, 45000, 2, "RUB"),
        (cup.id, cup.sku, "Cup", ProductKind.physical, 5000, 1, "RUB"),
    ]
    assert (items[0].vat_code, items[0].payment_subject, items[0].payment_mode) == (
        4,
        "commodity",
        "full_payment",
    )
    [first] = await OrderTransition.filter(order_id=order.id)
    assert (first.from_status, first.to_status, first.actor_id, first.actor_role) == (  # type: ignore[attr-defined]
        None,
        OrderStatus.pending_payment,
        user.id,
        ActorRole.customer,
    )
    assert recorder.changes == [(order.id, None, OrderStatus.pending_payment)]
    assert await CartItem.filter(user_id=user.id).count() == 0


async def test_later_catalog_edits_do_not_touch_the_order() -> None:
    user = await make_user()
    shop = await make_provider()
    tea = await make_product(shop, "Tea", price=45000)
    await cart.add(user, tea.id)
    order = await place(user)

    await catalog.update_product(shop, tea.id, title="Green tea", price=50000)

    [item] = await OrderItem.filter(order_id=order.id)
    assert (item.title, item.price) == ("Tea", 45000)
    assert (await Order.get(id=order.id)).total == 45000


async def test_stock_is_reserved_for_physical_goods_only() -> None:
    user = await make_user()
    shop = await make_provider()
    tea = await make_product(shop, "Tea", stock=10)
    lesson = await make_product(shop, "Lesson", stock=0, kind=ProductKind.service)
    await cart.add(user, tea.id, 3)
    await cart.add(user, lesson.id, 2)

    await place(user)

    assert await stock(tea) == 7
    assert await stock(lesson) == 0


async def test_digital_goods_reserve_nothing() -> None:
    user = await make_user()
    ebook = await make_product(
        await make_provider(), "E-book", price=150, stock=0, kind=ProductKind.digital
    )
    await cart.add(user, ebook.id, 2)

    order = await place(user)

    assert (order.total, order.currency) == (300, "XTR")
    assert await stock(ebook) == 0


async def test_digital_goods_are_handed_over_in_chat_never_delivered_or_paid_in_cash() -> None:
    user = await make_user()
    provider = await make_provider(allow_pickup=False, allow_delivery=True, allow_cash=True)
    ebook = await make_product(provider, "E-book", price=150, stock=0, kind=ProductKind.digital)
    await cart.add(user, ebook.id, 1)

    for draft, field in (
        (CheckoutDraft(fulfilment=Fulfilment.delivery, address="Lenina 1", phone="+79990001122"),
         "fulfilment"),
        (CheckoutDraft(payment_method=PaymentMethod.cash), "payment_method"),
    ):  # fmt: skip
        with pytest.raises(InvalidInput) as refused:
            await place_order(user, draft, checkout_key=new_checkout_key(), events=ShopEvents())
        assert refused.value.details["field"] == field

    order = await place(user)  # pickup, although the provider has no pickup point
    assert (order.fulfilment, order.delivery_fee) == (Fulfilment.pickup, 0)


async def test_the_same_checkout_key_gives_the_same_order() -> None:
    user = await make_user()
    tea = await make_product(await make_provider(), stock=10)
    await cart.add(user, tea.id)
    events, recorder = recording_events()

    first = await place(user, checkout_key="key-1", events=events)
    again = await place(user, checkout_key="key-1", events=events)

    assert again.id == first.id
    assert await Order.all().count() == 1 and await stock(tea) == 9
    assert len(recorder.changes) == 1


async def test_a_double_click_places_one_order() -> None:
    user = await make_user()
    tea = await make_product(await make_provider(), stock=10)
    await cart.add(user, tea.id)

    orders = await asyncio.gather(*(place(user, checkout_key="twice") for _ in range(5)))

    assert len({order.id for order in orders}) == 1
    assert await Order.all().count() == 1 and await stock(tea) == 9


async def test_a_changed_price_stops_the_checkout_until_the_customer_sees_it() -> None:
    user = await make_user()
    shop = await make_provider()
    tea = await make_product(shop, "Tea", price=10000, stock=5)
    await cart.add(user, tea.id)
    await catalog.update_product(shop, tea.id, price=12000)

    with pytest.raises(CartChanged) as refused:
        await place(user)

    assert refused.value.details == {"products": [tea.id]}
    assert await Order.all().count() == 0 and await stock(tea) == 5
    await cart.acknowledge_changes(user)
    order = await place(user)
    assert order.total == 12000


async def test_a_hidden_product_stops_the_checkout() -> None:
    user = await make_user()
    shop = await make_provider()
    tea, cup = await make_product(shop, "Tea"), await make_product(shop, "Cup")
    await cart.add(user, tea.id)
    await cart.add(user, cup.id)
    await catalog.set_active(shop, cup.id, False)

    with pytest.raises(CartChanged):
        await place(user)
    assert await Order.all().count() == 0


async def test_stock_that_ran_out_is_sold_out_and_reserves_nothing() -> None:
    user = await make_user()
    shop = await make_provider()
    tea = await make_product(shop, "Tea", stock=5)
    cup = await make_product(shop, "Cup", stock=5)
    await cart.add(user, cup.id, 2)
    await cart.add(user, tea.id, 3)
    await Product.filter(id=tea.id).update(stock=2)  # someone else bought some meanwhile

    with pytest.raises(SoldOut) as refused:
        await place(user)

    assert refused.value.details == {"title": "Tea", "available": 2}
    assert (await stock(tea), await stock(cup)) == (2, 5)
    assert await Order.all().count() == 0
    assert await CartItem.filter(user_id=user.id).count() == 2


async def test_losing_the_race_inside_the_transaction_rolls_back_every_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = await make_user()
    shop = await make_provider()
    cup = await make_product(shop, "Cup", stock=5)
    tea = await make_product(shop, "Tea", stock=5)
    await cart.add(user, cup.id, 2)
    await cart.add(user, tea.id, 3)
    original = cart.view

    async def stale_view(person: User) -> cart.CartView:
        seen = await original(person)  # the customer looked before the last items went
        await Product.filter(id=tea.id).update(stock=1)
        return seen

    monkeypatch.setattr(cart, "view", stale_view)

    with pytest.raises(SoldOut) as refused:
        await place(user)

    assert refused.value.details == {"title": "Tea", "available": 1}
    assert (await stock(cup), await stock(tea)) == (5, 1)
    assert await Order.all().count() == 0 and await OrderItem.all().count() == 0


async def test_an_empty_cart_cannot_be_ordered() -> None:
    with pytest.raises(EmptyCart):
        await place(await make_user())


async def test_cash_orders_wait_for_the_provider_without_a_payment_deadline() -> None:
    user = await make_user()
    tea = await make_product(await make_provider())
    await cart.add(user, tea.id)

    order = await place(user, CheckoutDraft(payment_method=PaymentMethod.cash))

    assert order.status is OrderStatus.placed and order.expires_at is None


async def test_delivery_adds_the_providers_fee_and_keeps_the_address() -> None:
    user = await make_user()
    tea = await make_product(await make_provider(delivery_fee=30000), price=45000)
    await cart.add(user, tea.id, 2)

    order = await place(user, DELIVERY, payment_timeout=timedelta(minutes=5))

    assert (order.items_total, order.delivery_fee, order.total) == (90000, 30000, 120000)
    assert order.fulfilment is Fulfilment.delivery
    assert (order.address, order.phone) == ("Lenina 5, flat 3", "+79990001122")
    assert order.expires_at == NOW + timedelta(minutes=5)


async def test_low_stock_is_announced_when_stock_falls_below_the_threshold() -> None:
    user = await make_user()
    tea = await make_product(await make_provider(low_stock_threshold=3), stock=5)
    events, recorder = recording_events()
    await cart.add(user, tea.id, 2)
    await place(user, events=events)
    assert recorder.low == []

    await cart.add(user, tea.id)
    await place(user, events=events)

    assert recorder.low == [tea.id]


# validate(): what the provider offers ----------------------------------------------------


def shop(**options: object) -> Provider:
    values: dict[str, object] = {
        "allow_pickup": True,
        "allow_delivery": True,
        "allow_cash": True,
    }
    values.update(options)
    return Provider(**values)


@pytest.mark.parametrize(
    ("draft", "provider", "field"),
    [
        (CheckoutDraft(), shop(allow_pickup=False), "fulfilment"),
        (DELIVERY, shop(allow_delivery=False), "fulfilment"),
        (CheckoutDraft(fulfilment=Fulfilment.delivery, phone="+7999"), shop(), "address"),
        (
            CheckoutDraft(fulfilment=Fulfilment.delivery, address="  ", phone="+7999"),
            shop(),
            "address",
        ),
        (CheckoutDraft(fulfilment=Fulfilment.delivery, address="Lenina 5"), shop(), "phone"),
        (
            CheckoutDraft(payment_method=PaymentMethod.cash),
            shop(allow_cash=False),
            "payment_method",
        ),
        (CheckoutDraft(comment="x" * 501), shop(), "comment"),
        (
            CheckoutDraft(fulfilment=Fulfilment.delivery, address="x" * 501, phone="+7999"),
            shop(),
            "address",
        ),
    ],
)
def test_validate_refuses_what_the_provider_does_not_offer(
    draft: CheckoutDraft, provider: Provider, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        validate(draft, provider)
    assert refused.value.details["field"] == field


@pytest.mark.parametrize(
    ("draft", "provider"),
    [
        (CheckoutDraft(), shop(allow_delivery=False, allow_cash=False)),
        (DELIVERY, shop(allow_pickup=False)),
        (CheckoutDraft(payment_method=PaymentMethod.cash), shop()),
        (
            CheckoutDraft(
                fulfilment=Fulfilment.delivery, latitude=55.75, longitude=37.62, phone="+7"
            ),
            shop(),
        ),
    ],
)
def test_validate_accepts_what_the_provider_offers(
    draft: CheckoutDraft, provider: Provider
) -> None:
    validate(draft, provider)


async def test_place_order_validates_before_reserving() -> None:
    user = await make_user()
    tea = await make_product(await make_provider(allow_delivery=False), stock=4)
    await cart.add(user, tea.id)

    with pytest.raises(InvalidInput):
        await place(user, DELIVERY)

    assert await stock(tea) == 4 and await Order.all().count() == 0
    assert await CartItem.filter(user_id=user.id).count() == 1
