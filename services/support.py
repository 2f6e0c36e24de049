"""Support tickets: opened by a person (with context), answered by agents in the support group.

States: `open` (the person's message waits for an agent), `waiting_user` (an agent answered),
`closed`. A message from the person moves any ticket back to `open`, a closed one included
(reopened). While a message waits, a `support.sla` job is due SUPPORT_SLA_MINUTES after it
arrived; an agent's answer or the closing cancels it. The rating (CSAT, 1-5) is taken once,
after closing, by a conditional update.

Every state change is a conditional update, so a double click or a repeated update changes
nothing twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core.errors import InvalidInput, NotFound
from core.money import format_price
from db.models import (
    FaqFeedback,
    Order,
    Role,
    Ticket,
    TicketDirection,
    TicketMessage,
    TicketStatus,
    User,
)
from services import jobs
from services.jobs import JobKind
from services.users import is_admin

RECENT_ORDERS = 5
SUBJECT_MAX = 200
ACTIVE = (TicketStatus.open, TicketStatus.waiting_user)


def _now() -> datetime:
    return datetime.now(UTC)


def is_agent(user: User | None, admin_ids: list[int]) -> bool:
    """A support agent: an admin, or a person with the support role."""
    return user is not None and (user.role == Role.support or is_admin(user, admin_ids))


def sla_key(ticket_id: int) -> str:
    """The job key of a ticket's SLA reminder."""
    return JobKind.support_sla.key(ticket_id)


async def recent_orders(user: User, limit: int = RECENT_ORDERS) -> list[dict[str, Any]]:
    """The person's latest orders as agents read them (number, status, total, date)."""
    orders = await Order.filter(customer_id=user.id).order_by("-id").limit(limit)
    return [
        {
            "id": order.id,
            "status": str(order.status),
            "total": format_price(order.total, order.currency, "ru"),
            "created": order.created_at.date().isoformat(),
        }
        for order in orders
    ]


async def recent_lessons(user: User) -> list[dict[str, Any]]:
    """The person's latest lessons for the ticket's context.

    A seam for tutoring: it returns nothing until lessons exist; the ticket header shows
    whatever it returns (`{"id", "when", "tutor", "status"}` each)."""
    return []


async def ticket_context(user: User, locale: str, order_id: int | None) -> dict[str, Any]:
    """What agents see first: language, the order asked about, recent orders and lessons."""
    return {
        "locale": locale,
        "order_id": order_id,
        "orders": await recent_orders(user),
        "lessons": await recent_lessons(user),
    }


async def active_ticket(user: User) -> Ticket | None:
    """The person's ticket that is not closed, if any (the latest)."""
    return await Ticket.filter(user_id=user.id, status__in=ACTIVE).order_by("-id").first()


async def get_ticket(ticket_id: int) -> Ticket:
    """One ticket, or NotFound."""
    ticket = await Ticket.get_or_none(id=ticket_id)
    if ticket is None:
        raise NotFound(entity="ticket")
    return ticket


async def get_own_ticket(ticket_id: int, user: User) -> Ticket:
    """One of the person's own tickets, or NotFound (someone else's looks the same)."""
    ticket = await Ticket.get_or_none(id=ticket_id, user_id=user.id)
    if ticket is None:
        raise NotFound(entity="ticket")
    return ticket


async def open_ticket(
    user: User,
    *,
    locale: str,
    subject: str,
    support_chat_id: int,
    sla: timedelta,
    order_id: int | None = None,
) -> tuple[Ticket, bool]:
    """The person's open ticket, or a new one with its context; True when it is new.

    An order named must be the person's own (else NotFound)."""
    if order_id is not None and not await Order.exists(id=order_id, customer_id=user.id):
        raise NotFound(entity="order")
    existing = await active_ticket(user)
    if existing is not None:
        return existing, False
    context = await ticket_context(user, locale, order_id)
    now = _now()
    async with in_transaction():
        ticket = await Ticket.create(
            user=user,
            order_id=order_id,
            locale=locale,
            subject=" ".join(subject.split())[:SUBJECT_MAX],
            context=context,
            support_chat_id=support_chat_id,
            waiting_since=now,
        )
        await jobs.enqueue(
            JobKind.support_sla, sla_key(ticket.id), {"ticket_id": ticket.id}, due_at=now + sla
        )
    return ticket, True


async def attach_thread(
    ticket: Ticket, *, thread_id: int | None = None, header_message_id: int | None = None
) -> None:
    """Remember where the ticket lives in the support group."""
    ticket.thread_id = thread_id
    ticket.header_message_id = header_message_id
    await Ticket.filter(id=ticket.id).update(
        thread_id=thread_id, header_message_id=header_message_id
    )


async def user_wrote(ticket: Ticket, sla: timedelta) -> bool:
    """The person wrote to the ticket: it waits for an agent again; True when it was closed
    (reopened)."""
    now = _now()
    reopened = ticket.status is TicketStatus.closed
    async with in_transaction():
        waiting = ticket.waiting_since if ticket.status is TicketStatus.open else None
        since = waiting or now
        await Ticket.filter(id=ticket.id).update(
            status=TicketStatus.open, waiting_since=since, closed_at=None, closed_by_id=None
        )
        await jobs.enqueue(
            JobKind.support_sla, sla_key(ticket.id), {"ticket_id": ticket.id}, due_at=since + sla
        )
    ticket.status, ticket.waiting_since, ticket.closed_at = TicketStatus.open, since, None
    return reopened


async def agent_replied(ticket: Ticket) -> None:
    """An agent answered: the ticket waits for the person; no reminder is due."""
    async with in_transaction():
        await Ticket.filter(id=ticket.id).update(
            status=TicketStatus.waiting_user, waiting_since=None, closed_at=None
        )
        await jobs.cancel(sla_key(ticket.id), "an agent answered")
    ticket.status, ticket.waiting_since = TicketStatus.waiting_user, None


async def remember(
    ticket: Ticket,
    direction: TicketDirection,
    *,
    author: User | None,
    kind: str,
    text: str = "",
    user_message_id: int | None = None,
    group_message_id: int | None = None,
) -> TicketMessage:
    """Record a relayed message (both ends' message ids)."""
    return await TicketMessage.create(
        ticket=ticket,
        direction=direction,
        author=author,
        kind=kind,
        text=text[:4096],
        user_message_id=user_message_id,
        group_message_id=group_message_id,
    )


async def close_ticket(ticket_id: int, by: User | None) -> Ticket | None:
    """Close a ticket; None when it was closed already (a double click, a second agent)."""
    now = _now()
    async with in_transaction():
        changed = await Ticket.filter(id=ticket_id, status__in=ACTIVE).update(
            status=TicketStatus.closed,
            closed_at=now,
            closed_by_id=by.id if by else None,
            waiting_since=None,
        )
        if not changed:
            return None
        await jobs.cancel(sla_key(ticket_id), "closed")
    return await Ticket.get(id=ticket_id)


async def rate(ticket_id: int, user: User, score: int) -> bool:
    """The person's rating of a closed ticket, 1-5, taken once; False when already rated."""
    if not 1 <= score <= 5:
        raise InvalidInput(field="csat")
    ticket = await get_own_ticket(ticket_id, user)
    if ticket.status is not TicketStatus.closed:
        raise InvalidInput(field="csat")
    return bool(await Ticket.filter(id=ticket.id, csat__isnull=True).update(csat=score))


async def by_thread(chat_id: int, thread_id: int) -> Ticket | None:
    """The ticket of a forum topic of the support group."""
    return await Ticket.get_or_none(support_chat_id=chat_id, thread_id=thread_id)


async def by_group_message(chat_id: int, message_id: int) -> Ticket | None:
    """The ticket a message of the support group belongs to (its header or a relayed one)."""
    ticket = await Ticket.filter(support_chat_id=chat_id, header_message_id=message_id).first()
    if ticket is not None:
        return ticket
    relayed = await TicketMessage.filter(
        group_message_id=message_id, ticket__support_chat_id=chat_id
    ).first()
    return await Ticket.get_or_none(id=relayed.ticket_id) if relayed else None


async def by_user_message(user: User, message_id: int) -> Ticket | None:
    """The person's ticket that a message of their chat was relayed for."""
    relayed = await TicketMessage.filter(
        user_message_id=message_id, ticket__user_id=user.id
    ).first()
    return await Ticket.get_or_none(id=relayed.ticket_id) if relayed else None


async def open_tickets(limit: int = 50) -> list[Ticket]:
    """Tickets that are not closed: those waiting for an agent first, longest-waiting first."""
    tickets = await (
        Ticket.filter(Q(status=TicketStatus.open) | Q(status=TicketStatus.waiting_user))
        .order_by("status", "waiting_since", "id")
        .limit(limit)
        .prefetch_related("user")
    )
    return sorted(
        tickets,
        key=lambda t: (t.status is not TicketStatus.open, t.waiting_since or t.updated_at, t.id),
    )


async def still_waiting(ticket_id: int) -> Ticket | None:
    """The ticket if a message of the person still waits for an agent (for the SLA job)."""
    return await Ticket.get_or_none(
        id=ticket_id, status=TicketStatus.open, waiting_since__isnull=False
    ).prefetch_related("user")


async def export_tickets(user: User) -> list[dict[str, Any]]:
    """The person's tickets and what they wrote in them (for /my_data)."""
    tickets = await Ticket.filter(user_id=user.id).order_by("id")
    exported = []
    for ticket in tickets:
        messages = await TicketMessage.filter(ticket_id=ticket.id).order_by("id")
        exported.append(
            {
                "id": ticket.id,
                "status": str(ticket.status),
                "subject": ticket.subject,
                "opened_at": ticket.created_at.isoformat(),
                "rating": ticket.csat,
                "messages": [
                    {
                        "from": str(m.direction),
                        "kind": m.kind,
                        "text": m.text,
                        "at": m.created_at.isoformat(),
                    }
                    for m in messages
                    if m.direction is not TicketDirection.bot
                ],
            }
        )
    return exported


async def erase_tickets(user: User) -> None:
    """Erasure (/delete_my_data): the person's tickets are closed and their texts, context
    and FAQ questions erased; the rows stay for the support statistics."""
    ids = await Ticket.filter(user_id=user.id).values_list("id", flat=True)
    for ticket_id in ids:
        await jobs.cancel(sla_key(int(str(ticket_id))), "erased")
    await Ticket.filter(id__in=ids).update(
        subject="", context={}, status=TicketStatus.closed, waiting_since=None
    )
    await TicketMessage.filter(ticket_id__in=ids).update(text="")
    await FaqFeedback.filter(user_id=user.id).update(query="")
