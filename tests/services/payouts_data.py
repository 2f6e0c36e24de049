"""Builders for payout and settlement tests: money a provider earned, postings, a frozen clock."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, tzinfo
from typing import Any

import pytest

from db.models import Account, LedgerEntry, LedgerTransaction, Provider
from services import ledger
from services.ledger import Posting

_sales = itertools.count(1)


async def credit_sale(
    provider: Provider,
    gross: int,
    commission: int,
    *,
    order_id: int | None = None,
    currency: str = "RUB",
    channel: str = "yookassa",
) -> LedgerTransaction:
    """A settled customer payment, posted as services.payments._settle posts one."""
    clearing, account, platform = await _sale_accounts(provider, currency, channel)
    postings = [Posting(clearing, -gross), Posting(account, gross - commission)]
    if commission:
        postings.append(Posting(platform, commission))
    number = next(_sales)
    return await ledger.post(
        f"test:payment:{number}",
        "payment",
        postings,
        description=f"order {order_id if order_id is not None else number}",
    )


async def post_refund(
    provider: Provider,
    refund_id: int,
    order_id: int,
    gross: int,
    commission: int,
    *,
    currency: str = "RUB",
    channel: str = "yookassa",
) -> LedgerTransaction:
    """A refund as the refunds service posts it: the payment's postings reversed."""
    clearing, account, platform = await _sale_accounts(provider, currency, channel)
    return await ledger.post(
        f"refund:{refund_id}",
        "refund",
        [
            Posting(clearing, gross),
            Posting(account, commission - gross),
            Posting(platform, -commission),
        ],
        description=f"order {order_id}",
    )


async def _sale_accounts(
    provider: Provider, currency: str, channel: str
) -> tuple[Account, Account, Account]:
    """The accounts a sale moves money between: the channel's clearing, the provider's, and
    the platform's commission."""
    return (
        await ledger.clearing_account(channel, currency),
        await ledger.provider_account(provider.id, currency),
        await ledger.commission_account(currency),
    )


async def postings(reference: str) -> dict[str, int]:
    """A transaction's entries as account code → amount (empty if it was never posted)."""
    record = await LedgerTransaction.get_or_none(reference=reference)
    if record is None:
        return {}
    entries = await LedgerEntry.filter(transaction_id=record.id).prefetch_related("account")
    return {entry.account.code: entry.amount for entry in entries}


async def balance_of(code: str) -> int:
    """An account's cached balance, checked against the sum of its entries (0 if unused)."""
    account = await Account.get_or_none(code=code)
    if account is None:
        return 0
    assert account.balance == await ledger.derived_balance(account), code
    return account.balance


class LedgerClock:
    """What `datetime.now` returns inside services.ledger, so postings land at chosen moments."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.moment = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
        clock = self

        class FrozenDatetime(datetime):
            @classmethod
            def now(cls, tz: tzinfo | None = None) -> Any:
                return clock.moment.astimezone(tz)

        monkeypatch.setattr(ledger, "datetime", FrozenDatetime)

    def set(self, moment: datetime) -> None:
        """Post the next transactions at `moment` (timezone-aware)."""
        assert moment.tzinfo is not None
        self.moment = moment
