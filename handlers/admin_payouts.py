"""Admin: the payout queue (approve with an optional transfer reference, or reject with a
reason) and `/settlement` — a provider's settlement report for a period as a CSV document.

Decisions go through services.payouts, which acts once: a double click or a button of a
request someone else already decided gets a clear refusal and the current card.
"""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from core.config import Settings
from core.errors import InvalidInput
from core.i18n import gettext as _
from core.money import format_price
from core.problems import explain
from core.texts import local_time
from db.models import Payout, PayoutStatus, Provider
from handlers.admin_providers import owner_text
from handlers.turn import Turn, with_turns
from keyboards import admin as kb
from keyboards.admin import AdminAction, AdminCB, AdmPayoutCB, PayoutAction
from services import payouts, settlement
from services.events import ShopEvents
from services.payouts import PayoutDecided

QUEUE_PAGE = 8


class PayoutStates(StatesGroup):
    """Typing the transfer reference of an approval or the reason of a rejection."""

    reference = State()
    reason = State()


def status_name(status: PayoutStatus) -> str:
    """A payout's status as the admin reads it."""
    names = {
        PayoutStatus.requested: _("waiting for a decision"),
        PayoutStatus.approved: _("approved"),
        PayoutStatus.rejected: _("rejected"),
    }
    return names[PayoutStatus(status)]


async def queue_screen(
    page: int, locale: str, settings: Settings, notice: str = ""
) -> tuple[str, InlineKeyboardMarkup, bool]:
    """The requests waiting, oldest first; True when the page asked for was gone."""
    result = await payouts.queue(page, QUEUE_PAGE)
    if result.total:
        text = _("<b>Payout requests</b>: {count}, oldest first").format(count=result.total)
        lines = []
        for payout in result.items:
            amount = format_price(payout.amount, payout.currency, locale)
            when = local_time(payout.created_at, settings.timezone)
            lines.append(f"#{payout.id} · {escape(payout.provider.name)} · {amount} · {when}")
        text += "\n\n" + "\n".join(lines)
    else:
        text = _("<b>Payout requests</b>\n\nNo requests are waiting.")
    if notice:
        text = f"{notice}\n\n{text}"
    labels = [
        f"#{p.id} {format_price(p.amount, p.currency, locale)} · {p.provider.name}"
        for p in result.items
    ]
    return text, kb.payout_queue(result, labels), result.out_of_range


async def card_screen(
    payout: Payout, page: int, locale: str, settings: Settings
) -> tuple[str, InlineKeyboardMarkup]:
    """One payout: shop, amount, who asked when, the shop's balance, the decision if made."""
    available = await payouts.available_balance(payout.provider_id, payout.currency)
    lines = [
        _("<b>Payout #{id}</b> · {status}").format(id=payout.id, status=status_name(payout.status)),
        _("Shop: {shop} (#{provider_id})").format(
            shop=escape(payout.provider.name), provider_id=payout.provider_id
        ),
        _("Amount: <b>{amount}</b>").format(
            amount=format_price(payout.amount, payout.currency, locale)
        ),
        _("Requested: {when} by {who}").format(
            when=local_time(payout.created_at, settings.timezone),
            who=owner_text(payout.requested_by),
        ),
        _("Still available to the shop: {amount}").format(
            amount=format_price(available, payout.currency, locale)
        ),
    ]
    if payout.decided_at is not None:
        lines.append(
            _("Decided: {when} by {who}").format(
                when=local_time(payout.decided_at, settings.timezone),
                who=owner_text(payout.decided_by),
            )
        )
    if payout.reference:
        reference = escape(payout.reference)
        lines.append(_("Transfer reference: {reference}").format(reference=reference))
    if payout.reason:
        lines.append(_("Reason: {reason}").format(reason=escape(payout.reason)))
    requested = payout.status is PayoutStatus.requested
    return "\n".join(lines), kb.payout_card(payout.id, page, requested=requested)


# The queue and a card ------------------------------------------------------------------------


async def show_queue(
    callback: CallbackQuery, callback_data: AdminCB, turn: Turn, callback_answer: CallbackAnswer
) -> None:
    """A page of the queue (also "back" from a card)."""
    await turn.state.clear()
    text, markup, gone = await queue_screen(callback_data.page, turn.locale, turn.settings)
    if gone:
        callback_answer.text = _("That page no longer exists.")
    await turn.edit(text, markup)


async def open_payout(
    callback: CallbackQuery, callback_data: AdmPayoutCB, turn: Turn, callback_answer: CallbackAnswer
) -> None:
    """The payout's card (an unknown payout: NotFound, told by handlers.errors)."""
    await turn.state.clear()
    payout = await payouts.get_payout(callback_data.payout_id)
    await turn.edit(*await card_screen(payout, callback_data.page, turn.locale, turn.settings))


async def _waiting(
    callback_data: AdmPayoutCB, turn: Turn, callback_answer: CallbackAnswer
) -> Payout | None:
    """The payout if it still waits for a decision; otherwise the refusal and the fresh card."""
    payout = await payouts.get_payout(callback_data.payout_id)
    if payout.status is PayoutStatus.requested:
        return payout
    callback_answer.text = explain(PayoutDecided(status=payout.status.value))
    callback_answer.show_alert = True
    await turn.edit(*await card_screen(payout, callback_data.page, turn.locale, turn.settings))
    return None


# Approve with a transfer reference, or reject with a reason --------------------------------


async def ask_to_type(
    callback: CallbackQuery, callback_data: AdmPayoutCB, turn: Turn, callback_answer: CallbackAnswer
) -> None:
    """Approve: ask for the transfer reference (it can be skipped). Reject: ask why (the
    shop's owner reads it)."""
    payout = await _waiting(callback_data, turn, callback_answer)
    if payout is None:
        return
    approving = callback_data.action is PayoutAction.approve
    await turn.state.set_state(PayoutStates.reference if approving else PayoutStates.reason)
    await turn.state.update_data(payout_id=payout.id, page=callback_data.page)
    if approving:
        question = _(
            "Approve payout #{id}: <b>{amount}</b> to {shop}.\n\n"
            "Type the reference of the bank transfer (e.g. the payment order number) to keep "
            "with the payout, or approve without one.\n/cancel — change nothing."
        )
        markup = kb.payout_approve(payout.id, callback_data.page)
    else:
        question = _(
            "Reject payout #{id}: <b>{amount}</b> to {shop}.\n\n"
            "Type the reason; the shop's owner will see it, and the money goes back to the "
            "shop's balance.\n/cancel — change nothing."
        )
        markup = kb.back_to_payout(payout.id, callback_data.page)
    amount = format_price(payout.amount, payout.currency, turn.locale)
    text = question.format(id=payout.id, amount=amount, shop=escape(payout.provider.name))
    await turn.edit(text, markup)


def decided_notice(payout: Payout, locale: str) -> str:
    """What the admin's decision did."""
    amount = format_price(payout.amount, payout.currency, locale)
    if payout.status is PayoutStatus.approved:
        return _("✅ Payout #{id} of {amount} approved; the shop is told.").format(
            id=payout.id, amount=amount
        )
    return _(
        "❌ Payout #{id} of {amount} rejected; the money is back on the shop's balance."
    ).format(id=payout.id, amount=amount)


async def approve_now(
    callback: CallbackQuery,
    callback_data: AdmPayoutCB,
    turn: Turn,
    shop_events: ShopEvents,
    callback_answer: CallbackAnswer,
) -> None:
    """Approve without a transfer reference."""
    await turn.state.clear()
    waiting = await _waiting(callback_data, turn, callback_answer)
    if waiting is None:
        return
    # Decided by another admin since the check: a race, told by handlers.errors.
    payout = await payouts.approve(waiting.id, turn.user, shop_events)
    notice = decided_notice(payout, turn.locale)
    text, markup, _gone = await queue_screen(callback_data.page, turn.locale, turn.settings, notice)
    await turn.edit(text, markup)


async def decision_text(message: Message, turn: Turn, shop_events: ShopEvents) -> None:
    """The reference typed: approve with it. The reason typed: reject with it."""
    data = await turn.state.get_data()
    payout_id, typed = int(data.get("payout_id", 0)), message.text or ""
    # A reference too long, a reason too long or empty: asked again; decided meanwhile by
    # someone else: the end (handlers.errors).
    if await turn.state.get_state() == PayoutStates.reference.state:
        payout = await payouts.approve(payout_id, turn.user, shop_events, reference=typed)
    else:
        payout = await payouts.reject(payout_id, turn.user, typed, shop_events)
    await turn.state.clear()
    notice = decided_notice(payout, turn.locale)
    text, markup, _gone = await queue_screen(
        int(data.get("page", 1)), turn.locale, turn.settings, notice
    )
    await message.answer(text, reply_markup=markup)


async def typed_wrong_input(message: Message) -> None:
    """Not text while a reference or a reason is asked for."""
    await message.answer(_("Please type it as text, or /cancel."))


# /settlement ---------------------------------------------------------------------------------


def settlement_usage() -> str:
    """How to call /settlement."""
    return _(
        "Usage: <code>/settlement SHOP FROM TO</code>\n"
        "SHOP is the shop's number or short name (slug); FROM and TO are dates like "
        "2025-03-01, both included. For a whole month: <code>/settlement SHOP 2025-03</code>"
    )


async def _provider_by_key(key: str) -> Provider | None:
    if key.isdigit() and len(key) < 10:
        return await Provider.get_or_none(id=int(key))
    return await Provider.get_or_none(slug=key.lower())


async def send_settlement(message: Message, command: CommandObject, settings: Settings) -> None:
    """/settlement SHOP FROM TO (or SHOP YYYY-MM): the report as a CSV document."""
    args = (command.args or "").split()
    if len(args) < 2:
        await message.answer(settlement_usage())
        return
    try:
        start, end = settlement.parse_period(args[1:])
    except InvalidInput:
        await message.answer(settlement_usage())
        return
    provider = await _provider_by_key(args[0])
    if provider is None:
        await message.answer(
            _("Shop “{key}” not found.").format(key=escape(args[0][:64]))
            + "\n\n"
            + settlement_usage()
        )
        return
    data = await settlement.settlement_csv(provider.id, start, end, ZoneInfo(settings.timezone))
    await message.answer_document(
        BufferedInputFile(data, filename=f"{provider.slug}-settlement-{start}-{end}.csv"),
        caption=_("Settlement of <b>{shop}</b> from {start} to {end} ({tz}).").format(
            shop=escape(provider.name), start=start, end=end, tz=settings.timezone
        ),
    )


def create_router() -> Router:
    """Payouts section of the admin panel and /settlement (under the admin router's filter)."""
    router = with_turns(Router(name=__name__))
    msg = router.message
    # Before the typing states: a command is never taken as a reference or a reason.
    msg.register(send_settlement, Command("settlement"))
    cb = router.callback_query
    cb.register(show_queue, AdminCB.filter(F.action == AdminAction.payouts))
    cb.register(open_payout, AdmPayoutCB.filter(F.action == PayoutAction.open))
    cb.register(
        ask_to_type, AdmPayoutCB.filter(F.action.in_({PayoutAction.approve, PayoutAction.reject}))
    )
    cb.register(approve_now, AdmPayoutCB.filter(F.action == PayoutAction.approve_now))
    msg.register(decision_text, StateFilter(PayoutStates.reference, PayoutStates.reason), F.text)
    msg.register(typed_wrong_input, StateFilter(PayoutStates.reference, PayoutStates.reason))
    return router
