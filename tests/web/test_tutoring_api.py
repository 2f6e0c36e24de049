"""The tutoring API through the app: tutors, slots in the caller's zone, bookings."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from db.models import Lesson, LessonStatus, Package, User
from tests.tutoring.tutor_data import make_student, make_tutor
from tests.web.conftest import TG_USER, Web, sign_init_data, tma

BERLIN = ZoneInfo("Europe/Berlin")


class Student:
    def __init__(self, web: Web) -> None:
        self.web = web
        self.headers = {
            **tma(sign_init_data(web.settings.token, user=TG_USER)),
            "Accept-Language": "en",
        }

    async def call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        response = await self.web.client.request(
            method,
            "/api/v1" + path,
            data=json.dumps(body) if body is not None else None,
            headers={**self.headers, "Content-Type": "application/json", **headers},
        )
        return response.status, await response.json()


def tomorrow_berlin() -> datetime:
    """10:00 in Berlin tomorrow (the demo tutor asks for no notice)."""
    day = (datetime.now(UTC).astimezone(BERLIN) + timedelta(days=1)).date()
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=BERLIN)


def lesson_time_berlin() -> datetime:
    """10:00 in Berlin the day after tomorrow: always more than the tutor's 24 hours of free
    moving and cancelling ahead, whatever the time of day the test runs at."""
    return tomorrow_berlin() + timedelta(days=1)


async def signed_in(web: Web, student: Student) -> User:
    status, _ = await student.call("GET", "/me")
    assert status == 200
    return await User.get(tg_id=TG_USER["id"])


async def test_tutors_profile_and_slots_in_the_callers_zone(web: Web) -> None:
    tutor = await make_tutor()
    student = Student(web)
    day = lesson_time_berlin().date()

    status, listed = await student.call("GET", "/tutors?subject=math")
    assert status == 200
    assert [x["id"] for x in listed["items"]] == [tutor.provider.id]
    status, page = await student.call("GET", f"/tutors/{tutor.provider.id}")
    assert status == 200
    assert [x["duration"] for x in page["lesson_types"]] == [60, 90]
    assert page["credits"] == 0
    status, slots = await student.call(
        "GET", f"/tutors/{tutor.provider.id}/slots?from={day}&days=1&tz=Asia/Yekaterinburg"
    )
    assert status == 200
    assert slots["slots"][0] == f"{day}T14:00:00+05:00"  # Berlin 10:00
    status, error = await student.call(
        "GET", f"/tutors/{tutor.provider.id}/slots?from={day}&tz=Mars/Base"
    )
    assert status == 422 and error["error"]["field"] == "tz"
    status, error = await student.call("GET", "/tutors/999999/slots")
    assert status == 404


async def test_book_replay_taken_cancel_and_reschedule(web: Web) -> None:
    tutor = await make_tutor()
    student = Student(web)
    user = await signed_in(web, student)
    await make_student_package(user, tutor)
    start = lesson_time_berlin()
    body = {
        "tutor_id": tutor.provider.id,
        "lesson_type_id": tutor.hour.id,
        "start": start.isoformat(),
    }

    status, error = await student.call("POST", "/bookings", body)
    assert status == 422 and error["error"]["field"] == "Idempotency-Key"
    status, booked = await student.call(
        "POST", "/bookings", body, **{"Idempotency-Key": "abc-12345"}
    )
    assert status == 201, booked
    assert booked["status"] == "booked" and booked["paid_with"] == "credit"
    assert booked["location"] == "https://meet.example/anna"
    status, again = await student.call(
        "POST", "/bookings", body, **{"Idempotency-Key": "abc-12345"}
    )
    assert (status, again["id"]) == (200, booked["id"])
    status, taken = await student.call(
        "POST", "/bookings", body, **{"Idempotency-Key": "abc-99999"}
    )
    assert status == 409 and taken["error"]["code"] == "slot_taken"
    assert "just taken" in taken["error"]["message"]

    later = (start + timedelta(hours=2)).isoformat()
    status, moved = await student.call(
        "POST", f"/bookings/{booked['id']}/reschedule", {"start": later}
    )
    assert status == 200, moved
    assert [e["action"] for e in moved["history"]] == ["booked", "moved"]
    status, listed = await student.call("GET", "/bookings?tz=Europe/Berlin")
    assert [x["start"] for x in listed["items"]] == [(start + timedelta(hours=2)).isoformat()]
    status, cancelled = await student.call("POST", f"/bookings/{booked['id']}/cancel")
    assert status == 200 and cancelled["status"] == "cancelled"
    status, stale = await student.call("POST", f"/bookings/{booked['id']}/cancel")
    assert status == 409 and stale["error"]["code"] == "lesson_changed"
    assert (await Lesson.get(id=booked["id"])).status == LessonStatus.cancelled
    assert (await Package.get(student_id=user.id)).remaining == 2


async def test_someone_elses_booking_is_not_found(web: Web) -> None:
    tutor = await make_tutor()
    other = await make_student(credits=1, tutor=tutor)
    from services.tutoring import booking

    lesson = (
        await booking.book(other, tutor.provider.id, tutor.hour.id, lesson_time_berlin())
    ).lesson
    student = Student(web)

    status, _ = await student.call("POST", f"/bookings/{lesson.id}/cancel")

    assert status == 404
    assert (await Lesson.get(id=lesson.id)).status == LessonStatus.booked


async def test_no_credits_is_a_clear_conflict(web: Web) -> None:
    tutor = await make_tutor()
    student = Student(web)
    body = {
        "tutor_id": tutor.provider.id,
        "lesson_type_id": tutor.hour.id,
        "start": lesson_time_berlin().isoformat(),
    }

    status, error = await student.call("POST", "/bookings", body, **{"Idempotency-Key": "k-123456"})

    assert status == 409 and error["error"]["code"] == "no_credits"
    await asyncio.sleep(0)
    assert not await Lesson.exists()


async def make_student_package(user: User, tutor: Any) -> None:
    from services.tutoring import money

    await money.buy_package(
        user,
        tutor.profile,
        lessons=2,
        lesson_price=tutor.hour.price,
        payment_reference=f"api-test:{user.id}",
        channel="telegram",
    )


async def test_calendar_feed_parses_back_with_the_persons_lessons(web: Web) -> None:
    from icalendar import Calendar

    tutor = await make_tutor()
    student = Student(web)
    user = await signed_in(web, student)
    await make_student_package(user, tutor)
    start = lesson_time_berlin()
    body = {
        "tutor_id": tutor.provider.id,
        "lesson_type_id": tutor.hour.id,
        "start": start.isoformat(),
    }
    status, booked = await student.call(
        "POST", "/bookings", body, **{"Idempotency-Key": "cal-12345"}
    )
    assert status == 201
    status, link = await student.call("GET", "/calendar")
    assert status == 200
    path = link["url"].split("://", 1)[1].split("/", 1)[1]

    response = await web.client.get("/" + path)
    assert response.status == 200 and response.content_type == "text/calendar"
    calendar = Calendar.from_ical(await response.read())
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    assert events[0]["uid"] == f"lesson-{booked['id']}@prilavok"
    assert events[0].decoded("dtstart") == start.astimezone(UTC)
    assert str(events[0]["summary"]) == "Lesson · Anna Math"
    assert str(events[0]["status"]) == "CONFIRMED"

    await student.call("POST", f"/bookings/{booked['id']}/cancel")
    again = Calendar.from_ical(await (await web.client.get("/" + path)).read())
    assert [str(e["status"]) for e in again.walk("VEVENT")] == ["CANCELLED"]
    assert (await web.client.get("/calendar/not-a-real-token-000.ics")).status == 404


async def test_far_off_dates_get_no_times_and_are_never_booked(web: Web) -> None:
    tutor = await make_tutor()
    student = Student(web)
    user = await signed_in(web, student)
    await make_student_package(user, tutor)

    status, slots = await student.call("GET", f"/tutors/{tutor.provider.id}/slots?from=0170-12-08")
    assert (status, slots["slots"]) == (200, [])
    body = {
        "tutor_id": tutor.provider.id,
        "lesson_type_id": tutor.hour.id,
        "start": "9999-12-31T23:30:00-05:00",
    }
    status, error = await student.call(
        "POST", "/bookings", body, **{"Idempotency-Key": "far-12345"}
    )
    assert status == 409 and error["error"]["code"] == "slot_not_offered"
    status, error = await student.call(
        "GET", f"/tutors/{tutor.provider.id}/slots?lesson_type=999999"
    )
    assert status == 404
    assert not await Lesson.exists()
