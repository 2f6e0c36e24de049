"""Double-entry ledger: accounts, balanced transactions and hash-chained entries."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class AccountKind(StrEnum):
    """Whose money an account holds."""

    customer = "customer"
    provider = "provider"
    platform = "platform"
    clearing = "clearing"
    payout = "payout"


class LedgerKind(StrEnum):
    """What a ledger transaction records (its `kind` column)."""

    payment = "payment"  # a customer's money for an order: provider's share and commission
    payment_unmatched = "payment_unmatched"  # money no order waited for, in the customer's wallet
    refund = "refund"  # money back to the customer: a payment's postings reversed
    payout_request = "payout_request"  # a provider's balance put on hold for a payout
    payout_paid = "payout_paid"  # a payout approved: the hold leaves the platform
    payout_returned = "payout_returned"  # a payout rejected: the hold goes back to the balance
    lessons_prepaid = "lessons_prepaid"  # a lesson package or one lesson paid ahead: unearned
    lesson_consumed = "lesson_consumed"  # a lesson held, missed or cancelled late: to the tutor
    lessons_returned = "lessons_returned"  # unused lessons' money back to the student's wallet
    points_earned = "points_earned"  # loyalty points for a completed order (currency PTS)
    points_closed = "points_closed"  # points expired, or taken back by a refund


class Account(Model):
    """One account in one currency, named by a stable code (e.g. provider:7:RUB)."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=96, unique=True)
    kind = fields.CharEnumField(AccountKind, max_length=16)
    currency = fields.CharField(max_length=3)
    user_id = fields.IntField(null=True, db_index=True)
    provider_id = fields.IntField(null=True, db_index=True)
    allow_negative = fields.BooleanField(default=False)
    balance = fields.BigIntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ledger_accounts"


class LedgerTransaction(Model):
    """A set of entries that sum to zero, idempotent by its reference."""

    id = fields.IntField(primary_key=True)
    reference = fields.CharField(max_length=128, unique=True)
    kind = fields.CharField(max_length=32)
    description = fields.CharField(max_length=256, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    entries: fields.ReverseRelation[LedgerEntry]

    class Meta:
        table = "ledger_transactions"


class LedgerEntry(Model):
    """One posting whose hash covers its content and the previous entry hash (a chain)."""

    id = fields.IntField(primary_key=True)
    transaction: fields.ForeignKeyRelation[LedgerTransaction] = fields.ForeignKeyField(
        "models.LedgerTransaction", related_name="entries", on_delete=fields.RESTRICT, db_index=True
    )
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="entries", on_delete=fields.RESTRICT, db_index=True
    )
    amount = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    created_at = fields.DatetimeField()
    prev_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64, unique=True)

    transaction_id: int
    account_id: int

    class Meta:
        table = "ledger_entries"


class LedgerHead(Model):
    """The single row every ledger write locks: the chain's last hash, so appends serialize."""

    id = fields.IntField(primary_key=True)
    last_hash = fields.CharField(max_length=64)
    last_entry_id = fields.IntField(default=0)

    class Meta:
        table = "ledger_head"
