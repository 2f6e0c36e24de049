"""Tutoring: a tutor's profile, lesson types, availability, lessons, packages and the waitlist.

Times of lessons are stored in UTC; availability rules are wall-clock minutes in the tutor's
own zone (`TutorProfile.timezone`), turned into instants per date by `services.tutoring`.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from db.models.base import TimestampedModel
from db.models.catalog import Provider
from db.models.users import User


class TutorProfile(TimestampedModel):
    """The tutoring settings of a provider of kind tutor (one per provider).

    `booking_version` is bumped by every booking, cancellation and move of the tutor's lessons
    inside their transaction: the bump locks this row on PostgreSQL and takes the write lock on
    SQLite, so two bookings of one tutor never check for overlaps at the same time.
    """

    id = fields.IntField(primary_key=True)
    provider: fields.OneToOneRelation[Provider] = fields.OneToOneField(
        "models.Provider", related_name="tutor_profile", on_delete=fields.CASCADE
    )
    timezone = fields.CharField(max_length=64, default="Europe/Moscow")
    subjects = fields.CharField(max_length=256, default="")
    """Comma-separated subjects, as the tutor typed them (search is case-insensitive)."""
    photo_file_id = fields.CharField(max_length=256, null=True)
    buffer_before = fields.IntField(default=0)
    """Minutes kept free before each lesson."""
    buffer_after = fields.IntField(default=0)
    """Minutes kept free after each lesson."""
    min_notice = fields.IntField(default=720)
    """Minutes between now and the earliest bookable start."""
    booking_window = fields.IntField(default=30)
    """Days ahead that can be booked."""
    slot_step = fields.IntField(default=30)
    """Minutes between offered start times."""
    daily_limit = fields.IntField(null=True)
    """At most this many lessons on one day of the tutor's calendar (unset: no limit)."""
    free_cancel_hours = fields.IntField(default=24)
    """A student's cancellation or move is free until this many hours before the lesson."""
    requires_confirmation = fields.BooleanField(default=False)
    reminders = fields.CharField(max_length=64, null=True)
    """Lesson reminders of this tutor (`24h,1h`); unset: LESSON_REMINDERS."""
    booking_version = fields.BigIntField(default=0)

    provider_id: int

    class Meta:
        table = "tutor_profiles"


class LessonType(TimestampedModel):
    """A kind of lesson a tutor gives: its length, price and where it happens."""

    id = fields.IntField(primary_key=True)
    tutor: fields.ForeignKeyRelation[TutorProfile] = fields.ForeignKeyField(
        "models.TutorProfile", related_name="lesson_types", on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=128)
    duration = fields.IntField()
    """Minutes."""
    price = fields.BigIntField()
    """Kopecks of one lesson paid on its own."""
    currency = fields.CharField(max_length=3, default="RUB")
    stars_price = fields.IntField(null=True)
    location = fields.CharField(max_length=512, default="")
    """A meeting link or an address."""
    is_active = fields.BooleanField(default=True)

    tutor_id: int

    class Meta:
        table = "tutor_lesson_types"


class AvailabilityRule(Model):
    """A weekly window in the tutor's zone: weekday (0 = Monday) and minutes from midnight."""

    id = fields.IntField(primary_key=True)
    tutor: fields.ForeignKeyRelation[TutorProfile] = fields.ForeignKeyField(
        "models.TutorProfile", related_name="rules", on_delete=fields.CASCADE
    )
    weekday = fields.SmallIntField()
    start_minute = fields.IntField()
    end_minute = fields.IntField()

    tutor_id: int

    class Meta:
        table = "tutor_availability_rules"


class OverrideKind(StrEnum):
    """What a date override does."""

    day_off = "day_off"  # no weekly windows that date
    extra = "extra"  # one more window that date


class AvailabilityOverride(Model):
    """A change of one date of the tutor's calendar: a day off, or an extra window."""

    id = fields.IntField(primary_key=True)
    tutor: fields.ForeignKeyRelation[TutorProfile] = fields.ForeignKeyField(
        "models.TutorProfile", related_name="overrides", on_delete=fields.CASCADE
    )
    date = fields.DateField()
    kind = fields.CharEnumField(OverrideKind, max_length=16)
    start_minute = fields.IntField(default=0)
    end_minute = fields.IntField(default=0)

    tutor_id: int

    class Meta:
        table = "tutor_availability_overrides"


class LessonStatus(StrEnum):
    """Where a lesson is in its life."""

    pending = "pending"  # waits for the tutor's confirmation
    awaiting_payment = "awaiting_payment"  # the time is held until the invoice is paid
    booked = "booked"
    held = "held"
    no_show = "no_show"  # the student did not come: consumed
    cancelled = "cancelled"  # by the student in time: the credit goes back
    late_cancelled = "late_cancelled"  # by the student too late: consumed
    cancelled_by_tutor = "cancelled_by_tutor"  # the student keeps the credit


class Package(TimestampedModel):
    """Lessons a student bought from a tutor at once: credits spent by bookings."""

    id = fields.IntField(primary_key=True)
    tutor: fields.ForeignKeyRelation[TutorProfile] = fields.ForeignKeyField(
        "models.TutorProfile", related_name="packages", on_delete=fields.RESTRICT
    )
    student: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="tutoring_packages", on_delete=fields.RESTRICT
    )
    lessons = fields.IntField()
    remaining = fields.IntField()
    """Credits not taken by a booking (a cancellation in time gives one back)."""
    consumed = fields.IntField(default=0)
    """Credits whose money went to the tutor (held, no-show, late cancellation)."""
    refunded = fields.IntField(default=0)
    price = fields.BigIntField()
    unit_price = fields.BigIntField()
    """The price of one credit: what a held lesson moves to the tutor."""
    currency = fields.CharField(max_length=3, default="RUB")
    payment_reference = fields.CharField(max_length=128, unique=True)

    tutor_id: int
    student_id: int

    class Meta:
        table = "tutor_packages"


class PackageOffer(TimestampedModel):
    """A package a tutor sells: a number of lessons of a lesson type at a discount.

    With `monthly` it is a Telegram Stars subscription that grants them every 30 days."""

    id = fields.IntField(primary_key=True)
    tutor: fields.ForeignKeyRelation[TutorProfile] = fields.ForeignKeyField(
        "models.TutorProfile", related_name="offers", on_delete=fields.CASCADE
    )
    lesson_type: fields.ForeignKeyRelation[LessonType] = fields.ForeignKeyField(
        "models.LessonType", related_name="offers", on_delete=fields.CASCADE
    )
    lessons = fields.IntField()
    discount_percent = fields.IntField(default=0)
    monthly = fields.BooleanField(default=False)
    is_active = fields.BooleanField(default=True)

    tutor_id: int
    lesson_type_id: int

    class Meta:
        table = "tutor_package_offers"


class TutoringPaymentKind(StrEnum):
    """What a tutoring payment buys."""

    package = "package"
    lesson = "lesson"
    subscription = "subscription"


class TutoringPayment(TimestampedModel):
    """One attempt to pay a tutor (a package, one lesson or a monthly plan) by Telegram
    Payments, Stars or YooKassa. Its settlement is recorded once per provider charge id."""

    id = fields.IntField(primary_key=True)
    student: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="tutoring_payments", on_delete=fields.RESTRICT
    )
    tutor: fields.ForeignKeyRelation[TutorProfile] = fields.ForeignKeyField(
        "models.TutorProfile", related_name="payments", on_delete=fields.RESTRICT
    )
    kind = fields.CharEnumField(TutoringPaymentKind, max_length=16)
    offer: fields.ForeignKeyNullableRelation[PackageOffer] = fields.ForeignKeyField(
        "models.PackageOffer", related_name="payments", null=True, on_delete=fields.RESTRICT
    )
    lesson: fields.ForeignKeyNullableRelation[Lesson] = fields.ForeignKeyField(
        "models.Lesson", related_name="payments", null=True, on_delete=fields.RESTRICT
    )
    channel = fields.CharField(max_length=16)
    """A PaymentChannel value: yookassa, telegram or stars."""
    status = fields.CharField(max_length=16, default="pending")
    """pending, paid (a subscription stays paid through its renewals) or canceled."""
    amount = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    lessons = fields.IntField(default=1)
    unit_price = fields.BigIntField()
    idempotence_key = fields.CharField(max_length=64, unique=True)
    external_id = fields.CharField(max_length=64, unique=True, null=True)
    """YooKassa's payment id."""
    charge_id = fields.CharField(max_length=255, unique=True, null=True)
    """The first charge that paid it (Telegram's charge id, or YooKassa's payment id)."""
    confirmation_url = fields.CharField(max_length=1024, null=True)
    invoice_link = fields.CharField(max_length=256, null=True)
    paid_at = fields.DatetimeField(null=True)

    student_id: int
    tutor_id: int
    offer_id: int | None
    lesson_id: int | None

    class Meta:
        table = "tutor_payments"


class Lesson(TimestampedModel):
    """A booked lesson: one student, one tutor, one time (UTC)."""

    id = fields.IntField(primary_key=True)
    tutor: fields.ForeignKeyRelation[TutorProfile] = fields.ForeignKeyField(
        "models.TutorProfile", related_name="lessons", on_delete=fields.RESTRICT
    )
    student: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="lessons", on_delete=fields.RESTRICT
    )
    lesson_type: fields.ForeignKeyRelation[LessonType] = fields.ForeignKeyField(
        "models.LessonType", related_name="lessons", on_delete=fields.RESTRICT
    )
    package: fields.ForeignKeyNullableRelation[Package] = fields.ForeignKeyField(
        "models.Package", related_name="booked_lessons", null=True, on_delete=fields.RESTRICT
    )
    """The package whose credit the lesson took; unset: paid per lesson."""
    starts_at = fields.DatetimeField(db_index=True)
    ends_at = fields.DatetimeField()
    status = fields.CharEnumField(LessonStatus, max_length=24, default=LessonStatus.booked)
    price = fields.BigIntField(default=0)
    currency = fields.CharField(max_length=3, default="RUB")
    note = fields.TextField(default="")
    series = fields.CharField(max_length=32, null=True)
    booking_key = fields.CharField(max_length=64, null=True, unique=True)
    """A digest of the student and the client's Idempotency-Key: a repeat finds this lesson."""

    tutor_id: int
    student_id: int
    lesson_type_id: int
    package_id: int | None

    class Meta:
        table = "tutor_lessons"
        indexes = (("tutor_id", "starts_at"),)


class LessonEvent(Model):
    """The history of a lesson: booked, confirmed, moved, cancelled, held."""

    id = fields.IntField(primary_key=True)
    lesson: fields.ForeignKeyRelation[Lesson] = fields.ForeignKeyField(
        "models.Lesson", related_name="events", on_delete=fields.CASCADE
    )
    action = fields.CharField(max_length=32)
    actor_id = fields.IntField(null=True)
    from_start = fields.DatetimeField(null=True)
    to_start = fields.DatetimeField(null=True)
    note = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    lesson_id: int

    class Meta:
        table = "tutor_lesson_events"


class WaitlistEntry(Model):
    """A student waiting for a taken start time of a tutor."""

    id = fields.IntField(primary_key=True)
    tutor: fields.ForeignKeyRelation[TutorProfile] = fields.ForeignKeyField(
        "models.TutorProfile", related_name="waitlist", on_delete=fields.CASCADE
    )
    student: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="waitlist_entries", on_delete=fields.CASCADE
    )
    lesson_type: fields.ForeignKeyRelation[LessonType] = fields.ForeignKeyField(
        "models.LessonType", related_name="waitlist_entries", on_delete=fields.CASCADE
    )
    starts_at = fields.DatetimeField()
    offered_until = fields.DatetimeField(null=True)
    state = fields.CharField(max_length=16, default="waiting")
    created_at = fields.DatetimeField(auto_now_add=True)

    tutor_id: int
    student_id: int
    lesson_type_id: int

    class Meta:
        table = "tutor_waitlist"
        unique_together = (("tutor_id", "student_id", "starts_at"),)


class CalendarFeed(Model):
    """A person's private iCalendar feed: whoever knows the token reads their lessons."""

    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "models.User", related_name="calendar_feed", on_delete=fields.CASCADE
    )
    token = fields.CharField(max_length=48, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    user_id: int

    class Meta:
        table = "tutor_calendar_feeds"
