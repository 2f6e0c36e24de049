"""The ledger: balanced, idempotent, hash-chained; `verify` finds the first broken link."""

from __future__ import annotations

import asyncio

import pytest

from core.errors import InvalidInput
from db.models import Account, AccountKind, LedgerEntry, LedgerTransaction
from services import ledger
from services.ledger import InsufficientFunds, Posting


async def wallet_and_platform(balance: int = 0) -> tuple[Account, Account]:
    wallet = await ledger.get_account(
        ledger.customer_code(1, "RUB"), AccountKind.customer, "RUB", user_id=1
    )
    clearing = await ledger.get_account(
        ledger.clearing_code("yookassa", "RUB"), AccountKind.clearing, "RUB", allow_negative=True
    )
    if balance:
        await ledger.post("topup", "topup", [Posting(clearing, -balance), Posting(wallet, balance)])
    platform = await ledger.get_account(ledger.commission_code("RUB"), AccountKind.platform, "RUB")
    return wallet, platform


async def test_balanced_transactions_move_money_and_verify(db: None) -> None:
    wallet, platform = await wallet_and_platform(500)
    await ledger.post("fee-1", "fee", [Posting(wallet, -120), Posting(platform, 120)])
    await wallet.refresh_from_db()
    assert wallet.balance == 380 == await ledger.derived_balance(wallet)
    report = await ledger.verify()
    assert report.ok and report.entries == 4 and report.transactions == 2


async def test_unbalanced_or_empty_postings_are_refused(db: None) -> None:
    wallet, platform = await wallet_and_platform(100)
    with pytest.raises(InvalidInput):
        await ledger.post("bad", "fee", [Posting(wallet, -10), Posting(platform, 9)])
    with pytest.raises(InvalidInput):
        await ledger.post("empty", "fee", [])
    assert not await LedgerTransaction.exists(reference="bad")


async def test_the_same_reference_is_recorded_once(db: None) -> None:
    wallet, platform = await wallet_and_platform(100)
    postings = [Posting(wallet, -10), Posting(platform, 10)]
    results = await asyncio.gather(*(ledger.post("once", "fee", postings) for _ in range(5)))
    assert len({r.id for r in results}) == 1
    await wallet.refresh_from_db()
    assert wallet.balance == 90
    assert (await ledger.verify()).ok


async def test_an_account_never_goes_negative(db: None) -> None:
    wallet, platform = await wallet_and_platform(5)
    with pytest.raises(InsufficientFunds):
        await ledger.post("too-much", "fee", [Posting(wallet, -6), Posting(platform, 6)])
    await wallet.refresh_from_db()
    assert wallet.balance == 5
    assert (await ledger.verify()).ok


@pytest.mark.ledger_tampered
async def test_verify_finds_a_tampered_entry(db: None) -> None:
    wallet, platform = await wallet_and_platform(100)
    await ledger.post("fee-1", "fee", [Posting(wallet, -10), Posting(platform, 10)])
    await ledger.post("fee-2", "fee", [Posting(wallet, -20), Posting(platform, 20)])
    victim = await LedgerEntry.filter(amount=-10).get()
    await LedgerEntry.filter(id=victim.id).update(amount=-1)
    report = await ledger.verify()
    assert not report.ok and report.broken_entry_id == victim.id
    assert report.problem == "entry altered"


@pytest.mark.ledger_tampered
async def test_verify_finds_a_deleted_transaction(db: None) -> None:
    wallet, platform = await wallet_and_platform(100)
    first = await ledger.post("fee-1", "fee", [Posting(wallet, -10), Posting(platform, 10)])
    await ledger.post("fee-2", "fee", [Posting(wallet, -20), Posting(platform, 20)])
    await LedgerEntry.filter(transaction_id=first.id).delete()
    report = await ledger.verify()
    assert not report.ok and report.problem == "chain link broken"


async def test_concurrent_debits_on_sqlite_never_overdraw(db: None) -> None:
    wallet, platform = await wallet_and_platform(10)
    results = await asyncio.gather(
        *(
            ledger.post(f"d{i}", "fee", [Posting(wallet, -1), Posting(platform, 1)])
            for i in range(20)
        ),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, Exception) for r in results) == 10
    assert all(isinstance(r, InsufficientFunds) for r in results if isinstance(r, Exception))
    await wallet.refresh_from_db()
    assert wallet.balance == 0
    assert (await ledger.verify()).ok
