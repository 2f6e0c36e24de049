"""Receipts of 54-FZ in YooKassa's format, built from an order's frozen items.

Three receipts follow an order paid online: the prepayment receipt goes with the payment
(`order_receipt`), the closing receipt ("зачёт предоплаты") when the order is handed over
(`closing_receipt`, a request of its own), and a refund receipt with every refund
(`refund_receipt`). Their lines must add up to the money to the kopeck, or YooKassa refuses
them.

A partial refund cannot say which goods went back, so its receipt spreads the refunded amount
over the order's lines in proportion to their sums (largest remainders get the odd kopecks, a
line never gets more than it cost); a line whose share does not divide by its quantity is
written as two lines of the same goods whose unit prices differ by one kopeck. Every line
keeps its VAT code, subject and mode, so mixed VAT rates stay right.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from core.errors import InvalidInput
from core.fiscal import (
    CLOSING_MODE,
    PAYMENT_MODES,
    PAYMENT_SUBJECTS,
    PREPAYMENT_MODES,
    RECEIPT_FIELDS,
    VAT_CODES,
)
from db.models import Order, OrderItem, Provider
from services.users import normalize_phone
from services.yookassa_gateway import to_major

DELIVERY_LINE = "Доставка"
"""The delivery line of a fiscal receipt: receipts are Russian documents whatever the UI says."""


MAX_EMAIL = 254
_EMAIL_LOCAL_RE = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$"
)
_DOMAIN_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


# Validation ------------------------------------------------------------------------------


def validate_vat_code(value: Any) -> int:
    """One of VAT_CODES (an int, or a string of digits); InvalidInput naming vat_code else."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,2}", value.strip()):
        value = int(value.strip())
    if type(value) is not int or value not in VAT_CODES:
        raise InvalidInput(field="vat_code", value=str(value)[:16], allowed=sorted(VAT_CODES))
    return value


def validate_receipt_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """A product's receipt data (vat_code, payment_subject, payment_mode), checked."""
    unknown = set(fields) - RECEIPT_FIELDS
    if unknown:
        raise InvalidInput(field=sorted(unknown)[0])
    checked = dict(fields)
    if "vat_code" in checked:
        checked["vat_code"] = validate_vat_code(checked["vat_code"])
    if "payment_subject" in checked and checked["payment_subject"] not in PAYMENT_SUBJECTS:
        raise InvalidInput(field="payment_subject", value=str(checked["payment_subject"])[:32])
    if "payment_mode" in checked and checked["payment_mode"] not in PAYMENT_MODES:
        raise InvalidInput(field="payment_mode", value=str(checked["payment_mode"])[:32])
    return checked


# The customer ----------------------------------------------------------------------------


def normalize_email(text: str) -> str | None:
    """An e-mail address as receipts take it (domain lower-case, IDN as punycode), or None."""
    address = text.strip()
    if address.lower().startswith("mailto:"):
        address = address[len("mailto:") :]
    local, at, domain = address.rpartition("@")
    if not at or not local or len(local) > 64 or not _EMAIL_LOCAL_RE.match(local):
        return None
    try:
        ascii_domain = domain.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL_RE.match(label) for label in labels):
        return None
    if labels[-1].isdigit():  # a bare IP address is not a mailbox people give
        return None
    normalized = f"{local}@{ascii_domain}"
    return normalized if len(normalized) <= MAX_EMAIL else None


def parse_receipt_contact(text: str) -> tuple[Literal["email", "phone"], str] | None:
    """What a customer typed for the electronic receipt: ("email", address) or
    ("phone", "+7…") as the order stores it; None if it is neither."""
    if "@" in text:
        email = normalize_email(text)
        return ("email", email) if email else None
    phone = normalize_phone(text)
    return ("phone", phone) if phone else None


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


def order_contact(order: Order, customer_phone: str | None = None) -> dict[str, str] | None:
    """The receipt customer of an order: its e-mail, its phone, or the customer's phone."""
    return receipt_contact(phone=order.phone or customer_phone, email=order.email)


# Lines -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Line:
    """One receipt line: `quantity` units at `price` minor units each."""

    description: str
    quantity: int
    price: int
    currency: str
    vat_code: int
    payment_mode: str
    payment_subject: str

    @property
    def total(self) -> int:
        """What the line costs, in minor units."""
        return self.price * self.quantity

    def as_item(self, payment_mode: str | None = None) -> dict[str, Any]:
        """The line as an item of a YooKassa receipt."""
        return {
            "description": self.description[:128],
            "quantity": f"{self.quantity}.00",
            "amount": {"value": to_major(self.price, self.currency), "currency": self.currency},
            "vat_code": self.vat_code,
            "payment_mode": payment_mode or self.payment_mode,
            "payment_subject": self.payment_subject,
        }


def order_lines(order: Order, items: Sequence[OrderItem]) -> list[Line]:
    """The order's items, plus delivery when it costs something (as the first item is taxed).

    A promo code's discount is spread over the goods as `allocate` spreads a partial refund
    (never over delivery), so the lines add up to what was paid.
    """
    lines = [
        Line(
            item.title,
            item.quantity,
            item.price,
            item.currency,
            item.vat_code,
            item.payment_mode,
            item.payment_subject,
        )
        for item in items
    ]
    if order.discount and lines:
        lines = allocate(lines, _sum(lines) - order.discount)
    if order.delivery_fee:
        lines.append(
            Line(
                DELIVERY_LINE,
                1,
                order.delivery_fee,
                order.currency,
                items[0].vat_code if items else 1,
                items[0].payment_mode if items else "full_prepayment",
                "service",
            )
        )
    return lines


def allocate(lines: Sequence[Line], amount: int) -> list[Line]:
    """Lines of the same goods adding up to exactly `amount` (0 < amount ≤ their total).

    Each line gets its proportional share rounded down; the kopecks left go one each to the
    lines with the largest remainders (ties to the later line), which never takes a line
    beyond its own total. A share that does not divide by the line's quantity becomes two
    lines whose unit prices differ by one kopeck; a line whose share is zero is left out.
    """
    whole = sum(line.total for line in lines)
    if not 0 < amount <= whole:
        raise ValueError(f"cannot allocate {amount} over lines totalling {whole}")
    if amount == whole:
        return list(lines)
    shares = [line.total * amount // whole for line in lines]
    remainders = [line.total * amount % whole for line in lines]
    left = amount - sum(shares)
    # The remainders add up to left × whole and each is below whole, so at least `left`
    # lines have one; each of those got less than its total, so a kopeck more still fits.
    by_remainder = sorted(range(len(lines)), key=lambda i: (remainders[i], i), reverse=True)
    for index in by_remainder[:left]:
        shares[index] += 1
    allocated: list[Line] = []
    for line, share in zip(lines, shares, strict=True):
        allocated.extend(_split(line, share))
    return allocated


def _split(line: Line, share: int) -> list[Line]:
    """`share` minor units of `line`'s goods, over its quantity, to the kopeck."""
    if share == 0:
        return []
    price, extra = divmod(share, line.quantity)
    parts = [
        replace(line, quantity=line.quantity - extra, price=price),
        replace(line, quantity=extra, price=price + 1),
    ]
    return [part for part in parts if part.quantity and part.price]


def _sum(lines: Sequence[Line]) -> int:
    return sum(line.total for line in lines)


# Receipts --------------------------------------------------------------------------------


def order_receipt(
    order: Order, items: list[OrderItem], provider: Provider, customer: dict[str, str]
) -> dict[str, Any]:
    """A full-prepayment receipt: one line per item, plus delivery when it costs something."""
    return {
        "customer": customer,
        "items": [line.as_item() for line in order_lines(order, items)],
        "tax_system_code": provider.tax_system_code,
    }


def prepaid_lines(order: Order, items: Sequence[OrderItem]) -> list[Line]:
    """The lines paid in advance, which the closing receipt settles."""
    return [line for line in order_lines(order, items) if line.payment_mode in PREPAYMENT_MODES]


def closing_receipt(
    order: Order,
    items: list[OrderItem],
    provider: Provider,
    customer: dict[str, str],
    payment_external_id: str,
    *,
    amount: int | None = None,
) -> dict[str, Any]:
    """The closing receipt (full settlement against the prepayment) for POST /v3/receipts.

    It settles the prepaid lines; `amount` settles less than they cost (what a partial refund
    left), spread over them as `allocate` does.
    """
    lines = prepaid_lines(order, items)
    if amount is not None and amount != _sum(lines):
        lines = allocate(lines, amount)
    total = _sum(lines)
    return {
        "type": "payment",
        "payment_id": payment_external_id,
        "send": True,
        "customer": customer,
        "items": [line.as_item(CLOSING_MODE) for line in lines],
        "settlements": [
            {
                "type": "prepayment",
                "amount": {"value": to_major(total, order.currency), "currency": order.currency},
            }
        ],
        "tax_system_code": provider.tax_system_code,
    }


def refund_receipt(
    order: Order,
    items: list[OrderItem],
    provider: Provider,
    customer: dict[str, str],
    amount: int,
    *,
    settled: bool = False,
) -> dict[str, Any]:
    """The receipt that goes with a refund of `amount` (the `receipt` of the refund request).

    A full refund lists the order's lines; a partial one the lines `allocate` makes, adding
    up to `amount` exactly. A refund receipt repeats the payment method (признак способа
    расчёта, tag 1214) of the receipt it reverses: before hand-over that is the prepayment
    receipt, so lines keep their prepayment mode; once the closing receipt was issued
    (`settled`: the goods were handed over and fully paid) prepaid lines carry its
    `full_payment`.
    """
    lines = allocate(order_lines(order, items), amount)
    return {
        "customer": customer,
        "items": [line.as_item(_refunded_mode(line, settled)) for line in lines],
        "tax_system_code": provider.tax_system_code,
    }


def _refunded_mode(line: Line, settled: bool) -> str:
    """The payment mode of a refunded line: the closing receipt's if it settled the line."""
    if settled and line.payment_mode in PREPAYMENT_MODES:
        return CLOSING_MODE
    return line.payment_mode
