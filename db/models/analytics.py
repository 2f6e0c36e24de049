"""Product events: what people did, for the admin's statistics and funnel (not for money)."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class EventKind(StrEnum):
    """One step of the way from a link to a paid order (or a booked lesson)."""

    start = "start"
    app_opened = "app_opened"
    catalog_viewed = "catalog_viewed"
    product_viewed = "product_viewed"
    cart_added = "cart_added"
    checkout_started = "checkout_started"
    order_placed = "order_placed"
    paid = "paid"
    lesson_booked = "lesson_booked"


class EventChannel(StrEnum):
    """Where it happened."""

    chat = "chat"
    app = "app"
    server = "server"


class ProductEvent(Model):
    """One event. Ids are plain numbers, not foreign keys: events are written in batches off
    the request path and must never fail or block because a product was deleted meanwhile."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(EventKind, max_length=24)
    channel = fields.CharEnumField(EventChannel, max_length=8, default=EventChannel.server)
    user_id = fields.IntField(null=True)
    provider_id = fields.IntField(null=True)
    product_id = fields.IntField(null=True)
    order_id = fields.IntField(null=True)
    source = fields.CharField(max_length=64, null=True)
    """The /start payload of a `start` event (a campaign or a referral link); none: direct."""
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "product_event"
        indexes = (("kind", "created_at"), ("user_id", "kind"))
