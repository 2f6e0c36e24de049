"""Deferred effects as rows, and the one runner that executes them.

Anything that must happen after a commit or at a time — a refund for a cancelled order, a
closing receipt, the digital goods of a paid order, a re-check of a payment whose notification
may be lost — is a `Job` row written by `enqueue` inside the transaction that causes it. If the
transaction rolls back, the job never existed; if the process dies right after the commit, the
row waits for the next runner.

The runner claims a row by a conditional update (`pending → running`, with a lease), so two
runners — in one process or in two — never execute it twice at once; on PostgreSQL the
candidates are read with `FOR UPDATE SKIP LOCKED`, so runners do not queue behind each other.
A job that fails is retried with exponential backoff until its kind's attempt limit, then marked
failed and an admin is alerted. A runner that dies holding a lease leaves the row `running`
until the lease ends; then an at-least-once kind (idempotent effects: refunds and receipts carry
their idempotence keys) runs again, and an at-most-once kind (a reminder that must never come
twice) is marked missed.

Keys: a job's `key` names what it is about (`refund:cancel:order:5`); at most one row per key
waits or runs (`pending_key` is unique), so enqueueing the same key again changes nothing, and
`cancel` / `reschedule` find the waiting row by its key.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from loguru import logger
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from db.models import Job, JobState
from services.events import ShopListener

JobHandler = Callable[[Job], Awaitable[None]]
Alert = Callable[[Job], Awaitable[None]]

MAX_KEY = 160
DEFAULT_BATCH = 50


class JobKind(StrEnum):
    """Every kind of deferred effect (the `kind` column)."""

    refund_cancelled_order = "refund.cancelled_order"
    """A paid order was cancelled: give its money back. Payload: order_id."""
    refund_late_payment = "refund.late_payment"
    """Money arrived for an order that no longer waited for it. Payload: payment_id."""
    refund_check = "refund.check"
    """A refund whose answer never came: ask again with its key. Payload: refund_id."""
    closing_receipt = "receipt.closing"
    """A completed order's closing 54-FZ receipt, until registered. Payload: order_id."""
    payment_check = "payment.check"
    """A YooKassa payment whose notification may be lost. Payload: payment_id."""
    deliver_digital = "order.deliver_digital"
    """A paid order's digital goods, to the customer's chat. Payload: order_id."""
    broadcast = "broadcast.send"
    """An admin's broadcast: sends its recipient rows in slices. Payload: broadcast_id."""
    chat_setup = "chat.setup"
    """A person's command menu and menu button, in their language and for their duties, after
    either changed. Payload: user_id."""
    homework_assigned = "homework.assigned"
    """Tell the student about a new homework. Payload: homework_id."""
    homework_submitted = "homework.submitted"
    """Tell the tutor a homework was submitted. Payload: homework_id."""
    homework_graded = "homework.graded"
    """Tell the student their grade. Payload: homework_id."""
    homework_due_soon = "homework.due_soon"
    """Remind the student a day before the homework is due. Payload: homework_id."""
    homework_overdue = "homework.overdue"
    """Tell the student the homework is overdue. Payload: homework_id."""
    material_shared = "material.shared"
    """Tell a student about a shared material. Payload: material_id, user_id."""
    achievement_earned = "achievement.earned"
    """Announce an earned achievement. Payload: achievement_id."""
    lesson_reminder = "lesson.reminder"
    """A reminder of a lesson to its student or tutor (at most once). Payload: lesson_id,
    minutes, to (s or t)."""
    waitlist_offer = "lesson.waitlist_offer"
    """A freed start time offered to the next student on the waitlist. Payload: tutor_id,
    starts_at."""
    tutor_digest = "tutor.digest"
    """A tutor's morning list of the day's lessons. Payload: tutor_id, date."""
    lesson_hold_expired = "lesson.hold_expired"
    """A lesson held until paid: release its time if it is still unpaid. Payload: lesson_id."""
    tutoring_paid = "tutoring.paid"
    """Tell a student their payment to a tutor arrived. Payload: payment_id, charge."""
    support_sla = "support.sla"
    """A support ticket waits for an agent too long: remind the agents. Payload: ticket_id."""

    review_new = "review.new"
    """Tell the provider's staff about a new review (or a photo added to one). Payload:
    review_id, photo_added."""
    review_reply = "review.reply"
    """Tell the customer the provider replied to their review. Payload: review_id."""
    review_request = "review.request"
    """Ask the customer to rate a completed order they have not rated yet. Payload: order_id."""

    loyalty_earn = "loyalty.earn"
    """A completed order's points for its customer. Payload: order_id."""
    loyalty_expire = "loyalty.expire"
    """A lot of points reaches its end: what is left of it expires. Payload: lot_id."""

    def key(self, subject: int | str) -> str:
        """The job key of this kind for one subject (an order, a payment, a refund)."""
        return f"{self.value}:{subject}"


class Retry(Exception):
    """Raised by a handler: not done yet, try again (after `delay`, else the backoff)."""

    def __init__(self, reason: str, delay: timedelta | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


class Fail(Exception):
    """Raised by a handler: this cannot succeed by retrying; give up now and alert an admin."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Postpone(Exception):
    """Raised by a handler: not now but at `until` (quiet hours); no attempt is counted."""

    def __init__(self, until: datetime, reason: str = "") -> None:
        super().__init__(reason or f"postponed until {until.isoformat()}")
        self.until = until
        self.reason = reason


@dataclass(frozen=True, slots=True)
class JobPolicy:
    """How a kind of job is retried."""

    first_backoff: timedelta = timedelta(seconds=30)
    max_backoff: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(minutes=2)
    """How long a claim holds; a handler must finish well within it."""
    at_most_once: bool = False
    """A runner that died holding the lease may have done it: mark the job missed, never
    run it again (reminders). Otherwise it runs again (idempotent effects)."""

    def backoff(self, attempts: int) -> timedelta:
        """The wait before attempt `attempts + 1`: doubling from `first_backoff`, capped."""
        seconds = self.first_backoff.total_seconds() * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, self.max_backoff.total_seconds()))


def _now() -> datetime:
    return datetime.now(UTC)


# Writing (inside the caller's transaction) --------------------------------------------------


async def enqueue(
    kind: JobKind,
    key: str,
    payload: dict[str, Any] | None = None,
    *,
    due_at: datetime | None = None,
    once: bool = False,
    max_attempts: int = 10,
) -> bool:
    """Write a job in the current transaction; False when the key already waits (or, with
    `once`, ever existed) and nothing was written. It runs at most `max_attempts` times.

    The insert ignores a conflict on the waiting key instead of failing, so it never aborts
    the caller's transaction on PostgreSQL.
    """
    if len(key) > MAX_KEY:
        raise ValueError(f"job key longer than {MAX_KEY}: {key!r}")
    if once and await Job.exists(key=key):
        return False
    before = await Job.filter(pending_key=key).exists()
    if before:
        return False
    await Job.bulk_create(
        [
            Job(
                kind=str(kind),
                key=key,
                pending_key=key,
                payload=payload or {},
                due_at=due_at or _now(),
                max_attempts=max_attempts,
            )
        ],
        ignore_conflicts=True,
    )
    return await Job.filter(pending_key=key, state=JobState.pending).exists()


async def cancel(key: str, reason: str = "") -> bool:
    """Cancel the job waiting under `key` (not one already running); whether one was."""
    return bool(
        await Job.filter(pending_key=key, state=JobState.pending).update(
            state=JobState.cancelled,
            pending_key=None,
            last_error=reason[:500],
            finished_at=_now(),
        )
    )


async def reschedule(key: str, due_at: datetime, payload: dict[str, Any] | None = None) -> bool:
    """Move the job waiting under `key` to `due_at` (and new payload); whether one was."""
    updates: dict[str, Any] = {"due_at": due_at}
    if payload is not None:
        updates["payload"] = payload
    return bool(await Job.filter(pending_key=key, state=JobState.pending).update(**updates))


# Running -------------------------------------------------------------------------------------


def runner_name() -> str:
    """Who holds a claim: host, process and a per-runner suffix (for logs and for tests)."""
    return f"{socket.gethostname()}:{os.getpid()}"


class JobRunner:
    """Executes due jobs: claims, runs the kind's handler, records the outcome."""

    def __init__(self, *, name: str | None = None, batch: int = DEFAULT_BATCH) -> None:
        self.name = f"{name or runner_name()}:{id(self):x}"[:96]
        self._batch = batch
        self._handlers: dict[str, tuple[JobHandler, JobPolicy]] = {}
        self._alerts: list[Alert] = []
        self._lock = asyncio.Lock()

    def register(self, kind: JobKind, handler: JobHandler, policy: JobPolicy | None = None) -> None:
        """Run `handler` for jobs of `kind` (one handler per kind)."""
        if str(kind) in self._handlers:
            raise ValueError(f"job kind {kind} has a handler already")
        self._handlers[str(kind)] = (handler, policy or JobPolicy())

    def on_give_up(self, alert: Alert) -> None:
        """Call `alert` with a job that failed for good (an admin message)."""
        self._alerts.append(alert)

    @property
    def kinds(self) -> list[str]:
        """The kinds this runner executes."""
        return sorted(self._handlers)

    async def run_due(self, *, now: datetime | None = None, limit: int | None = None) -> int:
        """Recover lost leases, then claim and run due jobs; returns how many ran."""
        now = now or _now()
        await self.recover(now=now)
        ran = 0
        while True:
            claimed = await self._claim(now=now, limit=limit or self._batch)
            for job in claimed:
                await self._execute(job, now)
            ran += len(claimed)
            if len(claimed) < (limit or self._batch) or limit is not None:
                return ran

    async def run_keys(self, keys: Iterable[str]) -> int:
        """Run the due jobs waiting under these keys now (right after the commit that wrote
        them), so their effects come at once; the background runner takes what this misses."""
        wanted = [key for key in keys if key]
        if not wanted:
            return 0
        candidates = await Job.filter(
            pending_key__in=wanted,
            state=JobState.pending,
            due_at__lte=_now(),
            kind__in=self.kinds,
        ).values_list("id", flat=True)
        ran = 0
        for job_id in candidates:
            now = _now()
            job = await self._claim_one(int(str(job_id)), now)
            if job is not None:
                await self._execute(job, now)
                ran += 1
        return ran

    async def recover(self, *, now: datetime | None = None) -> int:
        """Rows whose runner died holding the lease: run again, or missed (at most once)."""
        now = now or _now()
        stale = await Job.filter(
            state=JobState.running, lease_until__lt=now, kind__in=self.kinds
        ).values_list("id", "kind")
        recovered = 0
        for job_id, kind in stale:
            _, policy = self._handlers[str(kind)]
            if policy.at_most_once:
                changed = await Job.filter(id=job_id, state=JobState.running).update(
                    state=JobState.missed,
                    pending_key=None,
                    finished_at=now,
                    last_error="the runner stopped after claiming it",
                )
            else:
                changed = await Job.filter(id=job_id, state=JobState.running).update(
                    state=JobState.pending, lease_until=None, claimed_by=None, due_at=now
                )
            if changed:
                recovered += 1
                logger.warning("Job {} ({}) was left running by a stopped runner", job_id, kind)
        return recovered

    async def _claim(self, *, now: datetime, limit: int) -> list[Job]:
        query = Job.filter(state=JobState.pending, due_at__lte=now, kind__in=self.kinds)
        async with in_transaction() as connection:
            if connection.capabilities.dialect == "postgres":
                # Other runners skip what this one is reading instead of waiting for it.
                query = query.select_for_update(skip_locked=True)
            # Whole rows: Tortoise drops FOR UPDATE from values_list() queries.
            ids = [job.id for job in await query.order_by("due_at", "id").limit(limit)]
            return [job for job_id in ids if (job := await self._claim_one(job_id, now))]

    async def _claim_one(self, job_id: int, now: datetime) -> Job | None:
        job = await Job.get_or_none(id=job_id)
        if job is None or str(job.kind) not in self._handlers:
            return None
        _, policy = self._handlers[job.kind]
        won = await Job.filter(id=job_id, state=JobState.pending).update(
            state=JobState.running,
            claimed_by=self.name,
            lease_until=now + policy.lease,
            attempts=F("attempts") + 1,
        )
        if not won:
            return None
        await job.refresh_from_db()
        return job

    async def _execute(self, job: Job, now: datetime) -> None:
        """Run the handler; a retry is due relative to `now` (the runner's clock, which tests
        move forward)."""
        handler, policy = self._handlers[job.kind]
        try:
            await handler(job)
        except Postpone as postpone:
            await self._postpone(job, postpone.until)
        except Retry as retry:
            await self._again(job, policy, retry.reason, retry.delay, now)
        except Fail as failure:
            await self._give_up(job, failure.reason)
        except Exception as exc:
            logger.opt(exception=exc).warning("Job {} ({}) failed", job.id, job.kind)
            await self._again(job, policy, f"{type(exc).__name__}: {exc}", None, now)
        else:
            await Job.filter(id=job.id, state=JobState.running, claimed_by=self.name).update(
                state=JobState.done, pending_key=None, finished_at=_now(), lease_until=None
            )

    async def _postpone(self, job: Job, until: datetime) -> None:
        # The claim counted an attempt; a postponement is not a failure, so it is given back.
        await Job.filter(id=job.id, state=JobState.running, claimed_by=self.name).update(
            state=JobState.pending,
            due_at=until,
            lease_until=None,
            claimed_by=None,
            attempts=F("attempts") - 1,
        )

    async def _again(
        self, job: Job, policy: JobPolicy, reason: str, delay: timedelta | None, now: datetime
    ) -> None:
        if job.attempts >= job.max_attempts:
            await self._give_up(job, reason)
            return
        mine = Job.filter(id=job.id, state=JobState.running, claimed_by=self.name)
        wait = delay if delay is not None else policy.backoff(job.attempts)
        await mine.update(
            state=JobState.pending,
            due_at=max(now, _now()) + wait,
            lease_until=None,
            claimed_by=None,
            last_error=reason[:2000],
        )

    async def _give_up(self, job: Job, reason: str) -> None:
        if await Job.filter(id=job.id, state=JobState.running, claimed_by=self.name).update(
            state=JobState.failed,
            pending_key=None,
            finished_at=_now(),
            lease_until=None,
            last_error=reason[:2000],
        ):
            await job.refresh_from_db()
            logger.error(
                "Job {} ({}) gave up after {} attempts: {}", job.id, job.kind, job.attempts, reason
            )
            await self._alert(job)

    async def _alert(self, job: Job) -> None:
        for alert in self._alerts:
            try:
                await alert(job)
            except Exception:
                logger.exception("Alert about job {} failed", job.id)


class RunJobsAtOnce(ShopListener):
    """Runs the jobs a transaction wrote as soon as it has committed (the `jobs_added` event),
    in the task that committed them: effects come at once, and a crash before leaves the rows
    for the runner's next round."""

    def __init__(self, runner: JobRunner) -> None:
        self._runner = runner

    async def jobs_added(self, keys: Sequence[str]) -> None:
        """Run them now."""
        await self._runner.run_keys(keys)
