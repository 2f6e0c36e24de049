"""A tutor's own tools: the profile (description, photo, zone, subjects), lesson types
(add, edit, hide) and booking settings typed as text — validated here, for chat and Mini App."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import InvalidInput
from core.money import STARS, parse_amount
from db.models import Lesson, LessonType, Provider, TutorProfile, User
from services.tutoring import booking, profiles
from services.tutoring.errors import NotTutor

MAX_DESCRIPTION = 1000
MAX_SUBJECTS = 256
MAX_LOCATION = 512
MAX_STARS = 100_000
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
NUMBER_SETTINGS = tuple(profiles.SETTING_LIMITS)
"""Booking settings typed as whole numbers, in the order the menu shows them."""
EDITABLE_TYPE_FIELDS = ("title", "duration", "price", "stars_price", "location")


@dataclass(frozen=True, slots=True)
class PhotoRef:
    """A picture the tutor sent: its Telegram file_id, size in bytes and MIME type."""

    file_id: str
    size: int | None
    mime: str = "image/jpeg"


async def own_tutor(user: User) -> TutorProfile:
    """The tutor profile the person owns (with its provider); NotTutor for everyone else."""
    tutor = await booking.tutor_of(user)
    if tutor is None:
        raise NotTutor()
    return tutor


async def set_description(tutor: TutorProfile, text: str) -> Provider:
    """The tutor's description as students read it (up to MAX_DESCRIPTION characters)."""
    body = text.strip()
    if not 1 <= len(body) <= MAX_DESCRIPTION:
        raise InvalidInput(field="about", min=1, max=MAX_DESCRIPTION)
    provider = await Provider.get(id=tutor.provider_id)
    provider.description = body
    await provider.save(update_fields=["description", "updated_at"])
    return provider


async def set_subjects(tutor: TutorProfile, text: str) -> TutorProfile:
    """Comma-separated subjects (at least one, MAX_SUBJECTS characters in all)."""
    if not any(part.strip() for part in text.split(",")) or len(text.strip()) > MAX_SUBJECTS:
        raise InvalidInput(field="subjects", min=1, max=MAX_SUBJECTS)
    return await profiles.update_settings(tutor, subjects=text)


async def set_timezone(tutor: TutorProfile, name: str) -> TutorProfile:
    """The tutor's IANA zone (Europe/Moscow); weekly hours stay wall-clock hours in it."""
    return await profiles.update_settings(tutor, timezone=profiles.check_zone(name.strip()))


async def set_photo(tutor: TutorProfile, photo: PhotoRef) -> TutorProfile:
    """The profile photo by Telegram file_id: JPEG, PNG or WebP up to MAX_PHOTO_BYTES."""
    if photo.mime not in PHOTO_TYPES:
        raise InvalidInput(field="photo", reason="type")
    if photo.size is not None and photo.size > MAX_PHOTO_BYTES:
        raise InvalidInput(field="photo", reason="size", max=MAX_PHOTO_BYTES // (1024 * 1024))
    tutor.photo_file_id = photo.file_id[:256]
    await tutor.save(update_fields=["photo_file_id", "updated_at"])
    return tutor


def parse_setting(name: str, text: str) -> int | None:
    """A booking setting typed by the tutor: a whole number within SETTING_LIMITS (the daily
    limit also takes 0 for "no limit")."""
    if name not in profiles.SETTING_LIMITS:
        raise InvalidInput(field=name)
    low, high = profiles.SETTING_LIMITS[name]
    value = text.strip()
    if not value.isdigit() or len(value) > 9:
        raise InvalidInput(field=name, min=low, max=high)
    number = int(value)
    if name == "daily_limit" and number == 0:
        return None
    return number


async def set_setting(tutor: TutorProfile, name: str, text: str) -> TutorProfile:
    """Change one numeric booking setting from the tutor's text."""
    return await profiles.update_settings(tutor, **{name: parse_setting(name, text)})


async def set_reminders(tutor: TutorProfile, text: str) -> TutorProfile:
    """Reminder offsets like `24h,1h` (or `-` for the platform's default). Lessons booked
    from now on get them; lessons already booked keep their reminders."""
    value = text.strip().lower()
    return await profiles.update_settings(tutor, reminders=None if value == "-" else value)


async def toggle_confirmation(tutor: TutorProfile) -> TutorProfile:
    """Switch between bookings confirmed at once and bookings the tutor confirms."""
    return await profiles.update_settings(
        tutor, requires_confirmation=not tutor.requires_confirmation
    )


# Lesson types ------------------------------------------------------------------------------


def parse_title(text: str) -> str:
    """A lesson type's title, 1 to 128 characters."""
    title = text.strip()
    if not 1 <= len(title) <= 128:
        raise InvalidInput(field="title", min=1, max=128)
    return title


def parse_duration(text: str) -> int:
    """Minutes of a lesson, 15 to 8 hours."""
    value = text.strip()
    if not value.isdigit() or not 15 <= int(value) <= profiles.MAX_DURATION:
        raise InvalidInput(field="duration", min=15, max=profiles.MAX_DURATION)
    return int(value)


def parse_rub_price(text: str) -> int:
    """A price in roubles (`1500`, `1 500,50`) as kopecks; 0 is a free lesson."""
    try:
        amount = parse_amount(text.strip().removesuffix("₽"), "RUB")
    except ValueError:
        raise InvalidInput(field="price_rub") from None
    if not 0 <= amount <= profiles.MAX_PRICE:
        raise InvalidInput(field="price_rub")
    return amount


def parse_stars(text: str) -> int | None:
    """An optional price in Telegram Stars: a whole number, or `-` for none."""
    value = text.strip()
    if value == "-":
        return None
    try:
        stars = parse_amount(value, STARS)
    except ValueError:
        raise InvalidInput(field="stars_price", min=1, max=MAX_STARS) from None
    if not 1 <= stars <= MAX_STARS:
        raise InvalidInput(field="stars_price", min=1, max=MAX_STARS)
    return stars


def parse_location(text: str) -> str:
    """A meeting link or an address (`-` for none)."""
    value = text.strip()
    if value == "-":
        return ""
    if len(value) > MAX_LOCATION:
        raise InvalidInput(field="location", max=MAX_LOCATION)
    return value


async def all_lesson_types(tutor: TutorProfile) -> list[LessonType]:
    """Every lesson type of the tutor, hidden ones too, shortest first."""
    return list(await LessonType.filter(tutor_id=tutor.id).order_by("duration", "id"))


async def lesson_type_of(tutor: TutorProfile, lesson_type_id: int) -> LessonType:
    """One of the tutor's lesson types, hidden ones too; NotFound for anyone else's."""
    return await booking.lesson_type_of(tutor, lesson_type_id, offered_only=False)


async def create_lesson_type(
    tutor: TutorProfile,
    *,
    title: str,
    duration: int,
    price: int,
    stars_price: int | None = None,
    location: str = "",
) -> LessonType:
    """A new lesson type on offer (checked as profiles.add_lesson_type checks it)."""
    return await profiles.add_lesson_type(
        tutor,
        title=title,
        duration=duration,
        price=price,
        location=location,
        stars_price=stars_price,
    )


async def edit_lesson_type(
    tutor: TutorProfile, lesson_type_id: int, field: str, text: str
) -> LessonType:
    """Change one field of a lesson type from the tutor's text. Booked lessons keep their
    time and price: only bookings made afterwards see the change."""
    lesson_type = await lesson_type_of(tutor, lesson_type_id)
    value: object
    if field == "title":
        value = parse_title(text)
    elif field == "duration":
        value = parse_duration(text)
    elif field == "price":
        value = parse_rub_price(text)
    elif field == "stars_price":
        value = parse_stars(text)
    elif field == "location":
        value = parse_location(text)
    else:
        raise InvalidInput(field=field)
    setattr(lesson_type, field, value)
    await lesson_type.save(update_fields=[field, "updated_at"])
    return lesson_type


async def set_lesson_type_hidden(
    tutor: TutorProfile, lesson_type_id: int, *, hidden: bool
) -> LessonType:
    """Hide a lesson type from new bookings (its lessons stay) or offer it again. Lesson
    types are never deleted: lessons and their history point at them."""
    lesson_type = await lesson_type_of(tutor, lesson_type_id)
    lesson_type.is_active = not hidden
    await lesson_type.save(update_fields=["is_active", "updated_at"])
    return lesson_type


async def lessons_of_type(lesson_type: LessonType) -> int:
    """How many lessons were booked with this lesson type."""
    return await Lesson.filter(lesson_type_id=lesson_type.id).count()
