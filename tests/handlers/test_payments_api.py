"""Paying from the Mini App: POST /api/v1/orders/{id}/payments gives an invoice link that the
emulated Telegram pays (pre-checkout and successful_payment reach the bot's webhook)."""

from __future__ import annotations

from typing import Any

import pytest

from core.money import STARS
from db.models import LedgerTransaction, Order, OrderStatus, Payment, ProductKind
from services import ledger
from tests.handlers.conftest import Telegram
from tests.handlers.customer_data import make_product, make_settings, make_shop, relaxed_flood
from tests.web.conftest import TG_USER, LiveMiniApp

__all__ = ["make_settings", "relaxed_flood"]
pytestmark = pytest.mark.usefixtures("relaxed_flood")


class MiniApp(LiveMiniApp):
    """Ann's Mini App on the app the chat runs in; every request says it sends JSON."""

    def __init__(self, telegram: Telegram) -> None:
        super().__init__(telegram.app_url, telegram.settings.token)
        self.headers["Content-Type"] = "application/json"

    async def order(self, product_id: int) -> dict[str, Any]:
        status, _ = await self.call("POST", "/cart/items", {"product_id": product_id})
        assert status == 200
        status, order = await self.call(
            "POST",
            "/checkout",
            {"fulfilment": "pickup", "payment_method": "online"},
            **{"Idempotency-Key": f"key-{product_id:08d}"},
        )
        assert status == 201, order
        return order


async def test_the_mini_app_pays_an_invoice_link_once(telegram: Telegram) -> None:
    shop = await make_shop(allow_cash=False, allow_delivery=False)
    tea = await make_product(shop, "Green tea", 15000, stock=5)
    app = MiniApp(telegram)
    order = await app.order(tea.id)
    assert order["payment_channels"] == ["telegram"]

    status, payment = await app.call(
        "POST", f"/orders/{order['id']}/payments", {"channel": "telegram"}
    )
    assert status == 201, payment
    assert payment["invoice_link"].startswith("https://t.me/$")
    assert payment["amount"]["amount"] == 15000 and payment["status"] == "pending"
    _, again = await app.call("POST", f"/orders/{order['id']}/payments", {"channel": "telegram"})
    assert (again["id"], again["invoice_link"]) == (payment["id"], payment["invoice_link"])
    assert len(telegram.emulator.calls_to("createInvoiceLink")) == 1

    ann = telegram.user(TG_USER["id"], first_name="Anna", language_code="en")
    result = await ann.pay(payment["invoice_link"])

    assert result.ok, result
    assert (await Order.get(id=order["id"])).status is OrderStatus.paid
    _, fresh = await app.call("GET", f"/orders/{order['id']}")
    assert fresh["status"] == "paid" and fresh["payment_channels"] == []
    status, closed = await app.call(
        "POST", f"/orders/{order['id']}/payments", {"channel": "telegram"}
    )
    assert status == 409 and closed["error"]["code"] == "illegal_transition"
    assert await LedgerTransaction.all().count() == 1
    assert (await ledger.verify()).ok


async def test_the_api_refuses_a_channel_the_order_cannot_use(telegram: Telegram) -> None:
    shop = await make_shop(allow_cash=False, allow_delivery=False)
    ebook = await make_product(
        shop, "Tea e-book", 250, stock=0, kind=ProductKind.digital, currency=STARS
    )
    app = MiniApp(telegram)
    order = await app.order(ebook.id)
    assert order["payment_channels"] == ["stars"]

    status, body = await app.call(
        "POST", f"/orders/{order['id']}/payments", {"channel": "yookassa"}
    )
    assert status == 409 and body["error"]["code"] == "payment_channel_unavailable"
    status, body = await app.call("POST", f"/orders/{order['id']}/payments", {"channel": "cash"})
    assert status == 422
    status, body = await app.call("POST", "/orders/999999/payments", {"channel": "stars"})
    assert status == 404
    assert await Payment.all().count() == 0

    status, body = await app.call("POST", f"/orders/{order['id']}/payments", {"channel": "stars"})
    assert status == 201 and body["amount"]["currency"] == STARS
