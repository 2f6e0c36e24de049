"""Texts both faces show: localized names of order statuses and actor roles, shortened titles."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from html import escape
from zoneinfo import ZoneInfo

from core.i18n import gettext as _
from db.models.shop import ActorRole, Fulfilment, OrderStatus, PaymentMethod


def status_name(status: OrderStatus) -> str:
    """The order status as the reader calls it, in the current locale."""
    names = {
        OrderStatus.pending_payment: _("Waiting for payment"),
        OrderStatus.placed: _("Placed, payment on receipt"),
        OrderStatus.paid: _("Paid"),
        OrderStatus.accepted: _("Accepted"),
        OrderStatus.in_work: _("In work"),
        OrderStatus.ready_for_pickup: _("Ready for pickup"),
        OrderStatus.out_for_delivery: _("Out for delivery"),
        OrderStatus.completed: _("Completed"),
        OrderStatus.cancelled: _("Cancelled"),
        OrderStatus.refunded: _("Refunded"),
    }
    return names.get(OrderStatus(status), str(status))


def role_name(role: ActorRole) -> str:
    """Who changed an order's status, in the current locale."""
    names = {
        ActorRole.customer: _("customer"),
        ActorRole.provider: _("seller"),
        ActorRole.admin: _("administrator"),
        ActorRole.system: _("system"),
    }
    return names.get(ActorRole(role), str(role))


def digital_handover() -> str:
    """How digital goods (sold for Stars) reach the customer."""
    return _("💾 Digital goods: they come to this chat as soon as the payment goes through.")


def personal_text_note(text: str) -> str:
    """The customer's text under an order line (HTML-escaped): what the seller puts on it."""
    return "   " + _("✍️ Text: “{text}”").format(text=escape(text))


def staff_action(
    status: OrderStatus, to: OrderStatus, method: PaymentMethod, cash_confirmed: bool
) -> str:
    """The staff's button that moves an order in `status` to `to` (chat and seller mode)."""
    cash_due = PaymentMethod(method) is PaymentMethod.cash and not cash_confirmed
    if to is OrderStatus.completed and cash_due:
        return _("💵 Cash received, complete")
    labels = {
        OrderStatus.accepted: _("✅ Accept"),
        OrderStatus.in_work: _("🛠 In work"),
        OrderStatus.ready_for_pickup: _("📦 Ready for pickup"),
        OrderStatus.out_for_delivery: _("🚚 Out for delivery"),
        OrderStatus.completed: _("🏁 Completed"),
    }
    if to is OrderStatus.cancelled:
        if status in (OrderStatus.placed, OrderStatus.paid):
            return _("❌ Reject")
        return _("❌ Cancel order")
    return labels.get(to, str(to))


def fulfilment_name(fulfilment: Fulfilment) -> str:
    """Pickup or delivery, in the current locale."""
    if Fulfilment(fulfilment) is Fulfilment.delivery:
        return _("Delivery")
    return _("Pickup")


def payment_method_name(method: PaymentMethod) -> str:
    """Online or cash, in the current locale."""
    if PaymentMethod(method) is PaymentMethod.cash:
        return _("Cash on receipt")
    return _("Online")


def local_time(moment: datetime, timezone: str) -> str:
    """A moment as people read it in the shop's time zone: 21.05.2025 14:30."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(timezone)).strftime("%d.%m.%Y %H:%M")


ELLIPSIS = "…"
# Opening brackets and quotes left at the end of a cut would open nothing.
_DANGLING_OPENERS = "([{«„“‘‹"


def _is_dangling(char: str) -> bool:
    """Whitespace, punctuation other than closing brackets and quotes, or an opener."""
    if char.isspace() or char in _DANGLING_OPENERS:
        return True
    category = unicodedata.category(char)
    # Pe/Pf: closing brackets and quotes (») belong to the words they close.
    return category.startswith("P") and category not in ("Pe", "Pf")


def shorten(text: str, limit: int) -> str:
    """The text in at most `limit` characters: cut at a word boundary, no trailing punctuation, "…".

    A word longer than half the room is cut inside rather than leaving a stub of a title.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    room = max(limit - len(ELLIPSIS), 1)
    cut = text[:room]
    if not text[room].isspace():
        boundary = cut.rfind(" ")
        if boundary >= room // 2:
            cut = cut[:boundary]
    end = len(cut)
    while end > 0 and _is_dangling(cut[end - 1]):
        end -= 1
    cut = cut[:end] or text[:room]
    return cut + ELLIPSIS


def design_note(design_id: int) -> str:
    """An order line made with the customer's picture: the command that shows it."""
    return "   " + _("🎨 With the customer's picture: /design_{number}").format(number=design_id)
