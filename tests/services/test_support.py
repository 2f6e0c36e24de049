"""Support tickets in the services tier: one open ticket per person, the SLA job follows who
waits, reopening, closing and the rating happen once, lookups by topic and by message."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.errors import InvalidInput, NotFound
from db.models import (
    Job,
    JobState,
    Role,
    Ticket,
    TicketDirection,
    TicketMessage,
    TicketStatus,
    User,
)
from services import support

SLA = timedelta(minutes=30)
CHAT = -100500


async def person(tg_id: int = 5, role: Role = Role.customer) -> User:
    return await User.create(tg_id=tg_id, pseudonym=f"u{tg_id}", first_name="Anna", role=role)


async def sla_states(ticket: Ticket) -> list[str]:
    rows = await Job.filter(key=support.sla_key(ticket.id)).order_by("id")
    return [str(job.state) for job in rows]


async def test_a_ticket_is_opened_once_with_its_context_and_an_sla_job(db: None) -> None:
    anna = await person()
    ticket, new = await support.open_ticket(
        anna, locale="en", subject="  Where   is my order? ", support_chat_id=CHAT, sla=SLA
    )
    again, new_again = await support.open_ticket(
        anna, locale="en", subject="double click", support_chat_id=CHAT, sla=SLA
    )
    assert new and not new_again and again.id == ticket.id
    assert ticket.subject == "Where is my order?"
    assert ticket.context == {"locale": "en", "order_id": None, "orders": [], "lessons": []}
    job = await Job.get(key=support.sla_key(ticket.id))
    assert job.state is JobState.pending and job.due_at - ticket.waiting_since == SLA  # type: ignore[operator]
    with pytest.raises(NotFound):  # someone else's (or no) order
        await support.open_ticket(
            await person(6), locale="ru", subject="x", support_chat_id=CHAT, sla=SLA, order_id=999
        )


async def test_states_move_with_who_waits_and_close_and_rating_happen_once(db: None) -> None:
    anna = await person()
    ticket, _ = await support.open_ticket(
        anna, locale="ru", subject="q", support_chat_id=CHAT, sla=SLA
    )
    await support.agent_replied(ticket)
    stored = await Ticket.get(id=ticket.id)
    assert stored.status is TicketStatus.waiting_user and stored.waiting_since is None
    assert await sla_states(ticket) == ["cancelled"]

    assert await support.user_wrote(stored, SLA) is False
    assert (await Ticket.get(id=ticket.id)).status is TicketStatus.open
    assert await sla_states(ticket) == ["cancelled", "pending"]

    with pytest.raises(InvalidInput):  # not closed yet
        await support.rate(ticket.id, anna, 5)
    closed = await support.close_ticket(ticket.id, anna)
    assert closed is not None and closed.status is TicketStatus.closed
    assert await support.close_ticket(ticket.id, anna) is None  # a second agent, a double click
    assert await sla_states(ticket) == ["cancelled", "cancelled"]

    with pytest.raises(InvalidInput):
        await support.rate(ticket.id, anna, 6)
    with pytest.raises(NotFound):
        await support.rate(ticket.id, await person(7), 5)
    assert await support.rate(ticket.id, anna, 4) is True
    assert await support.rate(ticket.id, anna, 1) is False
    assert (await Ticket.get(id=ticket.id)).csat == 4

    assert await support.user_wrote(closed, SLA) is True  # reopened by a new message
    assert (await Ticket.get(id=ticket.id)).status is TicketStatus.open
    assert [t.id for t in await support.open_tickets()] == [ticket.id]


async def test_lookups_by_topic_header_and_relayed_messages(db: None) -> None:
    anna = await person()
    ticket, _ = await support.open_ticket(
        anna, locale="ru", subject="q", support_chat_id=CHAT, sla=SLA
    )
    await support.attach_thread(ticket, header_message_id=10)
    await support.remember(
        ticket,
        TicketDirection.user,
        author=anna,
        kind="text",
        user_message_id=3,
        group_message_id=11,
    )
    assert (await support.by_group_message(CHAT, 10)).id == ticket.id  # type: ignore[union-attr]
    assert (await support.by_group_message(CHAT, 11)).id == ticket.id  # type: ignore[union-attr]
    assert await support.by_group_message(-1, 11) is None
    assert (await support.by_user_message(anna, 3)).id == ticket.id  # type: ignore[union-attr]
    assert await support.by_user_message(await person(8), 3) is None
    await support.attach_thread(ticket, thread_id=42)
    assert (await support.by_thread(CHAT, 42)).id == ticket.id  # type: ignore[union-attr]
    assert support.is_agent(await person(9, Role.support), [])
    assert support.is_agent(await person(10), [10]) and not support.is_agent(anna, [])


async def test_my_data_exports_tickets_and_erasure_clears_their_texts(db: None) -> None:
    from services import privacy

    anna = await person()
    ticket, _ = await support.open_ticket(
        anna, locale="ru", subject="мой адрес Тверская 1", support_chat_id=CHAT, sla=SLA
    )
    await support.remember(
        ticket, TicketDirection.user, author=anna, kind="text", text="мой адрес Тверская 1"
    )
    await support.remember(ticket, TicketDirection.bot, author=None, kind="text", text="⏰")
    [exported] = (await privacy.export_user_data(anna))["support_tickets"]
    assert exported["subject"] == "мой адрес Тверская 1"
    assert [m["text"] for m in exported["messages"]] == ["мой адрес Тверская 1"]

    await privacy.anonymize_user(anna)
    stored = await Ticket.get(id=ticket.id)
    assert stored.subject == "" and stored.context == {} and stored.status is TicketStatus.closed
    assert set(await TicketMessage.filter(ticket_id=ticket.id).values_list("text", flat=True)) == {
        ""
    }
    assert await sla_states(ticket) == ["cancelled"]
