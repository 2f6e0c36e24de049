"""On PostgreSQL, where locking is real: 100 concurrent debits of 1 against 50."""

from __future__ import annotations

import asyncio

from db.models import AccountKind
from services import ledger
from services.ledger import InsufficientFunds, Posting


async def test_hundred_concurrent_debits_against_fifty(pg_db: str) -> None:
    wallet = await ledger.get_account(
        ledger.customer_code(1, "RUB"), AccountKind.customer, "RUB", user_id=1
    )
    clearing = await ledger.get_account(
        ledger.clearing_code("yookassa", "RUB"), AccountKind.clearing, "RUB", allow_negative=True
    )
    platform = await ledger.get_account(ledger.commission_code("RUB"), AccountKind.platform, "RUB")
    await ledger.post("topup", "topup", [Posting(clearing, -50), Posting(wallet, 50)])

    results = await asyncio.gather(
        *(
            ledger.post(f"debit-{i}", "fee", [Posting(wallet, -1), Posting(platform, 1)])
            for i in range(100)
        ),
        return_exceptions=True,
    )

    succeeded = [r for r in results if not isinstance(r, BaseException)]
    failed = [r for r in results if isinstance(r, BaseException)]
    assert len(succeeded) == 50
    assert all(isinstance(r, InsufficientFunds) for r in failed), failed[:3]
    await wallet.refresh_from_db()
    assert wallet.balance == 0 == await ledger.derived_balance(wallet)
    report = await ledger.verify()
    assert report.ok, report
    assert report.entries == 2 + 2 * 50
