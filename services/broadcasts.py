"""Broadcasts: who gets one (segments), when (quiet hours), and each copy's state.

A broadcast and one row per recipient are written in one transaction together with the job
that sends them (`JobKind.broadcast`). The sender claims due rows by a conditional update
(candidates read `FOR UPDATE SKIP LOCKED` on PostgreSQL), marks a row `sending` only when its
send slot has come, and records the outcome. A row left `sending` by a process that died
mid-call may or may not have reached Telegram: it is marked failed and never sent again (a
marketing message twice is worse than once missing), so a restart resumes with no duplicates.
"""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from core.config import Settings
from core.errors import NotFound
from core.i18n import pick_locale
from db.models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastState,
    CartItem,
    Consent,
    ConsentKind,
    Job,
    JobState,
    Lesson,
    Order,
    Provider,
    ProviderKind,
    RecipientState,
    User,
)
from services import consent, jobs
from services.jobs import JobKind

LEASE = timedelta(minutes=2)
"""How long a claimed row stays with its sender before another may take it."""
INTERRUPTED = "the sender stopped during the call; not sent again, to avoid a duplicate"
MAX_BUTTONS = 6


class Audience(StrEnum):
    """Who a segment starts from."""

    all = "all"
    provider = "prov"
    """Customers of one provider (a shop)."""
    tutor = "tut"
    """Students of one tutor."""


@dataclass(frozen=True, slots=True)
class Segment:
    """An audience and the filters narrowing it."""

    audience: Audience = Audience.all
    provider_id: int | None = None
    locale: str | None = None
    active_days: int | None = None
    unpaid_cart: bool = False

    def to_dict(self) -> dict[str, Any]:
        """For storage (the broadcast row, the conversation's data)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Segment:
        """Back from storage."""
        data = dict(data or {})
        data["audience"] = Audience(data.get("audience", Audience.all))
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Content:
    """What a broadcast says: HTML text (a caption with a photo), a photo, URL buttons."""

    text: str
    photo_file_id: str | None = None
    buttons: tuple[tuple[str, str], ...] = ()


# Audiences ------------------------------------------------------------------------------------


async def customers_of(provider_id: int) -> set[int]:
    """Ids of people who ordered from a provider."""
    ids = (
        await Order.filter(provider_id=provider_id).distinct().values_list("customer_id", flat=True)
    )
    return {int(str(i)) for i in ids}


async def students_of(tutor_id: int) -> set[int]:
    """Ids of a tutor's students (`tutor_id` is the tutor's provider): everyone who booked a
    lesson with them, and anyone who ordered from them."""
    booked = await Lesson.filter(tutor__provider_id=tutor_id).values_list("student_id", flat=True)
    return {int(str(student)) for student in booked} | await customers_of(tutor_id)


async def opted_out(user_ids: Iterable[int] | None = None) -> set[int]:
    """People whose latest marketing decision is "no" (withdrawn or declined)."""
    query = Consent.filter(kind=ConsentKind.marketing)
    if user_ids is not None:
        query = query.filter(user_id__in=list(user_ids))
    latest: dict[int, bool] = {}
    for user_id, granted in await query.order_by("created_at", "id").values_list(
        "user_id", "granted"
    ):
        latest[int(str(user_id))] = bool(granted)
    return {user_id for user_id, granted in latest.items() if not granted}


async def audience_of(segment: Segment, settings: Settings, *, now: datetime) -> list[User]:
    """Everyone the segment reaches today: reachable in Telegram, not banned, not erased, not
    opted out of marketing."""
    query = User.filter(
        tg_id__isnull=False, anonymized_at__isnull=True, is_banned=False, bot_blocked=False
    )
    if segment.audience is not Audience.all:
        if segment.provider_id is None:
            return []
        pick = students_of if segment.audience is Audience.tutor else customers_of
        query = query.filter(id__in=list(await pick(segment.provider_id)))
    if segment.active_days:
        query = query.filter(last_seen_at__gte=now - timedelta(days=segment.active_days))
    if segment.unpaid_cart:
        carts = await CartItem.all().distinct().values_list("user_id", flat=True)
        query = query.filter(id__in=list(carts))
    people = await query.order_by("id")
    refused = await opted_out([person.id for person in people])
    people = [person for person in people if person.id not in refused]
    if segment.locale:
        people = [p for p in people if locale_of(p, settings) == segment.locale]
    return people


async def count(segment: Segment, settings: Settings, *, now: datetime | None = None) -> int:
    """How many people the segment reaches."""
    return len(await audience_of(segment, settings, now=now or _now()))


def locale_of(user: User, settings: Settings) -> str:
    """The language a person reads the bot in."""
    return pick_locale(user.locale, user.language_code, default=settings.default_locale)


async def provider_name(provider_id: int) -> str:
    """A provider's name for the segment screen ("" when it is gone)."""
    provider = await Provider.get_or_none(id=provider_id)
    return provider.name if provider is not None else ""


async def providers_for(audience: Audience) -> list[Provider]:
    """Shops (or tutors) an admin can pick for a segment."""
    kind = ProviderKind.tutor if audience is Audience.tutor else ProviderKind.shop
    return await Provider.filter(kind=kind).order_by("name").limit(40)


# Quiet hours ----------------------------------------------------------------------------------


def zone_of(user: User, settings: Settings) -> zoneinfo.ZoneInfo:
    """The person's time zone (their own when known), else TIMEZONE."""
    name = getattr(user, "timezone", None) or settings.timezone
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.timezone)


def quiet_until(at: datetime, zone: zoneinfo.ZoneInfo, window: tuple[int, int] | None) -> datetime:
    """`at`, or the end of the quiet hours when `at` falls in them (in `zone`)."""
    if window is None or window[0] == window[1]:
        return at
    start, end = window
    local = at.astimezone(zone)
    hour = local.hour
    quiet = (hour >= start or hour < end) if start > end else (start <= hour < end)
    if not quiet:
        return at
    morning = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if morning <= local:
        morning = (local + timedelta(days=1)).replace(hour=end, minute=0, second=0, microsecond=0)
        morning = morning.replace(tzinfo=zone)  # re-resolve the offset after a DST change
    return morning.astimezone(UTC)


# Writing --------------------------------------------------------------------------------------


def new_draft_key() -> str:
    """A key for a composing conversation."""
    return uuid.uuid4().hex


async def create(
    *,
    author: User | None,
    draft_key: str,
    content: Content,
    segment: Segment,
    settings: Settings,
    scheduled_at: datetime | None = None,
    progress: tuple[int, int] | None = None,
) -> Broadcast:
    """Write the broadcast, a row per recipient (each due after its quiet hours) and its job,
    in one transaction; the same draft twice gives the first broadcast back."""
    existing = await Broadcast.get_or_none(draft_key=draft_key)
    if existing is not None:
        return existing
    now = _now()
    start = max(scheduled_at or now, now)
    people = await audience_of(segment, settings, now=now)
    async with in_transaction():
        broadcast = await Broadcast.create(
            author=author,
            draft_key=draft_key,
            text=content.text,
            photo_file_id=content.photo_file_id,
            buttons=[list(pair) for pair in content.buttons],
            segment=segment.to_dict(),
            paid=settings.broadcast_paid,
            state=BroadcastState.scheduled,
            scheduled_at=start,
            total=len(people),
            progress_chat_id=progress[0] if progress else None,
            progress_message_id=progress[1] if progress else None,
        )
        window = settings.quiet_window
        await BroadcastRecipient.bulk_create(
            [
                BroadcastRecipient(
                    broadcast_id=broadcast.id,
                    user_id=person.id,
                    chat_id=person.tg_id,
                    locale=locale_of(person, settings),
                    due_at=quiet_until(start, zone_of(person, settings), window),
                )
                for person in people
            ],
            batch_size=500,
        )
        await jobs.enqueue(
            JobKind.broadcast,
            JobKind.broadcast.key(broadcast.id),
            {"broadcast_id": broadcast.id},
            due_at=start,
            max_attempts=1_000_000,  # every slice of sending counts as an attempt
        )
    return broadcast


async def set_progress_message(broadcast_id: int, chat_id: int, message_id: int) -> None:
    """Where the live progress is shown."""
    await Broadcast.filter(id=broadcast_id).update(
        progress_chat_id=chat_id, progress_message_id=message_id
    )


async def cancel(broadcast_id: int) -> bool:
    """Stop a broadcast: copies not yet sent are cancelled; False when it had ended already."""
    async with in_transaction():
        changed = await Broadcast.filter(
            id=broadcast_id, state__in=[BroadcastState.scheduled, BroadcastState.sending]
        ).update(state=BroadcastState.cancelled, finished_at=_now())
        if not changed:
            return False
        await BroadcastRecipient.filter(
            broadcast_id=broadcast_id, state=RecipientState.pending
        ).update(state=RecipientState.cancelled)
        await jobs.cancel(JobKind.broadcast.key(broadcast_id), "broadcast cancelled")
    return True


async def opt_out(user: User, version: str) -> bool:
    """The person wants no more broadcasts: marketing consent withdrawn, copies still waiting
    skipped. False when they had opted out already."""
    if user.id in await opted_out([user.id]):
        return False
    async with in_transaction():
        await consent.record(user, ConsentKind.marketing, granted=False, version=version)
        await BroadcastRecipient.filter(user_id=user.id, state=RecipientState.pending).update(
            state=RecipientState.skipped, error="opted out"
        )
    return True


# Sending --------------------------------------------------------------------------------------


async def get(broadcast_id: int) -> Broadcast:
    """A broadcast, or NotFound."""
    broadcast = await Broadcast.get_or_none(id=broadcast_id)
    if broadcast is None:
        raise NotFound(entity="broadcast")
    return broadcast


async def start(broadcast_id: int) -> Broadcast | None:
    """The broadcast to send now (scheduled → sending), or None when it has ended."""
    await Broadcast.filter(id=broadcast_id, state=BroadcastState.scheduled).update(
        state=BroadcastState.sending, started_at=_now()
    )
    broadcast = await Broadcast.get_or_none(id=broadcast_id)
    if broadcast is None or broadcast.state is not BroadcastState.sending:
        return None
    return broadcast


async def recover(broadcast_id: int, *, now: datetime | None = None) -> int:
    """Rows whose sender died mid-call: failed, never sent again; how many."""
    return await BroadcastRecipient.filter(
        broadcast_id=broadcast_id, state=RecipientState.sending, lease_until__lt=now or _now()
    ).update(state=RecipientState.failed, error=INTERRUPTED)


async def claim(
    broadcast_id: int, *, limit: int, now: datetime | None = None
) -> tuple[str, list[BroadcastRecipient]]:
    """Take up to `limit` due rows for this sender: (its claim, the rows)."""
    now = now or _now()
    token = uuid.uuid4().hex
    free = Q(claim__isnull=True) | Q(lease_until__lt=now)
    async with in_transaction() as connection:
        query = BroadcastRecipient.filter(
            free, broadcast_id=broadcast_id, state=RecipientState.pending, due_at__lte=now
        )
        if connection.capabilities.dialect == "postgres":
            query = query.select_for_update(skip_locked=True)
        ids = [row.id for row in await query.order_by("due_at", "id").limit(limit)]
        if ids:
            await BroadcastRecipient.filter(free, id__in=ids, state=RecipientState.pending).update(
                claim=token, lease_until=now + LEASE
            )
    rows = await BroadcastRecipient.filter(claim=token, state=RecipientState.pending).order_by("id")
    return token, list(rows)


async def unwanted(rows: Iterable[BroadcastRecipient]) -> set[int]:
    """Ids of rows whose person should no longer get it (opted out, erased, banned, blocked
    since the broadcast was written)."""
    rows = list(rows)
    user_ids = [row.user_id for row in rows]
    gone: set[int] = set()
    for user_id in await User.filter(
        Q(id__in=user_ids)
        & (
            Q(anonymized_at__isnull=False)
            | Q(is_banned=True)
            | Q(tg_id__isnull=True)
            | Q(bot_blocked=True)
        )
    ).values_list("id", flat=True):
        gone.add(int(str(user_id)))
    gone |= await opted_out(user_ids)
    return {row.id for row in rows if row.user_id in gone}


async def mark_sending(row_id: int, token: str) -> bool:
    """The row's slot has come: it is being sent (False: no longer this sender's, or
    cancelled)."""
    return bool(
        await BroadcastRecipient.filter(
            id=row_id, claim=token, state=RecipientState.pending
        ).update(state=RecipientState.sending, lease_until=_now() + LEASE)
    )


async def mark(
    row_id: int,
    state: RecipientState,
    *,
    message_id: int | None = None,
    error: str = "",
) -> None:
    """The outcome of a row being sent (or skipped)."""
    updates: dict[str, Any] = {"state": state, "error": error[:300], "lease_until": None}
    if state is RecipientState.sent:
        updates.update(message_id=message_id, sent_at=_now())
    await BroadcastRecipient.filter(
        id=row_id, state__in=[RecipientState.pending, RecipientState.sending]
    ).update(**updates)


async def put_back(row_id: int, due_at: datetime) -> None:
    """Telegram asked to wait (429) before this row went: it waits for its turn again."""
    await BroadcastRecipient.filter(
        id=row_id, state__in=[RecipientState.pending, RecipientState.sending]
    ).update(state=RecipientState.pending, claim=None, lease_until=None, due_at=due_at)


async def counts(broadcast_id: int) -> dict[RecipientState, int]:
    """How many rows are in each state."""
    rows = (
        await BroadcastRecipient.filter(broadcast_id=broadcast_id)
        .annotate(n=Count("id"))
        .group_by("state")
        .values_list("state", "n")
    )
    found = {RecipientState(str(state)): int(str(n)) for state, n in rows}
    return {state: found.get(state, 0) for state in RecipientState}


async def next_due(broadcast_id: int) -> datetime | None:
    """When the earliest row still waiting for a sender is due (None: none waits; rows
    another sender holds are `in_flight`)."""
    free = Q(claim__isnull=True) | Q(lease_until__lt=_now())
    row = (
        await BroadcastRecipient.filter(
            free, broadcast_id=broadcast_id, state=RecipientState.pending
        )
        .order_by("due_at")
        .first()
    )
    return row.due_at if row is not None else None


async def in_flight(broadcast_id: int) -> bool:
    """Whether another sender holds rows of this broadcast right now."""
    now = _now()
    return await BroadcastRecipient.filter(
        Q(state=RecipientState.sending) | Q(claim__isnull=False, state=RecipientState.pending),
        broadcast_id=broadcast_id,
        lease_until__gte=now,
    ).exists()


async def finish(broadcast_id: int) -> bool:
    """Nothing left to send: done (True once, for whoever reports it)."""
    return bool(
        await Broadcast.filter(id=broadcast_id, state=BroadcastState.sending).update(
            state=BroadcastState.done, finished_at=_now()
        )
    )


async def progress_due(broadcast_id: int, every: timedelta) -> bool:
    """Whether the progress message may be edited now (edits are spaced out, across senders)."""
    now = _now()
    return bool(
        await Broadcast.filter(
            Q(progress_at__isnull=True) | Q(progress_at__lte=now - every), id=broadcast_id
        ).update(progress_at=now)
    )


async def keep_job(job: Job, lease: timedelta, kinds: Iterable[str]) -> bool:
    """Between two slices of sending: when no other job of these kinds (the runner's) is due,
    the job keeps its claim for another `lease` (True) and the next slice follows at once,
    with no gap in the pace; otherwise the runner gets to the others first."""
    now = _now()
    others = Job.filter(state=JobState.pending, due_at__lte=now, kind__in=list(kinds))
    if await others.exclude(id=job.id).exists():
        return False
    return bool(
        await Job.filter(id=job.id, state=JobState.running, claimed_by=job.claimed_by).update(
            lease_until=now + lease
        )
    )


def _now() -> datetime:
    return datetime.now(UTC)
