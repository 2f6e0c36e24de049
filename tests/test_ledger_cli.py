"""`python -m bot ledger verify`: exit 0 on a sound ledger, 1 naming the first broken entry."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from db import close_db, init_db
from db.models import AccountKind, LedgerEntry
from services import ledger
from services.ledger import Posting

ROOT = Path(__file__).resolve().parents[1]


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite://{tmp_path}/ledger.sqlite3",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def _fill_and_maybe_tamper(url: str, tamper: bool) -> int | None:
    await init_db(url)
    try:
        if not tamper:
            clearing = await ledger.get_account(
                "clearing:test:RUB", AccountKind.clearing, "RUB", allow_negative=True
            )
            wallet = await ledger.get_account("customer:1:RUB", AccountKind.customer, "RUB")
            for i in range(3):
                await ledger.post(f"t{i}", "topup", [Posting(clearing, -5), Posting(wallet, 5)])
            return None
        entry = await LedgerEntry.filter().order_by("id").offset(2).first()
        assert entry is not None
        await LedgerEntry.filter(id=entry.id).update(amount=500)
        return entry.id
    finally:
        await close_db()


def test_ledger_verify_passes_then_detects_tampering(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "migrate").returncode == 0
    url = f"sqlite://{tmp_path}/ledger.sqlite3"
    asyncio.run(_fill_and_maybe_tamper(url, tamper=False))
    sound = run_cli(tmp_path, "ledger", "verify")
    assert sound.returncode == 0, sound.stderr
    assert "Ledger OK: 6 entries in 3 transactions" in sound.stdout

    broken_id = asyncio.run(_fill_and_maybe_tamper(url, tamper=True))
    broken = run_cli(tmp_path, "ledger", "verify")
    assert broken.returncode == 1
    assert f"Ledger BROKEN at entry {broken_id}: entry altered" in broken.stderr
