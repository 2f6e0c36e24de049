"""Providers (shops and tutors) and what they sell."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields

from db.models.base import TimestampedModel
from db.models.users import User


class ProviderKind(StrEnum):
    """A seller of goods or a tutor."""

    shop = "shop"
    tutor = "tutor"


class ProductKind(StrEnum):
    """How a product is delivered and paid for."""

    physical = "physical"
    digital = "digital"
    custom = "custom"
    service = "service"


class Provider(TimestampedModel):
    """A shop or a tutor with a storefront and the receipt data of 54-FZ."""

    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=64, unique=True)
    kind = fields.CharEnumField(ProviderKind, max_length=16)
    name = fields.CharField(max_length=128)
    description = fields.TextField(default="")
    owner: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="providers", null=True, on_delete=fields.SET_NULL, db_index=True
    )
    legal_name = fields.CharField(max_length=256, default="")
    inn = fields.CharField(max_length=12, default="")
    tax_system_code = fields.SmallIntField(default=1)
    is_active = fields.BooleanField(default=True)
    allow_pickup = fields.BooleanField(default=True)
    allow_delivery = fields.BooleanField(default=False)
    allow_cash = fields.BooleanField(default=False)
    pickup_address = fields.CharField(max_length=256, default="")
    delivery_fee = fields.BigIntField(default=0)
    currency = fields.CharField(max_length=3, default="RUB")
    low_stock_threshold = fields.IntField(default=3)
    commission_basis_points = fields.IntField(null=True)
    """The platform's commission on this provider's sales in hundredths of a percent
    (250 is 2.5 percent), unset: PLATFORM_COMMISSION_PERCENT."""
    catalog_version = fields.BigIntField(default=0, db_default=0)
    """Bumped in the transaction of every change a customer would see in the storefront
    (services.catalog_versions): the API's read cache is keyed by it."""

    class Meta:
        table = "providers"


class Category(TimestampedModel):
    """A group of products within one provider's storefront."""

    id = fields.IntField(primary_key=True)
    provider: fields.ForeignKeyRelation[Provider] = fields.ForeignKeyField(
        "models.Provider", related_name="categories", on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=128)
    position = fields.IntField(default=0)

    class Meta:
        table = "categories"
        unique_together = (("provider_id", "title"),)


class Product(TimestampedModel):
    """Something a provider sells, priced in integer minor units (never floats)."""

    id = fields.IntField(primary_key=True)
    provider: fields.ForeignKeyRelation[Provider] = fields.ForeignKeyField(
        "models.Provider", related_name="products", on_delete=fields.CASCADE
    )
    category: fields.ForeignKeyNullableRelation[Category] = fields.ForeignKeyField(
        "models.Category",
        related_name="products",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )
    sku = fields.CharField(max_length=64)
    kind = fields.CharEnumField(ProductKind, max_length=16, default=ProductKind.physical)
    title = fields.CharField(max_length=128)
    description = fields.TextField(default="")
    price = fields.BigIntField()
    currency = fields.CharField(max_length=3, default="RUB")
    stock = fields.IntField(default=0)
    is_active = fields.BooleanField(default=True)
    is_blocked = fields.BooleanField(default=False)
    search_text = fields.TextField(default="")
    model_path = fields.CharField(max_length=256, null=True)
    vat_code = fields.SmallIntField(default=1)
    payment_subject = fields.CharField(max_length=32, default="commodity")
    payment_mode = fields.CharField(max_length=32, default="full_prepayment")
    digital_file_id = fields.CharField(max_length=256, null=True)
    """A digital good as a Telegram file (sent by the seller in chat), sent by its file_id."""
    digital_file_name = fields.CharField(max_length=128, null=True)
    digital_path = fields.CharField(max_length=256, null=True)
    """A digital good as a file under DATA_DIR (uploaded once, then sent by its file_id)."""
    digital_url = fields.CharField(max_length=1024, null=True)
    """A digital good as a link the customer receives."""
    personal_text_prompt = fields.CharField(max_length=64, null=True)
    """Set: the product is made with the customer's own text (an engraved name), asked with this
    question when it goes into the cart."""
    personal_text_limit = fields.SmallIntField(default=0, db_default=0)
    """The longest personal text the seller can make, in characters."""

    class Meta:
        table = "products"
        unique_together = (("provider_id", "sku"),)


class ProductPhoto(TimestampedModel):
    """A product photo on disk with a thumbnail, and its Telegram file id once uploaded."""

    id = fields.IntField(primary_key=True)
    product: fields.ForeignKeyRelation[Product] = fields.ForeignKeyField(
        "models.Product", related_name="photos", on_delete=fields.CASCADE, db_index=True
    )
    path = fields.CharField(max_length=256)
    thumb_path = fields.CharField(max_length=256)
    telegram_file_id = fields.CharField(max_length=256, null=True)
    position = fields.IntField(default=0)

    class Meta:
        table = "product_photos"


class ProviderInvite(TimestampedModel):
    """A one-time deep link that makes whoever opens it the owner of a provider."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    provider: fields.ForeignKeyRelation[Provider] = fields.ForeignKeyField(
        "models.Provider", related_name="invites", on_delete=fields.CASCADE
    )
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="created_invites", null=True, on_delete=fields.SET_NULL
    )
    used_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="used_invites", null=True, on_delete=fields.SET_NULL
    )
    used_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "provider_invites"
