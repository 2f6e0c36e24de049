"""Checkout: turn the cart into an order, reserving stock so that it is never oversold."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from core.errors import CartChanged, EmptyCart, InvalidInput, SoldOut
from db.models import (
    ActorRole,
    CartItem,
    Fulfilment,
    Order,
    OrderItem,
    OrderStatus,
    OrderTransition,
    PaymentMethod,
    Product,
    Provider,
    User,
)
from services import cart as carts
from services.catalog import tracks_stock
from services.events import ShopEvents

DEFAULT_PAYMENT_TIMEOUT = timedelta(minutes=30)


@dataclass(slots=True)
class CheckoutDraft:
    """The customer's choices, collected by the chat conversation or the Mini App."""

    fulfilment: Fulfilment = Fulfilment.pickup
    payment_method: PaymentMethod = PaymentMethod.online
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    delivery_slot: str | None = None
    phone: str | None = None
    comment: str = ""


def new_checkout_key() -> str:
    """A key for one confirmation screen: pressing "Place order" twice makes one order."""
    return secrets.token_urlsafe(12)


def validate(draft: CheckoutDraft, provider: Provider, *, digital_only: bool = False) -> None:
    """The draft fits what the provider offers; raises InvalidInput naming the field.

    Digital goods are handed over in the chat: their order is a "pickup" without an address,
    whatever the provider's pickup and delivery options, and is never delivered (or paid) in
    cash.
    """
    if digital_only:
        if draft.fulfilment is not Fulfilment.pickup:
            raise InvalidInput(field="fulfilment")
        if draft.payment_method is PaymentMethod.cash:
            raise InvalidInput(field="payment_method")
    elif draft.fulfilment is Fulfilment.pickup and not provider.allow_pickup:
        raise InvalidInput(field="fulfilment")
    if draft.fulfilment is Fulfilment.delivery:
        if not provider.allow_delivery:
            raise InvalidInput(field="fulfilment")
        if not (draft.address and draft.address.strip()) and draft.latitude is None:
            raise InvalidInput(field="address")
        if not draft.phone:
            raise InvalidInput(field="phone")
    if draft.payment_method is PaymentMethod.cash and not provider.allow_cash:
        raise InvalidInput(field="payment_method")
    if len(draft.comment) > 500:
        raise InvalidInput(field="comment", max=500)
    if draft.address is not None and len(draft.address) > 500:
        raise InvalidInput(field="address", max=500)


async def place_order(
    user: User,
    draft: CheckoutDraft,
    *,
    checkout_key: str,
    events: ShopEvents,
    payment_timeout: timedelta = DEFAULT_PAYMENT_TIMEOUT,
    now: datetime | None = None,
) -> Order:
    """Create the order from the cart; the same `checkout_key` always yields the same order.

    Refuses with CartChanged when prices or availability moved since the customer looked
    (they must see the new cart first), and with SoldOut when stock ran out meanwhile.
    """
    existing = await Order.get_or_none(checkout_key=checkout_key, customer_id=user.id)
    if existing is not None:
        return existing
    cart = await carts.view(user)
    if cart.empty:
        # A second click can arrive just after the first one placed the order and emptied the cart.
        existing = await Order.get_or_none(checkout_key=checkout_key, customer_id=user.id)
        if existing is not None:
            return existing
        raise EmptyCart()
    if any(line.price_changed or not line.available for line in cart.changes):
        raise CartChanged(products=[line.product.id for line in cart.changes])
    for line in cart.lines:
        if line.short_of_stock:  # someone bought it first: the same answer as losing the race
            raise SoldOut(title=line.product.title, available=line.product.stock)
    if len({line.product.currency for line in cart.lines}) > 1:
        raise InvalidInput(field="currency")  # one order is paid in one currency
    provider = cart.provider
    assert provider is not None
    validate(draft, provider, digital_only=cart.digital_only)
    now = now or datetime.now(UTC)
    online = draft.payment_method is PaymentMethod.online
    status = OrderStatus.pending_payment if online else OrderStatus.placed
    delivery_fee = provider.delivery_fee if draft.fulfilment is Fulfilment.delivery else 0
    try:
        async with in_transaction():
            for line in cart.lines:
                if tracks_stock(line.product):
                    reserved = await Product.filter(
                        id=line.product.id, stock__gte=line.quantity
                    ).update(stock=F("stock") - line.quantity)
                    if not reserved:
                        await line.product.refresh_from_db(fields=["stock"])
                        raise SoldOut(title=line.product.title, available=line.product.stock)
            order = await Order.create(
                customer_id=user.id,
                provider_id=provider.id,
                status=status,
                fulfilment=draft.fulfilment,
                payment_method=draft.payment_method,
                address=draft.address,
                latitude=draft.latitude,
                longitude=draft.longitude,
                delivery_slot=draft.delivery_slot,
                phone=draft.phone,
                comment=draft.comment.strip(),
                items_total=cart.total,
                delivery_fee=delivery_fee,
                total=cart.total + delivery_fee,
                currency=cart.currency,
                checkout_key=checkout_key,
                pickup_code=f"{secrets.randbelow(10**6):06d}",
                expires_at=now + payment_timeout if online else None,
            )
            await OrderItem.bulk_create(
                [
                    OrderItem(
                        order_id=order.id,
                        product_id=line.product.id,
                        sku=line.product.sku,
                        title=line.product.title,
                        kind=line.product.kind,
                        price=line.product.price,
                        quantity=line.quantity,
                        currency=line.product.currency,
                        vat_code=line.product.vat_code,
                        payment_subject=line.product.payment_subject,
                        payment_mode=line.product.payment_mode,
                    )
                    for line in cart.lines
                ]
            )
            record = await OrderTransition.create(
                order_id=order.id,
                from_status=None,
                to_status=status,
                actor_id=user.id,
                actor_role=ActorRole.customer,
            )
            await CartItem.filter(user_id=user.id).delete()
    except (IntegrityError, SoldOut):
        # The same key raced in from a second click: the other request created the order
        # (and may have taken the last items, so this one found them sold out).
        existing = await Order.get_or_none(checkout_key=checkout_key, customer_id=user.id)
        if existing is None:
            raise
        return existing
    await events.order_changed(order, record)
    for line in cart.lines:
        if tracks_stock(line.product):
            product = await Product.get(id=line.product.id)
            if product.stock < provider.low_stock_threshold:
                await events.low_stock(product)
    return order
