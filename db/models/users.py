"""People: Telegram users, their roles, consents and the audit trail."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from db.models.base import TimestampedModel


class Role(StrEnum):
    """Platform role; providers are also linked to their shop or tutor profile."""

    customer = "customer"
    provider = "provider"
    staff = "staff"
    admin = "admin"
    support = "support"
    """A support agent: answers tickets in the support group (admins may too)."""


class User(TimestampedModel):
    """A person known to the bot.

    `tg_id` is personal data: erasure clears it together with names and phone, and the row
    lives on under `pseudonym` so that orders, payments and the ledger keep their owner.
    """

    id = fields.IntField(primary_key=True)
    tg_id = fields.BigIntField(unique=True, null=True)
    pseudonym = fields.CharField(max_length=32, unique=True)
    username = fields.CharField(max_length=64, null=True)
    first_name = fields.CharField(max_length=128, default="")
    last_name = fields.CharField(max_length=128, null=True)
    language_code = fields.CharField(max_length=16, null=True)
    locale = fields.CharField(max_length=8, null=True)
    timezone = fields.CharField(max_length=64, null=True)
    """The person's IANA zone for times shown to them; unset: TIMEZONE."""
    phone = fields.CharField(max_length=32, null=True)
    role = fields.CharEnumField(
        Role,
        max_length=16,
        default=Role.customer,
        # The column comment as first created: SQLite cannot change a column's comment in
        # place, so a new role (support) leaves it as it was instead of a migration.
        description="customer: customer\nprovider: provider\nstaff: staff\nadmin: admin",
    )
    is_banned = fields.BooleanField(default=False)
    bot_blocked = fields.BooleanField(default=False)
    referrer: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="referrals", null=True, on_delete=fields.SET_NULL, db_index=True
    )
    start_payload = fields.CharField(max_length=64, null=True)
    last_seen_at = fields.DatetimeField(null=True)
    anonymized_at = fields.DatetimeField(null=True)

    class Meta:
        table = "users"

    @property
    def is_anonymized(self) -> bool:
        """True once the person's data was erased."""
        return self.anonymized_at is not None

    @property
    def full_name(self) -> str:
        """First and last name as one string."""
        return " ".join(part for part in (self.first_name, self.last_name) if part)


class ConsentKind(StrEnum):
    """What a person agreed to; marketing is separate from the processing of data."""

    personal_data = "personal_data"
    marketing = "marketing"


class Consent(Model):
    """One decision of a person about one kind of consent (append-only history)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="consents", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(ConsentKind, max_length=32)
    version = fields.CharField(max_length=32)
    granted = fields.BooleanField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "consents"
        indexes = (("user_id", "kind", "created_at"),)


class AuditAction(StrEnum):
    """What an audit entry records (its `action` column)."""

    user_role = "user.role"
    user_ban = "user.ban"
    user_unban = "user.unban"
    privacy_erase = "privacy.erase"
    order_refund = "order.refund"
    payment_refund_late = "payment.refund_late"
    payout_approve = "payout.approve"
    payout_reject = "payout.reject"
    catalog_import = "catalog.import"
    provider_create = "provider.create"
    provider_update = "provider.update"
    provider_owner = "provider.owner"
    product_block = "product.block"
    product_unblock = "product.unblock"


class AuditLog(Model):
    """Who did what to what, for admin actions and data-protection requests."""

    id = fields.IntField(primary_key=True)
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User",
        related_name="audit_entries",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )
    action = fields.CharField(max_length=64)
    target = fields.CharField(max_length=128, default="")
    data: dict[str, object] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "audit_log"
