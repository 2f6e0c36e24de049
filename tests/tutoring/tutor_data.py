"""Tutors, lesson types and students for the tutoring tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from db.models import LessonType, Provider, ProviderKind, Role, TutorProfile, User
from services import ledger
from services.ledger import LedgerKind, Posting
from services.tutoring import money, profiles
from tests.services.shop_data import make_provider, make_user

COMMISSION = Decimal(10)
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
"""Monday 2 March 2026, 08:00 in Berlin."""


@dataclass
class Tutor:
    owner: User
    provider: Provider
    profile: TutorProfile
    hour: LessonType
    ninety: LessonType


async def make_tutor(
    *,
    timezone: str = "Europe/Berlin",
    weekdays: range = range(7),
    window: tuple[str, str] = ("10:00", "14:00"),
    **settings: object,
) -> Tutor:
    """A tutor with 60-minute (2 000 ₽) and 90-minute (2 800 ₽) lessons, free every day
    10:00–14:00 in Berlin by default, no notice."""
    owner = await make_user(Role.provider, first_name="Anna")
    provider = await make_provider(owner, kind=ProviderKind.tutor, name="Anna Math")
    profile = await profiles.create_tutor(provider, timezone=timezone)
    await profiles.update_settings(
        profile,
        subjects="Maths, Physics",
        min_notice=0,
        **settings,
    )
    for weekday in weekdays:
        await profiles.add_rule(
            profile, weekday, profiles.parse_minute(window[0]), profiles.parse_minute(window[1])
        )
    hour = await profiles.add_lesson_type(
        profile, title="Lesson", duration=60, price=200000, location="https://meet.example/anna"
    )
    ninety = await profiles.add_lesson_type(profile, title="Exam prep", duration=90, price=280000)
    return Tutor(owner, provider, profile, hour, ninety)


async def make_student(credits: int = 0, tutor: Tutor | None = None, wallet: int = 0) -> User:
    """A student, optionally with a package of `credits` lessons with `tutor` and money in
    the wallet (paid in through Telegram)."""
    student = await make_user(first_name="Boris")
    if wallet:
        await ledger.post(
            f"test-wallet:{student.id}",
            LedgerKind.payment_unmatched,
            [
                Posting(await ledger.clearing_account("telegram", "RUB"), -wallet),
                Posting(await ledger.customer_account(student.id, "RUB"), wallet),
            ],
        )
    if credits and tutor is not None:
        await money.buy_package(
            student,
            tutor.profile,
            lessons=credits,
            lesson_price=tutor.hour.price,
            discount_percent=10,
            payment_reference=f"test-package:{student.id}",
            channel="telegram",
        )
    return student
