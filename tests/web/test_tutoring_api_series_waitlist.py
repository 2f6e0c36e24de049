"""The tutoring API's weekly series, waitlist and prepaid-lessons balance, as the Mini App
uses them: a series is all or nothing and names each date that is not free; a taken time can
be waited for, and when it frees it is offered to the first in line, who books it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from db.models import Lesson, LessonStatus, WaitlistEntry
from services.tutoring import booking, waitlist
from tests.tutoring.tutor_data import make_student, make_tutor
from tests.web.conftest import Web
from tests.web.test_tutoring_api import (
    Student,
    make_student_package,
    signed_in,
    tomorrow_berlin,
)


async def test_weekly_series_books_every_week_or_names_the_dates_not_free(web: Web) -> None:
    tutor = await make_tutor(booking_window=60)
    student = Student(web)
    user = await signed_in(web, student)
    await make_student_package(user, tutor)  # two prepaid lessons
    start = tomorrow_berlin()
    body = {
        "tutor_id": tutor.provider.id,
        "lesson_type_id": tutor.hour.id,
        "start": start.isoformat(),
        "weeks": 2,
    }

    status, series = await student.call("POST", "/bookings/series", body)

    assert status == 201, series
    assert [datetime.fromisoformat(x["start"]) for x in series["items"]] == [
        start,
        start + timedelta(weeks=1),  # the same wall-clock time in Berlin
    ]
    assert {x["paid_with"] for x in series["items"]} == {"credit"}

    # Someone holds 12:00 in two weeks: a three-week series at 12:00 names that date only.
    rival = await make_student(credits=1, tutor=tutor)
    noon = start.replace(hour=12)
    taken = noon + timedelta(weeks=2)
    await booking.book(rival, tutor.provider.id, tutor.hour.id, taken)
    status, error = await student.call(
        "POST",
        "/bookings/series",
        {**body, "start": noon.isoformat(), "weeks": 3, "pay": "per_lesson"},
    )
    assert status == 409 and error["error"]["code"] == "series_conflict"
    assert f"{taken:%d.%m}" in error["error"]["message"]
    assert f"{noon:%d.%m}" not in error["error"]["message"]
    assert await Lesson.filter(student_id=user.id).count() == 2  # nothing of the refused series

    status, error = await student.call("POST", "/bookings/series", {**body, "weeks": 27})
    assert status == 422 and error["error"]["field"] == "weeks"


async def test_a_taken_time_is_waited_for_offered_and_booked(web: Web) -> None:
    tutor = await make_tutor()
    student = Student(web)
    user = await signed_in(web, student)
    await make_student_package(user, tutor)
    rival = await make_student(credits=1, tutor=tutor)
    start = tomorrow_berlin()
    held = (await booking.book(rival, tutor.provider.id, tutor.hour.id, start)).lesson
    wanted = {
        "tutor_id": tutor.provider.id,
        "lesson_type_id": tutor.hour.id,
        "start": start.isoformat(),
    }

    status, error = await student.call(
        "POST", "/bookings", wanted, **{"Idempotency-Key": "wait-1234"}
    )
    assert status == 409 and error["error"]["code"] == "slot_taken"
    status, entry = await student.call("POST", "/waitlist", wanted)
    assert status == 201, entry
    assert entry["state"] == "waiting" and entry["offered_until"] is None
    assert entry["tutor_name"] == "Anna Math" and entry["title"] == "Lesson"
    status, again = await student.call("POST", "/waitlist", wanted)
    assert (status, again["id"]) == (201, entry["id"])  # once per person and time
    status, listed = await student.call("GET", "/waitlist?tz=Europe/Berlin")
    assert [(x["id"], x["start"]) for x in listed["items"]] == [(entry["id"], start.isoformat())]

    # The rival cancels: the time is offered to the student, held for them alone.
    await booking.cancel_by_student(rival, held.id, default_percent=Decimal(10))
    # The job runner may take the step first; either way the time is offered to the student.
    await waitlist.advance(tutor.profile.id, start.astimezone(UTC), 0, datetime.now(UTC))
    offered = await WaitlistEntry.get(student_id=user.id)
    assert offered.state == waitlist.OFFERED
    status, listed = await student.call("GET", "/waitlist")
    assert listed["items"][0]["state"] == "offered" and listed["items"][0]["offered_until"]
    status, slots = await student.call(
        "GET", f"/tutors/{tutor.provider.id}/slots?from={start.date()}&days=1&tz=Europe/Berlin"
    )
    assert start.isoformat() in slots["slots"]

    status, booked = await student.call(
        "POST", "/bookings", wanted, **{"Idempotency-Key": "wait-5678"}
    )
    assert status == 201, booked
    assert (await WaitlistEntry.get(id=entry["id"])).state == waitlist.BOOKED
    status, listed = await student.call("GET", "/waitlist")
    assert listed["items"] == []
    assert (await Lesson.get(id=booked["id"])).status == LessonStatus.booked


async def test_waiting_for_a_lesson_type_of_another_tutor_is_not_found(web: Web) -> None:
    tutor = await make_tutor()
    other = await make_tutor()
    student = Student(web)
    body = {
        "tutor_id": tutor.provider.id,
        "lesson_type_id": other.hour.id,
        "start": tomorrow_berlin().isoformat(),
    }

    status, _ = await student.call("POST", "/waitlist", body)

    assert status == 404
    assert not await WaitlistEntry.exists()


async def test_credits_per_tutor(web: Web) -> None:
    tutor = await make_tutor()
    student = Student(web)
    status, empty = await student.call("GET", "/credits")
    assert (status, empty) == (200, {"items": []})
    user = await signed_in(web, student)
    await make_student_package(user, tutor)

    status, credits = await student.call("GET", "/credits")

    assert credits["items"] == [
        {"tutor_id": tutor.provider.id, "tutor_name": "Anna Math", "count": 2}
    ]


async def test_slots_for_moving_a_lesson_count_its_own_time_as_free(web: Web) -> None:
    tutor = await make_tutor()
    student = Student(web)
    user = await signed_in(web, student)
    await make_student_package(user, tutor)
    start = tomorrow_berlin() + timedelta(days=2)
    mine = (await booking.book(user, tutor.provider.id, tutor.hour.id, start)).lesson
    rival = await make_student(credits=1, tutor=tutor)
    theirs = await booking.book(rival, tutor.provider.id, tutor.hour.id, start.replace(hour=12))
    day = f"/tutors/{tutor.provider.id}/slots?from={start.date()}&days=1&tz=Europe/Berlin"
    half_past = start.replace(minute=30).isoformat()  # overlaps the lesson's own hour

    _, slots = await student.call("GET", day)
    _, moving = await student.call("GET", day + f"&moving={mine.id}")
    status, _ = await student.call("GET", day + f"&moving={theirs.lesson.id}")

    assert half_past not in slots["slots"]
    assert half_past in moving["slots"] and start.isoformat() in moving["slots"]
    assert start.replace(hour=12).isoformat() not in moving["slots"]  # the rival's stays busy
    assert status == 404
    status, moved = await student.call(
        "POST", f"/bookings/{mine.id}/reschedule", {"start": half_past}
    )
    assert status == 200
    assert datetime.fromisoformat(moved["start"]) == datetime.fromisoformat(half_past)
