"""Receipts of 54-FZ in YooKassa's format, built from an order's frozen items."""

from __future__ import annotations

from typing import Any

from db.models import Order, OrderItem, Provider
from services.yookassa_gateway import to_major

DELIVERY_LINE = "Доставка"
"""The delivery line of a fiscal receipt: receipts are Russian documents whatever the UI says."""


def receipt_contact(phone: str | None = None, email: str | None = None) -> dict[str, str] | None:
    """The receipt's customer: an e-mail, or a phone as international digits, else None."""
    if email:
        return {"email": email}
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]  # 8 (999) ... is how Russians write +7 (999) ...
    elif len(digits) == 10:
        digits = "7" + digits
    if len(digits) >= 11:
        return {"phone": digits}
    return None


def order_receipt(
    order: Order, items: list[OrderItem], provider: Provider, customer: dict[str, str]
) -> dict[str, Any]:
    """A full-prepayment receipt: one line per item, plus delivery when it costs something."""
    lines: list[dict[str, Any]] = [
        {
            "description": item.title[:128],
            "quantity": f"{item.quantity}.00",
            "amount": {"value": to_major(item.price), "currency": item.currency},
            "vat_code": item.vat_code,
            "payment_mode": item.payment_mode,
            "payment_subject": item.payment_subject,
        }
        for item in items
    ]
    if order.delivery_fee:
        lines.append(
            {
                "description": DELIVERY_LINE,
                "quantity": "1.00",
                "amount": {"value": to_major(order.delivery_fee), "currency": order.currency},
                "vat_code": items[0].vat_code if items else 1,
                "payment_mode": items[0].payment_mode if items else "full_prepayment",
                "payment_subject": "service",
            }
        )
    return {
        "customer": customer,
        "items": lines,
        "tax_system_code": provider.tax_system_code,
    }
