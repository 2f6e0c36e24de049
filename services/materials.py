"""Materials: files (by Telegram file_id) and links a tutor shares with one student or with all
of the tutor's students; each student it reaches is told once (a job row per student)."""

from __future__ import annotations

from urllib.parse import urlsplit

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core.errors import InvalidInput, NotFound
from db.models import Homework, Material, MaterialKind, Provider, User
from services import homework, jobs
from services.events import ShopEvents
from services.homework import FileRef
from services.jobs import JobKind

MAX_TITLE = 256
MAX_URL = 1024


def checked_url(text: str) -> str:
    """An http(s) link with a host; InvalidInput otherwise."""
    url = text.strip()
    parts = urlsplit(url)
    if len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(field="url")
    return url


async def share(
    provider: Provider,
    student: User | None,
    *,
    title: str,
    file: FileRef | None = None,
    url: str | None = None,
    events: ShopEvents | None = None,
) -> Material:
    """Share a file or a link with one student (or, with no student, all of the tutor's);
    each student is told."""
    name = " ".join(title.split())[:MAX_TITLE]
    if file is not None:
        homework.check_file(file)
        kind = MaterialKind.photo if file.kind == "photo" else MaterialKind.document
        name = name or file.name or kind.value
    elif url is not None:
        url = checked_url(url)
        kind = MaterialKind.link
        name = name or url[:MAX_TITLE]
    else:
        raise InvalidInput(field="material")
    recipients = [student] if student else await homework.known_students(provider)
    keys = []
    async with in_transaction():
        material = await Material.create(
            provider_id=provider.id,
            student_id=student.id if student else None,
            title=name,
            kind=kind,
            file_id=file.file_id if file else None,
            url=url if file is None else None,
            size=file.size if file else 0,
        )
        for person in recipients:
            key = JobKind.material_shared.key(f"{material.id}:{person.id}")
            payload = {"material_id": material.id, "user_id": person.id}
            await jobs.enqueue(JobKind.material_shared, key, payload, max_attempts=5)
            keys.append(key)
    if events is not None:
        await events.jobs_added(keys)
    return material


async def tutors_of_student(student: User) -> list[int]:
    """Ids of tutors the person has homework or a personal material from."""
    ids = set(await Homework.filter(student_id=student.id).values_list("provider_id", flat=True))
    ids |= set(await Material.filter(student_id=student.id).values_list("provider_id", flat=True))
    return sorted(int(str(value)) for value in ids)


async def materials_for(student: User) -> list[Material]:
    """Materials shared with the person, or with all students of one of their tutors; newest
    first."""
    tutors = await tutors_of_student(student)
    query = Material.filter(
        Q(student_id=student.id) | Q(student_id__isnull=True, provider_id__in=tutors or [0])
    )
    return list(await query.order_by("-id").limit(100).prefetch_related("provider"))


async def material_for(student: User, material_id: int) -> Material:
    """One material the person may see; NotFound otherwise."""
    for material in await materials_for(student):
        if material.id == material_id:
            return material
    raise NotFound(entity="material")


async def tutor_materials(provider: Provider) -> list[Material]:
    """The tutor's materials, newest first."""
    return list(
        await Material.filter(provider_id=provider.id)
        .order_by("-id")
        .limit(50)
        .prefetch_related("student")
    )


async def remove(provider: Provider, material_id: int) -> None:
    """Stop sharing one of the tutor's materials; NotFound when it is not theirs."""
    if not await Material.filter(id=material_id, provider_id=provider.id).delete():
        raise NotFound(entity="material")
