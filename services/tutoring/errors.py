"""Refusals of tutoring, with stable codes (explained by core.tutoring_texts)."""

from __future__ import annotations

from core.errors import DomainError, PaymentChannelUnavailable


class SlotTaken(DomainError):
    """Someone else booked this time (or an overlapping one) a moment ago (`start`)."""

    code = "slot_taken"
    status = 409


class SlotNotOffered(DomainError):
    """The tutor does not offer this start time for this lesson (`start`)."""

    code = "slot_not_offered"
    status = 409


class NoCredits(DomainError):
    """The student has no unused package credits with this tutor."""

    code = "no_credits"
    status = 409


class LessonChanged(DomainError):
    """The lesson is no longer in a state that allows this (`status`)."""

    code = "lesson_changed"
    status = 409


class TooLateToMove(DomainError):
    """A move asked for after the free-change deadline (`hours`)."""

    code = "too_late_to_move"
    status = 409


class SeriesConflict(DomainError):
    """Some weeks of a weekly series are not free (`dates`: their local starts, `starts`: ISO)."""

    code = "series_conflict"
    status = 409


class NotTutor(DomainError):
    """A tutor's tools asked for by someone who owns no tutor profile."""

    code = "not_tutor"
    status = 403


class TutorPaymentRefused(DomainError):
    """A tutoring payment that can no longer be paid (`reason`: unknown, closed, expired,
    price)."""

    code = "tutor_payment_refused"
    status = 409


class ChannelUnavailable(PaymentChannelUnavailable):
    """This offer or lesson is not sold by that way of paying (`channel`): the shop's
    `payment_channel_unavailable`, refused on the request's `channel` field."""

    def __init__(self, channel: str) -> None:
        super().__init__(field="channel", channel=channel)
