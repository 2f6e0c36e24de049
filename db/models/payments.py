"""Payments (YooKassa, Telegram Payments, Stars) and their refunds.

Unique idempotence keys and provider ids back idempotency in the database itself: a
double-clicked Pay or a replayed notification cannot make a second row.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields

from db.models.base import TimestampedModel
from db.models.catalog import Provider
from db.models.shop import Order
from db.models.users import User


class PaymentChannel(StrEnum):
    """Who takes the money."""

    yookassa = "yookassa"
    telegram = "telegram"
    stars = "stars"


class PaymentStatus(StrEnum):
    """Where a payment attempt is."""

    created = "created"  # our row exists, the provider has not confirmed the payment yet
    pending = "pending"  # the provider waits for the customer
    succeeded = "succeeded"
    canceled = "canceled"


class RefundStatus(StrEnum):
    """Where a refund is."""

    pending = "pending"
    succeeded = "succeeded"
    canceled = "canceled"


class Payment(TimestampedModel):
    """One attempt to pay an order, in integer minor units, keyed for idempotency."""

    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="payments", null=True, on_delete=fields.RESTRICT
    )
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="payments", on_delete=fields.RESTRICT, db_index=True
    )
    channel = fields.CharEnumField(PaymentChannel, max_length=16)
    status = fields.CharEnumField(PaymentStatus, max_length=16)
    amount = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    attempt = fields.IntField(default=1)
    idempotence_key = fields.CharField(max_length=64, unique=True)
    external_id = fields.CharField(max_length=255, unique=True, null=True)
    """The provider's id: YooKassa's payment id, or Telegram's charge id (Stars' are long)."""
    confirmation_url = fields.CharField(max_length=1024, null=True)
    invoice_link = fields.CharField(max_length=256, null=True)
    provider_charge_id = fields.CharField(max_length=128, null=True)
    """Telegram Payments: the payment provider's own id of the charge (needed for refunds)."""
    cancellation_reason = fields.CharField(max_length=64, null=True)
    paid_at = fields.DatetimeField(null=True)
    refunded_amount = fields.BigIntField(default=0)

    order_id: int | None
    user_id: int
    refunds: fields.ReverseRelation[Refund]

    class Meta:
        table = "payments"
        indexes = (("order_id", "channel"), ("status", "created_at"))


class Refund(TimestampedModel):
    """Money given back for a payment (full or partial), keyed for idempotency."""

    id = fields.IntField(primary_key=True)
    payment: fields.ForeignKeyRelation[Payment] = fields.ForeignKeyField(
        "models.Payment", related_name="refunds", on_delete=fields.RESTRICT, db_index=True
    )
    amount = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    status = fields.CharEnumField(RefundStatus, max_length=16)
    idempotence_key = fields.CharField(max_length=64, unique=True)
    external_id = fields.CharField(max_length=64, unique=True, null=True)
    reason = fields.TextField(default="")
    requested_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="refunds_requested", null=True, on_delete=fields.SET_NULL
    )
    completed_at = fields.DatetimeField(null=True)

    payment_id: int
    requested_by_id: int | None

    class Meta:
        table = "refunds"


class ReceiptKind(StrEnum):
    """Which fiscal receipt of 54-FZ."""

    prepayment = "prepayment"  # with the payment, before the goods are handed over
    closing = "closing"  # full settlement when the order is handed over
    refund = "refund"  # with every refund


class ReceiptStatus(StrEnum):
    """Where a receipt is with the fiscal service."""

    pending = "pending"
    succeeded = "succeeded"
    canceled = "canceled"


class Receipt(TimestampedModel):
    """A fiscal receipt sent (or to be sent) through YooKassa, once per key."""

    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="receipts", on_delete=fields.RESTRICT, db_index=True
    )
    payment: fields.ForeignKeyNullableRelation[Payment] = fields.ForeignKeyField(
        "models.Payment", related_name="receipts", null=True, on_delete=fields.RESTRICT
    )
    refund: fields.ForeignKeyNullableRelation[Refund] = fields.ForeignKeyField(
        "models.Refund", related_name="receipts", null=True, on_delete=fields.RESTRICT
    )
    kind = fields.CharEnumField(ReceiptKind, max_length=16)
    status = fields.CharEnumField(ReceiptStatus, max_length=16)
    amount = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    idempotence_key = fields.CharField(max_length=64, unique=True)
    external_id = fields.CharField(max_length=64, unique=True, null=True)
    attempts = fields.IntField(default=0)
    error = fields.CharField(max_length=256, null=True)

    order_id: int
    payment_id: int | None
    refund_id: int | None

    class Meta:
        table = "receipts"
        indexes = (("status", "created_at"),)


class PayoutStatus(StrEnum):
    """Where a provider's payout request is."""

    requested = "requested"
    approved = "approved"
    rejected = "rejected"


class Payout(TimestampedModel):
    """A provider's request to be paid its available balance, decided by an admin."""

    id = fields.IntField(primary_key=True)
    provider: fields.ForeignKeyRelation[Provider] = fields.ForeignKeyField(
        "models.Provider", related_name="payouts", on_delete=fields.RESTRICT, db_index=True
    )
    amount = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    status = fields.CharEnumField(PayoutStatus, max_length=16)
    requested_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="payouts_requested", null=True, on_delete=fields.SET_NULL
    )
    decided_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="payouts_decided", null=True, on_delete=fields.SET_NULL
    )
    decided_at = fields.DatetimeField(null=True)
    reason = fields.TextField(default="")
    reference = fields.CharField(max_length=128, default="")
    """The admin's note of the bank transfer (e.g. its number)."""

    provider_id: int
    requested_by_id: int | None
    decided_by_id: int | None

    class Meta:
        table = "payouts"
        indexes = (("status", "created_at"), ("provider_id", "created_at"))
