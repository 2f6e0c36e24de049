"""Localized explanations of domain errors, shared by the chat and the JSON API."""

from __future__ import annotations

from html import escape

from core.errors import DomainError
from core.fiscal import VAT_CODES
from core.homework_texts import concerns_homework, explain_homework
from core.i18n import get_i18n
from core.i18n import gettext as _
from core.money import format_price
from core.tutoring_texts import TUTORING_CODES, TUTORING_FIELDS, explain_tutoring


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
        "personal_text": _("personal text"),
        "description": _("description"),
        "currency": _("currency"),
        "category": _("category"),
        "sku": _("article (SKU)"),
        "address": _("address"),
        "phone": _("phone"),
        "comment": _("comment"),
        "delivery_slot": _("delivery time"),
        "reason": _("reason"),
        "pickup_code": _("pickup code (six digits)"),
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
    if code.startswith("upload_"):
        return _upload_problem(code, error.details)
    if concerns_homework(error):
        return explain_homework(error)
    if code in TUTORING_CODES or (
        code == "invalid_input" and error.details.get("field") in TUTORING_FIELDS
    ):
        return explain_tutoring(error)
    if code == "not_found" and error.details.get("entity") == "invite":
        return _("This invite is no longer valid. Ask the administrator for a new one.")
    if code == "not_found":
        return _("Not found. It may have been removed.")
    if code == "forbidden":
        return _("You cannot do this.")
    if code == "not_staff":
        return _("Seller mode is for the staff of a shop.")
    if code.startswith("pickup_"):
        return _pickup_refused(error, details)
    if code == "other_currency_in_cart":
        return _(
            "Products for Telegram Stars are ordered separately from products in roubles. "
            "Finish or clear your cart first."
        )
    if code == "consent_required":
        return _(
            "To share a phone or an address, first consent to the processing of personal "
            "data in the bot's profile."
        )
    if code == "payment_channel_unavailable":
        if details.get("field") == "channel":  # a way of paying this thing is not sold by
            return _("This cannot be paid this way. Please choose another way to pay.")
        return _("Online payment is not available right now.")
    if code == "invalid_input":
        return _invalid_input(error, details)
    if code == "promo_refused":
        return _promo_refused(error)
    if code == "review_refused":
        if error.details.get("reason") == "exists":
            return _("This order has a review already.")
        if error.details.get("reason") == "photo_exists":
            return _("This review has a photo already.")
        return _("An order can be reviewed once it is completed.")
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
    if code == "cart_limit":
        return _("A cart holds at most {count} of one product.").format(
            count=details.get("max", "")
        )
    if code == "empty_cart":
        return _("Your cart is empty.")
    if code == "cart_changed":
        return _("Prices or availability changed. Please check your cart again.")
    if code == "nothing_to_send":
        return _("Order #{number} has no paid files or links to send.").format(
            number=details.get("order_id", "")
        )
    if code == "illegal_transition":
        return _("The order has already changed. Refresh it to see its status.")
    if code == "payment_gateway_timeout":
        return _("The payment service does not answer. Please try again in a minute.")
    if code in ("payment_gateway_error", "payment_gateway_rejected", "payment_gateway_not_found"):
        return _("The payment service refused the request. Please try again later.")
    if code == "payment_refused":
        return _payment_refused(error)
    if code == "nothing_to_refund":
        return _("Nothing is left to refund for order #{number}.").format(
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


def _pickup_refused(error: DomainError, details: dict[str, str]) -> str:
    """Why a pickup code handed nothing over (chat and Mini App alike)."""
    number = details.get("order_id", "")
    if error.code == "pickup_code_unknown":
        return _("No order of your shop has this pickup code. Check the digits.")
    if error.code == "pickup_code_used":
        return _("Order #{number} has already been handed over with this code.").format(
            number=number
        )
    if error.code == "pickup_not_ready":
        if error.details.get("status") in ("cancelled", "refunded"):
            return _("Order #{number} was cancelled: do not hand it over.").format(number=number)
        return _("Order #{number} is not ready for pickup yet.").format(number=number)
    if error.code == "pickup_code_ambiguous":
        return _(
            "Several orders ready for pickup have this code ({orders}). Complete the right "
            "one from its card."
        ).format(orders=details.get("orders", ""))
    return _("This pickup code cannot be used.")


_CHECKOUT_FIELDS = ("address", "phone", "comment", "delivery_slot")


def _checkout_input(error: DomainError) -> str:
    """What is wrong with a checkout answer (the same words in the chat and the API)."""
    details = error.details
    field = details.get("field")
    if field == "address" and "min" in details:
        return _("That address is too short. Type the street, house and flat, or share a location.")
    if field in ("address", "comment") and "max" in details:
        if field == "address":
            return _("That address is too long: at most {count} characters.").format(
                count=details["max"]
            )
        return _("That comment is too long: at most {count} characters.").format(
            count=details["max"]
        )
    if field == "phone" and details.get("required"):
        return _("Delivery needs a phone number: the courier calls it.")
    if field == "phone":
        return _("That does not look like a phone number. Type it like +79991234567.")
    if field == "delivery_slot":
        reason = details.get("reason")
        if reason == "past":
            return _("This time has already passed. Please choose another one.")
        if reason == "taken":
            return _("This time is fully booked. Please choose another one.")
        if reason == "unknown":
            return _("There is no such delivery time. Please choose one of those offered.")
        return _("Please choose a delivery time.")
    return _("Please check the {field}.").format(field=field_name(str(field)))


def _personal_text_problem(details: dict[str, object]) -> str:
    """What is wrong with the customer's text for a product made with one."""
    reason = details.get("reason")
    if reason == "not_taken":
        return _("This product is not made with a personal text.")
    if reason == "missing":
        return _("This product is made with your text: send it, up to {max} characters.").format(
            max=details.get("max")
        )
    if reason == "setting":
        return _(
            "Send the question and the longest text, like: Name to engrave; 20 "
            "(1 to {max} characters, a question of up to 64). Or send “off”."
        ).format(max=details.get("max"))
    return _("The text must be 1 to {max} characters long, on one line.").format(
        max=details.get("max")
    )


def _invalid_input(error: DomainError, details: dict[str, str]) -> str:
    """What is wrong with a typed or sent value, as precisely as the details allow."""
    field = str(error.details.get("field"))
    limit = details.get("max", "")
    if field in _CHECKOUT_FIELDS:
        return _checkout_input(error)
    if field == "rating":
        return _("A rating is a whole number from 1 to 5.")
    if field == "points":
        return _("You can pay with at most {count} points on this order.").format(
            count=details.get("max", 0)
        )
    if field == "promo_code":
        return _("A promo code is 3 to 32 Latin letters, digits, “-” or “_”.")
    if field == "promo":
        return _promo_spec_problem(error.details)
    if field == "personal_text":
        return _personal_text_problem(error.details)
    if field == "vat_code":
        return _("The VAT code must be one of: {codes}.").format(codes=vat_codes_text())
    if field in ("design", "print_area", "watermark", "template_images"):
        return _custom_product_problem(field, error.details)
    if field == "receipt_contact":
        return _(
            "That is neither an e-mail nor a phone number. "
            "Example: name@example.ru or +7 999 123-45-67."
        )
    if field == "stock" and "available" in error.details:
        return _("Only {count} in stock: cannot remove more than that.").format(
            count=details["available"]
        )
    if field == "title" and "max" in error.details:
        return _("The title must be 1 to {max} characters long.").format(max=limit)
    if field == "sku" and "value" in error.details:
        return _("A product with this article (SKU) already exists.")
    if field == "reference" and "max" in error.details:
        return _("The reference must be at most {max} characters.").format(max=limit)
    if field == "reason" and "max" in error.details:
        return _("The reason must be 1 to {max} characters.").format(max=limit)
    if field == "pickup_address" and "max" in error.details:
        return _("The address is too long: at most {max} characters.").format(max=limit)
    if field == "legal_name" and "max" in error.details:
        return _("The legal name is too long: at most {max} characters.").format(max=limit)
    if field == "delivery_fee":
        return _("Send the fee as a number of roubles, like 300 or 149.90.")
    if field == "low_stock_threshold":
        return _("Send a whole number, 0 or more.")
    if field == "inn":
        return _("That is not a valid INN: 10 or 12 digits with correct check digits.")
    if field == "tg_id":
        return _(
            "A Telegram id is a number like 123456789 (the person can see it in @userinfobot)."
        )
    return _("Please check the {field}.").format(field=field_name(field))


def _promo_spec_problem(details: dict[str, object]) -> str:
    """What is wrong with an admin's description of a new promo code."""
    part = escape(str(details.get("part", ""))[:40])
    if details.get("reason") == "exists":
        return _("A promo code {code} already exists.").format(code=part)
    if details.get("reason") == "provider":
        return _("There is no shop with id {id}.").format(id=part)
    return _(
        "I could not understand “{part}”. Example: /promo add SPRING10 10% min=500 "
        "from=2026-03-01 to=2026-03-31 limit=100 per_user=1 shop=3 first"
    ).format(part=part)


def _promo_refused(error: DomainError) -> str:
    """Why a promo code does not apply (the same words in the chat and the API)."""
    reason = error.details.get("reason")
    code = escape(str(error.details.get("code", ""))[:32])
    if reason == "unknown":
        return _("There is no promo code {code}.").format(code=code)
    if reason == "inactive":
        return _("The promo code {code} is no longer valid.").format(code=code)
    if reason == "not_started":
        return _("The promo code {code} is not valid yet.").format(code=code)
    if reason == "expired":
        return _("The promo code {code} has expired.").format(code=code)
    if reason == "min_order":
        return _("The promo code {code} works for orders from {amount}.").format(
            code=code,
            amount=_money(error.details.get("min_order"), error.details.get("currency")),
        )
    if reason == "other_provider":
        return _("The promo code {code} is for another shop.").format(code=code)
    if reason == "currency":
        return _("The promo code {code} does not work for this currency.").format(code=code)
    if reason == "first_order":
        return _("The promo code {code} is for the first order only.").format(code=code)
    if reason == "used_up":
        return _("The promo code {code} has been used up.").format(code=code)
    if reason == "used_by_you":
        return _("You have already used the promo code {code}.").format(code=code)
    return _("The promo code {code} cannot be applied.").format(code=code)


def _payment_refused(error: DomainError) -> str:
    """Why Telegram's pre-checkout of an invoice was declined (Telegram shows it in its form)."""
    reason = error.details.get("reason")
    if reason == "closed":
        return _("This invoice is already paid or closed. Open the order for its status.")
    if reason == "expired":
        return _("The order no longer waits for payment (the time ran out or it was cancelled).")
    if reason == "price":
        return _("The amount changed. Please open the order and pay again.")
    if reason == "promo":
        return _("The order's promo code has ended. Cancel the order and place it again.")
    if reason == "sold_out":
        return _("“{title}” is no longer sold. The order cannot be paid.").format(
            title=escape(str(error.details.get("title", ""))[:60])
        )
    if reason is None:
        return _("This invoice can no longer be paid. Open the order to see its status.")
    return _("This invoice is not valid any more.")


def _upload_problem(code: str, details: dict[str, object]) -> str:
    """Why a picture for a custom product was refused (the chat and the Mini App say the same)."""
    if code == "upload_too_large":
        return _("The file is too large: at most {size} MB.").format(
            size=int(str(details.get("max_bytes") or 0)) // (1024 * 1024)
        )
    if code == "upload_too_many_pixels":
        return _("The picture is too large: at most {count} megapixels.").format(
            count=int(str(details.get("max_pixels") or 0)) // 1_000_000
        )
    if code == "upload_bomb":
        return _("This file claims an enormous picture size and is refused for safety.")
    if code == "upload_corrupt":
        return _("The picture is damaged or incomplete. Please send it again.")
    if code == "upload_empty":
        return _("The file is empty. Please choose a picture.")
    if code == "upload_too_slow":
        return _("The previews took too long to make. Please try a smaller picture.")
    if code == "upload_no_picture":
        return _("You have not sent the bot any picture yet. Send one in the chat first.")
    return _("This is not a picture we can print: send a JPEG, PNG or WebP image.")


def _custom_product_problem(field: str, details: dict[str, object]) -> str:
    """What is wrong with a design in the cart or a seller's template of a custom product."""
    if field == "design" and details.get("reason") == "not_taken":
        return _("This product is not made with your picture.")
    if field == "design":
        return _("Upload your picture first: the product is made with it.")
    if field == "print_area":
        return _(
            "Send the print area as four whole numbers: x y width height, inside the "
            "{width}×{height} picture (for example: 100 80 300 250)."
        ).format(width=details.get("width"), height=details.get("height"))
    if field == "watermark":
        return _("The watermark must be at most {max} characters.").format(max=details.get("max"))
    return _("A template takes at most {max} pictures.").format(max=details.get("max"))
