"""Placing the order: the cart becomes an order, stock reserved so that it is never oversold."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from core.errors import CartChanged, EmptyCart, InvalidInput, PromoRefused, SoldOut
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
from services import catalog_versions, custom_products, loyalty
from services import promo as promos
from services.catalog import tracks_stock
from services.checkout import slots as delivery
from services.checkout.draft import CheckoutDraft
from services.checkout.offering import CheckoutSettings, options
from services.checkout.slots import Slot
from services.checkout.validation import validate
from services.events import ShopEvents


def new_checkout_key() -> str:
    """A key for one confirmation screen: pressing "Place order" twice makes one order."""
    return secrets.token_urlsafe(12)


async def _hold_slot(provider_id: int, slot: Slot) -> None:
    """Inside the order's transaction: the slot is still free (others may have booked it).

    The provider's row is locked first, so two orders of one provider count its slots one
    after the other (PostgreSQL; SQLite runs one write transaction at a time anyway).
    """
    await Provider.filter(id=provider_id).select_for_update().get()
    if (await delivery.booked(provider_id, [slot]))[slot.id] >= delivery.SLOT_CAPACITY:
        raise InvalidInput(field="delivery_slot", reason="taken")


async def place_order(
    user: User,
    draft: CheckoutDraft,
    *,
    settings: CheckoutSettings,
    checkout_key: str,
    events: ShopEvents,
    payment_timeout: timedelta | None = None,
    now: datetime | None = None,
) -> Order:
    """Create the order from the cart; the same `checkout_key` always yields the same order.

    Refuses with CartChanged when prices or availability moved since the customer looked
    (they must see the new cart first), with SoldOut when stock ran out meanwhile, and as
    `validate` does when the draft does not fit the checkout options (a slot booked up
    meanwhile included). An online order waits `payment_timeout` (ORDER_PAYMENT_TIMEOUT).
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
    now = now or datetime.now(UTC)
    offered = await options(
        user, settings, cart=cart, now=now, promo_code=draft.promo_code, points=draft.points
    )
    terms = validate(draft, offered)
    if payment_timeout is None:
        payment_timeout = timedelta(minutes=settings.order_payment_timeout)
    online = terms.payment_method is PaymentMethod.online
    status = OrderStatus.pending_payment if online else OrderStatus.placed
    delivery_fee = provider.delivery_fee if terms.fulfilment is Fulfilment.delivery else 0
    try:
        async with in_transaction():
            if terms.slot is not None:
                await _hold_slot(provider.id, terms.slot)
            for line in cart.lines:
                if tracks_stock(line.product):
                    reserved = await Product.filter(
                        id=line.product.id, stock__gte=line.quantity
                    ).update(stock=F("stock") - line.quantity)
                    if not reserved:
                        await line.product.refresh_from_db(fields=["stock"])
                        raise SoldOut(title=line.product.title, available=line.product.stock)
            if any(tracks_stock(line.product) for line in cart.lines):
                await catalog_versions.bump([provider.id])  # the storefront shows less stock
            order = await Order.create(
                customer_id=user.id,
                provider_id=provider.id,
                status=status,
                fulfilment=terms.fulfilment,
                payment_method=terms.payment_method,
                address=terms.address,
                latitude=terms.latitude,
                longitude=terms.longitude,
                delivery_slot=terms.slot.stored if terms.slot is not None else None,
                phone=terms.phone,
                comment=terms.comment,
                items_total=cart.total,
                delivery_fee=delivery_fee,
                total=cart.total + delivery_fee,
                currency=cart.currency,
                checkout_key=checkout_key,
                discount=0,
                pickup_code=f"{secrets.randbelow(10**6):06d}",
                expires_at=now + payment_timeout if online else None,
            )
            if offered.promo is not None:
                # Checked again with the code's row locked: its last use may be gone.
                discount = await promos.redeem(offered.promo.code, order=order, now=now)
                order.discount = discount
            if offered.points:
                # The ledger refuses points spent meanwhile (its account row is locked).
                await loyalty.spend(order, offered.points)
                order.points_spent = offered.points
                order.discount += offered.points_value
            if order.discount:
                order.total = order.items_total + order.delivery_fee - order.discount
                await order.save(update_fields=["discount", "points_spent", "total"])
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
                        personal_text=line.personal_text,
                        design_id=line.design_id,
                    )
                    for line in cart.lines
                ]
            )
            await custom_products.mark_ordered(
                [line.design_id for line in cart.lines if line.design_id is not None]
            )
            record = await OrderTransition.create(
                order_id=order.id,
                from_status=None,
                to_status=status,
                actor_id=user.id,
                actor_role=ActorRole.customer,
            )
            await CartItem.filter(user_id=user.id).delete()
    except (IntegrityError, SoldOut, PromoRefused):
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
