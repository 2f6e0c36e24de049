"""/orders: the customer's orders, an order card with its history, and cancelling."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from core.config import Settings
from core.errors import IllegalTransition
from core.i18n import gettext as _
from core.money import STARS, format_price
from core.problems import explain
from core.texts import (
    design_note,
    digital_handover,
    local_time,
    payment_method_name,
    personal_text_note,
    role_name,
    status_name,
)
from db.models import ActorRole, Fulfilment, Order, OrderStatus, User
from handlers.turn import Turn, with_turns
from handlers.ui import Screen
from keyboards import payments as pay_kb
from keyboards import shop as kb
from keyboards.shop import Choice, OrdersAction, OrdersCB
from services import orders
from services.events import ShopEvents

ITEMS_SHOWN = 15
HISTORY_SHOWN = 10
TITLE_CHARS = 60
NOTE_CHARS = 200


def _order_label(order: Order, settings: Settings, locale: str) -> str:
    day = local_time(order.created_at, settings.timezone)[:10]
    total = format_price(order.total, order.currency, locale)
    number = _("#{number}").format(number=order.id)
    return f"{number} · {day} · {total} · {status_name(order.status)}"


async def orders_screen(
    user: User, page: int, settings: Settings, locale: str
) -> tuple[Screen, bool]:
    """A page of the customer's orders, newest first; the flag: that page no longer exists."""
    found = await orders.customer_orders(user, page)
    if not found.items:
        return Screen(_("You have no orders yet."), kb.orders([], 1, 1)), False
    text = _("<b>My orders</b>\nPage {number} of {pages}").format(
        number=found.number, pages=found.pages
    )
    choices = [
        Choice(
            _order_label(order, settings, locale),
            OrdersCB(action=OrdersAction.open, order_id=order.id, page=found.number),
        )
        for order in found.items
    ]
    return Screen(text, kb.orders(choices, found.number, found.pages)), found.out_of_range


async def order_text(order: Order, settings: Settings, locale: str) -> str:
    """Items, totals, how it is received, the pickup code when it is ready, and the history."""
    items = list(order.items)
    lines = [
        _("<b>Order #{number}</b> · {shop}").format(
            number=order.id, shop=escape(order.provider.name)
        ),
        _("Status: {status}").format(status=status_name(order.status)),
        "",
    ]
    for item in items[:ITEMS_SHOWN]:
        amount = format_price(item.price * item.quantity, item.currency, locale)
        lines.append(f"• {escape(item.title[:TITLE_CHARS])} × {item.quantity} — {amount}")
        if item.personal_text:
            lines.append(personal_text_note(item.personal_text))
        if item.design_id is not None:
            lines.append(design_note(item.design_id))
    if len(items) > ITEMS_SHOWN:
        lines.append(_("…and {count} more").format(count=len(items) - ITEMS_SHOWN))
    lines.append("")
    if order.delivery_fee:
        lines.append(
            _("Products: {amount}").format(
                amount=format_price(order.items_total, order.currency, locale)
            )
        )
        lines.append(
            _("Delivery: {fee}").format(
                fee=format_price(order.delivery_fee, order.currency, locale)
            )
        )
    lines.append(
        _("<b>Total: {total}</b>").format(total=format_price(order.total, order.currency, locale))
    )
    lines.append(_("💳 Payment: {method}").format(method=payment_method_name(order.payment_method)))
    if order.fulfilment is Fulfilment.delivery:
        if order.address:
            where = order.address[:NOTE_CHARS]
        elif order.latitude is not None and order.longitude is not None:
            where = f"📍 {order.latitude:.5f}, {order.longitude:.5f}"
        else:
            where = "—"
        lines.append(_("🚚 Delivery: {address}").format(address=escape(where)))
        if order.delivery_slot:
            lines.append(_("🕒 Time: {slot}").format(slot=escape(order.delivery_slot)))
    elif order.currency == STARS:
        lines.append(digital_handover())
    else:
        address = order.provider.pickup_address or order.provider.name
        lines.append(_("🏪 Pickup: {address}").format(address=escape(address)))
    if order.status is OrderStatus.ready_for_pickup:
        lines.append(_("🔑 Pickup code: <b>{code}</b>").format(code=escape(order.pickup_code)))
    if order.status is OrderStatus.pending_payment and order.expires_at is not None:
        lines.append(
            _("Please pay by {deadline}.").format(
                deadline=local_time(order.expires_at, settings.timezone)
            )
        )
    if order.comment:
        lines.append(_("💬 Comment: {comment}").format(comment=escape(order.comment[:NOTE_CHARS])))
    history = await orders.history(order)
    lines += ["", _("<b>History</b>")]
    for record in history[-HISTORY_SHOWN:]:
        when = local_time(record.created_at, settings.timezone)
        line = f"{when} — {status_name(record.to_status)} ({role_name(record.actor_role)})"
        if record.reason:
            reason = _("payment time ran out") if record.reason == "expired" else record.reason
            line += ": " + escape(reason[:100])
        lines.append(line)
    return "\n".join(lines)


async def order_screen(
    user: User, order_id: int, page: int, settings: Settings, locale: str
) -> Screen:
    """One of the customer's orders (NotFound for anybody else's)."""
    order = await orders.customer_order(user, order_id)
    can_cancel = OrderStatus.cancelled in orders.allowed_targets(order, ActorRole.customer)
    keyboard = kb.order_card(
        order.id,
        can_cancel=can_cancel,
        page=page,
        can_resend=orders.can_resend_digital(order),
    )
    if order.status is OrderStatus.pending_payment:
        keyboard.inline_keyboard.insert(0, [pay_kb.pay_button(order.id)])
    if settings.mini_app_available:
        keyboard.inline_keyboard.insert(
            -1, [kb.order_in_app(settings.mini_app_order_url(order.id))]
        )
    return Screen(await order_text(order, settings, locale), keyboard)


async def orders_command(message: Message, turn: Turn) -> None:
    """/orders."""
    screen, _stale = await orders_screen(turn.user, 1, turn.settings, turn.locale)
    await turn.show(screen)


async def _show_order(turn: Turn, callback_data: OrdersCB, order_id: int | None = None) -> None:
    """The order card, on the page of the list it was opened from."""
    order_id = callback_data.order_id if order_id is None else order_id
    await turn.show(
        await order_screen(turn.user, order_id, callback_data.page, turn.settings, turn.locale)
    )


async def list_orders(
    callback: CallbackQuery,
    callback_data: OrdersCB,
    turn: Turn,
    callback_answer: CallbackAnswer,
) -> None:
    """A page of orders; a page that no longer exists shows the nearest one."""
    screen, stale = await orders_screen(turn.user, callback_data.page, turn.settings, turn.locale)
    if stale:
        callback_answer.text = _("This page no longer exists.")
    await turn.show(screen)


async def open_order(callback: CallbackQuery, callback_data: OrdersCB, turn: Turn) -> None:
    """The order card."""
    await _show_order(turn, callback_data)


async def ask_cancel(callback: CallbackQuery, callback_data: OrdersCB, turn: Turn) -> None:
    """Ask before cancelling."""
    screen = await order_screen(
        turn.user, callback_data.order_id, callback_data.page, turn.settings, turn.locale
    )
    text = screen.text + "\n\n" + _("Cancel order #{number}?").format(number=callback_data.order_id)
    keyboard = kb.confirm_cancel(callback_data.order_id, callback_data.page)
    await turn.show(Screen(text, keyboard))


async def cancel_order(
    callback: CallbackQuery,
    callback_data: OrdersCB,
    turn: Turn,
    shop_events: ShopEvents,
    callback_answer: CallbackAnswer,
) -> None:
    """Cancel (allowed before the seller accepts the order); reserved stock goes back."""
    order = await orders.customer_order(turn.user, callback_data.order_id)  # others': NotFound
    if OrderStatus.cancelled not in orders.allowed_targets(order, ActorRole.customer):
        # Accepted or cancelled meanwhile: say so and show the order as it is now.
        callback_answer.text = explain(
            IllegalTransition(
                order_id=order.id, current=order.status.value, target=OrderStatus.cancelled.value
            )
        )
        callback_answer.show_alert = True
    else:  # a refusal now means a race, told by handlers.errors
        await orders.transition(
            order.id,
            OrderStatus.cancelled,
            role=ActorRole.customer,
            actor=turn.user,
            events=shop_events,
        )
        callback_answer.text = _("Order #{number} is cancelled.").format(number=order.id)
    await _show_order(turn, callback_data, order.id)


async def resend_files(
    callback: CallbackQuery,
    callback_data: OrdersCB,
    turn: Turn,
    shop_events: ShopEvents,
    callback_answer: CallbackAnswer,
) -> None:
    """Send a paid order's files or links again (a double click sends them once)."""
    if await orders.resend_digital(turn.user, callback_data.order_id, shop_events):
        callback_answer.text = _("📥 Sending them to this chat.")
    else:
        callback_answer.text = _("They are on their way or were just sent: look above.")
    await _show_order(turn, callback_data)


def create_router() -> Router:
    """The customer's orders."""
    router = with_turns(Router(name=__name__))
    router.message.filter(F.chat.type == "private")
    router.message.register(orders_command, Command("orders"))
    for handler, action in (
        (list_orders, OrdersAction.list),
        (open_order, OrdersAction.open),
        (ask_cancel, OrdersAction.cancel),
        (resend_files, OrdersAction.resend),
        (cancel_order, OrdersAction.cancel_confirmed),
    ):
        router.callback_query.register(handler, OrdersCB.filter(F.action == action))
    return router
