"""Broadcasts: a message an admin sends to a segment of people, one row per recipient.

The broadcast and all its recipient rows are written in one transaction; the job runner sends
the rows in batches, claiming them by a conditional update, so a restart resumes where it
stopped and nobody gets the message twice.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from db.models.base import TimestampedModel
from db.models.users import User


class BroadcastState(StrEnum):
    """Where a broadcast is in its life."""

    scheduled = "scheduled"  # waits for its time (sending starts when the job is due)
    sending = "sending"
    done = "done"
    cancelled = "cancelled"


class RecipientState(StrEnum):
    """What happened to one person's copy."""

    pending = "pending"  # waits (maybe until the person's quiet hours end)
    sending = "sending"  # handed to Telegram; never sent again (at most once)
    sent = "sent"
    blocked = "blocked"  # the person blocked the bot
    failed = "failed"  # Telegram refused it, or the sender stopped mid-call
    skipped = "skipped"  # opted out, erased or banned after the broadcast was written
    cancelled = "cancelled"  # the broadcast was cancelled before this copy went


class Broadcast(TimestampedModel):
    """One message to a segment: its content, its audience, its progress."""

    id = fields.IntField(primary_key=True)
    author: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="broadcasts", null=True, on_delete=fields.SET_NULL
    )
    author_id: int | None
    draft_key = fields.CharField(max_length=32, unique=True)
    """The composing conversation's key: a double click on "Send" writes one broadcast."""
    text = fields.TextField()
    """Telegram HTML."""
    photo_file_id = fields.CharField(max_length=255, null=True)
    buttons: list[list[str]] = fields.JSONField(default=list)
    """URL buttons: [[label, url], ...]."""
    segment: dict[str, Any] = fields.JSONField(default=dict)
    paid = fields.BooleanField(default=False)
    """Sent with `allow_paid_broadcast` (beyond 30 messages a second, for Stars)."""
    state = fields.CharEnumField(BroadcastState, max_length=16, default=BroadcastState.scheduled)
    scheduled_at = fields.DatetimeField()
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    total = fields.IntField(default=0)
    progress_chat_id = fields.BigIntField(null=True)
    progress_message_id = fields.BigIntField(null=True)
    progress_at = fields.DatetimeField(null=True)
    """When the progress message was last edited (edits are spaced out)."""

    class Meta:
        table = "broadcasts"


class BroadcastRecipient(Model):
    """One person's copy of a broadcast."""

    id = fields.IntField(primary_key=True)
    broadcast: fields.ForeignKeyRelation[Broadcast] = fields.ForeignKeyField(
        "models.Broadcast", related_name="recipients", on_delete=fields.CASCADE
    )
    broadcast_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="broadcast_copies", on_delete=fields.CASCADE, db_index=True
    )
    user_id: int
    chat_id = fields.BigIntField()
    locale = fields.CharField(max_length=8, default="ru")
    state = fields.CharEnumField(RecipientState, max_length=16, default=RecipientState.pending)
    due_at = fields.DatetimeField()
    """Not before: the end of the person's quiet hours, or the broadcast's time."""
    claim = fields.CharField(max_length=40, null=True)
    lease_until = fields.DatetimeField(null=True)
    error = fields.CharField(max_length=300, default="")
    message_id = fields.BigIntField(null=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "broadcast_recipients"
        unique_together = (("broadcast_id", "user_id"),)
        indexes = (("broadcast_id", "state", "due_at"),)
