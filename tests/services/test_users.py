"""Users service: upsert, roles, consent, privacy export and erasure."""

from __future__ import annotations

import asyncio

from db.models import AuditLog, Consent, ConsentKind, Role, User
from services import consent, onboarding, privacy, users
from services.users import TelegramProfile


def profile(tg_id: int = 42, **kwargs: object) -> TelegramProfile:
    return TelegramProfile(tg_id=tg_id, first_name=str(kwargs.get("first_name", "Anna")))


async def test_first_contact_creates_a_user_with_a_pseudonym(db: None) -> None:
    user = await users.upsert_user(profile())
    assert user.tg_id == 42
    assert user.pseudonym.startswith("u") and len(user.pseudonym) == 17
    assert await User.filter(tg_id=42).count() == 1


async def test_concurrent_first_updates_create_one_user(db: None) -> None:
    results = await asyncio.gather(*(users.upsert_user(profile()) for _ in range(5)))
    assert len({u.id for u in results}) == 1
    assert await User.filter(tg_id=42).count() == 1


async def test_names_follow_telegram(db: None) -> None:
    await users.upsert_user(profile())
    await users.upsert_user(profile(first_name="Анна"))
    assert (await User.get(tg_id=42)).first_name == "Анна"


async def test_grant_role_creates_placeholder_and_audits(db: None) -> None:
    user = await users.grant_role(777, Role.admin)
    assert user.role is Role.admin
    entry = await AuditLog.get(action="user.role")
    assert entry.data == {"from": "customer", "to": "admin"}


async def test_consent_latest_decision_counts(db: None) -> None:
    user = await users.upsert_user(profile())
    assert not await consent.may_collect_personal_data(user, "1")
    await consent.record(user, ConsentKind.personal_data, granted=True, version="1")
    assert await consent.may_collect_personal_data(user, "1")
    assert not await consent.may_collect_personal_data(user, "2")
    await consent.record(user, ConsentKind.personal_data, granted=False, version="1")
    assert not await consent.may_collect_personal_data(user, "1")
    assert await Consent.filter(user_id=user.id).count() == 2


async def test_referral_is_credited_once_and_never_to_oneself(db: None) -> None:
    referrer = await users.upsert_user(profile(1))
    newcomer = await users.upsert_user(profile(2))
    link = f"ref_{referrer.pseudonym}"
    assert (await onboarding.start(newcomer, link)).referrer is not None
    other = await users.upsert_user(profile(3))
    assert (await onboarding.start(newcomer, f"ref_{other.pseudonym}")).referrer is None
    assert (await onboarding.start(referrer, link)).referrer is None
    assert (await User.get(id=newcomer.id)).referrer_id == referrer.id


async def test_unknown_payloads_are_ignored(db: None) -> None:
    user = await users.upsert_user(profile())
    for payload in ("", "garbage", "p_abc", "p_999999", "s_nope", "x" * 200, "ref_'; DROP"):
        result = await onboarding.start(user, payload)
        assert result.product is None and result.provider is None and result.referrer is None


async def test_erasure_keeps_the_row_under_its_pseudonym(db: None) -> None:
    user = await users.upsert_user(profile())
    await users.set_phone(user, "+79991234567")
    await consent.record(user, ConsentKind.personal_data, granted=True, version="1")
    exported = await privacy.export_user_data(user)
    assert exported["profile"]["phone"] == "+79991234567"
    assert exported["consents"][0]["granted"] is True

    await privacy.anonymize_user(user)

    erased = await User.get(id=user.id)
    assert erased.tg_id is None and erased.phone is None and erased.first_name == ""
    assert erased.pseudonym == user.pseudonym and erased.is_anonymized
    again = await users.upsert_user(profile())
    assert again.id != user.id
