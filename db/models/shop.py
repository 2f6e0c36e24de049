"""Carts and orders: the order's status changes only through services.orders."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from db.models.base import TimestampedModel
from db.models.catalog import Product, ProductKind, Provider
from db.models.templates import Design
from db.models.users import User


class OrderStatus(StrEnum):
    """Where an order is in its life."""

    pending_payment = "pending_payment"
    placed = "placed"  # cash on pickup or delivery: waits for the provider, paid at hand-over
    paid = "paid"
    accepted = "accepted"
    in_work = "in_work"
    ready_for_pickup = "ready_for_pickup"
    out_for_delivery = "out_for_delivery"
    completed = "completed"
    cancelled = "cancelled"
    refunded = "refunded"


class Fulfilment(StrEnum):
    """How the customer gets the order."""

    pickup = "pickup"
    delivery = "delivery"


class PaymentMethod(StrEnum):
    """How the customer pays."""

    online = "online"
    cash = "cash"


class ActorRole(StrEnum):
    """Who changed an order's status."""

    customer = "customer"
    provider = "provider"
    admin = "admin"
    system = "system"


class CartItem(TimestampedModel):
    """One product line of a person's cart (one cart per person, shared by chat and Mini App)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="cart_items", on_delete=fields.CASCADE
    )
    product: fields.ForeignKeyRelation[Product] = fields.ForeignKeyField(
        "models.Product", related_name="cart_items", on_delete=fields.CASCADE, db_index=True
    )
    quantity = fields.IntField()
    price_seen = fields.BigIntField()
    personal_text = fields.CharField(max_length=200, null=True)
    """The customer's text for a product made with one (every piece of the line carries it)."""
    design: fields.ForeignKeyNullableRelation[Design] = fields.ForeignKeyField(
        "models.Design", related_name="cart_items", null=True, on_delete=fields.SET_NULL
    )
    """The customer's picture for a custom product (its previews were shown before adding)."""

    design_id: int | None

    class Meta:
        table = "cart_items"
        unique_together = (("user_id", "product_id"),)


class Order(TimestampedModel):
    """An order of one customer from one provider."""

    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="orders", on_delete=fields.RESTRICT
    )
    provider: fields.ForeignKeyRelation[Provider] = fields.ForeignKeyField(
        "models.Provider", related_name="orders", on_delete=fields.RESTRICT
    )
    status = fields.CharEnumField(OrderStatus, max_length=24)
    fulfilment = fields.CharEnumField(Fulfilment, max_length=16)
    payment_method = fields.CharEnumField(PaymentMethod, max_length=16)
    address = fields.TextField(null=True)
    latitude = fields.FloatField(null=True)
    longitude = fields.FloatField(null=True)
    delivery_slot = fields.CharField(max_length=64, null=True)
    phone = fields.CharField(max_length=32, null=True)
    email = fields.CharField(max_length=254, null=True)
    """Where the fiscal receipt goes when there is no phone (asked for only then)."""
    comment = fields.TextField(default="")
    items_total = fields.BigIntField()
    delivery_fee = fields.BigIntField(default=0)
    discount = fields.BigIntField(default=0, db_default=0)
    """Taken off the goods by a promo code and loyalty points:
    total = items_total + delivery_fee − discount."""
    points_spent = fields.BigIntField(default=0, db_default=0)
    """Loyalty points paid with (1 point = 1 rouble, part of `discount`)."""
    total = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    checkout_key = fields.CharField(max_length=64, unique=True)
    pickup_code = fields.CharField(max_length=16)
    expires_at = fields.DatetimeField(null=True)
    stock_released = fields.BooleanField(default=False)
    cash_confirmed = fields.BooleanField(default=False)
    cancel_reason = fields.TextField(null=True)

    customer_id: int
    provider_id: int
    items: fields.ReverseRelation[OrderItem]
    transitions: fields.ReverseRelation[OrderTransition]

    class Meta:
        table = "orders"
        indexes = (
            ("customer_id", "created_at"),
            ("provider_id", "status"),
            ("status", "expires_at"),
        )


class OrderItem(Model):
    """A product line of an order, frozen at placement (title, price and receipt data)."""

    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="items", on_delete=fields.CASCADE, db_index=True
    )
    product: fields.ForeignKeyNullableRelation[Product] = fields.ForeignKeyField(
        "models.Product", related_name="order_items", null=True, on_delete=fields.SET_NULL
    )
    sku = fields.CharField(max_length=64)
    title = fields.CharField(max_length=128)
    kind = fields.CharEnumField(ProductKind, max_length=16)
    price = fields.BigIntField()
    quantity = fields.IntField()
    currency = fields.CharField(max_length=3)
    vat_code = fields.SmallIntField()
    payment_subject = fields.CharField(max_length=32)
    payment_mode = fields.CharField(max_length=32)
    personal_text = fields.CharField(max_length=200, null=True)
    """The customer's text the seller puts on the product (an engraved name)."""
    design: fields.ForeignKeyNullableRelation[Design] = fields.ForeignKeyField(
        "models.Design", related_name="order_items", null=True, on_delete=fields.SET_NULL
    )
    """The customer's picture the seller prints: its original file and approved previews."""

    product_id: int | None
    design_id: int | None

    class Meta:
        table = "order_items"


class OrderTransition(Model):
    """One status change: from, to, who, when and why."""

    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="transitions", on_delete=fields.CASCADE, db_index=True
    )
    from_status = fields.CharEnumField(OrderStatus, max_length=24, null=True)
    to_status = fields.CharEnumField(OrderStatus, max_length=24)
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="order_transitions", null=True, on_delete=fields.SET_NULL
    )
    actor_role = fields.CharEnumField(ActorRole, max_length=16)
    reason = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "order_transitions"


class OrderMessage(Model):
    """A notification message about an order, kept so that it is edited in place."""

    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="messages", on_delete=fields.CASCADE
    )
    chat_id = fields.BigIntField()
    message_id = fields.BigIntField()

    class Meta:
        table = "order_messages"
        unique_together = (("order_id", "chat_id"),)
