"""The availability engine: which start times a tutor offers, as pure functions.

Rules are wall-clock windows in the tutor's zone; each date's windows become UTC instants
through `zoneinfo`, so a weekly 10:00 rule stays 10:00 local on both sides of a daylight-saving
change. Start times step through a window in real (UTC) time from its start: on the night the
clocks go forward the missing local hour simply has no slots, and on the night they go back the
repeated hour's slots are distinct instants (02:00+02:00 and 02:00+01:00) — none duplicated,
none lost.

A lesson blocks `[start − buffer_before, end + buffer_after)`; two lessons' blocked spans never
overlap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTES_IN_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class Window:
    """Wall-clock minutes from midnight in the tutor's zone, end exclusive (1440 = midnight)."""

    start_minute: int
    end_minute: int


@dataclass(frozen=True, slots=True)
class DateOverride:
    """One date changed: a day off (no weekly windows) or an extra window."""

    day: date
    day_off: bool
    window: Window | None = None


@dataclass(frozen=True, slots=True)
class Busy:
    """A lesson that already holds the tutor (UTC)."""

    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class Policy:
    """A tutor's booking settings, in minutes (window in days)."""

    zone: ZoneInfo
    buffer_before: int = 0
    buffer_after: int = 0
    min_notice: int = 0
    booking_window: int = 30
    slot_step: int = 30
    daily_limit: int | None = None


def local_instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of `minute` past midnight of `day` on the wall clock of `zone` (a time
    skipped by a clock change is read with the offset before the change, as Python does)."""
    day = day + timedelta(days=minute // MINUTES_IN_DAY)
    minute %= MINUTES_IN_DAY
    wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    return wall.astimezone(UTC)


def windows_on(
    day: date, weekly: Mapping[int, Sequence[Window]], overrides: Iterable[DateOverride]
) -> list[Window]:
    """The windows of one local date: the weekday's rules unless it is a day off, plus extras."""
    todays = [o for o in overrides if o.day == day]
    windows = [] if any(o.day_off for o in todays) else list(weekly.get(day.weekday(), ()))
    windows += [o.window for o in todays if not o.day_off and o.window is not None]
    return sorted(set(windows), key=lambda w: (w.start_minute, w.end_minute))


def conflicts(start: datetime, end: datetime, busy: Busy, policy: Policy) -> bool:
    """Whether a lesson `[start, end)` and a busy lesson have overlapping blocked spans."""
    gap = timedelta(minutes=policy.buffer_before + policy.buffer_after)
    return start < busy.ends_at + gap and busy.starts_at < end + gap


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    """The date of an instant on the wall clock of `zone`."""
    return instant.astimezone(zone).date()


def free_starts(
    *,
    start: datetime,
    end: datetime,
    duration: int,
    policy: Policy,
    weekly: Mapping[int, Sequence[Window]],
    overrides: Iterable[DateOverride],
    busy: Sequence[Busy],
    now: datetime,
) -> list[datetime]:
    """Free UTC start times of a lesson of `duration` minutes within `[start, end)`.

    A start must fit its window whole, be at least `min_notice` ahead, at most `booking_window`
    days ahead, clear every busy lesson with the buffers, and fall on a tutor's date that has
    not reached `daily_limit`.
    """
    overrides = list(overrides)
    length = timedelta(minutes=duration)
    step = timedelta(minutes=max(policy.slot_step, 5))
    earliest = max(start, now + timedelta(minutes=policy.min_notice))
    latest = min(end, now + timedelta(days=policy.booking_window))
    if earliest >= latest:
        return []
    per_day = Counter(local_date(b.starts_at, policy.zone) for b in busy)
    first = local_date(earliest, policy.zone) - timedelta(days=1)
    last = local_date(latest, policy.zone)
    found: set[datetime] = set()
    day = first
    while day <= last:
        full = policy.daily_limit is not None and per_day[day] >= policy.daily_limit
        for window in [] if full else windows_on(day, weekly, overrides):
            opens = local_instant(day, window.start_minute, policy.zone)
            closes = local_instant(day, window.end_minute, policy.zone)
            slot = opens
            while slot + length <= closes:
                if (
                    earliest <= slot < latest
                    and local_date(slot, policy.zone) == day
                    and not any(conflicts(slot, slot + length, b, policy) for b in busy)
                ):
                    found.add(slot)
                slot += step
        day += timedelta(days=1)
    return sorted(found)


def valid_window(start_minute: int, end_minute: int) -> bool:
    """A window of one day: starts before it ends, within 00:00–24:00."""
    return 0 <= start_minute < end_minute <= MINUTES_IN_DAY
