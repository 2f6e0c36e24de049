"""Request and response bodies of the tutoring API (tutors, slots, bookings)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, available_timezones

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, WithJsonSchema

from db.models import LessonStatus, PaymentChannel, TutoringPaymentKind
from services.tutoring.booking import MAX_SERIES_WEEKS, Pay
from webapp.routes.shop_api_models import (
    MAX_ID,
    JsonInt,
    Money,
    QueryParams,
    RequestBody,
    ResponseBody,
)

ZONES = sorted(name for name in available_timezones() if "/" in name or name == "UTC")


def _known_zone(name: str) -> str:
    if name not in ZONES:
        raise ValueError("not a known IANA zone")
    ZoneInfo(name)
    return name


Zone = Annotated[
    str,
    AfterValidator(_known_zone),
    WithJsonSchema({"type": "string", "enum": ZONES, "description": "An IANA time zone."}),
]
"""An IANA zone name such as Europe/Moscow (the document lists every one)."""


def _iso_date(value: object) -> date:
    """Only `YYYY-MM-DD` (pydantic alone would read "0" as a Unix timestamp)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("not a YYYY-MM-DD date")
    return date.fromisoformat(value)


IsoDate = Annotated[
    date, BeforeValidator(_iso_date), WithJsonSchema({"type": "string", "format": "date"})
]

MAX_DAYS = 31
TZ_DESCRIPTION = (
    "IANA zone of the times in the answer (e.g. Europe/Moscow); unset: the person's profile "
    "zone, else the server's TIMEZONE."
)


class LessonTypeOut(ResponseBody):
    """A kind of lesson a tutor gives."""

    id: int
    title: str
    duration: int = Field(description="Minutes.")
    price: Money


class TutorSummary(ResponseBody):
    """A tutor in a list."""

    id: int = Field(description="The tutor's provider id (as in the deep link tutor_<id>).")
    name: str
    subjects: list[str]
    timezone: str


class TutorList(ResponseBody):
    """Tutors, by name."""

    items: list[TutorSummary]


class OfferOut(ResponseBody):
    """A package the tutor sells (with `monthly`, a Telegram Stars plan renewed every 30
    days)."""

    id: int
    lesson_type_id: int
    lessons: int
    discount_percent: int
    monthly: bool
    price: Money = Field(description="The package in the lesson type's currency.")
    stars_price: Money | None = Field(description="The package in Telegram Stars, if sold so.")
    channels: list[PaymentChannel] = Field(description="The ways it can be bought now.")


class TutorOut(TutorSummary):
    """A tutor's page."""

    description: str
    lesson_types: list[LessonTypeOut]
    offers: list[OfferOut]
    free_cancel_hours: int
    requires_confirmation: bool
    credits: int = Field(description="The signed-in person's unused prepaid lessons here.")


class PackagePurchase(RequestBody):
    """Which offer, and how it is paid."""

    offer_id: JsonInt = Field(ge=1, le=MAX_ID)
    channel: PaymentChannel


class LessonPaymentRequest(RequestBody):
    """How a held lesson is paid."""

    channel: PaymentChannel


class TutorPaymentOut(ResponseBody):
    """An attempt to pay a tutor: pass `invoice_link` to Telegram.WebApp.openInvoice."""

    id: int
    kind: TutoringPaymentKind
    channel: PaymentChannel
    status: str = Field(description="pending, paid or canceled.")
    amount: Money
    invoice_link: str | None


class TutorsQuery(QueryParams):
    """Optionally only tutors of one subject."""

    subject: str | None = Field(default=None, min_length=1, max_length=64)


class SlotsQuery(QueryParams):
    """Which dates, in whose zone, for which lesson type."""

    from_: IsoDate | None = Field(
        default=None,
        alias="from",
        description="First date (YYYY-MM-DD) in the caller's zone; unset: today.",
    )
    days: int = Field(default=7, ge=1, le=MAX_DAYS)
    tz: Zone | None = Field(default=None, description=TZ_DESCRIPTION)
    lesson_type: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Lesson type id; unset: the tutor's first."
    )
    moving: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="One's own booking being moved: its time and neighbours count as free, as "
        "POST /bookings/{id}/reschedule judges them.",
    )


class Slots(ResponseBody):
    """Free start times (ISO 8601 with the caller's offset), soonest first."""

    tutor_id: int
    lesson_type_id: int
    timezone: str
    slots: list[str]


class BookingRequest(RequestBody):
    """One lesson at one of the offered start times."""

    tutor_id: JsonInt = Field(ge=1, le=MAX_ID)
    lesson_type_id: JsonInt = Field(ge=1, le=MAX_ID)
    start: AwareDatetime = Field(description="ISO 8601 with offset, one of GET .../slots.")
    pay: Pay = Field(
        default=Pay.credit,
        description=(
            "`credit`: a prepaid lesson of a package; `per_lesson`: from the wallet; "
            "`invoice`: held (`awaiting_payment`) until paid by POST /bookings/{id}/payments; "
            "`auto`: a credit, else free or from the wallet, else held until paid."
        ),
    )


class SeriesRequest(BookingRequest):
    """The same local time (the tutor's wall clock) every week for `weeks` weeks."""

    weeks: JsonInt = Field(ge=1, le=MAX_SERIES_WEEKS, description="How many weeks, this one first.")


class WaitlistRequest(RequestBody):
    """Wait for a taken start time of a tutor's lesson type."""

    tutor_id: JsonInt = Field(ge=1, le=MAX_ID)
    lesson_type_id: JsonInt = Field(ge=1, le=MAX_ID)
    start: AwareDatetime = Field(description="ISO 8601 with offset: the time that was taken.")


class WaitlistQuery(QueryParams):
    """In whose zone the times are written."""

    tz: Zone | None = Field(default=None, description=TZ_DESCRIPTION)


class WaitlistEntryOut(ResponseBody):
    """One time the person waits for; `offered` while it is held for them until
    `offered_until` (book it with POST /bookings before then)."""

    id: int
    tutor_id: int
    tutor_name: str
    lesson_type_id: int
    title: str
    start: str
    state: Literal["waiting", "offered", "booked", "expired"]
    offered_until: str | None


class WaitlistOut(ResponseBody):
    """The times the person waits for, soonest first."""

    items: list[WaitlistEntryOut]


class Credit(ResponseBody):
    """Unused prepaid lessons with one tutor."""

    tutor_id: int = Field(description="The tutor's provider id.")
    tutor_name: str
    count: int


class CreditsOut(ResponseBody):
    """The person's unused prepaid lessons, per tutor."""

    items: list[Credit]


class RescheduleRequest(RequestBody):
    """The new start time (one of GET .../slots)."""

    start: AwareDatetime


class BookingsQuery(QueryParams):
    """Upcoming (soonest first) or past (latest first) lessons."""

    scope: Literal["upcoming", "past"] = "upcoming"
    tz: Zone | None = Field(default=None, description=TZ_DESCRIPTION)


class BookingEvent(ResponseBody):
    """One step of a lesson's history."""

    action: str
    at: str
    from_start: str | None
    to_start: str | None


class Booking(ResponseBody):
    """A booked lesson, times in the caller's zone."""

    id: int
    tutor_id: int
    tutor_name: str
    lesson_type_id: int
    title: str
    start: str
    end: str
    status: LessonStatus
    status_text: str
    location: str = Field(description="The meeting link or address.")
    price: Money
    paid_with: Pay
    free_change_until: str = Field(description="Cancel or move for free until then.")
    history: list[BookingEvent]


class SeriesOut(ResponseBody):
    """The lessons of a weekly series, soonest first."""

    items: list[Booking]


class BookingList(ResponseBody):
    """The person's lessons."""

    items: list[Booking]


class CalendarLink(ResponseBody):
    """The person's private iCalendar feed (subscribe to it in a calendar app)."""

    url: str
