"""Checkout: the cart becomes an order with frozen receipt data, and stock is reserved."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from core.errors import (
    CartChanged,
    ChoiceRefused,
    ConsentRequired,
    DomainError,
    EmptyCart,
    InvalidInput,
    PaymentChannelUnavailable,
    SoldOut,
)
from core.i18n import create_i18n
from core.money import STARS
from db.models import (
    ActorRole,
    CartItem,
    ConsentKind,
    Fulfilment,
    Order,
    OrderItem,
    OrderStatus,
    OrderTransition,
    PaymentChannel,
    PaymentMethod,
    Product,
    ProductKind,
    Provider,
    User,
)
from services import cart, catalog, checkout, consent
from services.checkout import (
    SLOT_CAPACITY,
    CheckoutDraft,
    CheckoutOptions,
    delivery_slots,
    new_checkout_key,
    offer,
    options,
    place_order,
    validate,
)
from services.events import ShopEvents
from tests.services.shop_data import (
    RULES,
    make_product,
    make_provider,
    make_user,
    recording_events,
)

pytestmark = pytest.mark.usefixtures("db")

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
"""15:00 in Moscow: the morning and afternoon windows have started, the evening one has not."""
THIS_EVENING = "2025030118"
THIS_MORNING = "2025030110"
DELIVERY = CheckoutDraft(
    fulfilment=Fulfilment.delivery,
    address="Lenina 5, flat 3",
    phone="+79990001122",
    delivery_slot=THIS_EVENING,
)


async def agree(user: User) -> None:
    """The person consents to the processing of personal data."""
    await consent.record(
        user, ConsentKind.personal_data, granted=True, version=RULES.privacy_policy_version
    )


async def stock(product: Product) -> int:
    return (await Product.get(id=product.id)).stock


async def place(user: User, draft: CheckoutDraft | None = None, **kwargs: object) -> Order:
    events = kwargs.pop("events", None) or ShopEvents()
    assert isinstance(events, ShopEvents)
    return await place_order(
        user,
        draft or CheckoutDraft(),
        settings=RULES,
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
            await place(user, draft)
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

    await agree(user)

    order = await place(user, DELIVERY, payment_timeout=timedelta(minutes=5))

    assert (order.items_total, order.delivery_fee, order.total) == (90000, 30000, 120000)
    assert order.fulfilment is Fulfilment.delivery
    assert (order.address, order.phone) == ("Lenina 5, flat 3", "+79990001122")
    assert order.delivery_slot == "01.03.2025 18:00–22:00"
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


# options(): what a cart can be checked out with ------------------------------------------


def shop(**settings: object) -> Provider:
    values: dict[str, object] = {
        "allow_pickup": True,
        "allow_delivery": True,
        "allow_cash": True,
        "delivery_fee": 30000,
    }
    values.update(settings)
    return Provider(**values)


def offered(
    provider: Provider | None = None,
    *,
    digital: bool = False,
    channels: tuple[PaymentChannel, ...] = (PaymentChannel.telegram,),
    booked: dict[str, int] | None = None,
    consent_given: bool = True,
    phone: str | None = None,
) -> CheckoutOptions:
    """The options for a cart of this provider at NOW, by the rules alone."""
    return offer(
        provider or shop(),
        currency=STARS if digital else "RUB",
        digital_only=digital,
        channels=list(channels),
        windows=[] if digital else delivery_slots(NOW, RULES.timezone),
        booked=booked or {},
        consent_given=consent_given,
        profile_phone=phone,
        timezone=RULES.timezone,
        now=NOW,
    )


def test_slots_are_the_windows_of_today_and_tomorrow_that_have_not_started() -> None:
    slots = offered().slots

    assert [slot.id for slot in slots] == [THIS_EVENING, "2025030210", "2025030214", "2025030218"]
    evening = slots[0]
    assert (evening.starts_at.isoformat(), evening.ends_at.isoformat()) == (
        "2025-03-01T18:00:00+03:00",
        "2025-03-01T22:00:00+03:00",
    )
    assert evening.stored == "01.03.2025 18:00–22:00"
    i18n = create_i18n("en")
    with i18n.context(), i18n.use_locale("en"):
        assert [slot.label(NOW) for slot in slots[:2]] == ["Today 18–22", "Tomorrow 10–14"]


def test_a_fully_booked_slot_is_not_offered_and_no_free_slot_means_no_delivery() -> None:
    ids = [slot.id for slot in delivery_slots(NOW, RULES.timezone)]

    one_full = offered(booked={THIS_EVENING: SLOT_CAPACITY})
    all_full = offered(booked=dict.fromkeys(ids, SLOT_CAPACITY))

    assert THIS_EVENING not in [slot.id for slot in one_full.slots]
    assert one_full.full == {THIS_EVENING}
    assert all_full.fulfilments == (Fulfilment.pickup,) and all_full.slots == ()


def test_digital_goods_offer_neither_a_question_nor_cash() -> None:
    options = offered(shop(allow_pickup=False), digital=True, channels=(PaymentChannel.stars,))

    assert options.fulfilments == (Fulfilment.pickup,) and options.slots == ()
    assert options.payment_methods == (PaymentMethod.online,)
    assert options.payment_channels == (PaymentChannel.stars,)
    assert options.delivery_fee == 0 and not options.contact.delivery_phone


def test_payment_methods_follow_the_shop_and_the_configured_channels() -> None:
    assert offered().payment_methods == (PaymentMethod.online, PaymentMethod.cash)
    assert offered(shop(allow_cash=False)).payment_methods == (PaymentMethod.online,)
    assert offered(channels=()).payment_methods == (PaymentMethod.cash,)
    assert offered(shop(allow_cash=False), channels=()).payment_methods == ()


def test_contact_needs_say_what_is_asked_and_whether_consent_covers_it() -> None:
    yookassa = (PaymentChannel.yookassa,)

    assert offered(channels=yookassa).contact.receipt_contact
    assert not offered(channels=yookassa, phone="+79990001122").contact.receipt_contact
    assert not offered().contact.receipt_contact  # Telegram Payments asks in its own form
    assert offered(phone="+79990001122").contact.known_phone == "+79990001122"
    assert offered(phone="+79990001122", consent_given=False).contact.known_phone is None
    assert offered().contact.delivery_phone
    assert not offered(shop(allow_delivery=False)).contact.delivery_phone


async def test_options_count_the_live_orders_booked_in_a_slot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(checkout.slots, "SLOT_CAPACITY", 1)
    provider = await make_provider()
    tea = await make_product(provider, stock=10)
    ann, bob = await make_user(), await make_user()
    for person in (ann, bob):
        await agree(person)
        await cart.add(person, tea.id)

    first = await place(ann, DELIVERY)
    options_for_bob = await options(bob, RULES, now=NOW)

    assert first.delivery_slot == "01.03.2025 18:00–22:00"
    assert THIS_EVENING in options_for_bob.full
    assert THIS_EVENING not in [slot.id for slot in options_for_bob.slots]
    with pytest.raises(InvalidInput) as refused:
        await place(bob, DELIVERY)
    assert refused.value.details == {"field": "delivery_slot", "reason": "taken"}
    assert await Order.all().count() == 1 and await CartItem.filter(user_id=bob.id).count() == 1

    await Order.filter(id=first.id).update(status=OrderStatus.cancelled)
    assert (await place(bob, DELIVERY)).delivery_slot == first.delivery_slot


async def test_options_of_an_empty_cart_are_refused() -> None:
    with pytest.raises(EmptyCart):
        await options(await make_user(), RULES)


# validate(): the draft against the options ---------------------------------------------


def delivery(**changes: object) -> CheckoutDraft:
    values: dict[str, object] = {
        "fulfilment": Fulfilment.delivery,
        "address": "Lenina 5, flat 3",
        "phone": "+79990001122",
        "delivery_slot": THIS_EVENING,
    }
    values.update(changes)
    return CheckoutDraft(**values)  # type: ignore[arg-type]


REFUSALS: dict[str, tuple[CheckoutDraft, CheckoutOptions, type[DomainError], dict[str, object]]] = {
    "no pickup": (CheckoutDraft(), offered(shop(allow_pickup=False)), ChoiceRefused,
                  {"field": "fulfilment"}),
    "no delivery": (delivery(), offered(shop(allow_delivery=False)), ChoiceRefused,
                    {"field": "fulfilment"}),
    "no address": (delivery(address=None), offered(), InvalidInput, {"field": "address", "min": 5}),
    "blank address": (delivery(address="   "), offered(), InvalidInput,
                      {"field": "address", "min": 5}),
    "short address": (delivery(address="Mir 1"[:4]), offered(), InvalidInput,
                      {"field": "address", "min": 5}),
    "long address": (delivery(address="x" * 501), offered(), InvalidInput,
                     {"field": "address", "max": 500}),
    "no slot": (delivery(delivery_slot=None), offered(), InvalidInput,
                {"field": "delivery_slot", "required": True}),
    "started slot": (delivery(delivery_slot=THIS_MORNING), offered(), InvalidInput,
                     {"field": "delivery_slot", "reason": "past"}),
    "booked slot": (delivery(), offered(booked={THIS_EVENING: SLOT_CAPACITY}), InvalidInput,
                    {"field": "delivery_slot", "reason": "taken"}),
    "made-up slot": (delivery(delivery_slot="2025030111"), offered(), InvalidInput,
                     {"field": "delivery_slot", "reason": "unknown"}),
    "a word for a slot": (delivery(delivery_slot="tonight"), offered(), InvalidInput,
                          {"field": "delivery_slot", "reason": "unknown"}),
    "no phone": (delivery(phone=None), offered(), InvalidInput,
                 {"field": "phone", "required": True}),
    "letters for a phone": (delivery(phone="call me"), offered(), InvalidInput, {"field": "phone"}),
    "too short a phone": (delivery(phone="+7999"), offered(), InvalidInput, {"field": "phone"}),
    "cash not taken": (CheckoutDraft(payment_method=PaymentMethod.cash),
                       offered(shop(allow_cash=False)), ChoiceRefused, {"field": "payment_method"}),
    "no payment channel": (CheckoutDraft(), offered(channels=()), PaymentChannelUnavailable,
                           {"field": "payment_method"}),
    "long comment": (CheckoutDraft(comment="x" * 501), offered(), InvalidInput,
                     {"field": "comment", "max": 500}),
    "delivery without consent": (delivery(), offered(consent_given=False), ConsentRequired, {}),
    "a phone without consent": (CheckoutDraft(phone="+79990001122"),
                                offered(consent_given=False), ConsentRequired, {}),
    "digital goods delivered": (delivery(), offered(digital=True, channels=(PaymentChannel.stars,)),
                                ChoiceRefused, {"field": "fulfilment"}),
    "digital goods for cash": (CheckoutDraft(payment_method=PaymentMethod.cash),
                               offered(digital=True, channels=(PaymentChannel.stars,)),
                               ChoiceRefused, {"field": "payment_method"}),
}  # fmt: skip


@pytest.mark.parametrize("case", list(REFUSALS))
def test_validate_refuses_what_is_not_offered_or_malformed(case: str) -> None:
    draft, options, error, details = REFUSALS[case]

    with pytest.raises(error) as refused:
        validate(draft, options)

    assert type(refused.value) is error
    assert refused.value.details == details


def test_validate_cleans_what_the_order_keeps() -> None:
    terms = validate(
        delivery(address="  Lenina 5,   flat 3 ", phone="8 (999) 000-11-22", comment=" Ring "),
        offered(),
    )

    assert (terms.address, terms.phone, terms.comment) == (
        "Lenina 5, flat 3",
        "+79990001122",
        "Ring",
    )
    assert terms.slot is not None and terms.slot.id == THIS_EVENING


def test_validate_takes_a_location_for_the_address_and_the_profile_phone() -> None:
    terms = validate(
        delivery(address=None, latitude=55.75, longitude=37.62, phone=None),
        offered(phone="+79990001122"),
    )

    assert (terms.address, terms.latitude, terms.longitude) == (None, 55.75, 37.62)
    assert terms.phone == "+79990001122"


def test_a_pickup_keeps_no_address_or_slot() -> None:
    terms = validate(
        CheckoutDraft(address="Lenina 5", delivery_slot=THIS_EVENING, latitude=1.0, longitude=2.0),
        offered(),
    )

    assert (terms.fulfilment, terms.address, terms.slot, terms.latitude) == (
        Fulfilment.pickup,
        None,
        None,
        None,
    )


async def test_place_order_validates_before_reserving() -> None:
    user = await make_user()
    tea = await make_product(await make_provider(allow_delivery=False), stock=4)
    await cart.add(user, tea.id)
    await agree(user)

    with pytest.raises(InvalidInput):
        await place(user, DELIVERY)

    assert await stock(tea) == 4 and await Order.all().count() == 0
    assert await CartItem.filter(user_id=user.id).count() == 1
