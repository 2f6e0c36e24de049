"""Broadcasts in the services: segments, quiet hours, one row per recipient written with its
job, rows claimed once by racing senders (also on PostgreSQL), opt-out, cancel, recovery."""

from __future__ import annotations

import asyncio
import zoneinfo
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.config import Settings, SettingsError
from db.models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastState,
    CartItem,
    ConsentKind,
    Job,
    JobState,
    OrderStatus,
    RecipientState,
    User,
)
from services import broadcasts, consent
from services.broadcasts import Audience, Content, Segment
from tests.services.shop_data import make_product, make_provider, make_user, order_in

MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")
CONTENT = Content(text="<b>Sale</b> today", buttons=(("Shop", "https://example.ru"),))


async def write(settings: Settings, segment: Segment | None = None, **kwargs: object) -> Broadcast:
    return await broadcasts.create(
        author=None,
        draft_key=broadcasts.new_draft_key(),
        content=CONTENT,
        segment=segment or Segment(),
        settings=settings,
        **kwargs,  # type: ignore[arg-type]
    )


async def drain(broadcast_id: int, delivered: list[int], *, batch: int = 5) -> None:
    """A sender as the job runs it: claim, mark sending, "send", record."""
    while True:
        _, rows = await broadcasts.claim(broadcast_id, limit=batch)
        if not rows:
            return
        for row in rows:
            assert row.claim is not None
            if await broadcasts.mark_sending(row.id, row.claim):
                await asyncio.sleep(0)  # the call to Telegram; other senders run meanwhile
                delivered.append(row.user_id)
                await broadcasts.mark(row.id, RecipientState.sent, message_id=1)


@pytest.fixture
def quiet_off(make_settings: object) -> Settings:
    return make_settings(quiet_hours="")  # type: ignore[operator,no-any-return]


@pytest.fixture
def quiet_on(make_settings: object) -> Settings:
    """The default quiet hours (tests run without them unless they ask)."""
    return make_settings(quiet_hours="22-9", timezone="Europe/Moscow")  # type: ignore[operator,no-any-return]


@pytest.mark.usefixtures("db")
async def test_segments_count_the_people_they_reach(quiet_off: Settings) -> None:
    shop = await make_provider()
    tutor = await make_provider(kind="tutor", slug="olga")
    ann = await make_user(locale="en", last_seen_at=datetime.now(UTC))
    bob = await make_user(locale="ru", last_seen_at=datetime.now(UTC) - timedelta(days=40))
    cid = await make_user(language_code="en")
    await make_user(is_banned=True)
    await make_user(bot_blocked=True)
    await make_user(tg_id=None)
    refuser = await make_user()
    await consent.record(refuser, ConsentKind.marketing, granted=True, version="1")
    await consent.record(refuser, ConsentKind.marketing, granted=False, version="1")
    returning = await make_user()
    await consent.record(returning, ConsentKind.marketing, granted=False, version="1")
    await consent.record(returning, ConsentKind.marketing, granted=True, version="1")
    await order_in(OrderStatus.completed, ann, shop)
    await order_in(OrderStatus.paid, bob, tutor)
    product = await make_product(shop)
    await CartItem.create(user=cid, product=product, quantity=1, price_seen=100)

    async def reached(**fields: object) -> set[int]:
        people = await broadcasts.audience_of(
            Segment(**fields),
            quiet_off,
            now=datetime.now(UTC),  # type: ignore[arg-type]
        )
        return {person.id for person in people}

    assert await reached() == {ann.id, bob.id, cid.id, returning.id}
    assert await reached(audience=Audience.provider, provider_id=shop.id) == {ann.id}
    assert await reached(audience=Audience.tutor, provider_id=tutor.id) == {bob.id}
    assert await reached(audience=Audience.provider) == set()  # no provider chosen: nobody
    assert await reached(locale="en") == {ann.id, cid.id}
    assert await reached(active_days=30) == {ann.id}
    assert await reached(unpaid_cart=True) == {cid.id}
    assert await broadcasts.count(Segment(locale="ru"), quiet_off) == 2


def test_quiet_hours_move_a_copy_to_the_morning_in_the_persons_zone() -> None:
    window = (22, 9)
    evening = datetime(2026, 12, 7, 20, 30, tzinfo=UTC)  # 23:30 in Moscow
    assert broadcasts.quiet_until(evening, MOSCOW, window) == datetime(
        2026, 12, 8, 6, 0, tzinfo=UTC
    )
    early = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # 06:00 in Moscow: the same morning
    assert broadcasts.quiet_until(early, MOSCOW, window) == datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    noon = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert broadcasts.quiet_until(noon, MOSCOW, window) == noon
    assert broadcasts.quiet_until(evening, MOSCOW, None) == evening
    vladivostok = zoneinfo.ZoneInfo("Asia/Vladivostok")  # 06:30 there: waits until 09:00
    assert broadcasts.quiet_until(evening, vladivostok, window) == datetime(
        2026, 12, 7, 23, 0, tzinfo=UTC
    )
    daytime_quiet = (13, 15)  # a window that does not cross midnight
    lunch = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)  # 14:00 in Moscow
    assert broadcasts.quiet_until(lunch, MOSCOW, daytime_quiet) == datetime(
        2026, 12, 7, 12, 0, tzinfo=UTC
    )


@pytest.mark.usefixtures("db")
async def test_a_person_in_quiet_hours_is_due_in_their_morning(quiet_on: Settings) -> None:
    settings = quiet_on
    person = await make_user()
    person.timezone = "Asia/Vladivostok"  # type: ignore[attr-defined]  # a column of the tutoring work
    evening = datetime.now(UTC).replace(hour=20, minute=30, second=0, microsecond=0)  # 23:30 MSK
    if evening < datetime.now(UTC):
        evening += timedelta(days=1)
    zone = broadcasts.zone_of(person, settings)
    assert zone.key == "Asia/Vladivostok"
    await make_user()  # Moscow by TIMEZONE
    broadcast = await write(settings, scheduled_at=evening)
    dues = sorted(
        await BroadcastRecipient.filter(broadcast_id=broadcast.id).values_list("due_at", flat=True)
    )
    moscow_morning = (evening + timedelta(days=1)).replace(hour=6, minute=0)
    assert dues == [moscow_morning, moscow_morning]  # stored users have no zone yet: TIMEZONE


@pytest.mark.usefixtures("db")
async def test_rows_and_job_are_written_together_and_a_draft_once(quiet_off: Settings) -> None:
    for _ in range(3):
        await make_user()
    key = broadcasts.new_draft_key()
    first, again = [
        await broadcasts.create(
            author=None, draft_key=key, content=CONTENT, segment=Segment(), settings=quiet_off
        )
        for _ in range(2)
    ]
    assert first.id == again.id and first.total == 3
    assert await Broadcast.all().count() == 1
    assert await BroadcastRecipient.filter(state=RecipientState.pending).count() == 3
    job = await Job.get(key=f"broadcast.send:{first.id}")
    assert job.payload == {"broadcast_id": first.id} and job.state is JobState.pending


@pytest.mark.usefixtures("db")
async def test_racing_senders_send_each_row_once(quiet_off: Settings) -> None:
    for _ in range(40):
        await make_user()
    broadcast = await write(quiet_off)
    assert await broadcasts.start(broadcast.id) is not None
    delivered: list[int] = []
    await asyncio.gather(*(drain(broadcast.id, delivered, batch=3) for _ in range(4)))
    assert len(delivered) == 40 and len(set(delivered)) == 40
    counts = await broadcasts.counts(broadcast.id)
    assert counts[RecipientState.sent] == 40 and counts[RecipientState.pending] == 0
    assert await broadcasts.finish(broadcast.id) is True
    assert await broadcasts.finish(broadcast.id) is False  # one final report


@pytest.mark.postgres
async def test_senders_on_postgresql_share_the_rows_once(pg_db: str, quiet_off: Settings) -> None:
    for _ in range(120):
        await make_user()
    broadcast = await write(quiet_off)
    await broadcasts.start(broadcast.id)
    delivered: list[int] = []
    await asyncio.gather(*(drain(broadcast.id, delivered, batch=7) for _ in range(5)))
    assert len(delivered) == 120 and len(set(delivered)) == 120
    claims = (
        await BroadcastRecipient.filter(broadcast_id=broadcast.id)
        .distinct()
        .values_list("claim", flat=True)
    )
    assert len(set(claims)) > 5  # many batches, shared by the senders


@pytest.mark.usefixtures("db")
async def test_a_sender_that_died_resumes_without_duplicates(quiet_off: Settings) -> None:
    for _ in range(6):
        await make_user()
    broadcast = await write(quiet_off)
    await broadcasts.start(broadcast.id)
    _, rows = await broadcasts.claim(broadcast.id, limit=4)
    assert rows[0].claim is not None
    await broadcasts.mark_sending(rows[0].id, rows[0].claim)
    await broadcasts.mark(rows[0].id, RecipientState.sent, message_id=7)
    await broadcasts.mark_sending(rows[1].id, rows[1].claim)  # killed during this call
    # ...the process is gone; rows[2:4] were claimed but never reached their slot.
    later = datetime.now(UTC) + broadcasts.LEASE + timedelta(seconds=1)
    assert await broadcasts.recover(broadcast.id, now=later) == 1
    _, again = await broadcasts.claim(broadcast.id, limit=10, now=later)
    assert (
        sorted(row.id for row in again)
        == sorted(row.id for row in rows[2:])
        + [
            row.id
            for row in await BroadcastRecipient.filter(broadcast_id=broadcast.id).order_by("id")
        ][4:]
    )
    ambiguous = await BroadcastRecipient.get(id=rows[1].id)
    assert ambiguous.state is RecipientState.failed and "duplicate" in ambiguous.error


@pytest.mark.usefixtures("db")
async def test_opt_out_and_cancel(quiet_off: Settings) -> None:
    ann, bob, _ = await make_user(), await make_user(), await make_user()
    broadcast = await write(quiet_off)
    assert await broadcasts.opt_out(ann, "1") is True
    assert await broadcasts.opt_out(ann, "1") is False  # a second press changes nothing
    mine = await BroadcastRecipient.get(broadcast_id=broadcast.id, user_id=ann.id)
    assert mine.state is RecipientState.skipped
    assert await broadcasts.count(Segment(), quiet_off) == 2
    await User.filter(id=bob.id).update(is_banned=True)
    rows = await BroadcastRecipient.filter(broadcast_id=broadcast.id, state=RecipientState.pending)
    assert await broadcasts.unwanted(rows) == {r.id for r in rows if r.user_id == bob.id}

    assert await broadcasts.cancel(broadcast.id) is True
    assert await broadcasts.cancel(broadcast.id) is False
    counts = await broadcasts.counts(broadcast.id)
    assert counts[RecipientState.cancelled] == 2 and counts[RecipientState.pending] == 0
    assert (await Broadcast.get(id=broadcast.id)).state is BroadcastState.cancelled
    assert (await Job.get(key=f"broadcast.send:{broadcast.id}")).state is JobState.cancelled
    assert await broadcasts.start(broadcast.id) is None


def test_quiet_hours_setting_is_checked(make_settings: Any) -> None:
    assert make_settings(quiet_hours="22-9").quiet_window == (22, 9)
    assert make_settings(quiet_hours=" 23-07 ").quiet_hours == "23-7"
    assert make_settings(quiet_hours="").quiet_window is None
    for wrong in ("22", "25-3", "evening", "22-9-1"):
        with pytest.raises(SettingsError, match="QUIET_HOURS"):
            make_settings(quiet_hours=wrong)
