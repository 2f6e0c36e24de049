"""A person's lessons as a private iCalendar feed (RFC 5545), for the phone's calendar.

The feed URL carries a random token (`CalendarFeed`); it lists the person's lessons as a student
and, for a tutor, the lessons they give, from 30 days back, cancelled ones as CANCELLED.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event
from tortoise.exceptions import IntegrityError

from core.errors import NotFound
from db.models import CalendarFeed, Lesson, LessonStatus, TutorProfile, User

HISTORY = timedelta(days=30)
CANCELLED = (
    LessonStatus.cancelled,
    LessonStatus.late_cancelled,
    LessonStatus.cancelled_by_tutor,
)


@dataclass(frozen=True, slots=True)
class FeedLesson:
    """What one calendar event shows."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    location: str
    cancelled: bool
    changed: datetime


async def feed_token(user: User) -> str:
    """The person's feed token, created on first use."""
    feed = await CalendarFeed.get_or_none(user_id=user.id)
    if feed is None:
        try:
            feed = await CalendarFeed.create(user_id=user.id, token=secrets.token_urlsafe(24))
        except IntegrityError:
            feed = await CalendarFeed.get(user_id=user.id)
    return feed.token


async def feed_lessons(token: str, now: datetime | None = None) -> list[FeedLesson]:
    """The lessons of the feed with this token (NotFound for an unknown token)."""
    feed = await CalendarFeed.get_or_none(token=token)
    if feed is None:
        raise NotFound(entity="calendar")
    since = (now or datetime.now(UTC)) - HISTORY
    tutor = await TutorProfile.get_or_none(provider__owner_id=feed.user_id)
    lessons = await Lesson.filter(student_id=feed.user_id, starts_at__gte=since).prefetch_related(
        "lesson_type", "tutor__provider", "student"
    )
    if tutor is not None:
        lessons += await Lesson.filter(tutor_id=tutor.id, starts_at__gte=since).prefetch_related(
            "lesson_type", "tutor__provider", "student"
        )
    found = {}
    for lesson in lessons:
        teaching = tutor is not None and lesson.tutor_id == tutor.id
        other = lesson.student.full_name if teaching else lesson.tutor.provider.name
        found[lesson.id] = FeedLesson(
            uid=f"lesson-{lesson.id}@prilavok",
            start=lesson.starts_at,
            end=lesson.ends_at,
            summary=f"{lesson.lesson_type.title} · {other}",
            location=lesson.lesson_type.location,
            cancelled=lesson.status in CANCELLED,
            changed=lesson.updated_at,
        )
    return sorted(found.values(), key=lambda x: x.start)


def render_ics(lessons: list[FeedLesson]) -> bytes:
    """The iCalendar document of these lessons (blocking: run it off the loop)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Prilavok//Lessons//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Prilavok")
    for lesson in lessons:
        event = Event()
        event.add("uid", lesson.uid)
        event.add("dtstamp", lesson.changed.astimezone(UTC))
        event.add("dtstart", lesson.start.astimezone(UTC))
        event.add("dtend", lesson.end.astimezone(UTC))
        event.add("summary", lesson.summary)
        if lesson.location:
            event.add("location", lesson.location)
        event.add("status", "CANCELLED" if lesson.cancelled else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()


async def calendar_ics(token: str) -> bytes:
    """The feed with this token as iCalendar bytes."""
    lessons = await feed_lessons(token)
    return await asyncio.to_thread(render_ics, lessons)
