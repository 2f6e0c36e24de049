"""/refund ORDER [amount] [reason]: an admin gives money back, after a confirmation.

The confirmation button carries a one-time request key: pressing it twice (or a stale copy of
it) refunds once, because the refund rows are keyed by it (services.refunds).
"""

from __future__ import annotations

import dataclasses
import secrets
from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder

from core.errors import DomainError
from core.i18n import gettext as _
from core.money import format_price, parse_amount
from core.problems import explain
from core.texts import status_name
from db.models import Order, User
from handlers.admin_common import show
from services import refunds
from services.container import Services
from services.refunds import RefundBackends, RefundUnsupported

REASONS_KEY = "refund_reasons"
MAX_REASON = 300


class RefundCB(CallbackData, prefix="rf"):
    """Confirm (or drop) one refund request; amount 0 means everything left."""

    order_id: int
    amount: int
    key: str
    go: bool
    outside: bool = False  # only record a refund made in the payment provider's dashboard


def usage() -> str:
    """How to call /refund."""
    return _(
        "Usage: /refund ORDER [amount] [reason]\n"
        "Examples: /refund 125 — everything left; /refund 125 300,50 damaged box."
    )


def confirm_keyboard(order_id: int, amount: int, key: str, label: str) -> InlineKeyboardMarkup:
    """Refund, or leave it."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("↩️ Refund {amount}").format(amount=label),
        callback_data=RefundCB(order_id=order_id, amount=amount, key=key, go=True),
    )
    builder.button(
        text=_("Do not refund"),
        callback_data=RefundCB(order_id=order_id, amount=amount, key=key, go=False),
    )
    builder.adjust(1)
    return builder.as_markup()


async def refund_command(
    message: Message, command: CommandObject, locale: str, state: FSMContext
) -> None:
    """Check the order and the amount, then ask to confirm."""
    parts = (command.args or "").split(maxsplit=1)
    if not parts or not parts[0].lstrip("#№").isdigit() or len(parts[0]) > 10:
        await message.answer(usage())
        return
    order = await Order.get_or_none(id=int(parts[0].lstrip("#№")))
    if order is None:
        await message.answer(_("There is no order #{number}.").format(number=parts[0]))
        return
    rest = parts[1].split(maxsplit=1) if len(parts) > 1 else []
    amount = 0
    reason = " ".join(rest)
    if rest and rest[0][:1].isdigit():
        try:
            amount = parse_amount(rest[0], order.currency)
        except ValueError:
            await message.answer(_("That amount is not valid.") + "\n" + usage())
            return
        reason = rest[1] if len(rest) > 1 else ""
        if amount <= 0:
            await message.answer(_("The amount must be above zero.") + "\n" + usage())
            return
    _payments, available = await refunds.refundable(order.id)
    wanted = refunds.check_amount(order, amount or None, available)  # refusals: handlers.errors
    key = secrets.token_urlsafe(8)
    reasons = dict((await state.get_data()).get(REASONS_KEY) or {})
    reasons = dict(list(reasons.items())[-9:])  # the last few requests are enough
    reasons[key] = reason[:MAX_REASON]
    await state.update_data({REASONS_KEY: reasons})
    label = format_price(wanted, order.currency, locale)
    text = _(
        "Refund {amount} of order #{number}?\n"
        "Status: {status}. Paid: {paid}; left to refund: {available}.\n"
        "Reason: {reason}"
    ).format(
        amount=label,
        number=order.id,
        status=status_name(order.status),
        paid=format_price(order.total, order.currency, locale),
        available=format_price(available, order.currency, locale),
        reason=escape(reason) or "—",
    )
    await message.answer(text, reply_markup=confirm_keyboard(order.id, amount, key, label))


async def refund_confirmed(
    callback: CallbackQuery,
    callback_data: RefundCB,
    user: User,
    services: Services,
    refund_backends: RefundBackends,
    locale: str,
    state: FSMContext,
    callback_answer: CallbackAnswer,
) -> None:
    """Make the refund (once per request key) and say what happened."""
    number = callback_data.order_id
    if not callback_data.go:
        await show(callback, _("Refund of order #{number} not made.").format(number=number))
        return
    reasons = dict((await state.get_data()).get(REASONS_KEY) or {})
    backends = refund_backends
    if callback_data.outside:
        backends = dataclasses.replace(backends, outside=True)
    try:
        result = await refunds.refund_order(
            number,
            callback_data.amount or None,
            admin=user,
            backends=backends,
            events=services.shop_events,
            request_key=callback_data.key,
            reason=str(reasons.get(callback_data.key, "")),
        )
    except RefundUnsupported as error:
        await show(callback, explain(error), _outside_keyboard(callback_data, error))
        return
    except DomainError as error:
        callback_answer.text = explain(error)
        callback_answer.show_alert = True
        await show(callback, explain(error))
        return
    order = await Order.get(id=number)
    amount = format_price(result.amount, order.currency, locale)
    if result.pending:
        text = _(
            "↩️ Refund of {amount} for order #{number} is sent to the payment provider; it "
            "completes on its own when the provider confirms."
        )
    else:
        text = _("↩️ {amount} refunded for order #{number}. Status: {status}.")
    await show(
        callback, text.format(amount=amount, number=number, status=status_name(order.status))
    )


def _outside_keyboard(
    callback_data: RefundCB, error: RefundUnsupported
) -> InlineKeyboardMarkup | None:
    """When the bot cannot refund a payment, the admin may record one made by hand."""
    if error.details.get("reason") != "no_provider":
        return None
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("📝 I refunded it in the provider's dashboard: record it"),
        callback_data=RefundCB(
            order_id=callback_data.order_id,
            amount=callback_data.amount,
            key=callback_data.key + "o",
            go=True,
            outside=True,
        ),
    )
    return builder.as_markup()


def create_router() -> Router:
    """/refund and its confirmation (the admin filter is on the parent router)."""
    router = Router(name=__name__)
    router.message.register(refund_command, Command("refund"))
    router.callback_query.register(refund_confirmed, RefundCB.filter())
    return router
