"""Deferred effects: a row per thing that must happen after a commit or at a time.

A row is written in the transaction that causes it and run by the job runner
(`services.jobs`), which claims it by a conditional update; `pending_key` is the row's key while
it waits or runs and NULL after, so a key has at most one row waiting (a unique column admits
many NULLs on SQLite and PostgreSQL alike).
"""

from enum import StrEnum
from typing import Any

from tortoise import fields

from db.models.base import TimestampedModel


class JobState(StrEnum):
    """Where a job is in its life."""

    pending = "pending"  # waits for its due time (or for a retry)
    running = "running"  # claimed by a runner until `lease_until`
    done = "done"
    failed = "failed"  # gave up after its attempts; an admin was alerted
    cancelled = "cancelled"  # no longer wanted (a lesson moved, a broadcast stopped)
    missed = "missed"  # an at-most-once job whose runner died after claiming it


class Job(TimestampedModel):
    """One deferred effect: what (kind and payload), when (due_at), and how it went."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=64)
    key = fields.CharField(max_length=160, null=True, db_index=True)
    pending_key = fields.CharField(max_length=160, null=True, unique=True)
    payload: dict[str, Any] = fields.JSONField(default=dict)
    state = fields.CharEnumField(JobState, max_length=16, default=JobState.pending)
    due_at = fields.DatetimeField()
    attempts = fields.IntField(default=0)
    max_attempts = fields.IntField(default=10)
    lease_until = fields.DatetimeField(null=True)
    claimed_by = fields.CharField(max_length=96, null=True)
    last_error = fields.TextField(default="")
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "jobs"
        indexes = (("state", "due_at"),)
