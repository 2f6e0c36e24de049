"""Localized explanations of domain errors, shared by the chat and the JSON API."""

from __future__ import annotations

from html import escape

from core.errors import DomainError
from core.fiscal import VAT_CODES
from core.i18n import get_i18n
from core.i18n import gettext as _
from core.money import format_price


def _money(amount: object, currency: object) -> str:
    try:
        locale = get_i18n().current_locale
    except LookupError:  # outside a request's i18n context
        locale = "ru"
    return format_price(int(str(amount or 0)), str(currency or "RUB"), locale)


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
        "receipt_contact": _("e-mail or phone for the receipt"),
        "amount": _("amount"),
        "reference": _("transfer reference"),
        "period": _("period"),
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
    if code == "payment_gateway_timeout":
        return _("The payment service does not answer. Please try again in a minute.")
    if code in ("payment_gateway_error", "payment_gateway_rejected", "payment_gateway_not_found"):
        return _("The payment service refused the request. Please try again later.")
    if code == "payment_refused":
        return _("This invoice can no longer be paid. Open the order to see its status.")
    if code == "nothing_to_refund":
        return _("Nothing is left to refund for order №{number}.").format(
            number=details.get("order_id", "")
        )
    if code == "over_refund":
        return _("That is more than is left to refund: at most {available}.").format(
            available=_money(error.details.get("available"), error.details.get("currency"))
        )
    if code == "refund_unsupported":
        if error.details.get("reason") == "stars_partial":
            return _("Telegram refunds Stars payments only in full.")
        return _(
            "This payment cannot be refunded from the bot: refund it in the payment "
            "provider's dashboard."
        )
    if code == "refund_failed":
        return _("The payment provider refused the refund ({reason}). Nothing changed.").format(
            reason=details.get("reason", "")
        )
    if code == "insufficient_funds":
        return _("There is not enough money on the balance for this.")
    if code == "nothing_to_pay_out":
        return _("There is no money on the balance to pay out.")
    if code == "payout_decided":
        if error.details.get("status") == "approved":
            return _("This payout has already been approved.")
        return _("This payout has already been rejected.")
    return _("Something went wrong on our side.")
