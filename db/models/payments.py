"""Payments (YooKassa, Telegram Payments, Stars) and their refunds.

Unique idempotence keys and provider ids back idempotency in the database itself: a
double-clicked Pay or a replayed notification cannot make a second row.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields

from db.models.base import TimestampedModel
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
    external_id = fields.CharField(max_length=64, unique=True, null=True)
    confirmation_url = fields.CharField(max_length=1024, null=True)
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

    payment_id: int

    class Meta:
        table = "refunds"
