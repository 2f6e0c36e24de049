"""A provider's settlement report for a period: every ledger transaction of its money, as CSV.

The report is built from postings alone. The provider's balance here is what the platform
owes it: its own account (`provider:{id}:{currency}`, what it may request) plus its share of
the payouts hold (requested, not yet decided). A payment adds its net, a refund takes it
back, a payout request only moves money from "available" to "on hold", and the approval's
payout is what leaves the balance. So the totals always add up:
closing = opening + sales − commission − refunds − payouts + other.

The file is for Excel and LibreOffice with Russian settings: UTF-8 with a BOM (as
services.catalog_csv exports), `;` between fields and a decimal comma, so amounts are numbers
there rather than text; roubles have two decimals, Stars are whole numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from tortoise.functions import Sum
from tortoise.queryset import QuerySet

from core.errors import InvalidInput, NotFound
from core.money import STARS
from db.models import (
    Account,
    LedgerEntry,
    LedgerKind,
    LedgerTransaction,
    Payout,
    Provider,
)
from services import ledger
from services.payouts import CURRENCIES, hold_reference, paid_reference, returned_reference

HEADER = (
    "date",
    "reference",
    "kind",
    "order",
    "currency",
    "gross",
    "commission",
    "net",
    "available",
    "on_hold",
    "balance",
)
TOTALS_HEADER = (
    "currency",
    "opening_balance",
    "sales_gross",
    "commission",
    "refunds",
    "payouts",
    "other",
    "closing_balance",
)
DELIMITER = ";"
SALE_KINDS = frozenset({LedgerKind.payment, LedgerKind.refund})
MAX_PERIOD_DAYS = 366 * 3
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(slots=True)
class _Totals:
    opening_available: int = 0
    opening_hold: int = 0
    sales: int = 0
    commission: int = 0
    refunds: int = 0
    payouts: int = 0
    other: int = 0

    @property
    def opening(self) -> int:
        return self.opening_available + self.opening_hold


@dataclass(slots=True)
class _Row:
    moment: datetime
    transaction: LedgerTransaction
    currency: str
    available: int = 0  # change of the provider's account
    hold: int = 0  # change of the provider's share of the hold
    commission: int = 0  # the platform's commission account in this transaction


def parse_period(args: list[str]) -> tuple[date, date]:
    """['2025-03-01', '2025-03-31'] or ['2025-03'] (a month) → (first day, last day).

    InvalidInput(field="period") for anything else, or an end before the start.
    """
    try:
        if len(args) == 1 and (match := _MONTH_RE.match(args[0])):
            year, month = int(match.group(1)), int(match.group(2))
            start = date(year, month, 1)
            following = date(year + month // 12, month % 12 + 1, 1)
            return start, following - timedelta(days=1)
        if len(args) == 2 and all(_DAY_RE.match(arg) for arg in args):
            start, end = date.fromisoformat(args[0]), date.fromisoformat(args[1])
            if start <= end and (end - start).days <= MAX_PERIOD_DAYS:
                return start, end
    except ValueError:
        pass
    raise InvalidInput(field="period")


def format_amount(amount: int, currency: str) -> str:
    """Minor units for the file: '1490,50' roubles, '50' Stars."""
    if currency == STARS:
        return str(amount)
    sign = "-" if amount < 0 else ""
    whole, cents = divmod(abs(amount), 100)
    return f"{sign}{whole},{cents:02d}"


def _bounds(start: date, end: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The period's first moment and the moment after it (end inclusive), as UTC.

    In UTC because SQLite compares stored datetimes as text: a bound with another offset
    would compare wrongly.
    """
    return (
        datetime.combine(start, time.min, tzinfo=tz).astimezone(UTC),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC),
    )


async def _sum_by_currency(entries: QuerySet[LedgerEntry]) -> dict[str, int]:
    rows = (
        await entries.annotate(total=Sum("amount")).group_by("currency").values("currency", "total")
    )
    return {str(row["currency"]): int(row["total"] or 0) for row in rows}


async def settlement_csv(provider_id: int, start: date, end: date, tz: tzinfo) -> bytes:
    """The provider's transactions from `start` to `end` (inclusive, days in `tz`) with totals.

    NotFound for an unknown provider, InvalidInput(field="period") when end is before start.
    """
    if not await Provider.exists(id=provider_id):
        raise NotFound(entity="provider")
    if end < start:
        raise InvalidInput(field="period")
    since, until = _bounds(start, end, tz)
    own = {
        account.id: account
        for account in await Account.filter(
            code__in=[ledger.provider_code(provider_id, c) for c in CURRENCIES]
        )
    }
    holds = {
        account.id: account
        for account in await Account.filter(
            code__in=[ledger.payout_hold_code(c) for c in CURRENCIES]
        )
    }
    payouts = await Payout.filter(provider_id=provider_id).only("id")
    references = [
        make(payout.id)
        for payout in payouts
        for make in (hold_reference, paid_reference, returned_reference)
    ]
    payout_transactions = (
        await LedgerTransaction.filter(reference__in=references).values_list("id", flat=True)
        if references
        else []
    )
    # The provider's share of the hold: hold entries of its own payouts' transactions.
    held = LedgerEntry.filter(
        account_id__in=list(holds), transaction_id__in=list(payout_transactions)
    )
    totals: dict[str, _Totals] = defaultdict(_Totals)
    for currency, amount in (
        await _sum_by_currency(LedgerEntry.filter(account_id__in=list(own), created_at__lt=since))
    ).items():
        totals[currency].opening_available = amount
    for currency, amount in (await _sum_by_currency(held.filter(created_at__lt=since))).items():
        totals[currency].opening_hold = amount

    touched = set(
        await LedgerEntry.filter(
            account_id__in=list(own), created_at__gte=since, created_at__lt=until
        ).values_list("transaction_id", flat=True)
    )
    touched |= set(
        await held.filter(created_at__gte=since, created_at__lt=until).values_list(
            "transaction_id", flat=True
        )
    )
    payout_set = set(payout_transactions)
    rows: dict[int, _Row] = {}
    entries = (
        await LedgerEntry.filter(transaction_id__in=list(touched))
        .order_by("id")
        .prefetch_related("transaction", "account")
        if touched
        else []
    )
    for entry in entries:
        row = rows.get(entry.transaction_id)
        if row is None:
            row = rows[entry.transaction_id] = _Row(
                entry.created_at, entry.transaction, entry.currency
            )
        account = entry.account
        if account.id in own:
            row.available += entry.amount
        elif account.id in holds:
            if entry.transaction_id in payout_set:
                row.hold += entry.amount
        elif account.code == ledger.commission_code(account.currency):
            # not the platform's promo expense: a provider sees sales at their full price
            row.commission += entry.amount

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER)
    writer.writerow(HEADER)
    running: dict[str, tuple[int, int]] = {
        currency: (t.opening_available, t.opening_hold) for currency, t in totals.items()
    }
    for row in sorted(rows.values(), key=lambda r: (r.moment, r.transaction.id)):
        currency = row.currency
        total = totals[currency]
        available, hold = running.get(currency, (0, 0))
        available, hold = available + row.available, hold + row.hold
        running[currency] = (available, hold)
        net = row.available + row.hold
        kind = row.transaction.kind
        gross = commission = ""
        if kind in SALE_KINDS:
            gross = format_amount(net + row.commission, currency)
            commission = format_amount(row.commission, currency)
            total.commission += row.commission
            if kind == LedgerKind.payment:
                total.sales += net + row.commission
            else:
                total.refunds -= net + row.commission
        elif kind == LedgerKind.payout_paid:
            total.payouts -= net
        else:
            total.other += net
        order_id = ledger.order_in_description(row.transaction.description)
        writer.writerow(
            (
                row.moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                row.transaction.reference,
                kind,
                str(order_id) if order_id is not None else "",
                currency,
                gross,
                commission,
                format_amount(net, currency),
                format_amount(available, currency),
                format_amount(hold, currency),
                format_amount(available + hold, currency),
            )
        )
    writer.writerow(())
    writer.writerow(TOTALS_HEADER)
    for currency in sorted(totals, key=lambda c: (c not in CURRENCIES, c)):
        total = totals[currency]
        available, hold = running.get(currency, (0, 0))
        writer.writerow(
            (
                currency,
                *(
                    format_amount(amount, currency)
                    for amount in (
                        total.opening,
                        total.sales,
                        total.commission,
                        total.refunds,
                        total.payouts,
                        total.other,
                        available + hold,
                    )
                ),
            )
        )
    return buffer.getvalue().encode("utf-8-sig")
