"""Localized explanations of domain errors, shared by the chat and the JSON API."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from services.errors import DomainError
from services.payments_receipts import VAT_CODES


def field_name(field: str) -> str:
    """A person-readable name of an input field."""
    names = {
        "title": _("title"),
        "price": _("price"),
        "stock": _("stock"),
        "quantity": _("quantity"),
        "description": _("description"),
        "currency": _("currency"),
        "category": _("category"),
        "sku": _("article (SKU)"),
        "address": _("address"),
        "phone": _("phone"),
        "comment": _("comment"),
        "reason": _("reason"),
        "fulfilment": _("delivery method"),
        "payment_method": _("payment method"),
        "cash_received": _("cash confirmation"),
        "name": _("name"),
        "slug": _("short name (slug)"),
        "vat_code": _("VAT code"),
        "payment_subject": _("payment subject of the receipt"),
        "payment_mode": _("payment mode of the receipt"),
    }
    return names.get(field, field)


def vat_name(code: int) -> str:
    """A VAT code of receipts as people call it ("VAT 22%"), in the current locale."""
    vat = VAT_CODES.get(code)
    if vat is None:
        return str(code)
    if vat.rate is None:
        return _("no VAT")
    return _("VAT {rate}").format(rate=vat.rate)


def vat_codes_text() -> str:
    """Every valid VAT code with its name: "1 — no VAT, 2 — VAT 0%, …"."""
    return ", ".join(f"{code} — {vat_name(code)}" for code in VAT_CODES)


def explain(error: DomainError) -> str:
    """One HTML-safe sentence for the person, in the current locale."""
    details = {key: escape(str(value)) for key, value in error.details.items()}
    code = error.code
    if code == "not_found":
        return _("Not found. It may have been removed.")
    if code == "forbidden":
        return _("You cannot do this.")
    if (
        code == "invalid_input"
        and error.details.get("field") == "currency"
        and ("currency" in error.details)
    ):
        return _(
            "Products for Telegram Stars are ordered separately from products in roubles. "
            "Finish or clear your cart first."
        )
    if code == "invalid_input" and error.details.get("field") == "vat_code":
        return _("The VAT code must be one of: {codes}.").format(codes=vat_codes_text())
    if code == "invalid_input":
        return _("Please check the {field}.").format(field=field_name(str(details.get("field"))))
    if code == "sold_out":
        available = int(error.details.get("available", 0))
        if available > 0:
            return _("Only {count} of “{title}” left.").format(
                count=available, title=details.get("title", "")
            )
        return _("“{title}” is sold out.").format(title=details.get("title", ""))
    if code == "unavailable":
        return _("This product is not available right now.")
    if code == "other_provider_in_cart":
        return _("Your cart has products from {shop}. One order is from one shop.").format(
            shop=details.get("provider", "")
        )
    if code == "empty_cart":
        return _("Your cart is empty.")
    if code == "cart_changed":
        return _("Prices or availability changed. Please check your cart again.")
    if code == "illegal_transition":
        return _("The order has already changed. Refresh it to see its status.")
    return _("Something went wrong on our side.")
