"""Custom products: a product's template (base images with a print area, an optional 3D model),
the customers' designs with their previews, and the pictures people sent the bot."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from db.models.base import TimestampedModel
from db.models.catalog import Product
from db.models.users import User


class ProductTemplate(TimestampedModel):
    """How a custom product is previewed: its base images, watermark and optional GLB model."""

    id = fields.IntField(primary_key=True)
    product: fields.OneToOneRelation[Product] = fields.OneToOneField(
        "models.Product", related_name="template", on_delete=fields.CASCADE
    )
    watermark = fields.CharField(max_length=64, default="")
    model_path = fields.CharField(max_length=256, null=True)
    """A GLB under DATA_DIR whose first material takes the front preview as its texture."""
    version = fields.IntField(default=1)
    """Bumped by every change of the images or print areas: previews are cached per version."""

    product_id: int
    images: fields.ReverseRelation[TemplateImage]

    class Meta:
        table = "product_templates"


class TemplateImage(Model):
    """One base image of a template (the front of a mug) and its print area in its pixels."""

    id = fields.IntField(primary_key=True)
    template: fields.ForeignKeyRelation[ProductTemplate] = fields.ForeignKeyField(
        "models.ProductTemplate", related_name="images", on_delete=fields.CASCADE, db_index=True
    )
    name = fields.CharField(max_length=32)
    position = fields.IntField(default=0)
    path = fields.CharField(max_length=256)
    width = fields.IntField()
    height = fields.IntField()
    print_x = fields.IntField()
    print_y = fields.IntField()
    print_w = fields.IntField()
    print_h = fields.IntField()

    template_id: int

    class Meta:
        table = "template_images"


class DesignStatus(StrEnum):
    """Where a customer's design is."""

    ready = "ready"
    ordered = "ordered"


class Design(TimestampedModel):
    """A customer's picture for a custom product: the original file and its previews."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="designs", on_delete=fields.CASCADE, db_index=True
    )
    product: fields.ForeignKeyRelation[Product] = fields.ForeignKeyField(
        "models.Product", related_name="designs", on_delete=fields.CASCADE, db_index=True
    )
    content_hash = fields.CharField(max_length=64)
    original_path = fields.CharField(max_length=256)
    original_format = fields.CharField(max_length=8)
    width = fields.IntField()
    height = fields.IntField()
    template_version = fields.IntField()
    status = fields.CharEnumField(DesignStatus, max_length=16, default=DesignStatus.ready)

    user_id: int
    product_id: int
    previews: fields.ReverseRelation[DesignPreview]

    class Meta:
        table = "designs"


class DesignPreview(Model):
    """The design on one base image, and its thumbnail (files under DATA_DIR, never public)."""

    id = fields.IntField(primary_key=True)
    design: fields.ForeignKeyRelation[Design] = fields.ForeignKeyField(
        "models.Design", related_name="previews", on_delete=fields.CASCADE, db_index=True
    )
    image: fields.ForeignKeyNullableRelation[TemplateImage] = fields.ForeignKeyField(
        "models.TemplateImage", related_name="previews", null=True, on_delete=fields.SET_NULL
    )
    name = fields.CharField(max_length=32)
    position = fields.IntField(default=0)
    path = fields.CharField(max_length=256)
    thumb_path = fields.CharField(max_length=256)

    design_id: int
    image_id: int | None

    class Meta:
        table = "design_previews"


class ChatPicture(Model):
    """A picture someone sent the bot, kept (the latest few) to be used later as a design."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="chat_pictures", on_delete=fields.CASCADE, db_index=True
    )
    file_id = fields.CharField(max_length=256)
    file_unique_id = fields.CharField(max_length=64)
    file_size = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    user_id: int

    class Meta:
        table = "chat_pictures"
