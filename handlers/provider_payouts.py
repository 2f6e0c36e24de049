"""The seller's balance in /shop: what is available, what requests hold, asking for a payout.

Every button names its provider and is re-checked with the person's ownership. The request is
confirmed on a second screen for exactly the amount shown there; a double click or a balance
that changed meanwhile is refused by services.payouts and the screen is refreshed.
"""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.callback_answer import CallbackAnswer

from core.config import Settings
from core.errors import DomainError
from core.i18n import gettext as _
from core.problems import explain
from db.models import Payout, PayoutStatus, Provider, User
from handlers.provider_kit import ProviderOwner, edit, money, owned
from keyboards import provider as kb
from keyboards.provider import BalanceAction, BalanceCB
from services import payouts
from services.events import ShopEvents


def payout_status_name(status: PayoutStatus) -> str:
    """A payout's status as the seller reads it."""
    names = {
        PayoutStatus.requested: _("⏳ waiting for the platform"),
        PayoutStatus.approved: _("✅ paid out"),
        PayoutStatus.rejected: _("❌ rejected"),
    }
    return names[PayoutStatus(status)]


def _history_line(payout: Payout, locale: str, tz: ZoneInfo) -> str:
    return "#{id} · {when} · {amount} · {status}".format(
        id=payout.id,
        when=payout.created_at.astimezone(tz).strftime("%d.%m.%Y"),
        amount=money(payout.amount, payout.currency, locale),
        status=payout_status_name(payout.status),
    )


async def balance_screen(
    provider: Provider, locale: str, settings: Settings
) -> tuple[str, InlineKeyboardMarkup]:
    """Available and held money per currency, the latest payouts, a request button each."""
    lines = [_("💰 <b>Balance and payouts</b> · {shop}").format(shop=escape(provider.name)), ""]
    requestable: list[tuple[str, str]] = []
    balances = await payouts.balances(provider.id)
    for balance in balances:
        available = money(balance.available, balance.currency, locale)
        lines.append(_("Available: <b>{amount}</b>").format(amount=available))
        if balance.on_hold:
            lines.append(
                _("On hold in requested payouts: {amount}").format(
                    amount=money(balance.on_hold, balance.currency, locale)
                )
            )
        if balance.available > 0:
            requestable.append((balance.currency, available))
    if not balances:
        lines.append(
            _(
                "No money here yet. Customers' online payments appear here once they are "
                "paid, less the platform's commission."
            )
        )
    recent = await payouts.history(provider.id)
    if recent:
        tz = ZoneInfo(settings.timezone)
        lines += ["", _("<b>Latest payouts</b>")]
        lines += [_history_line(payout, locale, tz) for payout in recent]
    return "\n".join(lines), kb.balance(provider.id, requestable)


async def show_balance(
    callback: CallbackQuery,
    callback_data: BalanceCB,
    user: User,
    locale: str,
    settings: Settings,
    callback_answer: CallbackAnswer,
) -> None:
    """The balance screen (also "Back" from the confirmation)."""
    provider = await owned(user, callback_data.provider_id)
    await edit(callback, *await balance_screen(provider, locale, settings))


async def _refuse(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    error: DomainError,
    provider: Provider,
    locale: str,
    settings: Settings,
) -> None:
    callback_answer.text = explain(error)
    callback_answer.show_alert = True
    await edit(callback, *await balance_screen(provider, locale, settings))


async def ask_payout(
    callback: CallbackQuery,
    callback_data: BalanceCB,
    user: User,
    locale: str,
    settings: Settings,
    callback_answer: CallbackAnswer,
) -> None:
    """Confirm a payout of the whole available balance in one currency, as it is now."""
    provider = await owned(user, callback_data.provider_id)
    currency = callback_data.currency
    if currency not in payouts.CURRENCIES:
        callback_answer.text = _("Not found. It may have been removed.")
        return
    available = await payouts.available_balance(provider.id, currency)
    if available <= 0:
        error = payouts.NothingToPayOut(currency=currency)
        await _refuse(callback, callback_answer, error, provider, locale, settings)
        return
    amount = money(available, currency, locale)
    text = _(
        "Request a payout of <b>{amount}</b> from {shop}?\n\n"
        "The money is held until the platform transfers it to you. You will get a message "
        "when the request is approved or rejected."
    ).format(amount=amount, shop=escape(provider.name))
    await edit(callback, text, kb.confirm_payout(provider.id, currency, available, amount))


async def confirm_payout(
    callback: CallbackQuery,
    callback_data: BalanceCB,
    user: User,
    locale: str,
    settings: Settings,
    shop_events: ShopEvents,
    callback_answer: CallbackAnswer,
) -> None:
    """Request exactly the confirmed amount; refused when the balance no longer has it."""
    provider = await owned(user, callback_data.provider_id)
    try:
        payout = await payouts.request_payout(
            provider,
            user,
            shop_events,
            currency=callback_data.currency,
            amount=callback_data.amount,
        )
    except DomainError as error:
        await _refuse(callback, callback_answer, error, provider, locale, settings)
        return
    callback_answer.text = _("Payout request #{number} for {amount} is sent.").format(
        number=payout.id, amount=money(payout.amount, payout.currency, locale)
    )
    await edit(callback, *await balance_screen(provider, locale, settings))


def create_router() -> Router:
    """The balance screen of /shop, for people who own a provider."""
    router = Router(name=__name__)
    router.callback_query.filter(F.data.startswith("vb:"), ProviderOwner())
    cbq = router.callback_query
    cbq.register(show_balance, BalanceCB.filter(F.action == BalanceAction.show))
    cbq.register(ask_payout, BalanceCB.filter(F.action == BalanceAction.ask))
    cbq.register(confirm_payout, BalanceCB.filter(F.action == BalanceAction.confirm))
    return router
