"""Homework: a tutor assigns it to a student, the student submits it, the tutor grades it.

Every change of state is a conditional update (`open → submitted → graded`), so a double
click, a stale button or two faces at once change it once; the second gets a clear refusal.
The student's notices and reminders are job rows written in the same transaction: the reminder
the day before the due time and the overdue notice are cancelled when the homework is
submitted or deleted, and moved when its due time changes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from core.errors import DomainError, InvalidInput, NotFound
from db.models import (
    Grade,
    GradeKind,
    Homework,
    HomeworkStatus,
    Lesson,
    Material,
    Provider,
    ProviderKind,
    Submission,
    User,
)
from services import achievements, jobs
from services.events import ShopEvents
from services.jobs import JobKind

MAX_TEXT = 3000
MAX_COMMENT = 1000
MAX_FILES = 10
MAX_FILE_SIZE = 20 * 1024 * 1024
"""Telegram lets a bot download files up to 20 MB: the tutor must be able to open them."""
MAX_CHECKLIST = 20
MAX_TASK = 200
REMIND_BEFORE = timedelta(days=1)
ALLOWED_MIME_PREFIXES = ("image/", "audio/", "video/", "text/")
ALLOWED_MIME_TYPES = frozenset(
    {
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/zip",
        "application/x-zip-compressed",
    }
)
_USERNAME_RE = re.compile(r"^@?([A-Za-z0-9_]{4,32})$")


class FileRefused(DomainError):
    """A file that is too large (`max_mb`), of a type not taken (`name`), or one too many
    (`max`): `reason` says which."""

    code = "homework_file_refused"
    status = 422


class AlreadySubmitted(DomainError):
    """The homework was submitted already (a double click, a stale button)."""

    code = "homework_already_submitted"
    status = 409


class NotSubmitted(DomainError):
    """Grading a homework that is not waiting for a grade (`status`)."""

    code = "homework_not_submitted"
    status = 409


@dataclass(frozen=True, slots=True)
class FileRef:
    """A Telegram file by its file_id, as a homework, submission or material keeps it."""

    file_id: str
    kind: str
    """document or photo"""
    name: str = ""
    size: int = 0
    mime: str = ""

    def as_json(self) -> dict[str, Any]:
        """The stored form."""
        return asdict(self)


def _now() -> datetime:
    return datetime.now(UTC)


def utc_now() -> datetime:
    """The current time (UTC)."""
    return _now()


def parse_iso(value: str) -> datetime:
    """A stored ISO 8601 time back to an aware datetime (UTC when it has no offset)."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_file(ref: FileRef, already: int = 0) -> FileRef:
    """The file if it may be attached after `already` others; FileRefused otherwise."""
    if already >= MAX_FILES:
        raise FileRefused(reason="too_many", max=MAX_FILES)
    if ref.size > MAX_FILE_SIZE:
        raise FileRefused(reason="too_large", max_mb=MAX_FILE_SIZE // (1024 * 1024))
    if ref.kind == "photo":
        return ref
    mime = ref.mime.lower()
    if ref.kind != "document" or not (
        mime in ALLOWED_MIME_TYPES or mime.startswith(ALLOWED_MIME_PREFIXES)
    ):
        raise FileRefused(reason="type", name=ref.name or mime)
    return ref


def _checked_text(text: str, field: str, limit: int, *, required: bool) -> str:
    tidy = text.strip()
    if required and not tidy:
        raise InvalidInput(field=field, min=1)
    if len(tidy) > limit:
        raise InvalidInput(field=field, max=limit)
    return tidy


def checked_checklist(lines: Sequence[str]) -> list[str]:
    """Task titles without blanks; InvalidInput when there are too many or one is too long."""
    tasks = [line.strip().lstrip("-•*").strip() for line in lines]
    tasks = [task for task in tasks if task]
    if len(tasks) > MAX_CHECKLIST:
        raise InvalidInput(field="checklist", max=MAX_CHECKLIST)
    if any(len(task) > MAX_TASK for task in tasks):
        raise InvalidInput(field="checklist_task", max=MAX_TASK)
    return tasks


# Who is who ------------------------------------------------------------------------------------


async def tutors_of(user: User) -> list[Provider]:
    """The tutor providers the person owns."""
    return list(await Provider.filter(owner_id=user.id, kind=ProviderKind.tutor).order_by("id"))


async def tutor_of(user: User, provider_id: int) -> Provider:
    """A tutor provider the person owns, or NotFound."""
    provider = await Provider.get_or_none(id=provider_id, owner_id=user.id, kind=ProviderKind.tutor)
    if provider is None:
        raise NotFound(entity="provider")
    return provider


async def known_students(provider: Provider) -> list[User]:
    """People who had lessons with this tutor or have homework or a personal material from
    them, by name."""
    ids = set(await Homework.filter(provider_id=provider.id).values_list("student_id", flat=True))
    ids |= set(
        await Lesson.filter(tutor__provider_id=provider.id).values_list("student_id", flat=True)
    )
    ids |= set(
        await Material.filter(provider_id=provider.id, student_id__isnull=False).values_list(
            "student_id", flat=True
        )
    )
    if not ids:
        return []
    people = await User.filter(id__in=list(ids), anonymized_at__isnull=True)
    return sorted(people, key=lambda person: (person.full_name.lower(), person.id))


async def find_student(query: str) -> User:
    """A person who has started the bot, by @username or Telegram id; NotFound otherwise."""
    text = query.strip()
    person: User | None = None
    if text.isdigit() and len(text) <= 15:
        person = await User.get_or_none(tg_id=int(text))
    elif (match := _USERNAME_RE.match(text)) is not None:
        person = await User.filter(username__iexact=match.group(1)).first()
    else:
        raise InvalidInput(field="student")
    if person is None or person.is_anonymized:
        raise NotFound(entity="student")
    return person


async def student_by_id(student_id: int) -> User:
    """A person picked by a button (internal id); NotFound when erased or gone."""
    person = await User.get_or_none(id=student_id)
    if person is None or person.is_anonymized:
        raise NotFound(entity="student")
    return person


# Assigning ---------------------------------------------------------------------------------------


async def _schedule_reminders(homework: Homework, now: datetime) -> list[str]:
    keys = []
    payload = {"homework_id": homework.id}
    soon_at = homework.due_at - REMIND_BEFORE
    if soon_at > now:
        key = JobKind.homework_due_soon.key(homework.id)
        await jobs.enqueue(JobKind.homework_due_soon, key, payload, due_at=soon_at, max_attempts=5)
        keys.append(key)
    key = JobKind.homework_overdue.key(homework.id)
    await jobs.enqueue(
        JobKind.homework_overdue, key, payload, due_at=homework.due_at, max_attempts=5
    )
    keys.append(key)
    return keys


async def _cancel_reminders(homework_id: int, reason: str) -> None:
    await jobs.cancel(JobKind.homework_due_soon.key(homework_id), reason)
    await jobs.cancel(JobKind.homework_overdue.key(homework_id), reason)


async def assign(
    provider: Provider,
    student: User,
    *,
    text: str,
    due_at: datetime,
    files: Sequence[FileRef] = (),
    checklist: Sequence[str] = (),
    actor: User | None = None,
    events: ShopEvents | None = None,
    now: datetime | None = None,
) -> Homework:
    """Give the student a homework; the student is told and reminded (job rows)."""
    now = now or _now()
    body = _checked_text(text, "homework_text", MAX_TEXT, required=True)
    if due_at <= now:
        raise InvalidInput(field="due_at", reason="past")
    for index, ref in enumerate(files):
        check_file(ref, index)
    tasks = checked_checklist(checklist)
    async with in_transaction():
        homework = await Homework.create(
            provider_id=provider.id,
            student_id=student.id,
            assigned_by_id=actor.id if actor else None,
            text=body,
            files=[ref.as_json() for ref in files],
            checklist=tasks,
            due_at=due_at,
        )
        key = JobKind.homework_assigned.key(homework.id)
        await jobs.enqueue(JobKind.homework_assigned, key, {"homework_id": homework.id})
        await _schedule_reminders(homework, now)
    if events is not None:
        await events.jobs_added([key])
    return homework


async def change_due(
    provider: Provider, homework_id: int, due_at: datetime, *, now: datetime | None = None
) -> Homework:
    """Move an open homework's due time; its reminders move with it."""
    now = now or _now()
    homework = await tutor_homework_one(provider, homework_id)
    if due_at <= now:
        raise InvalidInput(field="due_at", reason="past")
    async with in_transaction():
        changed = await Homework.filter(id=homework.id, status=HomeworkStatus.open).update(
            due_at=due_at
        )
        if not changed:
            raise AlreadySubmitted(homework_id=homework.id)
        await _cancel_reminders(homework.id, "due time changed")
        homework.due_at = due_at
        await _schedule_reminders(homework, now)
    return homework


async def delete(provider: Provider, homework_id: int) -> None:
    """Delete a homework of this tutor with its submission and grade; reminders are cancelled."""
    homework = await tutor_homework_one(provider, homework_id)
    async with in_transaction():
        await _cancel_reminders(homework.id, "homework deleted")
        await Homework.filter(id=homework.id).delete()


# Reading --------------------------------------------------------------------------------------


async def student_homework(
    student: User, statuses: Sequence[HomeworkStatus] | None = None
) -> list[Homework]:
    """The person's homework as a student, soonest due first, with tutor, submission, grade."""
    query = Homework.filter(student_id=student.id)
    if statuses:
        query = query.filter(status__in=list(statuses))
    return list(
        await query.order_by("due_at", "id").prefetch_related("provider", "submission", "grade")
    )


async def student_homework_one(student: User, homework_id: int) -> Homework:
    """One of the person's homework; NotFound for anyone else's."""
    homework = await Homework.get_or_none(id=homework_id, student_id=student.id).prefetch_related(
        "provider", "submission", "grade"
    )
    if homework is None:
        raise NotFound(entity="homework")
    return homework


async def tutor_homework(
    provider: Provider, statuses: Sequence[HomeworkStatus] | None = None
) -> list[Homework]:
    """The tutor's homework, newest first, with students, submissions and grades."""
    query = Homework.filter(provider_id=provider.id)
    if statuses:
        query = query.filter(status__in=list(statuses))
    return list(
        await query.order_by("-id").limit(50).prefetch_related("student", "submission", "grade")
    )


async def tutor_homework_one(provider: Provider, homework_id: int) -> Homework:
    """One homework of this tutor; NotFound otherwise."""
    homework = await Homework.get_or_none(id=homework_id, provider_id=provider.id).prefetch_related(
        "student", "submission", "grade"
    )
    if homework is None:
        raise NotFound(entity="homework")
    return homework


# Submitting and grading -----------------------------------------------------------------------


async def submit(
    student: User,
    homework_id: int,
    *,
    text: str = "",
    files: Sequence[FileRef] = (),
    events: ShopEvents | None = None,
    now: datetime | None = None,
) -> Homework:
    """Hand in an open homework once (text and/or files); the tutor is told, the reminders
    are cancelled. AlreadySubmitted on a second try."""
    now = now or _now()
    homework = await student_homework_one(student, homework_id)
    body = _checked_text(text, "submission_text", MAX_TEXT, required=not files)
    for index, ref in enumerate(files):
        check_file(ref, index)
    async with in_transaction():
        changed = await Homework.filter(id=homework.id, status=HomeworkStatus.open).update(
            status=HomeworkStatus.submitted
        )
        if not changed:
            raise AlreadySubmitted(homework_id=homework.id)
        await Submission.create(
            homework_id=homework.id,
            text=body,
            files=[ref.as_json() for ref in files],
            on_time=now <= homework.due_at,
        )
        await _cancel_reminders(homework.id, "submitted")
        key = JobKind.homework_submitted.key(homework.id)
        await jobs.enqueue(JobKind.homework_submitted, key, {"homework_id": homework.id})
        earned = await achievements.check_homework_on_time(student.id, now)
    if events is not None:
        await events.jobs_added([key, *earned])
    return await student_homework_one(student, homework.id)


async def grade(
    provider: Provider,
    homework_id: int,
    *,
    kind: GradeKind,
    score: int,
    comment: str = "",
    actor: User | None = None,
    events: ShopEvents | None = None,
) -> Homework:
    """Grade a submitted homework once: a mark 1–5, or pass (1) / fail (0); the student is
    told. NotSubmitted when it is still open or graded already."""
    homework = await tutor_homework_one(provider, homework_id)
    valid = range(1, 6) if kind is GradeKind.score else range(2)
    if score not in valid:
        raise InvalidInput(field="score")
    note = _checked_text(comment, "grade_comment", MAX_COMMENT, required=False)
    async with in_transaction():
        changed = await Homework.filter(id=homework.id, status=HomeworkStatus.submitted).update(
            status=HomeworkStatus.graded
        )
        if not changed:
            current = await Homework.get(id=homework.id)
            raise NotSubmitted(status=str(current.status))
        await Grade.create(
            homework_id=homework.id,
            kind=kind,
            score=score,
            comment=note,
            graded_by_id=actor.id if actor else None,
        )
        key = JobKind.homework_graded.key(homework.id)
        await jobs.enqueue(JobKind.homework_graded, key, {"homework_id": homework.id})
    if events is not None:
        await events.jobs_added([key])
    return await tutor_homework_one(provider, homework.id)


def grade_text(kind: GradeKind | str, score: int | None) -> str:
    """A grade as a short token: '5/5', 'pass', 'fail' (faces translate pass and fail)."""
    if GradeKind(kind) is GradeKind.pass_fail:
        return "pass" if score else "fail"
    return f"{score}/5"


_DUE_RE = re.compile(
    r"^(\d{1,2})[./](\d{1,2})(?:[./](\d{2}|\d{4}))?(?:[ ,T]+(\d{1,2})[:.](\d{2}))?$"
)


def parse_due(text: str, zone: ZoneInfo, now: datetime | None = None) -> datetime | None:
    """'25.12', '25.12 18:00', '25.12.2026 18:00' in the zone → UTC; the day's end (23:59)
    without a time; without a year, the next such date. None when it is not a date."""
    match = _DUE_RE.match(text.strip())
    if match is None:
        return None
    day, month, year, hour, minute = match.groups()
    local_now = (now or _now()).astimezone(zone)
    wanted_year = int(year) if year else local_now.year
    if year and len(year) == 2:
        wanted_year += 2000
    try:
        moment = datetime(
            wanted_year,
            int(month),
            int(day),
            int(hour) if hour else 23,
            int(minute) if minute else 59,
            tzinfo=zone,
        )
        if not year and moment < local_now:
            moment = moment.replace(year=wanted_year + 1)
    except ValueError:  # 31.02, 25:00
        return None
    return moment.astimezone(UTC)
