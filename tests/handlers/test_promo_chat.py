"""Promo codes at checkout, in the chat and in the Mini App API of the same app.

Ann types codes at the chat's confirmation ("🏷 Promo code"); Anna sends the same codes to
the API. A code that does not apply gets the same words in both faces (both come from the
checkout service's `promo_refused`); a code used up between the confirmation and "Place
order" is refused there and the order is shown again without it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from db.models import Order, Product, PromoCode, PromoKind, PromoRedemption, User
from keyboards.shop import CheckoutAction, CheckoutCB
from sandbox import SandboxUser
from services import ledger, loyalty
from tests.handlers.conftest import Telegram, labels, text_of
from tests.handlers.customer_data import (
    make_product,
    make_settings,
    make_shop,
    open_cart_with,
    relaxed_flood,
    rub,
)
from tests.handlers.test_checkout_both_faces import MiniApp, forge_click, refusal

__all__ = ["make_settings", "relaxed_flood"]  # fixtures: fast clicks, more messages per second
pytestmark = pytest.mark.usefixtures("relaxed_flood")


async def a_code(code: str, **fields: Any) -> PromoCode:
    values: dict[str, Any] = {"kind": PromoKind.percent, "value": 10, **fields}
    return await PromoCode.create(code=code, **values)


async def to_the_confirmation(telegram: Telegram, tea: Product) -> SandboxUser:
    """Ann checks out her cart (pickup, cash, no comment) and sees the confirmation."""
    ann = await open_cart_with(telegram, tea)
    await ann.click("✅ Checkout")
    await ann.click("💵 Cash on receipt")
    replies = await ann.click("Skip")
    assert "Check your order" in text_of(replies[-1])
    return ann


async def api_refusal(app: MiniApp, tea: Product, code: str) -> str:
    """Anna's options with the code are refused; the refusal's message."""
    await app.call("POST", "/cart/items", {"product_id": tea.id})
    status, answer = await app.call("GET", f"/checkout/options?promo_code={code}")
    assert status == 409, answer
    assert answer["error"]["code"] == "promo_refused"
    return str(answer["error"]["message"])


async def test_bad_codes_get_the_same_refusal_in_the_chat_and_the_api(telegram: Telegram) -> None:
    shop = await make_shop(allow_cash=True, allow_delivery=False)
    tea = await make_product(shop, "Green tea", 15000, stock=10)
    await a_code("OLD", ends_at=datetime.now(UTC) - timedelta(days=1))
    await a_code("BIG", min_order=100000)
    app = MiniApp(telegram)
    ann = await to_the_confirmation(telegram, tea)

    replies = await ann.click("🏷 Promo code")
    assert text_of(replies[0]) == "Send the promo code."
    for code, words in [
        ("NOPE", "There is no promo code NOPE."),
        ("OLD", "The promo code OLD has expired."),
        ("BIG", "The promo code BIG works for orders from"),
    ]:
        chat_says = text_of((await ann.send(code))[0])
        assert chat_says == await api_refusal(app, tea, code)
        assert chat_says.startswith(words)

    chat_says = text_of((await ann.send("no!"))[0])  # not a code at all
    status, answer = await app.check_out(tea, promo_code="no!")
    assert status == 422
    assert chat_says == refusal(answer, "invalid_input", "promo_code")
    replies = await ann.send_photo(b"a picture of a coupon")
    assert "Please send the promo code as text" in text_of(replies[0])
    assert not await Order.filter(customer__tg_id=ann.id).exists()
    assert not await PromoRedemption.exists()


async def test_a_good_code_lowers_the_total_in_both_faces(telegram: Telegram) -> None:
    shop = await make_shop(allow_cash=True, allow_delivery=False)
    tea = await make_product(shop, "Green tea", 15000, stock=10)
    await a_code("TEA10", value=10, per_user_limit=1)
    app = MiniApp(telegram)
    ann = await to_the_confirmation(telegram, tea)

    await ann.click("🏷 Promo code")
    replies = await ann.send("tea10")
    confirmation = text_of(replies[-1])
    assert "🏷 The promo code TEA10 is applied." in confirmation
    assert f"🏷 Promo code TEA10: −{rub(1500)}" in confirmation
    assert f"Total: {rub(13500)}" in confirmation
    assert "🏷 Remove the promo code" in labels(replies[-1])
    await ann.click("✅ Place order")
    await ann.click("✅ Place order", replies[-1])  # a double click: one order, one redemption
    order = await Order.get(customer__tg_id=ann.id)
    assert (order.discount, order.total) == (1500, 13500)

    await app.call("POST", "/cart/items", {"product_id": tea.id})
    status, options = await app.call("GET", "/checkout/options?promo_code=TEA10")
    assert status == 200, options
    assert options["quote"]["discount"]["amount"] == 1500
    assert options["quote"]["total_pickup"]["amount"] == 13500
    status, placed = await app.check_out(tea, promo_code="TEA10")  # a second tea added
    assert status == 201, placed
    assert placed["discount"]["amount"] == 3000 and placed["total"]["amount"] == 27000
    status, again = await app.check_out(tea, promo_code="TEA10")  # once per person
    assert status == 409 and again["error"]["code"] == "promo_refused"
    assert again["error"]["message"] == "You have already used the promo code TEA10."
    assert await PromoRedemption.all().count() == 2
    assert (await PromoCode.get(code="TEA10")).used == 2


async def test_a_code_used_up_before_place_order_is_refused_there(telegram: Telegram) -> None:
    shop = await make_shop(allow_cash=True, allow_delivery=False)
    tea = await make_product(shop, "Green tea", 15000, stock=10)
    await a_code("LAST", total_limit=1)
    app = MiniApp(telegram)
    ann = await to_the_confirmation(telegram, tea)
    await ann.click("🏷 Promo code")
    await ann.send("LAST")

    status, placed = await app.check_out(tea, promo_code="LAST")  # Anna is quicker
    assert status == 201, placed

    replies = await ann.click("✅ Place order")
    assert ann.callback_answers[-1].text == "The promo code LAST has been used up."
    confirmation = text_of(replies[-1])
    assert "The promo code LAST has been used up." in confirmation
    assert f"Total: {rub(15000)}" in confirmation and "−" not in confirmation
    assert "🏷 Promo code" in labels(replies[-1])
    assert not await Order.filter(customer__tg_id=ann.id).exists()
    replies = await ann.click("✅ Place order")  # without the code now
    order = await Order.get(customer__tg_id=ann.id)
    assert (order.discount, order.total) == (0, 15000)
    assert await PromoRedemption.all().count() == 1


async def test_points_pay_part_of_the_order_from_the_confirmation(telegram: Telegram) -> None:
    shop = await make_shop(allow_cash=True, allow_delivery=False)
    tea = await make_product(shop, "Green tea", 15000, stock=10)
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    await ann.send("/start")
    person = await User.get(tg_id=ann.id)
    holder, issuer = await loyalty.points_account(person.id), await loyalty.issuer_account()
    await ledger.post(
        "points-earned-chat",
        ledger.LedgerKind.points_earned,
        [ledger.Posting(issuer, -100), ledger.Posting(holder, 100)],
    )
    ann = await to_the_confirmation(telegram, tea)
    assert "⭐ Use 45 points" in labels(ann.last_message)  # 30 % of 150 ₽

    replies = await ann.click("⭐ Use 45 points")
    confirmation = text_of(replies[-1])
    assert f"⭐ Points: 45 = −{rub(4500)}" in confirmation
    assert f"Total: {rub(10500)}" in confirmation
    await forge_click(ann, CheckoutCB(action=CheckoutAction.points, value="99").pack())
    assert ann.callback_answers[-1].text == "You can pay with at most 45 points on this order."

    await ann.click("✅ Place order")
    order = await Order.get(customer__tg_id=ann.id)
    assert (order.points_spent, order.discount, order.total) == (45, 4500, 10500)
    assert await loyalty.balance(person.id) == 55
