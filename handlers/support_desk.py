"""The support group's side of a ticket: its topic or header, relayed messages, notices.

A forum group gets one topic per ticket (`createForumTopic`); any other group gets a header
message per ticket, and the person's messages are posted as replies to it, so agents answer
by replying. Texts for the group are in the ticket's language of the agents: the default locale.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import Message, ReplyParameters

from core.config import Settings
from core.i18n import I18n
from core.i18n import gettext as _
from db.models import Ticket, TicketDirection, User
from services import support

TOPIC_NAME_MAX = 128


def content_kind(message: Message) -> str:
    """What a relayed message holds (text, photo, document, ...), for the ticket's record."""
    for kind in ("text", "photo", "document", "video", "voice", "audio", "sticker", "animation"):
        if getattr(message, kind, None):
            return kind
    return "other"


class SupportDesk:
    """Posts into the support group for tickets."""

    def __init__(self, bot: Bot, settings: Settings, i18n: I18n) -> None:
        self._bot = bot
        self._settings = settings
        self._i18n = i18n

    @contextmanager
    def agents_language(self) -> Iterator[None]:
        """Texts for the group in the default locale (agents share one group)."""
        with self._i18n.context(), self._i18n.use_locale(self._settings.default_locale):
            yield

    @property
    def chat_id(self) -> int:
        """SUPPORT_CHAT_ID (callers check it is set)."""
        assert self._settings.support_chat_id is not None
        return self._settings.support_chat_id

    def where(self, ticket: Ticket) -> dict[str, Any]:
        """Send arguments that put a message in the ticket's topic or under its header."""
        if ticket.thread_id is not None:
            return {"message_thread_id": ticket.thread_id}
        if ticket.header_message_id is not None:
            return {
                "reply_parameters": ReplyParameters(
                    message_id=ticket.header_message_id, allow_sending_without_reply=True
                )
            }
        return {}

    def header_text(self, ticket: Ticket, user: User) -> str:
        """Who asks, in which language, about which order, and their recent orders."""
        who = escape(user.full_name or "—")
        if user.username:
            who += f" (@{escape(user.username)})"
        lines = [
            _("🎫 <b>Ticket #{id}</b>").format(id=ticket.id),
            _("From: {who}, id {tg_id}").format(who=who, tg_id=user.tg_id),
            _("Language: {locale}").format(locale=ticket.locale),
        ]
        context = ticket.context or {}
        if context.get("order_id"):
            lines.append(_("About order #{id}").format(id=context["order_id"]))
        orders = context.get("orders") or []
        if orders:
            lines.append(_("Recent orders:"))
            lines += [
                f"• #{o['id']} · {escape(o['status'])} · {escape(o['total'])} · {o['created']}"
                for o in orders
            ]
        lessons = context.get("lessons") or []
        if lessons:
            lines.append(_("Recent lessons:"))
            lines += [f"• {escape(str(lesson))}" for lesson in lessons]
        lines.append(_("Subject: {subject}").format(subject=escape(ticket.subject or "—")))
        if ticket.thread_id is None:
            lines.append(_("Reply to this message or to the customer's messages to answer."))
        lines.append(_("/close — close the ticket"))
        return "\n".join(lines)

    async def create_thread(self, ticket: Ticket, user: User) -> None:
        """A topic (forum) or a header message (other groups) for a new ticket."""
        with self.agents_language():
            chat = await self._bot.get_chat(self.chat_id)
            if chat.is_forum:
                name = f"#{ticket.id} {user.full_name or user.pseudonym} · {ticket.subject}"
                topic = await self._bot.create_forum_topic(self.chat_id, name[:TOPIC_NAME_MAX])
                await support.attach_thread(ticket, thread_id=topic.message_thread_id)
                await self._bot.send_message(
                    self.chat_id,
                    self.header_text(ticket, user),
                    message_thread_id=topic.message_thread_id,
                )
            else:
                header = await self._bot.send_message(self.chat_id, self.header_text(ticket, user))
                await support.attach_thread(ticket, header_message_id=header.message_id)

    async def relay_from_user(self, ticket: Ticket, user: User, message: Message) -> None:
        """Copy the person's message into the ticket's topic or thread and record it."""
        copied = await self._bot.copy_message(
            self.chat_id, message.chat.id, message.message_id, **self.where(ticket)
        )
        await support.remember(
            ticket,
            TicketDirection.user,
            author=user,
            kind=content_kind(message),
            text=message.text or message.caption or "",
            user_message_id=message.message_id,
            group_message_id=copied.message_id,
        )

    async def notice(self, ticket: Ticket, text: str) -> Message | None:
        """A message of the bot in the ticket's topic or thread (None if the group refused)."""
        try:
            sent = await self._bot.send_message(self.chat_id, text, **self.where(ticket))
        except TelegramBadRequest:
            return None
        await support.remember(
            ticket,
            TicketDirection.bot,
            author=None,
            kind="text",
            text=text,
            group_message_id=sent.message_id,
        )
        return sent
