"""The tutoring API under /api/v1: tutors, their free times, and the person's bookings.

Registered on the shop API's route table, so the same wrapper, errors and OpenAPI document
cover it. Times go out in the caller's zone: `tz`, else the profile's, else TIMEZONE.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import aiohttp
from aiogram.exceptions import TelegramAPIError

from core.errors import NotFound
from core.i18n import gettext as _
from core.money import STARS
from core.tutoring_texts import lesson_status_name
from db.models import (
    Lesson,
    LessonType,
    PaymentChannel,
    TutoringPayment,
    TutorProfile,
    WaitlistEntry,
)
from services.tutoring import booking, calendar, money, purchases, waitlist
from webapp.keys import BOT
from webapp.routes import tutoring_api_models as t
from webapp.routes.shop_api import _IDEMPOTENCY_RE, IDEMPOTENCY_KEY, IDEMPOTENCY_PATTERN, routes
from webapp.routes.shop_api_kit import ApiError, BadRequest, Call, Header


def _zone(call: Call, requested: str | None) -> ZoneInfo:
    name = requested or call.user.timezone or call.settings.timezone
    try:
        return ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise BadRequest(
            _("That is not a time zone. Send one like Europe/Moscow or Asia/Yekaterinburg."), "tz"
        ) from None


def _iso(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat()


def _subjects(tutor: TutorProfile) -> list[str]:
    return [s.strip() for s in tutor.subjects.split(",") if s.strip()]


def _summary(tutor: TutorProfile) -> t.TutorSummary:
    return t.TutorSummary(
        id=tutor.provider_id,
        name=tutor.provider.name,
        subjects=_subjects(tutor),
        timezone=tutor.timezone,
    )


def _lesson_type(call: Call, lesson_type: LessonType) -> t.LessonTypeOut:
    return t.LessonTypeOut(
        id=lesson_type.id,
        title=lesson_type.title,
        duration=lesson_type.duration,
        price=call.money(lesson_type.price, lesson_type.currency),
    )


def _offer(call: Call, priced: purchases.OfferPrice) -> t.OfferOut:
    return t.OfferOut(
        id=priced.offer.id,
        lesson_type_id=priced.lesson_type.id,
        lessons=priced.offer.lessons,
        discount_percent=priced.offer.discount_percent,
        monthly=priced.offer.monthly,
        price=call.money(priced.price, priced.currency),
        stars_price=call.money(priced.stars_price, STARS) if priced.stars_price else None,
        channels=purchases.offer_channels(priced, call.settings),
    )


async def _invoice(call: Call, payment: TutoringPayment) -> t.TutorPaymentOut:
    """The attempt with its invoice link (made once, then reused)."""
    if payment.invoice_link is None and payment.status == purchases.PENDING:
        fields = await purchases.invoice_fields(payment, call.settings.telegram_provider_token)
        try:
            link = await call.request.config_dict[BOT].create_invoice_link(**fields)
        except (TelegramAPIError, aiohttp.ClientError, TimeoutError) as error:
            raise ApiError(
                503, "invoice_unavailable", _("Telegram did not answer. Try again in a moment.")
            ) from error
        await purchases.mark_sent(payment, link)
    return t.TutorPaymentOut(
        id=payment.id,
        kind=payment.kind,
        channel=PaymentChannel(payment.channel),
        status=payment.status,
        amount=call.money(payment.amount, payment.currency),
        invoice_link=payment.invoice_link,
    )


@routes.endpoint("GET", "/tutors", tag="tutoring")
async def list_tutors(call: Call, query: t.TutorsQuery) -> t.TutorList:
    """Active tutors by name, optionally of one subject."""
    return t.TutorList(items=[_summary(x) for x in await booking.list_tutors(query.subject)])


@routes.endpoint("GET", "/tutors/{tutor_id}", tag="tutoring", errors=(404,))
async def get_tutor(call: Call, tutor_id: int) -> t.TutorOut:
    """A tutor's page: subjects, lesson types, policy and the caller's prepaid lessons."""
    tutor = await booking.get_tutor(tutor_id)
    types = await booking.lesson_types(tutor)
    summary = _summary(tutor)
    return t.TutorOut(
        **summary.model_dump(),
        description=tutor.provider.description,
        lesson_types=[_lesson_type(call, x) for x in types],
        offers=[_offer(call, x) for x in await purchases.offers(tutor)],
        free_cancel_hours=tutor.free_cancel_hours,
        requires_confirmation=tutor.requires_confirmation,
        credits=await money.credits_left(call.user.id, tutor.id),
    )


@routes.endpoint("GET", "/tutors/{tutor_id}/slots", tag="tutoring", errors=(404,))
async def tutor_slots(call: Call, tutor_id: int, query: t.SlotsQuery) -> t.Slots:
    """Free start times of a lesson type for `days` dates from `from`, in the caller's zone.

    A tutor or lesson type that does not exist (or is not on offer) is 404, and so is a
    `moving` booking that is not the caller's.
    """
    zone = _zone(call, query.tz)
    tutor = await booking.get_tutor(tutor_id)
    types = await booking.lesson_types(tutor)
    chosen = next((x for x in types if query.lesson_type in (None, x.id)), None)
    if chosen is None:
        raise NotFound(entity="lesson_type")
    moving = await booking.student_lesson(call.user, query.moving) if query.moving else None
    first = query.from_ or datetime.now(UTC).astimezone(zone).date()
    slots = []
    if booking.EARLIEST_YEAR <= first.year < booking.LATEST_YEAR:  # nothing is ever offered else
        start, end = booking.viewer_range(first, query.days, zone)
        slots = await booking.free_slots(
            tutor,
            chosen,
            start,
            end,
            for_student=call.user.id,
            exclude=moving.id if moving else None,
        )
    return t.Slots(
        tutor_id=tutor_id,
        lesson_type_id=chosen.id,
        timezone=zone.key,
        slots=[_iso(s, zone) for s in slots],
    )


async def _booking(call: Call, lesson: Lesson, zone: ZoneInfo) -> t.Booking:
    tutor = await TutorProfile.get(id=lesson.tutor_id).prefetch_related("provider")
    lesson_type = await LessonType.get(id=lesson.lesson_type_id)
    return t.Booking(
        id=lesson.id,
        tutor_id=tutor.provider_id,
        tutor_name=tutor.provider.name,
        lesson_type_id=lesson_type.id,
        title=lesson_type.title,
        start=_iso(lesson.starts_at, zone),
        end=_iso(lesson.ends_at, zone),
        status=lesson.status,
        status_text=lesson_status_name(lesson.status),
        location=lesson_type.location,
        price=call.money(lesson.price, lesson.currency),
        paid_with=booking.Pay.credit if lesson.package_id else booking.Pay.per_lesson,
        free_change_until=_iso(booking.free_change_until(lesson, tutor), zone),
        history=[
            t.BookingEvent(
                action=event.action,
                at=_iso(event.created_at, zone),
                from_start=_iso(event.from_start, zone) if event.from_start else None,
                to_start=_iso(event.to_start, zone) if event.to_start else None,
            )
            for event in await booking.history(lesson)
        ],
    )


def _client_key(call: Call) -> str:
    key = call.request.headers.get(IDEMPOTENCY_KEY, "")
    if not _IDEMPOTENCY_RE.match(key):
        raise BadRequest(
            _("Send an Idempotency-Key header: 8 to 64 letters, digits, “-” or “_”."),
            IDEMPOTENCY_KEY,
        )
    return key


@routes.endpoint(
    "POST",
    "/bookings",
    tag="tutoring",
    status=201,
    also=(200,),
    errors=(404, 409, 422),
    headers=(
        Header(
            IDEMPOTENCY_KEY,
            "Chosen by the client per confirmation; a repeat returns the same booking (200).",
            pattern=IDEMPOTENCY_PATTERN,
        ),
    ),
)
async def create_booking(call: Call, body: t.BookingRequest) -> t.Booking:
    """Book a lesson at one of the free times (201); a repeated key answers 200.

    A time someone else took a moment ago (or an overlapping one) is 409 `slot_taken`; a time
    never offered is 409 `slot_not_offered`; paying with a credit without one is 409
    `no_credits`; paying per lesson without the money in the wallet is 409
    `insufficient_funds`.
    """
    result = await booking.book(
        call.user,
        body.tutor_id,
        body.lesson_type_id,
        body.start,
        client_key=_client_key(call),
        pay=body.pay,
        default_reminders=call.settings.lesson_reminders,
    )
    if not result.created:
        call.status = 200
    return await _booking(call, result.lesson, _zone(call, None))


@routes.endpoint("POST", "/bookings/series", tag="tutoring", status=201, errors=(404, 409, 422))
async def create_series(call: Call, body: t.SeriesRequest) -> t.SeriesOut:
    """Book the same time (the tutor's wall clock) every week for `weeks` weeks, all or
    nothing (201). Weeks that are not free are 409 `series_conflict`, the message naming each
    date; paying with credits needs one per week (409 `no_credits`)."""
    lessons = await booking.book_series(
        call.user,
        body.tutor_id,
        body.lesson_type_id,
        body.start,
        body.weeks,
        pay=body.pay,
        default_reminders=call.settings.lesson_reminders,
    )
    zone = _zone(call, None)
    return t.SeriesOut(items=[await _booking(call, lesson, zone) for lesson in lessons])


@routes.endpoint("GET", "/bookings", tag="tutoring")
async def list_bookings(call: Call, query: t.BookingsQuery) -> t.BookingList:
    """The person's lessons: upcoming (soonest first) or past (latest first)."""
    zone = _zone(call, query.tz)
    lessons = await booking.student_lessons(call.user, upcoming=query.scope == "upcoming")
    return t.BookingList(items=[await _booking(call, lesson, zone) for lesson in lessons])


@routes.endpoint("POST", "/bookings/{booking_id}/cancel", tag="tutoring", errors=(404, 409))
async def cancel_booking(call: Call, booking_id: int) -> t.Booking:
    """Cancel: free until `free_change_until` (the credit or money comes back), later the
    lesson counts as given. A lesson no longer booked is 409 `lesson_changed`."""
    lesson = await booking.cancel_by_student(
        call.user,
        booking_id,
        default_percent=call.settings.platform_commission_percent,
        events=call.services.shop_events,
    )
    return await _booking(call, lesson, _zone(call, None))


@routes.endpoint(
    "POST", "/bookings/{booking_id}/reschedule", tag="tutoring", errors=(404, 409, 422)
)
async def reschedule_booking(call: Call, booking_id: int, body: t.RescheduleRequest) -> t.Booking:
    """Move to another free time until `free_change_until` (409 `too_late_to_move` after);
    the old time is kept in the history."""
    lesson = await booking.reschedule(
        call.user, booking_id, body.start, default_reminders=call.settings.lesson_reminders
    )
    return await _booking(call, lesson, _zone(call, None))


def _waiting(entry: WaitlistEntry, zone: ZoneInfo) -> t.WaitlistEntryOut:
    return t.WaitlistEntryOut(
        id=entry.id,
        tutor_id=entry.tutor.provider_id,
        tutor_name=entry.tutor.provider.name,
        lesson_type_id=entry.lesson_type_id,
        title=entry.lesson_type.title,
        start=_iso(entry.starts_at, zone),
        state=entry.state,
        offered_until=_iso(entry.offered_until, zone)
        if entry.state == waitlist.OFFERED and entry.offered_until
        else None,
    )


@routes.endpoint("POST", "/waitlist", tag="tutoring", status=201, errors=(404, 409, 422))
async def join_waitlist(call: Call, body: t.WaitlistRequest) -> t.WaitlistEntryOut:
    """Wait for a taken time (once per person and time: a repeat answers the same entry).
    When it frees, it is held for the first in line for a while and the bot says so."""
    entry = await booking.wait_for(call.user, body.tutor_id, body.lesson_type_id, body.start)
    await entry.fetch_related("lesson_type", "tutor__provider")
    return _waiting(entry, _zone(call, None))


@routes.endpoint("GET", "/waitlist", tag="tutoring")
async def my_waitlist(call: Call, query: t.WaitlistQuery) -> t.WaitlistOut:
    """The times the person waits for, and those offered to them now, soonest first."""
    zone = _zone(call, query.tz)
    entries = await waitlist.entries_of(call.user.id, datetime.now(UTC))
    return t.WaitlistOut(items=[_waiting(x, zone) for x in entries])


@routes.endpoint("GET", "/credits", tag="tutoring")
async def my_credits(call: Call) -> t.CreditsOut:
    """The person's unused prepaid lessons, per tutor (tutors with none left out)."""
    credits = await money.credits_by_tutor(call.user.id)
    tutors = await TutorProfile.filter(id__in=list(credits)).prefetch_related("provider")
    return t.CreditsOut(
        items=[
            t.Credit(tutor_id=x.provider_id, tutor_name=x.provider.name, count=credits[x.id])
            for x in sorted(tutors, key=lambda x: x.provider.name)
        ]
    )


@routes.endpoint(
    "POST",
    "/tutors/{tutor_id}/packages",
    tag="tutoring",
    status=201,
    errors=(404, 409, 422, 503),
    headers=(
        Header(
            IDEMPOTENCY_KEY,
            "Chosen by the client per press; a repeat returns the same attempt.",
            pattern=IDEMPOTENCY_PATTERN,
        ),
    ),
)
async def buy_package(call: Call, tutor_id: int, body: t.PackagePurchase) -> t.TutorPaymentOut:
    """Buy one of the tutor's `offers` by one of its `channels`: an `invoice_link` for
    Telegram.WebApp.openInvoice (a monthly plan's is a Stars subscription). The credits come
    once Telegram reports the payment; a channel the offer is not sold by is 409
    `payment_channel_unavailable`; Telegram not answering is 503."""
    payment = await purchases.open_package_payment(
        call.user,
        body.offer_id,
        body.channel,
        call.settings,
        tutor_id=tutor_id,
        client_key=_client_key(call),
    )
    return await _invoice(call, payment)


@routes.endpoint(
    "POST",
    "/bookings/{booking_id}/payments",
    tag="tutoring",
    status=201,
    errors=(404, 409, 422, 503),
)
async def pay_booking(
    call: Call, booking_id: int, body: t.LessonPaymentRequest
) -> t.TutorPaymentOut:
    """Pay a lesson held until paid (`awaiting_payment`): an `invoice_link`. A lesson no longer
    held is 409 `tutor_payment_refused`."""
    payment = await purchases.open_lesson_payment(
        call.user, booking_id, body.channel, call.settings
    )
    return await _invoice(call, payment)


@routes.endpoint("GET", "/calendar", tag="tutoring")
async def calendar_link(call: Call) -> t.CalendarLink:
    """The private URL of the person's lessons as an iCalendar feed."""
    token = await calendar.feed_token(call.user)
    return t.CalendarLink(url=f"{call.settings.public_base_url}/calendar/{token}.ics")
