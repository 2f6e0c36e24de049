"""Consent to the processing of personal data (152-FZ) and, separately, to marketing."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from db.models import Consent, ConsentKind, User


async def latest(user: User, kind: ConsentKind) -> Consent | None:
    """The person's most recent decision about this kind of consent."""
    return await Consent.filter(user_id=user.id, kind=kind).order_by("-created_at", "-id").first()


async def has_consent(user: User, kind: ConsentKind, version: str | None = None) -> bool:
    """True if the latest decision grants consent (to this text version, when given)."""
    decision = await latest(user, kind)
    if decision is None or not decision.granted:
        return False
    return version is None or decision.version == version


async def record(user: User, kind: ConsentKind, *, granted: bool, version: str) -> Consent:
    """Record a decision; history is kept, the latest one counts."""
    return await Consent.create(user=user, kind=kind, granted=granted, version=version)


async def may_collect_personal_data(user: User, version: str) -> bool:
    """Features call this before asking for optional data such as a phone or an address."""
    return await has_consent(user, ConsentKind.personal_data, version)


async def grant(user: User, version: str) -> Consent:
    """The person agrees to the processing of personal data (this text version)."""
    return await record(user, ConsentKind.personal_data, granted=True, version=version)


async def withdraw(user: User, version: str) -> bool:
    """The person withdraws (or declines) consent: recorded, and the data kept only because of it
    — the phone saved in the profile — is erased. Orders keep theirs: they are kept as the law
    requires, not by consent. True if something was erased."""
    async with in_transaction():
        await record(user, ConsentKind.personal_data, granted=False, version=version)
        erased = await User.filter(id=user.id, phone__isnull=False).update(phone=None)
    user.phone = None
    return bool(erased)
