"""Personal data (152-FZ): export everything we keep about a person, or erase it.

Erasure keeps financial records (orders, payments, ledger, receipts) attached to the user's
pseudonymous row; later features extend `export_user_data` and `anonymize_user` with their own
personal fields.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from db.models import AuditAction, AuditLog, CartItem, Consent, Order, OrderMessage, User
from services import custom_products, loyalty, reviews, support
from services.users import user_changed


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def _orders(user: User) -> list[dict[str, Any]]:
    orders = (
        await Order.filter(customer_id=user.id)
        .order_by("created_at", "id")
        .prefetch_related("provider", "items", "transitions")
    )
    return [
        {
            "number": order.id,
            "shop": order.provider.name,
            "status": order.status.value,
            "placed_at": _iso(order.created_at),
            "updated_at": _iso(order.updated_at),
            "fulfilment": order.fulfilment.value,
            "payment_method": order.payment_method.value,
            "address": order.address,
            "latitude": order.latitude,
            "longitude": order.longitude,
            "delivery_slot": order.delivery_slot,
            "phone": order.phone,
            "comment": order.comment,
            "items_total": order.items_total,
            "delivery_fee": order.delivery_fee,
            "total": order.total,
            "currency": order.currency,
            "items": [
                {
                    "title": item.title,
                    "sku": item.sku,
                    "price": item.price,
                    "quantity": item.quantity,
                    "currency": item.currency,
                }
                for item in sorted(order.items, key=lambda item: item.id)
            ],
            "history": [
                {
                    "from": step.from_status.value if step.from_status else None,
                    "to": step.to_status.value,
                    "at": _iso(step.created_at),
                }
                for step in sorted(order.transitions, key=lambda step: step.id)
            ],
        }
        for order in orders
    ]


async def _cart(user: User) -> list[dict[str, Any]]:
    items = await CartItem.filter(user_id=user.id).order_by("id").prefetch_related("product")
    return [
        {
            "product": item.product.title,
            "quantity": item.quantity,
            "price_seen": item.price_seen,
            "currency": item.product.currency,
            "added_at": _iso(item.created_at),
        }
        for item in items
    ]


async def export_user_data(user: User) -> dict[str, Any]:
    """Everything stored about the person, as JSON-ready data."""
    consents = await Consent.filter(user_id=user.id).order_by("created_at", "id")
    audit = await AuditLog.filter(actor_id=user.id).order_by("created_at", "id")
    referrals = await User.filter(referrer_id=user.id).count()
    return {
        "exported_at": datetime.now(UTC).isoformat(),
        "profile": {
            "pseudonym": user.pseudonym,
            "telegram_id": user.tg_id,
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "language_code": user.language_code,
            "locale": user.locale,
            "phone": user.phone,
            "role": user.role.value,
            "registered_at": _iso(user.created_at),
            "last_seen_at": _iso(user.last_seen_at),
            "start_payload": user.start_payload,
            "referred_people": referrals,
        },
        "consents": [
            {
                "kind": c.kind.value,
                "version": c.version,
                "granted": c.granted,
                "at": _iso(c.created_at),
            }
            for c in consents
        ],
        "actions": [
            {"action": a.action, "target": a.target, "at": _iso(a.created_at)} for a in audit
        ],
        "orders": await _orders(user),
        "cart": await _cart(user),
        "designs": await custom_products.export_designs(user),
        "support_tickets": await support.export_tickets(user),
        "loyalty": await loyalty.export_data(user),
        "reviews": await reviews.export_reviews(user),
    }


async def anonymize_user(
    user: User, *, now: datetime | None = None, data_dir: Path | None = None
) -> None:
    """Erase the person's personal fields; the row stays under its pseudonym.

    Orders stay (with items, totals and history) for the accounts; where they were delivered,
    the phone and the comment are erased. The cart and the ids of the customer's order
    notifications (their chat id is the Telegram id) are deleted. Reviews keep their stars
    and lose their texts and photos (the files too, given `data_dir`).
    """
    now = now or datetime.now(UTC)
    tg_id = user.tg_id
    async with in_transaction():
        orders = Order.filter(customer_id=user.id)
        order_ids = await orders.values_list("id", flat=True)
        await orders.update(address=None, latitude=None, longitude=None, phone=None, comment="")
        if user.tg_id is not None and order_ids:
            await OrderMessage.filter(order_id__in=order_ids, chat_id=user.tg_id).delete()
        await CartItem.filter(user_id=user.id).delete()
        await custom_products.forget_person(user)
        await support.erase_tickets(user)
        review_photos = await reviews.erase_person(user)
        await User.filter(id=user.id).update(
            tg_id=None,
            username=None,
            first_name="",
            last_name=None,
            phone=None,
            language_code=None,
            start_payload=None,
            anonymized_at=now,
        )
        await AuditLog.create(
            actor_id=user.id, action=AuditAction.privacy_erase, target=f"user:{user.id}"
        )
    if data_dir is not None:
        await reviews.delete_photos(data_dir, review_photos)
    await user_changed(tg_id)
    await user.refresh_from_db()
