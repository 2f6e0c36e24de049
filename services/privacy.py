"""Personal data (152-FZ): export everything we keep about a person, or erase it.

Erasure keeps financial records (orders, payments, ledger, receipts) attached to the user's
pseudonymous row; later features extend `export_user_data` and `anonymize_user` with their own
personal fields.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from db.models import AuditLog, Consent, User


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


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
    }


async def anonymize_user(user: User, *, now: datetime | None = None) -> None:
    """Erase the person's personal fields; the row stays under its pseudonym."""
    now = now or datetime.now(UTC)
    async with in_transaction():
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
        await AuditLog.create(actor_id=user.id, action="privacy.erase", target=f"user:{user.id}")
    await user.refresh_from_db()
