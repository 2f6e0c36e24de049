"""The next question: the first one without an answer, or the confirmation.

`advance()` asks the service for the options of the cart and renders them, so every step
(and "Change details", and a refusal at placing) goes through one place.
"""

from __future__ import annotations

from html import escape
from typing import Any

from core.errors import EmptyCart, InvalidInput, PromoRefused
from core.i18n import gettext as _
from core.money import format_price
from core.problems import explain
from core.texts import digital_handover, payment_method_name, shorten
from db.models import Fulfilment, PaymentMethod, Provider
from handlers.cart import change_note, lines_text
from handlers.checkout import questions
from handlers.checkout.conversation import (
    CheckoutStates,
    Turn,
    answers,
    finish,
    remember,
    say,
)
from keyboards import shop as kb
from services import cart as carts
from services import checkout
from services.cart import CartView


async def advance(turn: Turn, notice: str = "") -> None:
    """Ask the first question that has no answer yet, or show the confirmation."""
    cart = await carts.view(turn.user)
    if cart.empty:
        await finish(turn, explain(EmptyCart()))
        return
    options = await checkout.options(turn.user, turn.settings, cart=cart)
    given = await answers(turn.state)
    fulfilment = given.get("fulfilment")
    if fulfilment is None:
        if not options.fulfilments:
            await finish(turn, _("This shop does not take orders right now."))
            return
        if len(options.fulfilments) > 1:
            await questions.ask_fulfilment(turn, options, notice)
            return
        fulfilment = options.fulfilments[0].value
        await remember(turn.state, fulfilment=fulfilment)
    if fulfilment == Fulfilment.delivery.value:
        if not options.contact.consent:
            await questions.ask_consent(turn, notice)
            return
        if not given.get("address") and given.get("latitude") is None:
            await questions.ask_address(turn, notice)
            return
        if not given.get("slot"):
            await questions.ask_slot(turn, options, notice)
            return
        if not given.get("phone"):
            await questions.ask_phone(turn, options, notice)
            return
    if given.get("payment") is None:
        if not options.payment_methods:
            await finish(
                turn,
                _("Online payment is not available right now, and this shop takes no cash."),
            )
            return
        if len(options.payment_methods) > 1:
            await questions.ask_payment(turn, options, notice)
            return
        await remember(turn.state, payment=options.payment_methods[0].value)
    if given.get("comment") is None:
        await questions.ask_comment(turn, notice)
        return
    await show_confirmation(turn, notice)


# The confirmation ----------------------------------------------------------------------------


async def show_confirmation(turn: Turn, notice: str = "") -> None:
    """The order as it will be placed; changes since the cart are shown and accepted first."""
    cart = await carts.view(turn.user)
    if cart.changes:
        notes = [
            "• {title}: {note}".format(
                title=escape(shorten(line.product.title, 60)),
                note=change_note(line, turn.locale).replace("\n", "; "),
            )
            for line in cart.changes
        ]
        cart = await carts.acknowledge_changes(turn.user)
        notice = "\n".join(
            [
                notice or _("⚠️ Prices or availability changed:"),
                *notes,
                _("Please check the order again."),
            ]
        )
    if cart.empty:
        await finish(turn, (notice + "\n\n" if notice else "") + explain(EmptyCart()))
        return
    provider = cart.provider
    assert provider is not None
    given = await answers(turn.state)
    options = None
    while options is None:
        try:
            options = await checkout.options(
                turn.user,
                turn.settings,
                cart=cart,
                promo_code=given.get("promo"),
                points=given.get("points"),
            )
        except PromoRefused as refusal:  # used up or ended since it was typed
            given["promo"] = None
            notice = "\n".join(part for part in (notice, explain(refusal)) if part)
        except InvalidInput as refusal:  # fewer points than asked for now
            if not given.get("points"):
                raise
            given["points"] = None
            notice = "\n".join(part for part in (notice, explain(refusal)) if part)
    await remember(turn.state, promo=given.get("promo"), points=given.get("points"))
    key = checkout.new_checkout_key()
    await remember(turn.state, key=key)
    await turn.state.set_state(CheckoutStates.confirm)
    await say(
        turn,
        _confirmation_text(cart, provider, given, turn, notice, options),
        kb.checkout_confirm(
            key,
            promo_applied=bool(given.get("promo")),
            points_offer=0 if options.points else options.points_max,
            points_applied=options.points,
        ),
    )


def _delivery_lines(
    given: dict[str, Any], cart: CartView, provider: Provider, timezone: str
) -> list[str]:
    if cart.digital_only:
        return [digital_handover()]
    if given.get("fulfilment") != Fulfilment.delivery.value:
        address = provider.pickup_address or provider.name
        return [_("🏪 Pickup: {address}").format(address=escape(address))]
    lines = [_("🚚 Delivery: {address}").format(address=escape(_address_text(given)))]
    slot = checkout.slot_by_id(given.get("slot") or "", timezone)
    if slot is not None:
        lines.append(_("🕒 Time: {slot}").format(slot=escape(slot.stored)))
    if given.get("phone"):
        lines.append(_("📱 Phone: {phone}").format(phone=escape(given["phone"])))
    return lines


def _address_text(given: dict[str, Any]) -> str:
    if given.get("address"):
        return str(given["address"])
    return "📍 {lat:.5f}, {lon:.5f}".format(lat=given["latitude"], lon=given["longitude"])


def _confirmation_text(
    cart: CartView,
    provider: Provider,
    given: dict[str, Any],
    turn: Turn,
    notice: str,
    options: checkout.CheckoutOptions,
) -> str:
    locale = turn.locale
    delivery = given.get("fulfilment") == Fulfilment.delivery.value
    fee = provider.delivery_fee if delivery else 0
    discount = options.discount
    points_value = options.points_value
    parts = [notice, ""] if notice else []
    parts += [
        _("<b>Check your order</b> · {shop}").format(shop=escape(provider.name)),
        "",
        lines_text(cart, locale),
        "",
        *_delivery_lines(given, cart, provider, turn.settings.timezone),
        _("💳 Payment: {method}").format(
            method=payment_method_name(PaymentMethod(given.get("payment") or "online"))
        ),
    ]
    if given.get("comment"):
        parts.append(_("💬 Comment: {comment}").format(comment=escape(given["comment"])))
    parts.append("")
    if fee or discount or points_value:
        parts.append(
            _("Products: {amount}").format(amount=format_price(cart.total, cart.currency, locale))
        )
    if discount:
        parts.append(
            _("🏷 Promo code {code}: −{amount}").format(
                code=escape(str(given.get("promo"))),
                amount=format_price(discount, cart.currency, locale),
            )
        )
    if points_value:
        parts.append(
            _("⭐ Points: {count} = −{amount}").format(
                count=options.points, amount=format_price(points_value, cart.currency, locale)
            )
        )
    if fee:
        parts.append(_("Delivery: {fee}").format(fee=format_price(fee, cart.currency, locale)))
    parts.append(
        _("<b>Total: {total}</b>").format(
            total=format_price(cart.total - discount - points_value + fee, cart.currency, locale)
        )
    )
    return "\n".join(parts)
