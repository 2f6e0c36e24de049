"""Shared model bits."""

from tortoise import fields
from tortoise.models import Model


class TimestampedModel(Model):
    """A model with creation and update times."""

    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        abstract = True
