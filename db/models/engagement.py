"""Engagement: promo codes and their redemptions, loyalty cards and points."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from db.models.catalog import Provider
from db.models.shop import Order
from db.models.users import User


class PromoKind(StrEnum):
    """How a promo code takes money off an order."""

    percent = "percent"  # `value` percent of the goods
    fixed = "fixed"  # `value` minor units of `currency`


class PromoCode(Model):
    """A code a customer types at checkout for a discount on the goods (not on delivery).

    A code of one provider is funded by that provider, a code of every provider (no
    provider) is funded by the platform.
    """

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    kind = fields.CharEnumField(PromoKind, max_length=16)
    value = fields.BigIntField()
    currency = fields.CharField(max_length=3, null=True)
    min_order = fields.BigIntField(default=0)
    starts_at = fields.DatetimeField(null=True)
    ends_at = fields.DatetimeField(null=True)
    total_limit = fields.IntField(null=True)
    per_user_limit = fields.IntField(null=True)
    used = fields.IntField(default=0)
    """Redemptions held by orders that were not cancelled (the total limit counts these)."""
    provider: fields.ForeignKeyNullableRelation[Provider] = fields.ForeignKeyField(
        "models.Provider", related_name="promo_codes", null=True, on_delete=fields.CASCADE
    )
    first_order_only = fields.BooleanField(default=False)
    active = fields.BooleanField(default=True)
    created_by_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    provider_id: int | None

    class Meta:
        table = "promo_codes"


class PromoRedemption(Model):
    """A promo code applied to one order (one row per order, whatever was clicked twice)."""

    id = fields.IntField(primary_key=True)
    promo: fields.ForeignKeyRelation[PromoCode] = fields.ForeignKeyField(
        "models.PromoCode", related_name="redemptions", on_delete=fields.RESTRICT
    )
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="promo_redemptions", on_delete=fields.CASCADE
    )
    order: fields.OneToOneRelation[Order] = fields.OneToOneField(
        "models.Order", related_name="promo_redemption", on_delete=fields.CASCADE
    )
    amount = fields.BigIntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    promo_id: int
    user_id: int
    order_id: int

    class Meta:
        table = "promo_redemptions"
        indexes = (("promo_id", "user_id"),)


class LoyaltyCard(Model):
    """A person's member card: the id its QR code carries (shown to the seller at the till)."""

    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "models.User", related_name="loyalty_card", on_delete=fields.CASCADE
    )
    member_id = fields.CharField(max_length=16, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    user_id: int

    class Meta:
        table = "loyalty_cards"


class LoyaltyRule(Model):
    """A provider's own rate of points (percent of what was paid for goods)."""

    id = fields.IntField(primary_key=True)
    provider: fields.OneToOneRelation[Provider] = fields.OneToOneField(
        "models.Provider", related_name="loyalty_rule", on_delete=fields.CASCADE
    )
    earn_basis_points = fields.IntField()
    """250 = 2.5 % of the goods' price in points (1 point = 1 rouble)."""

    provider_id: int

    class Meta:
        table = "loyalty_rules"


class PointsLotKind(StrEnum):
    """Why points were given."""

    earned = "earned"  # a completed order
    returned = "returned"  # points spent on an order that was cancelled or refunded
    referral = "referral"  # the person invited made their first order (the order is theirs)


class PointsLot(Model):
    """Points given at once, expired or taken back as a whole lot (the ledger holds the balance)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="points_lots", on_delete=fields.CASCADE
    )
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="points_lots", null=True, on_delete=fields.SET_NULL
    )
    kind = fields.CharEnumField(PointsLotKind, max_length=16)
    points = fields.BigIntField()
    remaining = fields.BigIntField()
    expires_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    user_id: int
    order_id: int | None

    class Meta:
        table = "points_lots"
        unique_together = (("order_id", "kind"),)
        indexes = (("user_id", "expires_at"),)


class Review(Model):
    """A customer's review of a completed order (one per order), the provider's reply."""

    id = fields.IntField(primary_key=True)
    order: fields.OneToOneRelation[Order] = fields.OneToOneField(
        "models.Order", related_name="review", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="reviews", on_delete=fields.CASCADE
    )
    provider: fields.ForeignKeyRelation[Provider] = fields.ForeignKeyField(
        "models.Provider", related_name="reviews", on_delete=fields.CASCADE
    )
    rating = fields.SmallIntField()
    text = fields.TextField(default="")
    reply = fields.TextField(null=True)
    hidden = fields.BooleanField(default=False)
    """Hidden by an admin (moderation): not shown, not counted in the rating."""
    photo_path = fields.CharField(max_length=255, null=True)
    """The customer's photo as a clean JPEG under the data dir (`media/reviews/<hash>.jpg`)."""
    photo_file_id = fields.CharField(max_length=255, null=True)
    """Telegram's file_id of that photo once the bot has sent or received it (sent again by id)."""
    replied_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    order_id: int
    user_id: int
    provider_id: int

    class Meta:
        table = "reviews"
        indexes = (("provider_id", "hidden", "created_at"),)
