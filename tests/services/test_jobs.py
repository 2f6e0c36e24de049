"""The job runner: rows written with the transaction, claimed once, retried, given up, recovered."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from tortoise.transactions import in_transaction

from db.models import Job, JobState
from services import jobs
from services.jobs import Fail, JobKind, JobPolicy, JobRunner, Retry

KIND = JobKind.deliver_digital  # any kind: the tests register their own handlers
OTHER = JobKind.closing_receipt


class Calls:
    """A handler that records the jobs it ran and does what the test tells it."""

    def __init__(self, outcome: BaseException | None = None, delay: float = 0.0) -> None:
        self.ran: list[int] = []
        self.outcome = outcome
        self.delay = delay

    async def __call__(self, job: Job) -> None:
        self.ran.append(job.id)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.outcome is not None:
            raise self.outcome


def runner_of(calls: Calls) -> JobRunner:
    """A runner whose only handler, of KIND, is `calls`."""
    runner = JobRunner(name="t")
    runner.register(KIND, calls)
    return runner


def later(**delta: float) -> datetime:
    return datetime.now(UTC) + timedelta(**delta)


@pytest.mark.usefixtures("db")
async def test_a_job_exists_only_if_its_transaction_commits() -> None:
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await jobs.enqueue(KIND, "k:1", {"order_id": 1})
            raise RuntimeError("the business change failed")
    async with in_transaction():
        assert await jobs.enqueue(KIND, "k:2", {"order_id": 2})

    assert [job.key for job in await Job.all()] == ["k:2"]


@pytest.mark.usefixtures("db")
async def test_one_waiting_row_per_key_and_once_means_once() -> None:
    runner = runner_of(Calls())

    assert await jobs.enqueue(KIND, "k", {"n": 1})
    assert not await jobs.enqueue(KIND, "k", {"n": 2})  # waits already: nothing written
    assert await runner.run_due() == 1
    assert await jobs.enqueue(KIND, "k", {"n": 3})  # done: a new one may wait under the key
    assert not await jobs.enqueue(KIND, "k", once=True)  # with once: never again
    assert await Job.filter(key="k").count() == 2


@pytest.mark.usefixtures("db")
async def test_only_due_jobs_of_known_kinds_run() -> None:
    runner = runner_of(Calls())
    await jobs.enqueue(KIND, "now")
    await jobs.enqueue(KIND, "soon", due_at=later(minutes=5))
    await jobs.enqueue(OTHER, "unknown kind")

    assert await runner.run_due() == 1
    assert await runner.run_due(now=later(minutes=6)) == 1
    states = {job.key: job.state for job in await Job.all()}
    assert states == {"now": "done", "soon": "done", "unknown kind": "pending"}


@pytest.mark.usefixtures("db")
async def test_retry_waits_with_backoff_then_gives_up_and_alerts() -> None:
    calls = Calls(Retry("not yet"))
    alerts: list[Job] = []
    runner = JobRunner(name="t")
    runner.register(KIND, calls, JobPolicy(first_backoff=timedelta(seconds=10)))

    async def alert(job: Job) -> None:
        alerts.append(job)

    runner.on_give_up(alert)
    await jobs.enqueue(KIND, "k", max_attempts=3)

    start = datetime.now(UTC)
    assert await runner.run_due(now=start) == 1
    job = await Job.get(key="k")
    assert (job.state, job.attempts, job.last_error) == (JobState.pending, 1, "not yet")
    assert timedelta(seconds=9) < job.due_at - start < timedelta(seconds=12)  # first backoff
    assert await runner.run_due(now=start) == 0  # not due again yet
    assert await runner.run_due(now=start + timedelta(seconds=11)) == 1
    job = await Job.get(key="k")
    assert job.due_at - start > timedelta(seconds=30)  # doubled
    assert await runner.run_due(now=start + timedelta(minutes=5)) == 1

    job = await Job.get(key="k")
    assert (job.state, job.attempts, job.pending_key) == (JobState.failed, 3, None)
    assert [a.id for a in alerts] == [job.id] and len(calls.ran) == 3


@pytest.mark.usefixtures("db")
async def test_fail_gives_up_at_once_and_an_error_retries() -> None:
    alerts: list[Job] = []
    runner = JobRunner(name="t")
    runner.register(KIND, Calls(Fail("refused for good")))
    runner.register(OTHER, Calls(ValueError("bug")))

    async def alert(job: Job) -> None:
        alerts.append(job)

    runner.on_give_up(alert)
    await jobs.enqueue(KIND, "fails")
    await jobs.enqueue(OTHER, "raises")
    assert await runner.run_due() == 2

    failed, raised = await Job.get(key="fails"), await Job.get(key="raises")
    assert (failed.state, failed.last_error) == (JobState.failed, "refused for good")
    assert (raised.state, raised.last_error) == (JobState.pending, "ValueError: bug")
    assert [a.key for a in alerts] == ["fails"]


@pytest.mark.usefixtures("db")
async def test_a_lost_lease_runs_again_unless_the_kind_is_at_most_once() -> None:
    again, once = Calls(), Calls()
    runner = JobRunner(name="t")
    runner.register(KIND, again, JobPolicy(lease=timedelta(minutes=2)))
    runner.register(OTHER, once, JobPolicy(lease=timedelta(minutes=2), at_most_once=True))
    await jobs.enqueue(KIND, "refund")
    await jobs.enqueue(OTHER, "reminder")
    # A runner claimed both and died before finishing them.
    await Job.all().update(
        state=JobState.running, claimed_by="dead", lease_until=later(minutes=2), attempts=1
    )

    assert await runner.run_due() == 0  # the lease still holds
    assert await runner.run_due(now=later(minutes=3)) == 1

    refund, reminder = await Job.get(key="refund"), await Job.get(key="reminder")
    assert (refund.state, refund.attempts) == (JobState.done, 2) and len(again.ran) == 1
    assert (reminder.state, reminder.pending_key) == (JobState.missed, None)
    assert once.ran == []


@pytest.mark.usefixtures("db")
async def test_a_waiting_job_is_cancelled_or_moved_by_its_key() -> None:
    calls = Calls()
    runner = runner_of(calls)
    await jobs.enqueue(KIND, "lesson:1:24h", {"lesson": 1}, due_at=later(hours=1))
    await jobs.enqueue(KIND, "lesson:2:24h", {"lesson": 2}, due_at=later(hours=1))

    assert await jobs.cancel("lesson:1:24h", "the lesson was cancelled")
    assert not await jobs.cancel("lesson:1:24h")
    assert await jobs.reschedule("lesson:2:24h", later(hours=3), {"lesson": 2, "moved": True})
    assert await runner.run_due(now=later(hours=2)) == 0
    assert await runner.run_due(now=later(hours=4)) == 1

    cancelled, moved = await Job.get(key="lesson:1:24h"), await Job.get(key="lesson:2:24h")
    assert cancelled.state is JobState.cancelled and calls.ran == [moved.id]
    assert moved.payload == {"lesson": 2, "moved": True}
    assert await jobs.enqueue(KIND, "lesson:1:24h")  # the key is free again


@pytest.mark.usefixtures("db")
async def test_run_keys_runs_just_those_jobs_at_once() -> None:
    runner = runner_of(Calls())
    await jobs.enqueue(KIND, "mine")
    await jobs.enqueue(KIND, "someone else's")
    await jobs.enqueue(KIND, "later", due_at=later(minutes=1))

    assert await runner.run_keys(["mine", "later", "missing"]) == 1
    assert [job.key for job in await Job.filter(state=JobState.done)] == ["mine"]


@pytest.mark.usefixtures("db")
async def test_runners_racing_for_the_same_rows_run_each_once() -> None:
    calls = Calls(delay=0.01)
    runners = [JobRunner(name=f"r{n}") for n in range(3)]
    for runner in runners:
        runner.register(KIND, calls)
    for n in range(30):
        await jobs.enqueue(KIND, f"k:{n}")

    done = await asyncio.gather(*(runner.run_due(limit=5) for runner in runners * 4))
    await asyncio.gather(*(runner.run_due() for runner in runners))

    assert sum(done) <= 30 and sorted(calls.ran) == sorted(set(calls.ran))
    assert len(calls.ran) == 30
    assert await Job.filter(state=JobState.done, attempts=1).count() == 30


@pytest.mark.postgres
async def test_runners_on_postgresql_skip_each_others_rows(pg_db: str) -> None:
    calls = Calls(delay=0.01)
    runners = [JobRunner(name=f"r{n}", batch=5) for n in range(4)]
    for runner in runners:
        runner.register(KIND, calls)
    for n in range(60):
        await jobs.enqueue(KIND, f"k:{n}")

    await asyncio.gather(*(runner.run_due() for runner in runners))

    assert sorted(calls.ran) == sorted(set(calls.ran)) and len(calls.ran) == 60
    assert await Job.filter(state=JobState.done, attempts=1).count() == 60
    claimed_by = set(await Job.all().values_list("claimed_by", flat=True))
    assert len(claimed_by) > 1  # the work was shared
