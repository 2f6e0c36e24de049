"""The double-entry ledger: every money movement is one balanced, hash-chained transaction.

Balances are derived from entries; `Account.balance` is a cache updated in the same database
transaction (and checked by `verify`), so that "never below zero" is one locked row check.
Writers lock the single `LedgerHead` row first, then the accounts in id order: appends to the
chain are serialized and two writers never deadlock.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from core.errors import DomainError, InvalidInput
from db.models import (
    Account,
    AccountKind,
    LedgerEntry,
    LedgerHead,
    LedgerKind,
    LedgerTransaction,
)

__all__ = ["AccountKind", "LedgerKind", "Posting", "VerifyReport"]

GENESIS_HASH = "0" * 64
_ORDER_DESCRIPTION = re.compile(r"^order (\d+)$")
VERIFY_CHUNK = 1000


class InsufficientFunds(DomainError):
    """An account that may not go negative lacks the money (`account`, `available`)."""

    code = "insufficient_funds"
    status = 409


@dataclass(frozen=True, slots=True)
class Posting:
    """An amount (minor units, signed) to an account."""

    account: Account
    amount: int


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The result of `verify`: ok, or the first broken link and what is wrong with it."""

    entries: int
    transactions: int
    broken_entry_id: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """Nothing is wrong."""
        return self.problem is None


def order_description(order_id: int | None) -> str:
    """The description of a transaction about an order (settlement reports read it back)."""
    return f"order {order_id}" if order_id is not None else ""


def order_in_description(description: str) -> int | None:
    """The order a transaction's description names (see `order_description`), if any."""
    match = _ORDER_DESCRIPTION.match(description)
    return int(match.group(1)) if match else None


# Accounts -------------------------------------------------------------------------------------


def customer_code(user_id: int, currency: str) -> str:
    """A customer's wallet."""
    return f"customer:{user_id}:{currency}"


def provider_code(provider_id: int, currency: str) -> str:
    """What the platform owes a provider."""
    return f"provider:{provider_id}:{currency}"


def commission_code(currency: str) -> str:
    """The platform's commission income."""
    return f"platform:commission:{currency}"


def promo_code(currency: str) -> str:
    """Discounts of platform-wide promo codes: the platform's marketing expense."""
    return f"platform:promo:{currency}"


def clearing_code(channel: str, currency: str) -> str:
    """Money in transit at a payment provider (yookassa, telegram, stars)."""
    return f"clearing:{channel}:{currency}"


def payouts_code(currency: str) -> str:
    """Money paid out to providers."""
    return f"payouts:{currency}"


def payout_hold_code(currency: str) -> str:
    """Money held for providers' requested payouts until an admin approves or rejects them."""
    return f"payouts:hold:{currency}"


async def get_account(
    code: str,
    kind: AccountKind,
    currency: str,
    *,
    user_id: int | None = None,
    provider_id: int | None = None,
    allow_negative: bool = False,
) -> Account:
    """The account with this code, created on first use (safe under races)."""
    account = await Account.get_or_none(code=code)
    if account is not None:
        return account
    try:
        return await Account.create(
            code=code,
            kind=kind,
            currency=currency,
            user_id=user_id,
            provider_id=provider_id,
            allow_negative=allow_negative,
        )
    except IntegrityError:
        return await Account.get(code=code)


async def clearing_account(channel: str, currency: str) -> Account:
    """Money in transit at a payment channel; negative while the channel owes it to us."""
    return await get_account(
        clearing_code(channel, currency), AccountKind.clearing, currency, allow_negative=True
    )


async def customer_account(user_id: int, currency: str) -> Account:
    """A customer's wallet: money paid that no order took."""
    return await get_account(
        customer_code(user_id, currency), AccountKind.customer, currency, user_id=user_id
    )


async def provider_account(provider_id: int, currency: str) -> Account:
    """What the platform owes a provider."""
    return await get_account(
        provider_code(provider_id, currency),
        AccountKind.provider,
        currency,
        provider_id=provider_id,
    )


async def commission_account(currency: str) -> Account:
    """The platform's commission income."""
    return await get_account(commission_code(currency), AccountKind.platform, currency)


async def loyalty_account(currency: str) -> Account:
    """The platform's loyalty expense (negative: what points paid of customers' orders)."""
    return await get_account(
        f"platform:loyalty:{currency}", AccountKind.platform, currency, allow_negative=True
    )


async def promo_account(currency: str) -> Account:
    """The platform's promo expense (negative: what its codes took off customers' orders)."""
    return await get_account(
        promo_code(currency), AccountKind.platform, currency, allow_negative=True
    )


# Posting ----------------------------------------------------------------------------------------


def entry_hash(
    prev_hash: str,
    reference: str,
    account_code: str,
    amount: int,
    currency: str,
    created_at: datetime,
) -> str:
    """SHA-256 over the previous hash and the entry's content."""
    payload = "|".join(
        (
            prev_hash,
            reference,
            account_code,
            str(amount),
            currency,
            created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        )
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _check_balanced(postings: list[Posting]) -> None:
    if not postings or any(p.amount == 0 for p in postings):
        raise InvalidInput(field="amount")
    sums: dict[str, int] = defaultdict(int)
    for posting in postings:
        sums[posting.account.currency] += posting.amount
    if any(total != 0 for total in sums.values()):
        raise InvalidInput(field="amount", reason="unbalanced")


async def _head() -> LedgerHead:
    head = await LedgerHead.filter(id=1).select_for_update().first()
    if head is not None:
        return head
    try:
        async with in_transaction():
            await LedgerHead.create(id=1, last_hash=GENESIS_HASH, last_entry_id=0)
    except IntegrityError:
        pass
    return await LedgerHead.filter(id=1).select_for_update().get()


async def post(
    reference: str,
    kind: LedgerKind,
    postings: list[Posting],
    description: str = "",
    *,
    allow_overdraft: bool = False,
) -> LedgerTransaction:
    """Record a balanced transaction once: the same `reference` returns the first one.

    `allow_overdraft` records money that has already moved outside (a refund the payment
    provider made) even when it takes an account below zero: the books must show it.
    """
    _check_balanced(postings)
    existing = await LedgerTransaction.get_or_none(reference=reference)
    if existing is not None:
        return existing
    try:
        async with in_transaction():
            head = await _head()
            accounts = {
                a.id: a
                for a in await Account.filter(id__in=[p.account.id for p in postings])
                .order_by("id")
                .select_for_update()
            }
            deltas: dict[int, int] = defaultdict(int)
            for posting in postings:
                deltas[posting.account.id] += posting.amount
            for account_id, delta in deltas.items():
                account = accounts[account_id]
                if allow_overdraft or account.allow_negative:
                    continue
                if account.balance + delta < 0:
                    raise InsufficientFunds(account=account.code, available=account.balance)
            record = await LedgerTransaction.create(
                reference=reference, kind=kind, description=description[:256]
            )
            now = datetime.now(UTC)
            prev = head.last_hash
            last_id = head.last_entry_id
            for posting in postings:
                account = accounts[posting.account.id]
                digest = entry_hash(
                    prev, reference, account.code, posting.amount, account.currency, now
                )
                entry = await LedgerEntry.create(
                    transaction_id=record.id,
                    account_id=account.id,
                    amount=posting.amount,
                    currency=account.currency,
                    created_at=now,
                    prev_hash=prev,
                    hash=digest,
                )
                prev, last_id = digest, entry.id
            for account_id, delta in deltas.items():
                await Account.filter(id=account_id).update(balance=F("balance") + delta)
            await LedgerHead.filter(id=1).update(last_hash=prev, last_entry_id=last_id)
    except IntegrityError:
        # The same reference committed concurrently: that one counts.
        existing = await LedgerTransaction.get_or_none(reference=reference)
        if existing is None:
            raise
        return existing
    return record


async def derived_balance(account: Account) -> int:
    """The account's balance as the sum of its entries."""
    rows = (
        await LedgerEntry.filter(account_id=account.id)
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return int(rows[0]["total"] or 0) if rows else 0


# Verification -----------------------------------------------------------------------------------


async def verify() -> VerifyReport:
    """Recompute the chain, check every transaction sums to zero and cached balances match."""
    codes = {a.id: a for a in await Account.all()}
    references = dict(await LedgerTransaction.all().values_list("id", "reference"))
    prev = GENESIS_HASH
    sums: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    balances: dict[int, int] = defaultdict(int)
    count, last_id = 0, 0
    while True:
        chunk = await LedgerEntry.filter(id__gt=last_id).order_by("id").limit(VERIFY_CHUNK)
        if not chunk:
            break
        for entry in chunk:
            count += 1
            last_id = entry.id
            account = codes.get(entry.account_id)
            if entry.prev_hash != prev:
                return VerifyReport(count, len(references), entry.id, "chain link broken")
            if account is None or account.currency != entry.currency:
                return VerifyReport(count, len(references), entry.id, "account mismatch")
            expected = entry_hash(
                prev,
                str(references.get(entry.transaction_id, "")),
                account.code,
                entry.amount,
                entry.currency,
                entry.created_at,
            )
            if entry.hash != expected:
                return VerifyReport(count, len(references), entry.id, "entry altered")
            prev = entry.hash
            sums[entry.transaction_id][entry.currency] += entry.amount
            balances[entry.account_id] += entry.amount
    for transaction_id, per_currency in sums.items():
        if any(per_currency.values()):
            return VerifyReport(
                count, len(references), None, f"transaction {transaction_id} unbalanced"
            )
    head = await LedgerHead.get_or_none(id=1)
    if count and (head is None or head.last_hash != prev):
        return VerifyReport(count, len(references), None, "chain head does not match")
    for account_id, account in codes.items():
        if account.balance != balances.get(account_id, 0):
            return VerifyReport(count, len(references), None, f"balance cache of {account.code}")
    return VerifyReport(count, len(references))
