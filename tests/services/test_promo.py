"""Promo codes in the one checkout service: the rules, one redemption per order, the limits,
the money split in the ledger and in the receipt lines, and the refund that reverses it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from core.errors import InvalidInput, PromoRefused
from db.models import (
    ActorRole,
    CartItem,
    Fulfilment,
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    Product,
    PromoCode,
    PromoKind,
    PromoRedemption,
    Provider,
    User,
)
from services import cart, ledger, orders, promo
from services.checkout import CheckoutDraft, new_checkout_key, place_order
from services.events import ShopEvents
from services.payments import payable_order, process_yookassa_notification, start_yookassa_payment
from services.payments_receipts import order_lines, order_receipt
from services.refunds import RefundBackends, refund_order
from services.yookassa_gateway import YooKassaGateway
from tests.fakes.yookassa import FakeYooKassa
from tests.services.payments_data import postings_of
from tests.services.shop_data import RULES, make_product, make_provider, make_user, order_of

pytestmark = pytest.mark.usefixtures("db")


async def a_code(code: str = "SPRING10", **fields: Any) -> PromoCode:
    values: dict[str, Any] = {"kind": PromoKind.percent, "value": 10, **fields}
    return await PromoCode.create(code=code, **values)


async def refusal(user: User, product_id: int, code: str, quantity: int = 1) -> str:
    """The reason an order of the product with this code is refused; nothing is placed."""
    before = await Order.all().count()
    product = await Product.get(id=product_id)
    with pytest.raises(PromoRefused) as refused:
        await order_of(user, product, quantity, promo_code=code)
    assert await Order.all().count() == before
    await CartItem.filter(user_id=user.id).delete()  # the cart stays after a refusal
    return str(refused.value.details["reason"])


async def test_a_percent_code_takes_its_share_of_the_goods_not_of_delivery() -> None:
    shop = await make_provider()
    tea = await make_product(shop, price=15000, stock=10)
    await a_code("TEA10", value=10)
    ann = await make_user()

    order = await order_of(ann, tea, 2, promo_code="tea10")  # typed in lower case

    assert (order.items_total, order.discount, order.total) == (30000, 3000, 27000)
    redemption = await PromoRedemption.get(order_id=order.id)
    assert (redemption.user_id, redemption.amount) == (ann.id, 3000)
    assert (await PromoCode.get(code="TEA10")).used == 1


async def test_pressing_checkout_twice_records_one_redemption() -> None:
    shop = await make_provider()
    tea = await make_product(shop, price=15000, stock=10)
    await a_code("ONCE", kind=PromoKind.fixed, value=5000, currency="RUB", total_limit=5)
    ann = await make_user()
    await cart.add(ann, tea.id, 1)
    key = new_checkout_key()
    draft = CheckoutDraft(promo_code="ONCE")
    first = await place_order(ann, draft, settings=RULES, checkout_key=key, events=ShopEvents())
    second = await place_order(ann, draft, settings=RULES, checkout_key=key, events=ShopEvents())

    assert first.id == second.id and first.total == 10000
    assert await PromoRedemption.all().count() == 1
    assert (await PromoCode.get(code="ONCE")).used == 1


async def test_each_rule_refuses_with_its_reason() -> None:
    shop, other = await make_provider(), await make_provider()
    tea = await make_product(shop, price=15000, stock=50)
    ann = await make_user()
    now = datetime.now(UTC)
    await a_code("OFF", active=False)
    await a_code("LATER", starts_at=now + timedelta(days=1))
    await a_code("OVER", ends_at=now - timedelta(minutes=1))
    await a_code("BIG", min_order=20000)
    await a_code("THEIRS", provider_id=other.id)
    await a_code("STARS", kind=PromoKind.fixed, value=10, currency="XTR")
    await a_code("GONE", total_limit=0)

    for code, reason in [
        ("NOPE", "unknown"),
        ("OFF", "inactive"),
        ("LATER", "not_started"),
        ("OVER", "expired"),
        ("BIG", "min_order"),
        ("THEIRS", "other_provider"),
        ("STARS", "currency"),
        ("GONE", "used_up"),
    ]:
        assert await refusal(ann, tea.id, code) == reason, code

    order = await order_of(ann, tea, 2, promo_code="BIG")  # 300 ₽ ≥ 200 ₽ minimum
    assert order.discount == 3000
    assert not await PromoRedemption.filter(promo__code__in=["OFF", "OVER"]).exists()


async def test_per_person_and_first_order_limits() -> None:
    shop = await make_provider()
    tea = await make_product(shop, price=15000, stock=50)
    ann, bob = await make_user(), await make_user()
    await a_code("TWICE", per_user_limit=2)
    await a_code("HELLO", first_order_only=True)

    await order_of(ann, tea, promo_code="TWICE")
    await order_of(ann, tea, promo_code="TWICE")
    assert await refusal(ann, tea.id, "TWICE") == "used_by_you"
    assert await refusal(ann, tea.id, "HELLO") == "first_order"
    assert (await order_of(bob, tea, promo_code="HELLO")).discount == 1500


async def test_a_cancelled_order_gives_its_use_back() -> None:
    shop = await make_provider()
    tea = await make_product(shop, price=15000, stock=50)
    ann, bob = await make_user(), await make_user()
    await a_code("LAST", total_limit=1)

    order = await order_of(ann, tea, promo_code="LAST")
    assert await refusal(bob, tea.id, "LAST") == "used_up"  # a code past its limit
    await orders.transition(
        order.id, OrderStatus.cancelled, role=ActorRole.customer, actor=ann, events=ShopEvents()
    )
    assert (await PromoCode.get(code="LAST")).used == 0
    assert (await order_of(bob, tea, promo_code="LAST")).discount == 1500


async def test_a_code_switched_off_before_paying_is_checked_again() -> None:
    shop = await make_provider()
    tea = await make_product(shop, price=15000, stock=5)
    ann = await make_user()
    code = await a_code("SHORT")
    order = await order_of(ann, tea, promo_code="SHORT")

    await promo.disable(code.code)

    with pytest.raises(PromoRefused) as refused:
        await payable_order(order.id, ann)
    assert refused.value.details["reason"] == "inactive"


async def test_receipt_lines_add_up_to_the_discounted_total() -> None:
    shop = await make_provider(allow_delivery=True, delivery_fee=30000)
    tea = await make_product(shop, price=333, stock=50)
    cup = await make_product(shop, price=1001, stock=50)
    ann = await make_user(phone="+79990001122")
    await cart.add(ann, cup.id, 3)
    await a_code("ODD", kind=PromoKind.fixed, value=1000, currency="RUB")
    order = await order_of(
        ann,
        tea,
        7,
        promo_code="ODD",
        fulfilment=Fulfilment.delivery,
        phone="+79990001122",
        address="Lenina 5, flat 3",
    )

    assert order.total == 333 * 7 + 1001 * 3 - 1000 + 30000
    items = list(await OrderItem.filter(order_id=order.id).order_by("id"))
    lines = order_lines(order, items)
    assert sum(line.total for line in lines) == order.total
    assert lines[-1].total == 30000  # delivery keeps its price
    receipt = order_receipt(order, items, shop, {"phone": "79990001122"})
    paid = sum(Decimal(i["amount"]["value"]) * int(i["quantity"][:-3]) for i in receipt["items"])
    assert paid == Decimal(order.total) / 100


async def paid_with(
    code: PromoCode, fake: FakeYooKassa, gateway: YooKassaGateway, provider: Provider
) -> tuple[Order, User, ShopEvents]:
    tea = await make_product(provider, price=10000, stock=5)
    ann = await make_user()
    events = ShopEvents()
    order = await order_of(ann, tea, promo_code=code.code, events=events)
    payment = await start_yookassa_payment(order, ann, gateway)
    assert payment.amount == order.total == 8000
    assert payment.external_id is not None
    fake.succeed(payment.external_id)
    await process_yookassa_notification(fake.notification(payment.external_id), gateway, events)
    await order.refresh_from_db()
    assert order.status is OrderStatus.paid
    return order, ann, events


async def test_a_shops_own_code_is_paid_by_the_shop(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    shop = await make_provider()
    code = await a_code("SHOP20", value=20, provider_id=shop.id)

    order, _, _ = await paid_with(code, fake, gateway, shop)

    payment = await Payment.get(order_id=order.id)
    assert await postings_of(str(payment.external_id)) == {
        ledger.clearing_code("yookassa", "RUB"): -8000,
        ledger.provider_code(shop.id, "RUB"): 7200,  # 8000 − 10 % commission
        ledger.commission_code("RUB"): 800,
    }


async def test_a_platform_code_is_paid_by_the_platform_and_a_refund_reverses_it(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    shop = await make_provider()
    code = await a_code("ALL20", value=20)

    order, _, events = await paid_with(code, fake, gateway, shop)

    payment = await Payment.get(order_id=order.id)
    assert await postings_of(str(payment.external_id)) == {
        ledger.clearing_code("yookassa", "RUB"): -8000,
        ledger.provider_code(shop.id, "RUB"): 9000,  # the undiscounted 100 ₽ − 10 %
        ledger.commission_code("RUB"): 1000,
        ledger.promo_code("RUB"): -2000,  # the platform's marketing
    }

    async def no_stars(user_tg_id: int, charge_id: str) -> bool:
        raise AssertionError("not a Stars payment")

    via = RefundBackends(gateway=gateway, refund_stars=no_stars)
    await refund_order(order.id, 3000, admin=None, backends=via, events=events, request_key="a")
    await refund_order(order.id, None, admin=None, backends=via, events=events, request_key="b")

    for account_code in (
        ledger.clearing_code("yookassa", "RUB"),
        ledger.provider_code(shop.id, "RUB"),
        ledger.commission_code("RUB"),
        ledger.promo_code("RUB"),
    ):
        account = await ledger.get_account(account_code, ledger.AccountKind.clearing, "RUB")
        assert account.balance == 0, account_code
    assert (await PromoCode.get(id=code.id)).used == 0  # the refunded order gave its use back
    assert (await ledger.verify()).ok


@pytest.mark.parametrize(
    "text, reason",
    [
        ("X 10%", "promo_code"),
        ("SPRING 0%", "promo"),
        ("SPRING 100%", "promo"),
        ("SPRING abc", "promo"),
        ("SPRING 10% min=abc", "promo"),
        ("SPRING 10% to=2026-02-30", "promo"),
        ("SPRING 10% from=2026-03-10 to=2026-03-01", "promo"),
        ("SPRING 10% color=red", "promo"),
    ],
)
async def test_an_admins_bad_description_is_refused(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        await promo.create(text, timezone="Europe/Moscow", admin_id=None)
    assert refused.value.details["field"] == reason
    assert not await PromoCode.exists()


async def test_an_admin_creates_a_code_with_every_rule() -> None:
    shop = await make_provider()
    created = await promo.create(
        f"spring 300,50 min=1000 from=2026-03-01 to=2026-03-31 limit=100 per_user=2 "
        f"shop={shop.id} first",
        timezone="Europe/Moscow",
        admin_id=None,
    )
    assert created.code == "SPRING" and created.kind is PromoKind.fixed
    assert (created.value, created.currency, created.min_order) == (30050, "RUB", 100000)
    assert (created.total_limit, created.per_user_limit, created.provider_id) == (100, 2, shop.id)
    assert created.first_order_only
    assert created.starts_at == datetime(2026, 2, 28, 21, tzinfo=UTC)
    assert created.ends_at == datetime(2026, 3, 31, 21, tzinfo=UTC)  # the whole last day
    with pytest.raises(InvalidInput):
        await promo.create("SPRING 5%", timezone="Europe/Moscow", admin_id=None)
