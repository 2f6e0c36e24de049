"""Providers' payouts: a request holds the available balance, an admin approves or rejects it.

The money moves in the ledger only: a request posts provider → hold, an approval hold →
payouts (paid out), a rejection hold → provider. Each step is one database transaction with
the `Payout` row's change, so a request that fails leaves no row and no posting, and a
decision is a conditional update from `requested`: a double click or a stale button acts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from core.errors import DomainError, InvalidInput, NotFound
from core.money import STARS
from db.models import (
    Account,
    AccountKind,
    AuditAction,
    AuditLog,
    Payout,
    PayoutStatus,
    Provider,
    User,
)
from services import ledger
from services.catalog import PAGE_SIZE, Page, paginate
from services.events import ShopEvents
from services.ledger import InsufficientFunds, LedgerKind, Posting

CURRENCIES = ("RUB", STARS)
MAX_REASON = 500
MAX_REFERENCE = 128
HISTORY_SIZE = 5


class NothingToPayOut(DomainError):
    """The provider's available balance in this currency is zero (`currency`)."""

    code = "nothing_to_pay_out"
    status = 409


class PayoutDecided(DomainError):
    """The payout is no longer requested: someone approved or rejected it (`status`)."""

    code = "payout_decided"
    status = 409


@dataclass(frozen=True, slots=True)
class Balance:
    """A provider's money in one currency: what it may request, and what requests hold."""

    currency: str
    available: int
    on_hold: int


def hold_reference(payout_id: int) -> str:
    """The ledger reference of a request's provider → hold posting."""
    return f"payout:{payout_id}:hold"


def paid_reference(payout_id: int) -> str:
    """The ledger reference of an approval's hold → payouts posting."""
    return f"payout:{payout_id}:paid"


def returned_reference(payout_id: int) -> str:
    """The ledger reference of a rejection's hold → provider posting."""
    return f"payout:{payout_id}:returned"


def _check_currency(currency: str) -> None:
    if currency not in CURRENCIES:
        raise InvalidInput(field="currency")


async def _hold_account(currency: str) -> Account:
    return await ledger.get_account(ledger.payout_hold_code(currency), AccountKind.payout, currency)


# Balances ------------------------------------------------------------------------------------


async def available_balance(provider_id: int, currency: str) -> int:
    """What the provider may request now: its ledger account's balance, in minor units."""
    account = await Account.get_or_none(code=ledger.provider_code(provider_id, currency))
    return account.balance if account is not None else 0


async def on_hold(provider_id: int) -> dict[str, int]:
    """Money held for the provider's requested payouts, by currency."""
    rows = (
        await Payout.filter(provider_id=provider_id, status=PayoutStatus.requested)
        .annotate(total=Sum("amount"))
        .group_by("currency")
        .values("currency", "total")
    )
    return {str(row["currency"]): int(row["total"] or 0) for row in rows if row["total"]}


async def balances(provider_id: int) -> list[Balance]:
    """The provider's available and held money in every currency it ever had, RUB first."""
    held = await on_hold(provider_id)
    available = {
        currency: balance
        for currency, balance in await Account.filter(
            code__in=[ledger.provider_code(provider_id, c) for c in CURRENCIES]
        ).values_list("currency", "balance")
    }
    currencies = [c for c in CURRENCIES if c in available or c in held]
    return [Balance(c, int(available.get(c, 0)), held.get(c, 0)) for c in currencies]


# Requests ------------------------------------------------------------------------------------


async def request_payout(
    provider: Provider,
    user: User,
    events: ShopEvents,
    *,
    currency: str,
    amount: int | None = None,
) -> Payout:
    """Ask to be paid `amount` (None: the whole available balance); the money is held.

    The caller checks that `user` may act for the provider. Raises NothingToPayOut when the
    balance is zero, InvalidInput for a non-positive amount and ledger.InsufficientFunds when
    the amount is more than is available (also for the loser of two concurrent requests).
    """
    _check_currency(currency)
    if amount is not None and amount <= 0:
        raise InvalidInput(field="amount")
    available = await available_balance(provider.id, currency)
    if available <= 0:
        raise NothingToPayOut(currency=currency)
    if amount is None:
        amount = available
    elif amount > available:
        raise InsufficientFunds(
            account=ledger.provider_code(provider.id, currency), available=available
        )
    # Accounts are created before the transaction: a unique violation of a racing first use
    # would abort it on PostgreSQL.
    source = await ledger.provider_account(provider.id, currency)
    hold = await _hold_account(currency)
    async with in_transaction():
        payout = await Payout.create(
            provider_id=provider.id,
            amount=amount,
            currency=currency,
            status=PayoutStatus.requested,
            requested_by_id=user.id,
        )
        # The ledger re-reads the balance under its lock: the second of two concurrent
        # requests for the same money fails here and its Payout row is rolled back with it.
        await ledger.post(
            hold_reference(payout.id),
            LedgerKind.payout_request,
            [Posting(source, -amount), Posting(hold, amount)],
            description=f"payout {payout.id}",
        )
    await events.payout_changed(payout)
    return payout


# Decisions -----------------------------------------------------------------------------------


async def _decide(
    payout_id: int,
    admin: User,
    events: ShopEvents,
    *,
    status: PayoutStatus,
    reason: str = "",
    reference: str = "",
) -> Payout:
    payout = await Payout.get_or_none(id=payout_id)
    if payout is None:
        raise NotFound(entity="payout")
    if payout.status is not PayoutStatus.requested:
        raise PayoutDecided(payout_id=payout.id, status=payout.status.value)
    hold = await _hold_account(payout.currency)
    if status is PayoutStatus.approved:
        target = await ledger.get_account(
            ledger.payouts_code(payout.currency), AccountKind.payout, payout.currency
        )
        posting_reference, kind = paid_reference(payout.id), LedgerKind.payout_paid
    else:
        target = await ledger.provider_account(payout.provider_id, payout.currency)
        posting_reference, kind = returned_reference(payout.id), LedgerKind.payout_returned
    decided_at = datetime.now(UTC)
    async with in_transaction():
        won = await Payout.filter(id=payout.id, status=PayoutStatus.requested).update(
            status=status,
            decided_by_id=admin.id,
            decided_at=decided_at,
            reason=reason,
            reference=reference,
        )
        if won:
            await ledger.post(
                posting_reference,
                kind,
                [Posting(hold, -payout.amount), Posting(target, payout.amount)],
                description=f"payout {payout.id}",
            )
            data: dict[str, object] = {"amount": payout.amount, "currency": payout.currency}
            if reason:
                data["reason"] = reason
            if reference:
                data["reference"] = reference
            await AuditLog.create(
                actor=admin,
                action=(
                    AuditAction.payout_approve
                    if status is PayoutStatus.approved
                    else AuditAction.payout_reject
                ),
                target=f"payout:{payout.id}",
                data=data,
            )
    await payout.refresh_from_db()
    if not won:  # decided by a concurrent click between the read and the update
        raise PayoutDecided(payout_id=payout.id, status=payout.status.value)
    await events.payout_changed(payout)
    return payout


async def approve(payout_id: int, admin: User, events: ShopEvents, reference: str = "") -> Payout:
    """Mark the requested payout as paid out (with the admin's note of the transfer)."""
    reference = " ".join(reference.split())
    if len(reference) > MAX_REFERENCE:
        raise InvalidInput(field="reference", max=MAX_REFERENCE)
    return await _decide(
        payout_id, admin, events, status=PayoutStatus.approved, reference=reference
    )


async def reject(payout_id: int, admin: User, reason: str, events: ShopEvents) -> Payout:
    """Refuse the requested payout with a reason; the held money goes back to the provider."""
    reason = " ".join(reason.split())
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInput(field="reason", max=MAX_REASON)
    return await _decide(payout_id, admin, events, status=PayoutStatus.rejected, reason=reason)


# Lists ---------------------------------------------------------------------------------------


async def queue(page: int = 1, per_page: int = PAGE_SIZE) -> Page[Payout]:
    """Requested payouts for the admins, oldest first, with their providers."""
    query = (
        Payout.filter(status=PayoutStatus.requested)
        .order_by("created_at", "id")
        .prefetch_related("provider")
    )
    return await paginate(query, page, per_page)


async def get_payout(payout_id: int) -> Payout:
    """Any payout with its provider and the people involved, or NotFound."""
    payout = await Payout.get_or_none(id=payout_id).prefetch_related(
        "provider", "requested_by", "decided_by"
    )
    if payout is None:
        raise NotFound(entity="payout")
    return payout


async def history(provider_id: int, limit: int = HISTORY_SIZE) -> list[Payout]:
    """The provider's latest payouts, newest first."""
    return list(
        await Payout.filter(provider_id=provider_id).order_by("-created_at", "-id").limit(limit)
    )
