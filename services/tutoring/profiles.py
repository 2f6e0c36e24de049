"""A tutor's profile, lesson types and availability: validated writes."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, date, datetime

from tortoise.transactions import in_transaction

from core.config import parse_reminder_offsets
from core.errors import InvalidInput
from db.models import (
    AvailabilityOverride,
    AvailabilityRule,
    Lesson,
    LessonType,
    OverrideKind,
    Provider,
    ProviderKind,
    TutorProfile,
)
from services.tutoring import digest
from services.tutoring.availability import valid_window
from services.tutoring.booking import conflicting_lessons

MAX_DURATION = 8 * 60
MAX_PRICE = 10**9
MAX_RULES = 50
SETTING_LIMITS = {
    "buffer_before": (0, 240),
    "buffer_after": (0, 240),
    "min_notice": (0, 30 * 24 * 60),
    "booking_window": (1, 365),
    "slot_step": (5, 240),
    "daily_limit": (1, 48),
    "free_cancel_hours": (0, 14 * 24),
}
_TIME = re.compile(r"^([01]?\d|2[0-4])[:.]([0-5]\d)$")


def check_zone(name: str) -> str:
    """An IANA zone name, or InvalidInput naming the field `timezone`."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(field="timezone", reason="zone") from None
    return name


def parse_minute(text: str) -> int:
    """`10:30` as minutes from midnight (`24:00` allowed as the end of a day)."""
    match = _TIME.match(text.strip())
    if match is None:
        raise InvalidInput(field="time", reason="format")
    minute = int(match.group(1)) * 60 + int(match.group(2))
    if minute > 24 * 60:
        raise InvalidInput(field="time", reason="format")
    return minute


async def create_tutor(provider: Provider, *, timezone: str = "Europe/Moscow") -> TutorProfile:
    """The tutoring profile of a provider of kind tutor (the existing one when it has one)."""
    if provider.kind != ProviderKind.tutor:
        raise InvalidInput(field="kind")
    existing = await TutorProfile.get_or_none(provider_id=provider.id)
    if existing is not None:
        return existing
    async with in_transaction():
        tutor = await TutorProfile.create(provider_id=provider.id, timezone=check_zone(timezone))
        await digest.schedule_next(tutor, datetime.now(UTC))
    return tutor


async def update_settings(tutor: TutorProfile, **values: object) -> TutorProfile:
    """Change booking settings (minutes, days, hours), zone, subjects or reminders."""
    changed = []
    for name, value in values.items():
        if name in SETTING_LIMITS:
            low, high = SETTING_LIMITS[name]
            if value is None and name == "daily_limit":
                pass
            elif not isinstance(value, int) or not low <= value <= high:
                raise InvalidInput(field=name, min=low, max=high)
        elif name == "timezone":
            check_zone(str(value))
        elif name == "reminders":
            if value is not None:
                try:
                    parse_reminder_offsets(str(value))
                except ValueError:
                    raise InvalidInput(field="reminders", reason="format") from None
        elif name == "subjects":
            value = ", ".join(p.strip() for p in str(value).split(",") if p.strip())[:256]
        elif name == "requires_confirmation":
            value = bool(value)
        else:
            raise InvalidInput(field=name)
        setattr(tutor, name, value)
        changed.append(name)
    if changed:
        await tutor.save(update_fields=[*changed, "updated_at"])
    return tutor


async def add_lesson_type(
    tutor: TutorProfile,
    *,
    title: str,
    duration: int,
    price: int,
    location: str = "",
    currency: str = "RUB",
    stars_price: int | None = None,
) -> LessonType:
    """A lesson type: 15 minutes to 8 hours, a price of 0 or more kopecks (and optionally
    one in Stars)."""
    title = title.strip()
    if not 1 <= len(title) <= 128:
        raise InvalidInput(field="title", min=1, max=128)
    if not 15 <= duration <= MAX_DURATION:
        raise InvalidInput(field="duration", min=15, max=MAX_DURATION)
    if not 0 <= price <= MAX_PRICE:
        raise InvalidInput(field="price", min=0, max=MAX_PRICE)
    return await LessonType.create(
        tutor_id=tutor.id,
        title=title,
        duration=duration,
        price=price,
        currency=currency,
        location=location.strip()[:512],
        stars_price=stars_price,
    )


async def add_rule(tutor: TutorProfile, weekday: int, start_minute: int, end_minute: int) -> None:
    """A weekly window (0 = Monday) in the tutor's zone."""
    if not 0 <= weekday <= 6:
        raise InvalidInput(field="weekday", min=0, max=6)
    if not valid_window(start_minute, end_minute):
        raise InvalidInput(field="window", reason="order")
    if await AvailabilityRule.filter(tutor_id=tutor.id).count() >= MAX_RULES:
        raise InvalidInput(field="window", max=MAX_RULES)
    await AvailabilityRule.get_or_create(
        tutor_id=tutor.id, weekday=weekday, start_minute=start_minute, end_minute=end_minute
    )


async def clear_rules(tutor: TutorProfile, weekday: int | None = None) -> int:
    """Remove the weekly windows (of one weekday); how many. Booked lessons stay."""
    query = AvailabilityRule.filter(tutor_id=tutor.id)
    if weekday is not None:
        query = query.filter(weekday=weekday)
    return await query.delete()


async def add_override(
    tutor: TutorProfile,
    day: date,
    *,
    day_off: bool,
    start_minute: int = 0,
    end_minute: int = 0,
) -> list[Lesson]:
    """A day off or an extra window on one date. Lessons already booked that date are kept
    and returned, so the tutor is told rather than the students silently dropped."""
    if not day_off and not valid_window(start_minute, end_minute):
        raise InvalidInput(field="window", reason="order")
    async with in_transaction():
        await AvailabilityOverride.create(
            tutor_id=tutor.id,
            date=day,
            kind=OverrideKind.day_off if day_off else OverrideKind.extra,
            start_minute=0 if day_off else start_minute,
            end_minute=0 if day_off else end_minute,
        )
    return await conflicting_lessons(tutor, day) if day_off else []
