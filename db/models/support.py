"""Support: FAQ entries (ru and en), feedback on FAQ answers, tickets and their messages.

A ticket lives in the support group as a forum topic (`thread_id`) or, in a plain group, as a
reply thread under a header message (`header_message_id`); every message relayed either way is
a `TicketMessage` row, so an agent's reply to any of them finds its ticket.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from db.models.base import TimestampedModel
from db.models.shop import Order
from db.models.users import User


class FaqEntry(TimestampedModel):
    """One question with its answer, in Russian and in English."""

    id = fields.IntField(primary_key=True)
    question_ru = fields.CharField(max_length=200)
    answer_ru = fields.TextField()
    question_en = fields.CharField(max_length=200)
    answer_en = fields.TextField()

    class Meta:
        table = "faq_entries"

    def question(self, locale: str) -> str:
        """The question in this language (Russian unless English is asked)."""
        return self.question_en if locale == "en" else self.question_ru

    def answer(self, locale: str) -> str:
        """The answer in this language (Russian unless English is asked)."""
        return self.answer_en if locale == "en" else self.answer_ru


class FaqFeedback(Model):
    """A person's answer to "Did this help?" after an FAQ answer was offered."""

    id = fields.IntField(primary_key=True)
    entry: fields.ForeignKeyNullableRelation[FaqEntry] = fields.ForeignKeyField(
        "models.FaqEntry", related_name="feedback", null=True, on_delete=fields.SET_NULL
    )
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="faq_feedback", on_delete=fields.CASCADE, db_index=True
    )
    query = fields.CharField(max_length=1000, default="")
    helpful = fields.BooleanField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "faq_feedback"


class TicketStatus(StrEnum):
    """Where a ticket is: waiting for an agent, waiting for the person, or closed."""

    open = "open"
    waiting_user = "waiting_user"
    closed = "closed"


class Ticket(TimestampedModel):
    """A person's conversation with support, with the context the agents see first."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="tickets", on_delete=fields.CASCADE, db_index=True
    )
    user_id: int
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    status = fields.CharEnumField(TicketStatus, max_length=16, default=TicketStatus.open)
    locale = fields.CharField(max_length=8, default="ru")
    subject = fields.CharField(max_length=200, default="")
    context: dict[str, Any] = fields.JSONField(default=dict)
    support_chat_id = fields.BigIntField(null=True)
    thread_id = fields.IntField(null=True)
    """The forum topic of the ticket, when the support group is a forum."""
    header_message_id = fields.IntField(null=True)
    """The header message agents reply to, when the support group is not a forum."""
    waiting_since = fields.DatetimeField(null=True)
    """Since when the person's message waits for an agent (None: nobody waits)."""
    closed_at = fields.DatetimeField(null=True)
    closed_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="closed_tickets", null=True, on_delete=fields.SET_NULL
    )
    csat = fields.SmallIntField(null=True)
    """The person's rating of the answer, 1 to 5, given once after closing."""

    class Meta:
        table = "support_tickets"
        indexes = (("status", "updated_at"), ("support_chat_id", "thread_id"))


class TicketDirection(StrEnum):
    """Who a relayed message came from."""

    user = "user"
    agent = "agent"
    bot = "bot"


class TicketMessage(Model):
    """One message relayed between the person's chat and the support group."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="messages", on_delete=fields.CASCADE, db_index=True
    )
    ticket_id: int
    direction = fields.CharEnumField(TicketDirection, max_length=8)
    author: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="ticket_messages", null=True, on_delete=fields.SET_NULL
    )
    kind = fields.CharField(max_length=16, default="text")
    text = fields.TextField(default="")
    user_message_id = fields.IntField(null=True)
    """The message in the person's private chat."""
    group_message_id = fields.IntField(null=True)
    """The message in the support group."""
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "support_ticket_messages"
        indexes = (("group_message_id",), ("user_message_id",))
