"""The support group: agents answer tickets in their topic (forum) or by replying (threads).

An agent's message in a ticket's topic, or a reply to a ticket's header or relayed message, is
copied to the person's chat with "Reply" and "Problem solved"; `/close` there closes the ticket
and asks the person for a rating. Someone in the group who is not an agent (an admin or a
person with the support role) is refused, and nothing reaches the person. Messages that belong
to no ticket (agents talking among themselves) are left alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramForbiddenError
from aiogram.filters import BaseFilter, Command
from aiogram.types import Message

from core.config import Settings
from core.i18n import gettext as _
from core.i18n import pick_locale
from core.texts import local_time
from db.models import Ticket, TicketDirection, TicketStatus, User
from handlers.support import ask_rating
from handlers.support_desk import content_kind
from keyboards import support as kb
from services import support, users
from services.container import Services


class InSupportChat(BaseFilter):
    """Passes for messages of SUPPORT_CHAT_ID."""

    async def __call__(self, message: Message, settings: Settings) -> bool:
        """True in the support group."""
        return settings.support_chat_id is not None and message.chat.id == settings.support_chat_id


class TicketOf(BaseFilter):
    """The ticket a group message belongs to (its topic, or the message it replies to)."""

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        """Passes `ticket` on; False outside every ticket."""
        ticket: Ticket | None = None
        if message.is_topic_message and message.message_thread_id is not None:
            ticket = await support.by_thread(message.chat.id, message.message_thread_id)
        if ticket is None and message.reply_to_message is not None:
            ticket = await support.by_group_message(
                message.chat.id, message.reply_to_message.message_id
            )
        return {"ticket": ticket} if ticket is not None else False


@contextmanager
def in_customers_language(customer: User, services: Services) -> Iterator[None]:
    """Texts for the customer in their language (not the agent's)."""
    locale = pick_locale(
        customer.locale, customer.language_code, default=services.settings.default_locale
    )
    with services.i18n.context(), services.i18n.use_locale(locale):
        yield


async def _agent_or_refuse(message: Message, user: User | None, settings: Settings) -> bool:
    if support.is_agent(user, settings.admin_ids):
        return True
    await message.reply(
        _("⛔ Only support agents answer tickets. Your message was not sent to the customer.")
    )
    return False


async def agent_answers(
    message: Message, ticket: Ticket, user: User | None, services: Services, bot: Bot
) -> None:
    """Copy the agent's message to the person; the ticket then waits for them."""
    settings = services.settings
    if message.from_user is None or message.from_user.is_bot:
        return
    if not await _agent_or_refuse(message, user, settings):
        return
    customer = await User.get(id=ticket.user_id)
    if customer.tg_id is None or customer.is_anonymized:
        await message.reply(_("This customer's data was erased: nobody can receive the answer."))
        return
    with in_customers_language(customer, services):
        keyboard = kb.agent_answer(ticket.id)
    try:
        copied = await bot.copy_message(
            customer.tg_id, message.chat.id, message.message_id, reply_markup=keyboard
        )
    except TelegramForbiddenError:
        await users.mark_bot_blocked(customer.tg_id)
        await message.reply(_("The customer has blocked the bot: the answer was not delivered."))
        return
    await support.agent_replied(ticket)
    await support.remember(
        ticket,
        TicketDirection.agent,
        author=user,
        kind=content_kind(message),
        text=message.text or message.caption or "",
        user_message_id=copied.message_id,
        group_message_id=message.message_id,
    )


async def close_command(
    message: Message, ticket: Ticket, user: User | None, services: Services, bot: Bot
) -> None:
    """/close in a ticket's topic or as a reply: closed, the person asked for a rating."""
    settings = services.settings
    if not await _agent_or_refuse(message, user, settings):
        return
    closed = await support.close_ticket(ticket.id, user)
    if closed is None:
        await message.reply(_("Ticket #{id} is closed already.").format(id=ticket.id))
        return
    customer = await User.get(id=ticket.user_id)
    await message.reply(_("✅ Ticket #{id} is closed.").format(id=ticket.id))
    if customer.tg_id is None or customer.is_anonymized:
        return
    with in_customers_language(customer, services):
        try:
            await bot.send_message(customer.tg_id, **ask_rating(closed))
        except TelegramForbiddenError:
            await users.mark_bot_blocked(customer.tg_id)


async def close_outside(message: Message) -> None:
    """/close where no ticket is."""
    await message.reply(_("Send /close in a ticket's topic, or as a reply to its messages."))


def status_name(status: TicketStatus) -> str:
    """A ticket's status as agents read it."""
    return {
        TicketStatus.open: _("🟡 waits for an agent"),
        TicketStatus.waiting_user: _("🔵 waits for the customer"),
        TicketStatus.closed: _("✅ closed"),
    }[TicketStatus(status)]


async def list_tickets(message: Message, user: User | None, settings: Settings) -> None:
    """/tickets (agents, in private or in the group): the tickets that are not closed."""
    if not support.is_agent(user, settings.admin_ids):
        if message.chat.type == "private":
            await message.answer(_("I did not understand that. Here is the menu, or send /help."))
        return
    tickets = await support.open_tickets()
    if not tickets:
        await message.answer(_("<b>Tickets</b>\n\nNo open tickets."))
        return
    lines = [_("<b>Open tickets</b>: {count}").format(count=len(tickets))]
    for ticket in tickets:
        since = ticket.waiting_since or ticket.updated_at
        lines.append(
            f"#{ticket.id} · {status_name(ticket.status)} · "
            f"{escape(ticket.user.full_name or ticket.user.pseudonym)} · "
            f"{local_time(since, settings.timezone)} · {escape(ticket.subject[:60])}"
        )
    await message.answer("\n".join(lines))


def create_router() -> Router:
    """The support group's side; /tickets also in private chats of agents."""
    router = Router(name=__name__)
    router.message.register(list_tickets, Command("tickets"))
    group = Router(name=__name__ + ".group")
    group.message.filter(InSupportChat())
    group.message.register(close_command, Command("close"), TicketOf())
    group.message.register(close_outside, Command("close"))
    group.message.register(agent_answers, TicketOf(), ~F.text.startswith("/"))
    router.include_router(group)
    return router
