"""Admin broadcasts through the emulator: compose, segment, preview, send, progress, report;
bad input; stale buttons; blocked people; "Stop these messages"; cancel; scheduling."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram.types import Message

from db.models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastState,
    Consent,
    ConsentKind,
    Job,
    JobState,
    OrderStatus,
    RecipientState,
    User,
)
from handlers.broadcast_send import BroadcastSender
from sandbox import SandboxUser
from sandbox.errors import too_many_requests
from services.jobs import JobKind, JobRunner, Retry
from tests.handlers.admin_support import ADMIN_ID, make_settings
from tests.handlers.conftest import Telegram, labels, text_of
from tests.services.shop_data import make_provider, order_in

__all__ = ["make_settings"]  # the fixture override: a generous throttle for fast typing


@pytest.fixture
def telegram_settings() -> dict[str, Any]:
    """No quiet hours unless a test sets them: copies go at once, whatever the time of day."""
    return {"quiet_hours": ""}


async def customers(telegram: Telegram, count: int) -> list[SandboxUser]:
    """People who have talked to the bot (so they are in the database and in a chat)."""
    people = []
    for n in range(count):
        person = telegram.user(5000 + n, first_name=f"C{n}", language_code="en")
        await person.send("/start")
        people.append(person)
    return people


def shown(person: SandboxUser, message_id: int) -> Message:
    """A message of the chat as it looks now (after edits)."""
    return next(m for m in person.messages if m.message_id == message_id)


async def composed(telegram: Telegram) -> SandboxUser:
    """The admin has written a formatted text and one button, and sees the segment screen."""
    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    replies = await root.send("/broadcast")
    assert "Send the message" in text_of(replies[0])
    await root.send_content(
        {"text": "Big sale today", "entities": [{"type": "bold", "offset": 0, "length": 8}]}
    )
    replies = await root.send("Open the shop - https://example.ru/shop")
    assert "Recipients now" in text_of(replies[-1])
    return root


async def test_compose_preview_send_and_the_report(telegram: Telegram) -> None:
    ann, bob, cid = await customers(telegram, 3)
    root = await composed(telegram)
    screen = root.last_message
    assert "Recipients now: 4" in text_of(screen)  # three customers and the admin

    await root.click("👁 Preview to me")
    preview = root.messages[-1]
    assert text_of(preview) == "Big sale today"
    assert labels(preview) == ["Open the shop", "🔕 Stop these messages"]
    assert preview.entities and preview.entities[0].type == "bold"

    cid.block()
    replies = await root.click("🚀 Send now", screen)
    assert "starts within seconds" in text_of(replies[-1])
    broadcast = await Broadcast.get()
    assert screen is not None
    assert broadcast.total == 4 and broadcast.progress_message_id == screen.message_id

    await telegram.services.jobs.run_due()

    for person in (ann, bob):
        got = person.messages[-1]
        assert text_of(got) == "Big sale today"
        assert labels(got) == ["Open the shop", "🔕 Stop these messages"]
    rows = {
        row.chat_id: row.state for row in await BroadcastRecipient.filter(broadcast_id=broadcast.id)
    }
    assert rows == {
        ann.id: RecipientState.sent,
        bob.id: RecipientState.sent,
        cid.id: RecipientState.blocked,
        ADMIN_ID: RecipientState.sent,
    }
    assert (await User.get(tg_id=cid.id)).bot_blocked
    report = text_of(shown(root, screen.message_id))  # the progress message, edited
    assert "Broadcast #" in report and "finished" in report
    assert "Sent: 3" in report and "Blocked the bot: 1" in report and "Duration:" in report
    assert (await Broadcast.get(id=broadcast.id)).state is BroadcastState.done

    # The old "Send now" again, and another run of the job: nothing is sent twice.
    await root.click("🚀 Send now", screen)
    assert "sent or discarded already" in root.callback_answers[-1].text
    await telegram.services.jobs.run_due()
    assert len([m for m in ann.messages if text_of(m) == "Big sale today"]) == 1
    assert await Broadcast.all().count() == 1


async def test_bad_input_while_composing(telegram: Telegram) -> None:
    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    await root.send("/admin")
    replies = await root.click("📣 Broadcast")  # the admin menu's way in, like /broadcast
    assert "New broadcast" in text_of(replies[-1])
    replies = await root.send_document(b"%PDF", "price.pdf")
    assert "as text, or as a photo with a caption" in text_of(replies[0])
    replies = await root.send_photo(b"a picture")
    assert "needs a caption" in text_of(replies[0])
    replies = await root.send_photo(b"a picture", caption="New tea arrived")
    assert "link buttons" in text_of(replies[0])
    replies = await root.send_photo(b"another picture")
    assert "Send the buttons as text" in text_of(replies[0])
    replies = await root.send("Shop https://example.ru")
    assert "Line 1 is not" in text_of(replies[0])
    replies = await root.send("Shop - ftp://example.ru")
    assert "Line 1 is not" in text_of(replies[0])
    replies = await root.click("⏭ No buttons")
    assert "Recipients now: 1" in text_of(replies[-1])
    replies = await root.send("all of them please")
    assert "Choose with the buttons" in text_of(replies[0])

    await root.click("🗓 Schedule")
    replies = await root.send("tomorrow-ish")
    assert "could not read that time" in text_of(replies[0])
    replies = await root.send("2020-01-01 10:00")
    assert "has passed" in text_of(replies[0])
    replies = await root.send_photo(b"a picture")
    assert "Send the time as text" in text_of(replies[0])
    when = datetime.now(UTC) + timedelta(days=2)
    replies = await root.send(when.strftime("%Y-%m-%d") + " 12:00")
    assert "is scheduled for" in text_of(replies[0])
    broadcast = await Broadcast.get()
    assert broadcast.photo_file_id and broadcast.text == "New tea arrived"
    assert broadcast.state is BroadcastState.scheduled and broadcast.scheduled_at > datetime.now(
        UTC
    )
    await telegram.services.jobs.run_due()  # not due yet: nothing sent
    assert await BroadcastRecipient.filter(state=RecipientState.pending).count() == 1

    await root.click("⏹ Cancel the broadcast")
    assert "was cancelled" in text_of(root.last_message)
    assert (await Broadcast.get()).state is BroadcastState.cancelled
    assert await BroadcastRecipient.filter(state=RecipientState.cancelled).count() == 1


async def test_segment_switches_change_the_count(telegram: Telegram) -> None:
    await customers(telegram, 2)
    ru = telegram.user(6000, first_name="Ru", language_code="ru")
    await ru.send("/start")
    root = await composed(telegram)
    assert "Recipients now: 4" in text_of(root.last_message)
    await root.click("🌐 Language: any")
    assert "Recipients now: 1" in text_of(root.last_message)  # ru: the Russian client
    await root.click("🌐 Language: Русский")
    assert "Recipients now: 3" in text_of(root.last_message)  # en: two customers and the admin
    await root.click("🛒 Any cart")
    assert "Recipients now: 0" in text_of(root.last_message)
    await root.click("🚀 Send now")
    assert "Nobody is in this segment" in root.callback_answers[-1].text
    await root.click("✅ Has an unpaid cart")
    await root.click("👥 Everyone")  # no shops yet: it stays "everyone"
    assert "no shops or tutors yet" in root.callback_answers[-1].text
    await root.click("✖️ Discard")
    assert "discarded" in text_of(root.last_message)
    assert await Broadcast.all().count() == 0


async def test_stop_these_messages(telegram: Telegram) -> None:
    (ann,) = await customers(telegram, 1)
    root = await composed(telegram)
    await root.click("🚀 Send now")
    await telegram.services.jobs.run_due()
    replies = await ann.click("🔕 Stop these messages")
    assert "no more broadcasts" in ann.callback_answers[-1].text
    assert labels(ann.messages[-1]) == ["Open the shop"] and not replies[:0]
    decision = await Consent.filter(user__tg_id=ann.id, kind=ConsentKind.marketing).first()
    assert decision is not None and not decision.granted

    await root.send("/broadcast")
    await root.send("Second one")
    replies = await root.click("⏭ No buttons")
    assert "Recipients now: 1" in text_of(replies[-1])  # only the admin is left


async def test_a_customer_cannot_broadcast(telegram: Telegram) -> None:
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    replies = await ann.send("/broadcast")
    assert "I did not understand that." in text_of(replies[0])


async def test_quiet_hours_defer_copies_to_the_morning(
    telegram: Telegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    hour = datetime.now(ZoneInfo("Europe/Moscow")).hour
    quiet = f"{hour}-{(hour + 2) % 24}"  # it is quiet right now, for two hours
    monkeypatch.setattr(telegram.settings, "quiet_hours", quiet)
    (ann,) = await customers(telegram, 1)
    root = await composed(telegram)
    screen = root.last_message
    assert screen is not None
    await root.click("🚀 Send now")
    await telegram.services.jobs.run_due()
    assert text_of(ann.messages[-1]) != "Big sale today"
    rows = await BroadcastRecipient.all()
    assert {row.state for row in rows} == {RecipientState.pending}
    assert all(row.due_at > datetime.now(UTC) + timedelta(minutes=59) for row in rows)
    assert "Waiting (quiet hours or their turn): 2" in text_of(shown(root, screen.message_id))


async def test_a_429_mid_broadcast_pauses_everyone_and_loses_nobody(
    telegram: Telegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = await customers(telegram, 6)
    root = await composed(telegram)
    monkeypatch.setattr(telegram.settings, "broadcast_paid", True)
    await root.click("🚀 Send now")
    flood = telegram.emulator.flood
    admitted, refused = [], []
    check = flood.check

    def once_429(bot_id: int, chat_id: int, is_group: bool) -> None:
        if len(admitted) == 3 and not refused:
            refused.append(chat_id)
            raise too_many_requests(1)
        check(bot_id, chat_id, is_group)
        admitted.append(chat_id)

    monkeypatch.setattr(flood, "check", once_429)
    await telegram.services.jobs.run_due()

    assert len(refused) == 1  # the one injected; the pause kept every other send within limits
    assert sorted(admitted) == sorted([p.id for p in people] + [ADMIN_ID])
    assert await BroadcastRecipient.filter(state=RecipientState.sent).count() == 7
    sends = [c for c in telegram.emulator.calls_to("sendMessage") if c.params.get("text")]
    assert any(str(c.params.get("allow_paid_broadcast")).lower() == "true" for c in sends)


async def test_two_senders_at_once_send_each_copy_once(telegram: Telegram) -> None:
    people = await customers(telegram, 8)
    root = await composed(telegram)
    await root.click("🚀 Send now")
    broadcast = await Broadcast.get()
    senders = [BroadcastSender(telegram.bot, telegram.services) for _ in range(2)]
    outcomes = await asyncio.gather(
        *(sender.run(broadcast.id) for sender in senders), return_exceptions=True
    )
    # One reports the end; the other, if it ran out while the first held rows, comes back.
    assert all(outcome is None or isinstance(outcome, Retry) for outcome in outcomes)
    if any(isinstance(outcome, Retry) for outcome in outcomes):
        await senders[0].run(broadcast.id)
    for person in people:
        assert [text_of(m) for m in person.messages].count("Big sale today") == 1
    rows = await BroadcastRecipient.filter(broadcast_id=broadcast.id)
    assert {row.state for row in rows} == {RecipientState.sent} and len(rows) == 9
    assert (await Broadcast.get(id=broadcast.id)).state is BroadcastState.done


async def test_slices_follow_each_other_until_the_end(
    telegram: Telegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = await customers(telegram, 10)
    root = await composed(telegram)
    await root.click("🚀 Send now")
    monkeypatch.setattr(telegram.services.send_pacer, "rate", 8)  # batches of 4, two lanes
    sender = BroadcastSender(telegram.bot, telegram.services, slice_=timedelta(0))
    runner = JobRunner(name="slices")
    runner.register(JobKind.broadcast, sender)
    assert await runner.run_due() == 1  # one run of the job, slice after slice, to the end
    for person in people:
        assert [text_of(m) for m in person.messages].count("Big sale today") == 1
    assert (await Broadcast.get()).state is BroadcastState.done
    job = await Job.get(kind=JobKind.broadcast)
    assert job.state is JobState.done and job.attempts == 1


async def test_customers_of_a_shop(telegram: Telegram) -> None:
    ann, _bob = await customers(telegram, 2)
    shop = await make_provider(name="Lavka")
    await order_in(OrderStatus.completed, await User.get(tg_id=ann.id), shop)
    root = await composed(telegram)
    replies = await root.click("👥 Everyone")
    assert "Whose customers" in text_of(replies[-1])
    replies = await root.click("« Back")  # no shop chosen: nobody, and sending is refused
    assert "Recipients now: 0" in text_of(replies[-1])
    await root.click("🚀 Send now")
    assert "Nobody is in this segment" in root.callback_answers[-1].text
    await root.click("👥 Customers of a shop")  # on to tutors: there are none, back to everyone
    assert "no tutors yet" in root.callback_answers[-1].text
    assert "Recipients now: 3" in text_of(root.messages[-1])
    await root.click("👥 Everyone")
    replies = await root.click("Lavka")
    assert "Customers of a shop: Lavka" in text_of(replies[-1])
    assert "Recipients now: 1" in text_of(replies[-1])
    await root.click("🚀 Send now")
    await telegram.services.jobs.run_due()
    assert text_of(ann.messages[-1]) == "Big sale today"
    assert await BroadcastRecipient.all().count() == 1
