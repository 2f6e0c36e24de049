"""A provider's orders in chat: lists by status, the order card, its actions, rejection.

Every action goes through services.orders.transition scoped to the provider the person owns:
a forged order id is "not found", a stale button (double click, expired order) is refused by
the state machine and the card is refreshed to what the order is now.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace
from html import escape

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from core.errors import IllegalTransition
from core.i18n import gettext as _
from core.problems import explain
from core.texts import (
    design_note,
    fulfilment_name,
    payment_method_name,
    personal_text_note,
    shorten,
    status_name,
)
from db.models import (
    ActorRole,
    Fulfilment,
    Order,
    OrderMessage,
    OrderStatus,
    PaymentMethod,
    Provider,
)
from handlers.provider_kit import ProviderOwner, edit, money, owned
from handlers.turn import Turn, with_turns
from keyboards import provider as kb
from keyboards.provider import OrderActionCB, OrderCB, OrderGroup, OrdersCB
from services import orders
from services.events import ShopEvents

MAX_ITEM_LINES = 15
MAX_TITLE_IN_CARD = 64  # 15 lines of this stay far below Telegram's 4096 characters
MAX_REASON = 500
OVERVIEW = "orders_overview"
"""The FSM destiny that remembers the seller's open order lists."""
NEEDS_PROVIDER = frozenset({OrderStatus.placed, OrderStatus.paid})
"""Statuses in which a new order waits for its provider: the push goes out then."""

GROUPS: dict[OrderGroup, list[OrderStatus]] = {
    OrderGroup.new: [OrderStatus.placed, OrderStatus.paid],
    OrderGroup.accepted: [OrderStatus.accepted],
    OrderGroup.in_work: [OrderStatus.in_work],
    OrderGroup.ready: [OrderStatus.ready_for_pickup, OrderStatus.out_for_delivery],
    OrderGroup.completed: [OrderStatus.completed],
    OrderGroup.cancelled: [OrderStatus.cancelled, OrderStatus.refunded],
}


class RejectOrder(StatesGroup):
    """Waiting for the reason of a rejection."""

    reason = State()


def group_name(group: OrderGroup) -> str:
    """An order list's name."""
    names = {
        OrderGroup.new: _("🆕 New"),
        OrderGroup.accepted: _("✅ Accepted"),
        OrderGroup.in_work: _("🛠 In work"),
        OrderGroup.ready: _("📦 Ready / on the way"),
        OrderGroup.completed: _("🏁 Completed"),
        OrderGroup.cancelled: _("❌ Cancelled"),
    }
    return names[group]


async def provider_card(order: Order, locale: str) -> str:
    """The order as its provider sees it: items, totals, how it is fulfilled and paid."""
    await order.fetch_related("items", "customer")
    status = OrderStatus(order.status)
    header = _("<b>Order #{number}</b> · {status}").format(
        number=order.id, status=status_name(status)
    )
    lines = [("🆕 " if status in NEEDS_PROVIDER else "") + header, ""]
    items = list(order.items)
    for item in items[:MAX_ITEM_LINES]:
        title = shorten(item.title, MAX_TITLE_IN_CARD)
        lines.append(
            _("• {title} × {quantity} — {subtotal}").format(
                title=escape(title),
                quantity=item.quantity,
                subtotal=money(item.price * item.quantity, item.currency, locale),
            )
        )
        if item.personal_text:
            lines.append(personal_text_note(item.personal_text))
        if item.design_id is not None:
            lines.append(design_note(item.design_id))
    if len(items) > MAX_ITEM_LINES:
        lines.append(_("… and {count} more").format(count=len(items) - MAX_ITEM_LINES))
    lines.append("")
    if order.delivery_fee:
        lines.append(
            _("Items: {amount}").format(amount=money(order.items_total, order.currency, locale))
        )
        lines.append(
            _("Delivery: {amount}").format(amount=money(order.delivery_fee, order.currency, locale))
        )
    lines.append(
        _("<b>Total: {amount}</b>").format(amount=money(order.total, order.currency, locale))
    )
    lines.append("")
    lines.append(fulfilment_name(order.fulfilment))
    if order.fulfilment is Fulfilment.delivery:
        if order.address:
            lines.append(_("Address: {address}").format(address=escape(order.address)))
        elif order.latitude is not None and order.longitude is not None:
            lines.append(
                _("Location: {lat:.5f}, {lon:.5f}").format(lat=order.latitude, lon=order.longitude)
            )
    if order.delivery_slot:
        lines.append(_("Time: {slot}").format(slot=escape(order.delivery_slot)))
    payment = payment_method_name(order.payment_method)
    if order.payment_method is PaymentMethod.cash and order.cash_confirmed:
        payment += " ✓"
    lines.append(_("Payment: {method}").format(method=payment))
    if order.phone:
        lines.append(_("Phone: {phone}").format(phone=escape(order.phone)))
    customer = order.customer
    if customer is not None and not customer.is_anonymized and customer.first_name:
        lines.append(_("Customer: {name}").format(name=escape(customer.full_name)))
    if order.comment:
        lines.append(_("Comment: {comment}").format(comment=escape(order.comment)))
    if status is OrderStatus.cancelled and order.cancel_reason:
        lines.append("")
        lines.append(_("Reason: {reason}").format(reason=escape(order.cancel_reason)))
    return "\n".join(lines)


async def card_screen(
    order: Order, locale: str, group: OrderGroup | None = None, page: int = 1
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The card's text and its action buttons."""
    return await provider_card(order, locale), kb.order_actions(order, group=group, page=page)


async def _is_push(order_id: int, message: Message) -> bool:
    """The message is the order's push, which the notifier keeps up to date itself."""
    return await OrderMessage.exists(
        order_id=order_id, chat_id=message.chat.id, message_id=message.message_id
    )


async def _refresh(
    callback: CallbackQuery,
    provider: Provider,
    order_id: int,
    locale: str,
    group: OrderGroup | None,
    page: int,
) -> None:
    """Show the order as it is now in the message the button belonged to."""
    order = await orders.provider_order(provider.id, order_id)
    text, markup = await card_screen(order, locale, group, page)
    await edit(callback, text, markup)


# Lists -------------------------------------------------------------------------------------


async def groups_screen(provider: Provider) -> tuple[str, InlineKeyboardMarkup]:
    """The order lists with how many orders each has now."""
    labels = []
    for group, statuses in GROUPS.items():
        count = (await orders.provider_orders(provider.id, statuses, per_page=1)).total
        labels.append((group, f"{group_name(group)} ({count})"))
    text = _("<b>Orders of {shop}</b>").format(shop=escape(provider.name))
    return text, kb.order_groups(provider.id, labels)


async def list_screen(
    provider: Provider, group: OrderGroup, number: int, locale: str
) -> tuple[str, InlineKeyboardMarkup, bool]:
    """One page of one order list, newest first; True when that page no longer exists."""
    page = await orders.provider_orders(provider.id, GROUPS[group], number)
    if page.total:
        text = _("<b>{group}</b>: {count}").format(group=group_name(group), count=page.total)
    else:
        text = _("<b>{group}</b>\n\nNo orders here.").format(group=group_name(group))
    labels = [
        " · ".join(
            (f"#{order.id}", money(order.total, order.currency, locale), status_name(order.status))
        )
        for order in page.items
    ]
    return text, kb.orders_list(provider.id, group, page, labels), page.out_of_range


# The overview a seller has open: its counts follow the seller's actions elsewhere -----------


def _overview(state: FSMContext) -> FSMContext:
    """The memory of the message that shows the seller's order lists, kept apart from the
    conversation state (which /cancel and every flow clear)."""
    return FSMContext(storage=state.storage, key=replace(state.key, destiny=OVERVIEW))


async def _remember_overview(
    state: FSMContext,
    callback: CallbackQuery,
    provider: Provider,
    group: OrderGroup | None,
    page: int,
) -> None:
    if isinstance(callback.message, Message):
        await _overview(state).set_data(
            {
                "message_id": callback.message.message_id,
                "provider_id": provider.id,
                "group": group.value if group else None,
                "page": page,
            }
        )


async def _forget_overview(state: FSMContext, message: Message) -> None:
    """The message no longer shows the lists (it became an order's card)."""
    overview = _overview(state)
    if (await overview.get_data()).get("message_id") == message.message_id:
        await overview.clear()


async def _refresh_overview(turn: Turn, acted_in: int | None) -> None:
    """After an action in another message (the push, a card), show the lists' counts as they
    are now: "🆕 New (3)" must not stay at 3 once an order was accepted."""
    overview = _overview(turn.state)
    data = await overview.get_data()
    message_id = data.get("message_id")
    if not message_id or message_id == acted_in:
        return
    provider = await owned(turn.user, int(data["provider_id"]))
    if data.get("group"):
        text, markup, _gone = await list_screen(
            provider, OrderGroup(data["group"]), int(data.get("page", 1)), turn.locale
        )
    else:
        text, markup = await groups_screen(provider)
    chat_id = turn.state.key.chat_id
    try:
        await turn.bot.edit_message_text(
            text, chat_id=chat_id, message_id=int(message_id), reply_markup=markup
        )
    except TelegramBadRequest as exc:
        if "not modified" not in exc.message:
            await overview.clear()  # deleted, or too old to edit: nothing to keep fresh


async def orders_groups(
    callback: CallbackQuery, callback_data: OrdersCB, turn: Turn, callback_answer: CallbackAnswer
) -> None:
    """The order lists with how many orders each has."""
    provider = await owned(turn.user, callback_data.provider_id)
    await turn.state.clear()
    text, markup = await groups_screen(provider)
    await turn.edit(text, markup)
    await _remember_overview(turn.state, callback, provider, None, 1)


async def orders_page(
    callback: CallbackQuery, callback_data: OrdersCB, turn: Turn, callback_answer: CallbackAnswer
) -> None:
    """One page of one order list, newest first."""
    provider = await owned(turn.user, callback_data.provider_id)
    if callback_data.group is None:
        return
    await turn.state.clear()
    group = callback_data.group
    text, markup, gone = await list_screen(provider, group, callback_data.page, turn.locale)
    if gone:
        callback_answer.text = _("That page no longer exists.")
    await turn.edit(text, markup)
    await _remember_overview(turn.state, callback, provider, group, callback_data.page)


async def order_open(
    callback: CallbackQuery, callback_data: OrderCB, turn: Turn, callback_answer: CallbackAnswer
) -> None:
    """One order's card from a list."""
    provider = await owned(turn.user, callback_data.provider_id)
    order = await orders.provider_order(provider.id, callback_data.order_id)
    text, markup = await card_screen(order, turn.locale, callback_data.group, callback_data.page)
    await turn.edit(text, markup)
    if isinstance(callback.message, Message):
        await _forget_overview(turn.state, callback.message)


# Actions -----------------------------------------------------------------------------------


async def order_action(
    callback: CallbackQuery,
    callback_data: OrderActionCB,
    turn: Turn,
    shop_events: ShopEvents,
    callback_answer: CallbackAnswer,
) -> None:
    """Accept, start work, mark ready / sent, complete; rejection asks for a reason first."""
    provider = await owned(turn.user, callback_data.provider_id)
    order = await orders.provider_order(provider.id, callback_data.order_id)
    to = callback_data.to
    group, page = callback_data.group, callback_data.page
    if to not in orders.allowed_targets(order, ActorRole.provider):
        # A stale button: a double click, or the order expired or was cancelled meanwhile.
        callback_answer.text = explain(
            IllegalTransition(order_id=order.id, current=order.status.value, target=to.value)
        )
        await _refresh(callback, provider, order.id, turn.locale, group, page)
        return
    if to is OrderStatus.cancelled:
        await _ask_reason(callback, turn.state, provider, order, group, page)
        return
    cash_received = to is OrderStatus.completed and order.payment_method is PaymentMethod.cash
    # Checked above; a refusal now means a race, told by handlers.errors.
    await orders.transition(
        order.id,
        to,
        role=ActorRole.provider,
        actor=turn.user,
        events=shop_events,
        cash_received=cash_received,
        provider_id=provider.id,
    )
    callback_answer.text = _("Order #{number}: {status}").format(
        number=order.id, status=status_name(to)
    )
    message = callback.message
    if isinstance(message, Message) and not await _is_push(order.id, message):
        await _refresh(callback, provider, order.id, turn.locale, group, page)
    acted_in = message.message_id if isinstance(message, Message) else None
    await _refresh_overview(turn, acted_in)


async def _ask_reason(
    callback: CallbackQuery,
    state: FSMContext,
    provider: Provider,
    order: Order,
    group: OrderGroup | None,
    page: int,
) -> None:
    if not isinstance(callback.message, Message):
        return
    await state.clear()
    await state.set_state(RejectOrder.reason)
    await state.update_data(
        provider_id=provider.id,
        order_id=order.id,
        card_id=callback.message.message_id,
        group=group.value if group else None,
        page=page,
    )
    await callback.message.answer(
        _(
            "Why do you cancel order #{number}? Write the reason: the customer will see it.\n"
            "/cancel keeps the order."
        ).format(number=order.id)
    )


async def reject_reason(message: Message, turn: Turn, shop_events: ShopEvents) -> None:
    """Cancel the order with the typed reason."""
    reason = (message.text or "").strip()
    if not reason or len(reason) > MAX_REASON:
        await message.answer(
            _("Write the reason in at most {max} characters, or /cancel.").format(max=MAX_REASON)
        )
        return
    data = await turn.state.get_data()
    await turn.state.clear()
    provider = await owned(turn.user, int(data.get("provider_id", 0)))
    order_id = int(data.get("order_id", 0))
    await orders.transition(
        order_id,
        OrderStatus.cancelled,
        role=ActorRole.provider,
        actor=turn.user,
        events=shop_events,
        reason=reason,
        provider_id=provider.id,
    )
    await message.answer(
        _("Order #{number} is cancelled. The customer was told the reason.").format(number=order_id)
    )
    card_id = data.get("card_id")
    if card_id and not await OrderMessage.exists(
        order_id=order_id, chat_id=message.chat.id, message_id=card_id
    ):
        # The card came from a list, not from the push the notifier already updated.
        order = await orders.provider_order(provider.id, order_id)
        group = OrderGroup(data["group"]) if data.get("group") else None
        text, markup = await card_screen(order, turn.locale, group, int(data.get("page", 1)))
        # The card may be deleted or already show this; the reply above says it all.
        with suppress(TelegramBadRequest):
            await turn.bot.edit_message_text(
                text, chat_id=message.chat.id, message_id=int(card_id), reply_markup=markup
            )
    await _refresh_overview(turn, int(card_id) if card_id else None)


async def reject_reason_wrong(message: Message) -> None:
    """A photo, sticker, ... instead of a typed reason."""
    await message.answer(_("Please write the reason as text, or /cancel to keep the order."))


def create_router() -> Router:
    """Order lists, cards and actions for the people who own a provider."""
    router = with_turns(Router(name=__name__))
    router.message.filter(F.chat.type == "private", StateFilter(RejectOrder), ProviderOwner())
    router.callback_query.filter(F.data.startswith(("vo:", "vn:", "va:")), ProviderOwner())
    router.callback_query.register(orders_groups, OrdersCB.filter(F.group.is_(None)))
    router.callback_query.register(orders_page, OrdersCB.filter(F.group.is_not(None)))
    router.callback_query.register(order_open, OrderCB.filter())
    router.callback_query.register(order_action, OrderActionCB.filter())
    router.message.register(reject_reason, StateFilter(RejectOrder.reason), F.text)
    router.message.register(reject_reason_wrong, StateFilter(RejectOrder.reason))
    return router
