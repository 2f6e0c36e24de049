"""The availability engine on its own: windows, overrides, buffers, limits and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from services.tutoring.availability import (
    Busy,
    DateOverride,
    Policy,
    Window,
    free_starts,
    local_instant,
)

BERLIN = ZoneInfo("Europe/Berlin")
MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def hm(hours: int, minutes: int = 0) -> int:
    return hours * 60 + minutes


def starts(
    first: date,
    days: int,
    *,
    weekly: dict[int, list[Window]],
    duration: int = 60,
    policy: Policy | None = None,
    overrides: list[DateOverride] | None = None,
    busy: list[Busy] | None = None,
    now: datetime = NOW,
) -> list[datetime]:
    policy = policy or Policy(zone=BERLIN, booking_window=400, slot_step=30)
    zone = policy.zone
    start = datetime.combine(first, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(
        first + timedelta(days=days), datetime.min.time(), tzinfo=zone
    ).astimezone(UTC)
    return free_starts(
        start=start,
        end=end,
        duration=duration,
        policy=policy,
        weekly=weekly,
        overrides=overrides or [],
        busy=busy or [],
        now=now,
    )


def local(instants: list[datetime], zone: ZoneInfo = BERLIN) -> list[str]:
    return [moment.astimezone(zone).strftime("%a %H:%M%z") for moment in instants]


def test_several_windows_a_day_fit_whole_lessons() -> None:
    monday = date(2026, 1, 5)
    weekly = {0: [Window(hm(10), hm(12)), Window(hm(15), hm(16, 30))]}

    found = starts(monday, 7, weekly=weekly)

    assert local(found) == [
        "Mon 10:00+0100",
        "Mon 10:30+0100",
        "Mon 11:00+0100",
        "Mon 15:00+0100",
        "Mon 15:30+0100",
    ]


def test_weekly_ten_oclock_stays_ten_local_across_both_changes() -> None:
    # Sundays: 29 March 2026 (clocks forward) and 25 October 2026 (clocks back).
    weekly = {6: [Window(hm(10), hm(11))]}
    for sunday in (date(2026, 3, 22), date(2026, 3, 29), date(2026, 10, 18), date(2026, 10, 25)):
        found = starts(sunday, 1, weekly=weekly)
        assert [moment.astimezone(BERLIN).strftime("%H:%M") for moment in found] == ["10:00"]
    summer = starts(date(2026, 3, 29), 1, weekly=weekly)[0]
    winter = starts(date(2026, 3, 22), 1, weekly=weekly)[0]
    assert (summer.hour, winter.hour) == (8, 9)  # UTC moved, the wall clock did not


def test_spring_forward_night_has_no_slot_in_the_missing_hour_and_loses_none() -> None:
    night = {6: [Window(hm(1), hm(4))]}

    found = starts(date(2026, 3, 29), 1, weekly=night, duration=30)

    # 01:00–04:00 local is two real hours that night: 02:00–03:00 does not exist.
    assert local(found) == [
        "Sun 01:00+0100",
        "Sun 01:30+0100",
        "Sun 03:00+0200",
        "Sun 03:30+0200",
    ]
    assert len(set(found)) == len(found)
    assert all(b - a == timedelta(minutes=30) for a, b in pairwise(found))


def test_fall_back_night_offers_the_repeated_hour_twice_as_distinct_instants() -> None:
    night = {6: [Window(hm(1), hm(4))]}

    found = starts(date(2026, 10, 25), 1, weekly=night, duration=30)

    assert local(found) == [
        "Sun 01:00+0200",
        "Sun 01:30+0200",
        "Sun 02:00+0200",
        "Sun 02:30+0200",
        "Sun 02:00+0100",
        "Sun 02:30+0100",
        "Sun 03:00+0100",
        "Sun 03:30+0100",
    ]
    # Four real hours, every 30 minutes, none twice.
    assert len(set(found)) == 8
    assert all(b - a == timedelta(minutes=30) for a, b in pairwise(found))


def test_local_instant_of_a_skipped_time_is_after_the_gap() -> None:
    assert local_instant(date(2026, 3, 29), hm(2, 30), BERLIN) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )


def test_day_off_removes_weekly_windows_and_extra_window_adds_one() -> None:
    monday = date(2026, 1, 5)
    weekly = {0: [Window(hm(10), hm(11))], 1: [Window(hm(10), hm(11))]}
    overrides = [
        DateOverride(monday, day_off=True),
        DateOverride(date(2026, 1, 7), day_off=False, window=Window(hm(18), hm(19))),
    ]

    found = starts(monday, 3, weekly=weekly, overrides=overrides)

    assert local(found) == ["Tue 10:00+0100", "Wed 18:00+0100"]


def test_buffers_keep_time_around_busy_lessons() -> None:
    monday = date(2026, 1, 5)
    weekly = {0: [Window(hm(9), hm(14))]}
    lesson = Busy(
        datetime(2026, 1, 5, 10, tzinfo=UTC), datetime(2026, 1, 5, 11, tzinfo=UTC)
    )  # 11:00–12:00 Berlin
    policy = Policy(
        zone=BERLIN, buffer_before=15, buffer_after=15, slot_step=30, booking_window=400
    )

    found = starts(monday, 1, weekly=weekly, busy=[lesson], policy=policy)

    # A 60-minute lesson needs 30 minutes clear of 11:00–12:00 on both sides.
    assert local(found) == ["Mon 09:00+0100", "Mon 09:30+0100", "Mon 12:30+0100", "Mon 13:00+0100"]


def test_overlapping_lesson_of_another_length_blocks_the_slot() -> None:
    monday = date(2026, 1, 5)
    weekly = {0: [Window(hm(10), hm(13))]}
    ninety = Busy(datetime(2026, 1, 5, 9, tzinfo=UTC), datetime(2026, 1, 5, 10, 30, tzinfo=UTC))

    found = starts(monday, 1, weekly=weekly, busy=[ninety], duration=30)

    assert local(found) == ["Mon 11:30+0100", "Mon 12:00+0100", "Mon 12:30+0100"]


def test_minimum_notice_and_booking_window_cut_the_range() -> None:
    weekly = {day: [Window(hm(10), hm(11))] for day in range(7)}
    now = datetime(2026, 1, 5, 8, tzinfo=UTC)  # Mon 09:00 Berlin
    policy = Policy(zone=BERLIN, min_notice=12 * 60, booking_window=3, slot_step=60)

    found = starts(date(2026, 1, 5), 10, weekly=weekly, policy=policy, now=now)

    # Monday is within the notice; Thursday 10:00 is past three days from Monday 09:00.
    assert local(found) == ["Tue 10:00+0100", "Wed 10:00+0100"]


def test_daily_limit_closes_a_day_that_has_enough_lessons() -> None:
    weekly = {0: [Window(hm(9), hm(18))], 1: [Window(hm(9), hm(10))]}
    policy = Policy(zone=BERLIN, daily_limit=1, slot_step=60, booking_window=400)
    lesson = Busy(datetime(2026, 1, 5, 8, tzinfo=UTC), datetime(2026, 1, 5, 9, tzinfo=UTC))

    found = starts(date(2026, 1, 5), 2, weekly=weekly, busy=[lesson], policy=policy)

    assert local(found) == ["Tue 09:00+0100"]


def test_slots_are_shown_in_the_viewers_zone() -> None:
    weekly = {0: [Window(hm(10), hm(11))]}

    found = starts(date(2026, 1, 5), 1, weekly=weekly)

    assert local(found, MOSCOW) == ["Mon 12:00+0300"]
