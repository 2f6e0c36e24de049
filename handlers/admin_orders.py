"""Admin: orders — a list filtered by status, shop and period, or one looked up by number; a
status change with a recorded reason."""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from core.config import Settings
from core.errors import IllegalTransition, NotFound
from core.i18n import gettext as _
from core.money import format_price
from core.problems import explain
from core.texts import (
    design_note,
    fulfilment_name,
    payment_method_name,
    personal_text_note,
    role_name,
    shorten,
    status_name,
)
from db.models import ActorRole, Order, OrderItem, OrderStatus, OrderTransition
from handlers.admin_common import typed_reason
from handlers.routing import typed_in
from handlers.turn import Turn, with_turns
from keyboards import admin as kb
from keyboards.admin import AdminAction, AdminCB, AdmOrderCB, AdmOrdersCB, AdmStatusCB, OrdersPick
from services import admin, orders
from services.admin import OrderPeriod
from services.events import ShopEvents

MAX_REASON = 500
HISTORY_SHOWN = 15
ITEMS_SHOWN = 30
MAX_BUTTON = 60


class OrderStates(StatesGroup):
    """Looking up an order, then typing the reason of a status change."""

    number = State()
    reason = State()


def _history_line(transition: OrderTransition, tz: ZoneInfo) -> str:
    line = "• {when} — {status} ({who})".format(
        when=transition.created_at.astimezone(tz).strftime("%d.%m.%Y %H:%M"),
        status=status_name(transition.to_status),
        who=role_name(transition.actor_role),
    )
    if transition.reason:
        line += ": " + escape(transition.reason)
    return line


def _item_line(item: OrderItem, locale: str) -> str:
    amount = format_price(item.price * item.quantity, item.currency, locale)
    line = f"• {escape(item.title)} × {item.quantity} — {amount}"
    if item.personal_text:
        line += "\n" + personal_text_note(item.personal_text)
    if item.design_id is not None:
        line += "\n" + design_note(item.design_id)
    return line


async def order_text(
    order_id: int, locale: str, settings: Settings, back: AdmOrdersCB | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The order card: shop, customer pseudonym, items, status, history and status buttons."""
    order, history = await admin.order_card(order_id)
    tz = ZoneInfo(settings.timezone)
    items = "\n".join(_item_line(item, locale) for item in list(order.items)[:ITEMS_SHOWN])
    if len(order.items) > ITEMS_SHOWN:
        items += "\n…"
    lines = [_history_line(t, tz) for t in history[-HISTORY_SHOWN:]]
    if len(history) > HISTORY_SHOWN:
        lines.insert(0, "…")
    text = _(
        "<b>Order #{id}</b> · {shop}\n"
        "Customer: <code>{customer}</code>\n"
        "Status: <b>{status}</b>\n"
        "{fulfilment} · {payment}\n\n"
        "{items}\n"
        "Total: {total}\n\n"
        "<b>History</b>\n{history}"
    ).format(
        id=order.id,
        shop=escape(order.provider.name),
        customer=escape(order.customer.pseudonym),
        status=status_name(order.status),
        fulfilment=fulfilment_name(order.fulfilment),
        payment=payment_method_name(order.payment_method),
        items=items,
        total=format_price(order.total, order.currency, locale),
        history="\n".join(lines),
    )
    targets = [(to, status_name(to)) for to in orders.allowed_targets(order, ActorRole.admin)]
    return text, kb.order_actions(order.id, order.status, targets, back)


# The list ----------------------------------------------------------------------------------


def period_name(period: OrderPeriod) -> str:
    """The list's period, as the admin reads it."""
    names = {
        OrderPeriod.any: _("any time"),
        OrderPeriod.today: _("today"),
        OrderPeriod.week: _("last 7 days"),
        OrderPeriod.month: _("last 30 days"),
    }
    return names[period]


def _order_label(order: Order, locale: str) -> str:
    head = f"#{order.id} · "
    tail = " · ".join(
        ("", format_price(order.total, order.currency, locale), status_name(order.status))
    )
    room = MAX_BUTTON - len(head) - len(tail)
    return head + shorten(order.provider.name, max(room, 8)) + tail


async def order_list(
    callback: CallbackQuery, callback_data: AdmOrdersCB, turn: Turn, callback_answer: CallbackAnswer
) -> None:
    """Orders of every shop, newest first, filtered; or one filter's choices."""
    await turn.state.clear()
    if callback_data.pick is not OrdersPick.none:
        await _filter_choices(turn, callback_data)
        return
    wanted = admin.OrderFilter(
        status=callback_data.status,
        provider_id=callback_data.shop or None,
        period=callback_data.period,
    )
    page = await admin.find_orders(wanted, callback_data.page, timezone=turn.settings.timezone)
    if page.out_of_range:
        callback_answer.text = _("That page no longer exists.")
    shop = await admin.provider_name(callback_data.shop) if callback_data.shop else None
    status = status_name(callback_data.status) if callback_data.status else _("any")
    lines = [
        _("<b>Orders</b>: {count}").format(count=page.total),
        _("Status: {status} · Shop: {shop} · Period: {period}").format(
            status=status, shop=escape(shop or _("any")), period=period_name(callback_data.period)
        ),
    ]
    if page.total:
        lines.append(_("Page {number} of {pages}").format(number=page.number, pages=page.pages))
    else:
        lines += ["", _("No orders match. Change the filters.")]
    shown = callback_data.model_copy(update={"page": page.number})
    filters = [
        (OrdersPick.status, _("🔖 Status")),
        (OrdersPick.shop, _("🏪 Shop")),
        (OrdersPick.period, _("📅 Period")),
    ]
    labels = [_order_label(order, turn.locale) for order in page.items]
    await turn.edit("\n".join(lines), kb.order_list(shown, page, labels, filters))


async def _filter_choices(turn: Turn, shown: AdmOrdersCB) -> None:
    def listed(**changes: object) -> AdmOrdersCB:
        return shown.model_copy(update={**changes, "page": 1, "pick": OrdersPick.none})

    def mark(label: str, current: bool) -> str:
        return f"• {label}" if current else label

    if shown.pick is OrdersPick.status:
        choices = [(listed(status=None), mark(_("Any status"), shown.status is None))]
        choices += [
            (listed(status=status), mark(status_name(status), shown.status is status))
            for status in OrderStatus
        ]
        await turn.edit(_("Orders in which status?"), kb.order_filter_choices(shown, choices))
    elif shown.pick is OrdersPick.period:
        choices = [
            (listed(period=period), mark(period_name(period), shown.period is period))
            for period in OrderPeriod
        ]
        await turn.edit(_("Orders of which period?"), kb.order_filter_choices(shown, choices))
    else:
        shops = await admin.providers_with_orders(shown.page)
        choices = [(listed(shop=0), mark(_("Any shop"), not shown.shop))]
        choices += [
            (listed(shop=provider.id), mark(shorten(provider.name, 40), shown.shop == provider.id))
            for provider in shops.items
        ]
        text = _("Orders of which shop or tutor?")
        await turn.edit(text, kb.order_filter_choices(shown, choices, shops))


async def ask_number(callback: CallbackQuery, turn: Turn) -> None:
    """Ask for the order number."""
    await turn.state.set_state(OrderStates.number)
    await turn.edit(_("<b>Orders</b>\n\nSend the order number, like 123."), kb.back_to_admin())


async def number_text(message: Message, turn: Turn) -> None:
    """Show the order with that number."""
    number = admin.parse_order_number(message.text or "")
    if number is None:
        await message.answer(_("That is not an order number. Send digits like 123, or /cancel."))
        return
    try:
        text, keyboard = await order_text(number, turn.locale, turn.settings)
    except NotFound:  # a typo, most likely: ask again
        await message.answer(
            _("Order #{number} not found. Send another number, or /cancel.").format(number=number)
        )
        return
    await turn.state.clear()
    await message.answer(text, reply_markup=keyboard)


async def number_wrong_input(message: Message) -> None:
    """Not text while the order number is asked for."""
    await message.answer(_("Send the order number as text, like 123, or /cancel."))


async def order_screen(
    callback: CallbackQuery, callback_data: AdmOrderCB, turn: Turn, callback_answer: CallbackAnswer
) -> None:
    """Refresh the card (also "back" from typing a reason)."""
    await turn.state.clear()
    text, keyboard = await order_text(
        callback_data.order_id, turn.locale, turn.settings, callback_data.back()
    )
    await turn.edit(text, keyboard)


def _stale(order: Order, expected: OrderStatus, to: OrderStatus) -> IllegalTransition | None:
    """The refusal for a button from an older card, or None if the move is still allowed."""
    if order.status != expected or to not in orders.allowed_targets(order, ActorRole.admin):
        return IllegalTransition(order_id=order.id, current=order.status.value, target=to.value)
    return None


async def ask_reason(
    callback: CallbackQuery, callback_data: AdmStatusCB, turn: Turn, callback_answer: CallbackAnswer
) -> None:
    """A status button: check it is still allowed, then ask why."""
    order, _history = await admin.order_card(callback_data.order_id)
    refusal = _stale(order, callback_data.current, callback_data.to)
    if refusal is not None:
        callback_answer.text = explain(refusal)
        callback_answer.show_alert = True
        await turn.edit(*await order_text(order.id, turn.locale, turn.settings))
        return
    await turn.state.set_state(OrderStates.reason)
    await turn.state.update_data(
        order_id=order.id, current=callback_data.current.value, to=callback_data.to.value
    )
    await turn.edit(
        _(
            "Order #{id}: {current} → <b>{to}</b>.\n\n"
            "Type the reason. It is stored in the order's history.\n/cancel — change nothing."
        ).format(
            id=order.id,
            current=status_name(callback_data.current),
            to=status_name(callback_data.to),
        ),
        kb.order_actions(order.id, order.status, []),
    )


async def reason_text(message: Message, turn: Turn, shop_events: ShopEvents) -> None:
    """The reason typed: make the transition (or refuse it, changing nothing)."""
    reason = await typed_reason(message, MAX_REASON)
    if reason is None:
        return
    data = await turn.state.get_data()
    await turn.state.clear()
    order_id = int(data["order_id"])
    expected, to = OrderStatus(data["current"]), OrderStatus(data["to"])
    order, _history = await admin.order_card(order_id)
    refusal = _stale(order, expected, to)
    if refusal is not None:  # changed while the reason was typed: show it as it is now
        notice = "⚠️ " + explain(refusal)
    else:
        await orders.transition(
            order_id,
            to,
            role=ActorRole.admin,
            actor=turn.user,
            reason=reason,
            events=shop_events,
        )
        notice = _("✅ Status changed: {current} → {to}.").format(
            current=status_name(expected), to=status_name(to)
        )
    text, keyboard = await order_text(order_id, turn.locale, turn.settings)
    await message.answer(f"{notice}\n\n{text}", reply_markup=keyboard)


async def reason_wrong_input(message: Message) -> None:
    """Not text while a reason is asked for."""
    await message.answer(_("Please type the reason as text, or /cancel."))


async def order_list_from_menu(
    callback: CallbackQuery, turn: Turn, callback_answer: CallbackAnswer
) -> None:
    """ "📦 Orders" in the admin menu: every order, newest first."""
    await order_list(callback, AdmOrdersCB(), turn, callback_answer)


def create_router() -> Router:
    """Orders section of the admin panel (under the admin router's filter)."""
    router = with_turns(Router(name=__name__))
    cb = router.callback_query
    cb.register(order_list, AdmOrdersCB.filter())
    cb.register(order_list_from_menu, AdminCB.filter(F.action == AdminAction.orders))
    cb.register(ask_number, AdminCB.filter(F.action == AdminAction.find_order))
    cb.register(order_screen, AdmOrderCB.filter())
    cb.register(ask_reason, AdmStatusCB.filter())
    typed_in(router, OrderStates.number, number_text, number_wrong_input)
    typed_in(router, OrderStates.reason, reason_text, reason_wrong_input)
    return router
