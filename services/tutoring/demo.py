"""The demo tutor's tutoring profile: hours, lesson types and policy (idempotent)."""

from __future__ import annotations

from db.models import AvailabilityRule, LessonType, PackageOffer, Provider, ProviderKind
from services.tutoring import profiles, purchases

DEMO_TUTOR_SLUG = "demo-tutor"
DEMO_WINDOWS = ((10 * 60, 14 * 60), (16 * 60, 19 * 60))
"""Monday to Friday, Moscow time."""
DEMO_LESSON_TYPES = (
    ("Индивидуальное занятие", 60, 200000),
    ("Подготовка к экзамену", 90, 280000),
)
DEMO_OFFERS = ((4, 5), (8, 10))
"""Packages of the first lesson type: (lessons, discount percent)."""


async def ensure_demo_tutoring() -> bool:
    """Give the demo tutor hours and lesson types when it has none; whether anything changed."""
    provider = await Provider.get_or_none(slug=DEMO_TUTOR_SLUG, kind=ProviderKind.tutor)
    if provider is None:
        return False
    tutor = await profiles.create_tutor(provider, timezone="Europe/Moscow")
    changed = False
    if not await AvailabilityRule.exists(tutor_id=tutor.id):
        await profiles.update_settings(
            tutor,
            subjects="Английский, English",
            min_notice=12 * 60,
            booking_window=30,
            slot_step=30,
            buffer_after=10,
            free_cancel_hours=24,
        )
        for weekday in range(5):
            for start, end in DEMO_WINDOWS:
                await profiles.add_rule(tutor, weekday, start, end)
        changed = True
    if not await LessonType.exists(tutor_id=tutor.id):
        for title, duration, price in DEMO_LESSON_TYPES:
            await profiles.add_lesson_type(
                tutor,
                title=title,
                duration=duration,
                price=price,
                location="https://meet.example.ru/demo-tutor",
            )
        changed = True
    if not await PackageOffer.exists(tutor_id=tutor.id):
        first = await LessonType.filter(tutor_id=tutor.id).order_by("duration", "id").first()
        if first is not None:
            for lessons, discount in DEMO_OFFERS:
                await purchases.add_offer(tutor, first, lessons, discount)
            changed = True
    return changed
