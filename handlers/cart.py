"""/cart: lines with −/+/✖, clear, changes since the customer looked, and the way to checkout."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from core.errors import DomainError, NotFound
from core.i18n import gettext as _
from core.money import format_price
from core.problems import explain
from handlers.catalog import PENDING_TEXT
from handlers.turn import Turn, with_turns
from handlers.ui import Screen
from keyboards import shop as kb
from keyboards.shop import CartAction, CartCB, CartRow
from services import cart as carts
from services.cart import CartLine, CartView

MAX_SHOWN_LINES = 20
TITLE_CHARS = 60


def change_note(line: CartLine, locale: str) -> str:
    """What changed about a line since the customer added it (empty when nothing did)."""
    if not line.available:
        return _("❌ No longer available")
    notes = []
    if line.price_changed:
        notes.append(
            _("⚠️ The price changed: was {old}, now {new}").format(
                old=format_price(line.price_seen, line.product.currency, locale),
                new=format_price(line.price, line.product.currency, locale),
            )
        )
    if line.short_of_stock:
        if line.product.stock <= 0:
            notes.append(_("❌ Sold out"))
        else:
            notes.append(_("⚠️ Only {count} left").format(count=line.product.stock))
    return "\n".join(notes)


def line_text(number: int, line: CartLine, locale: str) -> str:
    """ "1. Tea\n   2 × 150 ₽ = 300 ₽" plus what changed."""
    currency = line.product.currency
    title = escape(line.product.title[:TITLE_CHARS])
    price = format_price(line.price, currency, locale)
    subtotal = format_price(line.subtotal, currency, locale)
    text = f"{number}. <b>{title}</b>\n    {line.quantity} × {price} = {subtotal}"
    note = change_note(line, locale)
    return text + ("\n    " + note.replace("\n", "\n    ") if note else "")


def lines_text(cart: CartView, locale: str) -> str:
    """The cart's lines, numbered; very long carts are cut with a note."""
    shown = [line_text(n, line, locale) for n, line in enumerate(cart.lines[:MAX_SHOWN_LINES], 1)]
    if len(cart.lines) > MAX_SHOWN_LINES:
        shown.append(_("…and {count} more").format(count=len(cart.lines) - MAX_SHOWN_LINES))
    return "\n".join(shown)


def cart_screen(cart: CartView, locale: str) -> Screen:
    """The whole cart: lines, total, and the changes to accept before checkout."""
    if cart.empty:
        return Screen(_("🧺 Your cart is empty."), kb.empty_cart())
    provider = cart.provider
    assert provider is not None
    parts = [
        _("🧺 <b>Your cart</b> · {shop}").format(shop=escape(provider.name)),
        "",
        lines_text(cart, locale),
        "",
        _("<b>Total: {total}</b>").format(total=format_price(cart.total, cart.currency, locale)),
    ]
    if cart.changes:
        parts += [
            "",
            _(
                "⚠️ Some products changed since you added them (see above). "
                "Press “Accept the changes” to update the cart, then check out."
            ),
        ]
    rows = [
        CartRow(n, line.product.id, line.product.title, line.quantity, line.available)
        for n, line in enumerate(cart.lines, 1)
    ]
    return Screen("\n".join(parts), kb.cart(rows, has_changes=bool(cart.changes)))


async def _show_cart(turn: Turn, cart: CartView | None = None) -> None:
    """The cart as it is now (or as the service just returned it)."""
    cart = await carts.view(turn.user) if cart is None else cart
    await turn.show(cart_screen(cart, turn.locale))


async def cart_command(message: Message, turn: Turn) -> None:
    """/cart."""
    await _show_cart(turn)


async def open_cart(callback: CallbackQuery, turn: Turn) -> None:
    """The cart from the menu, a product card or a notice."""
    await _show_cart(turn)


async def set_quantity(
    callback: CallbackQuery, callback_data: CartCB, turn: Turn, callback_answer: CallbackAnswer
) -> None:
    """−/+ on a line (the target quantity is in the button; 0 removes the line)."""
    try:
        cart = await carts.set_quantity(turn.user, callback_data.product_id, callback_data.quantity)
    except DomainError as error:  # the cart changed under the button: show it as it is now
        if isinstance(error, NotFound):
            callback_answer.text = _("This product is no longer in your cart.")
        else:
            callback_answer.text = explain(error)
        cart = await carts.view(turn.user)
    await _show_cart(turn, cart)


async def remove_line(
    callback: CallbackQuery, callback_data: CartCB, turn: Turn, callback_answer: CallbackAnswer
) -> None:
    """✖ on a line."""
    cart = await carts.remove(turn.user, callback_data.product_id)
    callback_answer.text = _("Removed from the cart.")
    await _show_cart(turn, cart)


async def ask_clear(callback: CallbackQuery, turn: Turn) -> None:
    """Ask before emptying the cart."""
    cart = await carts.view(turn.user)
    screen = cart_screen(cart, turn.locale)
    if not cart.empty:
        text = screen.text + "\n\n" + _("Remove everything from the cart?")
        screen = Screen(text, kb.confirm_clear())
    await turn.show(screen)


async def clear(callback: CallbackQuery, turn: Turn, callback_answer: CallbackAnswer) -> None:
    """Empty the cart."""
    await carts.clear(turn.user)
    callback_answer.text = _("The cart is empty now.")
    await _show_cart(turn)


async def replace_cart(
    callback: CallbackQuery, callback_data: CartCB, turn: Turn, callback_answer: CallbackAnswer
) -> None:
    """Empty a cart of another shop and add the product that was refused (with the personal
    text typed for it, if it is made with one)."""
    pending = (await turn.state.get_data()).get(PENDING_TEXT) or {}
    text = pending.get("text") if pending.get("product_id") == callback_data.product_id else None
    try:
        cart = await carts.add(
            turn.user,
            callback_data.product_id,
            max(1, callback_data.quantity),
            replace=True,
            personal_text=text,
        )
    except DomainError as error:
        callback_answer.text = explain(error)
        callback_answer.show_alert = True
        cart = await carts.view(turn.user)
    else:
        callback_answer.text = _("Your cart was replaced.")
    await _show_cart(turn, cart)


async def acknowledge(callback: CallbackQuery, turn: Turn, callback_answer: CallbackAnswer) -> None:
    """The customer saw the new prices: take them, drop what cannot be bought."""
    cart = await carts.acknowledge_changes(turn.user)
    callback_answer.text = _("The cart is updated.")
    await _show_cart(turn, cart)


async def unavailable_hint(callback: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    """A line that can no longer be bought."""
    callback_answer.text = _("This product is no longer available. Remove it with ✖️.")


def create_router() -> Router:
    """The cart (the checkout button is handled by handlers.checkout)."""
    router = with_turns(Router(name=__name__))
    router.message.filter(F.chat.type == "private")
    router.message.register(cart_command, Command("cart"))
    for handler, action in (
        (open_cart, CartAction.show),
        (set_quantity, CartAction.set),
        (remove_line, CartAction.remove),
        (ask_clear, CartAction.clear),
        (clear, CartAction.clear_confirmed),
        (replace_cart, CartAction.swap),
        (acknowledge, CartAction.acknowledge),
        (unavailable_hint, CartAction.noop),
    ):
        router.callback_query.register(handler, CartCB.filter(F.action == action))
    return router
