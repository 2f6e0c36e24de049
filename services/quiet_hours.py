"""Quiet hours for non-urgent pushes: the one list of what may wait until the morning.

QUIET_HOURS (local hours, e.g. `22-9`) is read in the recipient's own time zone (else
TIMEZONE), as for broadcasts (`services.broadcasts.quiet_until`). A job of a kind listed in
`NON_URGENT` that comes due inside them is postponed to their end: its row gets the new due
time and waits (`jobs.Postpone`, no attempt counted). Everything else is sent at once, night
or day: lesson reminders, waitlist offers and the tutor's digest (their time matters), order
status and payment notices, refunds, payouts, support (someone waits for an answer).
"""

from __future__ import annotations

from datetime import UTC, datetime

from core.config import Settings
from db.models import User
from services.broadcasts import quiet_until, zone_of
from services.jobs import JobKind, Postpone

NON_URGENT: frozenset[JobKind] = frozenset(
    {
        JobKind.review_request,
        JobKind.review_new,
        JobKind.review_reply,
        JobKind.homework_assigned,
        JobKind.homework_submitted,
        JobKind.homework_graded,
        JobKind.homework_due_soon,
        JobKind.homework_overdue,
        JobKind.material_shared,
        JobKind.achievement_earned,
    }
)
"""Kinds whose pushes wait out the recipient's quiet hours (README: "Quiet hours")."""


def is_non_urgent(kind: JobKind | str) -> bool:
    """Whether pushes of this job kind wait out quiet hours."""
    return kind in NON_URGENT  # a JobKind is a str: a job row's plain kind matches it too


def held_until(
    kind: JobKind | str, person: User, settings: Settings, now: datetime | None = None
) -> datetime | None:
    """When a push of `kind` to `person` may go if not `now` (None: it may go now)."""
    if not is_non_urgent(kind):
        return None
    at = now or datetime.now(UTC)
    until = quiet_until(at, zone_of(person, settings), settings.quiet_window)
    return until if until > at else None


def hold(
    kind: JobKind | str, person: User, settings: Settings, now: datetime | None = None
) -> None:
    """Raise `jobs.Postpone` to the end of the person's quiet hours for a non-urgent kind."""
    until = held_until(kind, person, settings, now)
    if until is not None:
        raise Postpone(until, f"quiet hours of user {person.id}")
