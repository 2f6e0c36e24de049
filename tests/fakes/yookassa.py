"""A fake YooKassa API v3 on aiohttp, for tests that go through the real SDK over HTTP.

It speaks the subset Prilavok uses: POST /v3/payments (honouring Idempotence-Key: the same key
with the same body returns the same payment, with another body an error, as YooKassa does),
GET /v3/payments/{id}, POST /v3/refunds, GET /v3/refunds/{id}, POST /v3/receipts and
GET /v3/receipts/{id}, all behind Basic auth. Tests drive the payment's life with `succeed`,
`cancel` and `set_status`, a receipt's with `succeed_receipt` and `cancel_receipt`, and make
the whole API stop answering with `hang()`.

Receipts (54-FZ) are checked as YooKassa checks them, wherever they come (with a payment, a
refund or on their own): a customer e-mail or phone, VAT codes 1-12, item amounts times
quantities adding up to the money exactly (the payment's or refund's amount, or the
settlements of a receipt of its own).
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

SHOP_ID = "506751"
SECRET_KEY = "test_fake_secret_key"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

VAT_CODES = frozenset(range(1, 13))
"""YooKassa's vat_code values since 1 January 2026 (11 and 12 are 22% and 22/122)."""
PAYMENT_MODES = frozenset(
    {
        "full_prepayment",
        "partial_prepayment",
        "advance",
        "full_payment",
        "partial_payment",
        "credit",
        "credit_payment",
    }
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _error(status: int, code: str, description: str, parameter: str | None = None) -> web.Response:
    body: dict[str, Any] = {
        "type": "error",
        "id": str(uuid.uuid4()),
        "code": code,
        "description": description,
    }
    if parameter:
        body["parameter"] = parameter
    return web.json_response(body, status=status)


class FakeYooKassa:
    """The fake's state and its aiohttp application."""

    def __init__(self, shop_id: str = SHOP_ID, secret_key: str = SECRET_KEY) -> None:
        self.shop_id = shop_id
        self.secret_key = secret_key
        self.payments: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.receipts: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self.created: list[tuple[str, dict[str, Any]]] = []  # (Idempotence-Key, body) of POSTs
        self.api_url = ""
        self._keys: dict[tuple[str, str], tuple[str, str]] = {}  # (kind, key) → (body, id)
        self._hanging = False
        self._released = asyncio.Event()
        self.app = web.Application(middlewares=[self._gate])
        for path, kind, stored, make in (
            ("/v3/payments", "payment", self.payments, self._new_payment),
            ("/v3/refunds", "refund", self.refunds, self._new_refund),
            ("/v3/receipts", "receipt", self.receipts, self._new_receipt),
        ):
            self.app.router.add_post(path, self._creates(kind, stored, make))
            self.app.router.add_get(path + "/{id}", self._reads(kind, stored))
        self.app.on_shutdown.append(self._release_on_shutdown)

    # Test controls ------------------------------------------------------------------------

    def hang(self) -> None:
        """From now on every request waits forever (until `release()` or shutdown)."""
        self._hanging = True
        self._released = asyncio.Event()

    def release(self) -> None:
        """Answer again; requests that were hanging get a 500."""
        self._hanging = False
        self._released.set()

    def succeed(self, payment_id: str) -> dict[str, Any]:
        """The customer paid: the payment is succeeded (and captured)."""
        payment = self.payments[payment_id]
        payment.update(
            status="succeeded",
            paid=True,
            refundable=True,
            captured_at=_now(),
            income_amount=copy.deepcopy(payment["amount"]),
        )
        payment.pop("confirmation", None)
        return payment

    def cancel(self, payment_id: str, reason: str = "expired_on_confirmation") -> dict[str, Any]:
        """The payment was cancelled (by default: the customer never confirmed it)."""
        payment = self.payments[payment_id]
        payment.update(
            status="canceled",
            paid=False,
            cancellation_details={"party": "yoo_money", "reason": reason},
        )
        payment.pop("confirmation", None)
        return payment

    def set_status(
        self,
        payment_id: str,
        status: str,
        *,
        amount: str | None = None,
        currency: str | None = None,
    ) -> dict[str, Any]:
        """Put the payment into any status, optionally with another amount or currency."""
        payment = self.payments[payment_id]
        payment["status"] = status
        payment["paid"] = status in ("succeeded", "waiting_for_capture")
        if amount is not None:
            payment["amount"]["value"] = amount
        if currency is not None:
            payment["amount"]["currency"] = currency
        return payment

    def notification(self, payment_id: str, event: str | None = None) -> dict[str, Any]:
        """The body YooKassa posts to the shop's webhook about this payment, as it is now."""
        payment = self.payments[payment_id]
        return {
            "type": "notification",
            "event": event or f"payment.{payment['status']}",
            "object": copy.deepcopy(payment),
        }

    def succeed_receipt(self, receipt_id: str) -> dict[str, Any]:
        """The fiscal service registered the receipt."""
        receipt = self.receipts[receipt_id]
        receipt.update(
            status="succeeded",
            fiscal_document_number="3986",
            fiscal_storage_number="9288000100115785",
            fiscal_attribute="2617603921",
            registered_at=_now(),
        )
        return receipt

    def cancel_receipt(self, receipt_id: str) -> dict[str, Any]:
        """The fiscal service could not register the receipt."""
        receipt = self.receipts[receipt_id]
        receipt["status"] = "canceled"
        return receipt

    @property
    def last_payment(self) -> dict[str, Any]:
        """The most recently created payment."""
        return list(self.payments.values())[-1]

    # HTTP ------------------------------------------------------------------------------

    @web.middleware
    async def _gate(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        if self._hanging:
            await self._released.wait()
            return _error(500, "internal_server_error", "Released after hanging")
        expected = base64.b64encode(f"{self.shop_id}:{self.secret_key}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return _error(401, "invalid_credentials", "Login or password is incorrect")
        return await handler(request)

    async def _release_on_shutdown(self, _: web.Application) -> None:
        self._released.set()

    async def _body(self, request: web.Request) -> tuple[str, dict[str, Any]] | web.Response:
        raw = await request.text()
        try:
            body = json.loads(raw)
        except json.JSONDecodeError:
            return _error(400, "invalid_request", "Body is not JSON")
        if not isinstance(body, dict):
            return _error(400, "invalid_request", "Body is not an object")
        return json.dumps(body, sort_keys=True), body

    def _replay(self, kind: str, key: str, canonical: str) -> str | web.Response | None:
        seen = self._keys.get((kind, key))
        if seen is None:
            return None
        if seen[0] != canonical:
            return _error(
                400,
                "invalid_request",
                "Idempotence key duplicated with other request data",
                "Idempotence-Key",
            )
        return seen[1]

    def _creates(
        self,
        kind: str,
        stored: dict[str, dict[str, Any]],
        make: Callable[[dict[str, Any]], dict[str, Any] | web.Response],
    ) -> Handler:
        """POST as YooKassa answers it: an Idempotence-Key is required; the same key with the
        same body gets the object made the first time, with another body an error."""

        async def create(request: web.Request) -> web.Response:
            key = request.headers.get("Idempotence-Key", "")
            if not key:
                return _error(400, "invalid_request", "Idempotence-Key header is missing")
            parsed = await self._body(request)
            if isinstance(parsed, web.Response):
                return parsed
            canonical, body = parsed
            self.created.append((key, body))
            replay = self._replay(kind, key, canonical)
            if isinstance(replay, web.Response):
                return replay
            if replay is not None:
                return web.json_response(stored[replay])
            made = make(body)
            if isinstance(made, web.Response):
                return made
            stored[made["id"]] = made
            self._keys[(kind, key)] = (canonical, made["id"])
            return web.json_response(made)

        return create

    def _reads(self, kind: str, stored: dict[str, dict[str, Any]]) -> Handler:
        """GET of one object by its id."""

        async def read(request: web.Request) -> web.Response:
            found = stored.get(request.match_info["id"])
            if found is None:
                return _error(404, "not_found", f"{kind.capitalize()} not found")
            return web.json_response(found)

        return read

    def _new_payment(self, body: dict[str, Any]) -> dict[str, Any] | web.Response:
        amount = body.get("amount") or {}
        try:
            value = Decimal(str(amount["value"]))
        except (KeyError, ArithmeticError, ValueError):
            return _error(400, "invalid_request", "Amount is missing", "amount")
        if value <= 0:
            return _error(400, "invalid_request", "Amount must be positive", "amount.value")
        if (refused := _check_receipt_of(body, value)) is not None:
            return refused
        payment_id = str(uuid.uuid4())
        payment: dict[str, Any] = {
            "id": payment_id,
            "status": "pending",
            "paid": False,
            "amount": {"value": f"{value:.2f}", "currency": amount.get("currency", "RUB")},
            "created_at": _now(),
            "description": body.get("description", ""),
            "metadata": body.get("metadata") or {},
            "recipient": {"account_id": self.shop_id, "gateway_id": "100500"},
            "refundable": False,
            "test": True,
        }
        confirmation = body.get("confirmation") or {}
        if confirmation.get("type") == "redirect":
            payment["confirmation"] = {
                "type": "redirect",
                "return_url": confirmation.get("return_url", ""),
                "confirmation_url": (
                    f"https://yoomoney.ru/checkout/payments/v2/contract?orderId={payment_id}"
                ),
            }
        return payment

    def _new_refund(self, body: dict[str, Any]) -> dict[str, Any] | web.Response:
        payment = self.payments.get(str(body.get("payment_id", "")))
        if payment is None:
            return _error(404, "not_found", "Payment not found", "payment_id")
        if payment["status"] != "succeeded":
            return _error(400, "invalid_request", "Payment is not succeeded", "payment_id")
        try:
            value = Decimal(str(body["amount"]["value"]))
        except (KeyError, TypeError, ArithmeticError, ValueError):
            return _error(400, "invalid_request", "Amount is missing", "amount")
        refunded = Decimal(payment.get("refunded_amount", {}).get("value", "0"))
        if value <= 0 or refunded + value > Decimal(payment["amount"]["value"]):
            return _error(400, "invalid_request", "Refund exceeds the payment", "amount.value")
        if (refused := _check_receipt_of(body, value)) is not None:
            return refused
        refund_id = str(uuid.uuid4())
        currency = payment["amount"]["currency"]
        refund = {
            "id": refund_id,
            "payment_id": payment["id"],
            "status": "succeeded",
            "amount": {"value": f"{value:.2f}", "currency": currency},
            "created_at": _now(),
            "description": body.get("description", ""),
        }
        payment["refunded_amount"] = {"value": f"{refunded + value:.2f}", "currency": currency}
        return refund

    def _new_receipt(self, body: dict[str, Any]) -> dict[str, Any] | web.Response:
        kind = body.get("type")
        if kind not in ("payment", "refund"):
            return _error(400, "invalid_request", "Unknown receipt type", "type")
        if body.get("send") is not True:
            return _error(400, "invalid_request", "Only send=true is supported", "send")
        payment_id, refund_id = body.get("payment_id"), body.get("refund_id")
        if kind == "payment" and payment_id not in self.payments:
            return _error(400, "invalid_request", "Payment not found", "payment_id")
        if kind == "refund" and refund_id not in self.refunds and payment_id not in self.payments:
            return _error(400, "invalid_request", "Refund not found", "refund_id")
        settled = _sum_amounts(body.get("settlements"))
        if isinstance(settled, web.Response):
            return settled
        refused = _check_receipt(body, "", settled)
        if refused is not None:
            return refused
        receipt_id = "rt-" + str(uuid.uuid4())
        receipt: dict[str, Any] = {
            "id": receipt_id,
            "type": kind,
            "status": "pending",
            "items": body["items"],
            "settlements": body["settlements"],
            "tax_system_code": body.get("tax_system_code"),
        }
        if payment_id:
            receipt["payment_id"] = payment_id
        if refund_id:
            receipt["refund_id"] = refund_id
        return receipt


def _money(value: Any) -> Decimal | None:
    """A positive amount with at most two decimal places, else None."""
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        return None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        return None
    return amount


def _sum_amounts(settlements: Any) -> Decimal | web.Response:
    if not isinstance(settlements, list) or not settlements:
        return _error(400, "invalid_request", "Settlements are missing", "settlements")
    total = Decimal(0)
    for settlement in settlements:
        amount = _money((settlement.get("amount") or {}).get("value"))
        if not isinstance(settlement.get("type"), str) or amount is None:
            return _error(400, "invalid_request", "Invalid settlement", "settlements")
        total += amount
    return total


def _check_receipt_of(body: dict[str, Any], total: Decimal) -> web.Response | None:
    """The error answer for a receipt sent with a payment or a refund, if YooKassa refuses it."""
    return _check_receipt(body["receipt"], "receipt", total) if "receipt" in body else None


def _check_receipt(receipt: Any, where: str, total: Decimal) -> web.Response | None:
    """None when the receipt is one YooKassa accepts for `total`, else its error answer."""
    prefix = f"{where}." if where else ""
    if not isinstance(receipt, dict):
        return _error(400, "invalid_request", "Receipt is not an object", where or "receipt")
    customer = receipt.get("customer") or {}
    if not (customer.get("email") or customer.get("phone")):
        return _error(
            400, "invalid_request", "Customer e-mail or phone is required", f"{prefix}customer"
        )
    items = receipt.get("items")
    if not isinstance(items, list) or not 0 < len(items) <= 100:
        return _error(400, "invalid_request", "Items are missing", f"{prefix}items")
    lines_total = Decimal(0)
    for item in items:
        vat_code = item.get("vat_code")
        if type(vat_code) is not int or vat_code not in VAT_CODES:
            return _error(400, "invalid_request", "Invalid vat_code", f"{prefix}items.vat_code")
        if item.get("payment_mode") not in PAYMENT_MODES or not item.get("payment_subject"):
            return _error(400, "invalid_request", "Invalid payment mode", f"{prefix}items")
        if not 0 < len(str(item.get("description") or "")) <= 128:
            return _error(400, "invalid_request", "Invalid description", f"{prefix}items")
        price = _money((item.get("amount") or {}).get("value"))
        quantity = _money(item.get("quantity"))
        if price is None or quantity is None:
            return _error(400, "invalid_request", "Invalid amount", f"{prefix}items.amount")
        lines_total += price * quantity
    if lines_total != total:
        return _error(
            400,
            "invalid_request",
            f"Items add up to {lines_total}, not {total}",
            f"{prefix}items.amount",
        )
    return None


async def serve_fake_yookassa(
    aiohttp_server: Callable[[web.Application], Awaitable[TestServer]],
) -> FakeYooKassa:
    """Start a fake on a free local port; its `api_url` is what YOOKASSA_API_URL takes."""
    fake = FakeYooKassa()
    server = await aiohttp_server(fake.app)
    fake.api_url = str(server.make_url("/v3"))
    return fake
