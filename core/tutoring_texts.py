"""Texts of tutoring both faces show: refusals, lesson statuses, dates in a person's zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from core.errors import DomainError
from core.i18n import gettext as _

TUTORING_CODES = frozenset(
    {
        "slot_taken",
        "slot_not_offered",
        "no_credits",
        "lesson_changed",
        "too_late_to_move",
        "no_unused_credits",
        "waitlist_offer_gone",
        "series_conflict",
        "not_tutor",
        "tutor_payment_refused",
    }
)
TUTORING_FIELDS = frozenset(
    {
        "start",
        "timezone",
        "tz",
        "time",
        "window",
        "weekday",
        "duration",
        "weeks",
        "lessons",
        "discount",
        "buffer_before",
        "buffer_after",
        "min_notice",
        "booking_window",
        "slot_step",
        "daily_limit",
        "free_cancel_hours",
        "reminders",
        "subjects",
        "about",
        "photo",
        "price_rub",
        "stars_price",
        "location",
    }
)


def explain_tutoring(error: DomainError) -> str:
    """One sentence about a tutoring refusal, in the current locale."""
    code = error.code
    details = error.details
    if code == "slot_taken":
        return _("This time was just taken by someone else. Please choose another one.")
    if code == "slot_not_offered":
        return _("The tutor does not offer this time. Please choose one of the free times.")
    if code == "no_credits":
        return _("You have no prepaid lessons with this tutor. Buy a package or pay per lesson.")
    if code == "lesson_changed":
        if details.get("status") == "not_started":
            return _("The lesson has not started yet.")
        return _("The lesson has already changed. Refresh to see its status.")
    if code == "too_late_to_move":
        return _(
            "A lesson can be moved until {hours} h before it starts. You can still cancel it."
        ).format(hours=details.get("hours", ""))
    if code == "no_unused_credits":
        return _("This package has no unused lessons.")
    if code == "waitlist_offer_gone":
        return _("This offer has expired or the time was taken.")
    if code == "series_conflict":
        return _(
            "Not every week is free at this time: {dates}. Book fewer weeks or another time."
        ).format(dates=details.get("dates", ""))
    if code == "not_tutor":
        return _("You are not a tutor here. Ask the administrator for an invite.")
    if code == "tutor_payment_refused":
        if details.get("reason") == "expired":
            return _("The time held for this lesson has run out. Please book it again.")
        return _("This payment is no longer open. Please start again from the tutor's page.")
    return _invalid_tutoring_input(error)


def _invalid_tutoring_input(error: DomainError) -> str:
    field = str(error.details.get("field"))
    high = error.details.get("max")
    if field == "start":
        return _("Send the start time with its offset, like 2026-03-03T10:00:00+03:00.")
    if field in ("timezone", "tz"):
        return _("That is not a time zone. Send one like Europe/Moscow or Asia/Yekaterinburg.")
    if field == "time":
        return _("Send a time like 10:00.")
    if field == "window":
        if high is not None:
            return _("At most {count} windows.").format(count=high)
        return _("The window must start before it ends, within one day (e.g. 10:00-14:00).")
    if field == "reminders":
        return _("Send reminder times like 24h,1h or 30m.")
    return _profile_input(field, error.details)


def _profile_input(field: str, details: dict[str, object]) -> str:
    low, high = details.get("min"), details.get("max")
    if field == "subjects":
        return _("Send at least one subject, up to {max} characters in all.").format(max=high)
    if field == "about":
        return _("The description takes 1 to {max} characters.").format(max=high)
    if field == "photo" and details.get("reason") == "size":
        return _("The photo is too large: up to {max} MB.").format(max=high)
    if field == "photo":
        return _("Send a picture: JPEG, PNG or WebP.")
    if field == "price_rub":
        return _("Send the price in roubles, like 1500 or 1500.50 (0: free).")
    if field == "stars_price":
        return _("Send a whole number of Stars from {low} to {high}, or “-” for none.").format(
            low=low, high=high
        )
    if field == "location":
        return _("The link or address takes at most {max} characters.").format(max=high)
    if low is not None and high is not None:
        return _("Send a whole number from {low} to {high}.").format(low=low, high=high)
    return _("Please check the value.")


def lesson_status_name(status: str) -> str:
    """A lesson status as people say it."""
    names = {
        "pending": _("waiting for the tutor's confirmation"),
        "awaiting_payment": _("held for you until paid"),
        "booked": _("booked"),
        "held": _("held"),
        "no_show": _("missed (no-show)"),
        "cancelled": _("cancelled"),
        "late_cancelled": _("cancelled late (lesson used)"),
        "cancelled_by_tutor": _("cancelled by the tutor"),
    }
    return names.get(status, status)


def local_time_text(moment: datetime, zone: str) -> str:
    """`Tue 03.03 12:00 (Europe/Moscow)`: a time on the wall clock of `zone`."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%d.%m.%Y %H:%M} ({zone})"
