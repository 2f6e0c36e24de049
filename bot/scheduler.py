"""Scheduled jobs (APScheduler 3 in the bot's own event loop).

Every replica runs a scheduler. The sweep of unpaid orders runs on one replica per tick: when
Redis is configured it first takes a lock named after its job and its tick (`SET key NX PX`);
it is idempotent (conditional updates), so without Redis, or when Redis is down, every replica
simply runs it. The job runner (`services.jobs`) runs on every replica every few seconds: it
claims rows one by one, so replicas share the work instead of repeating it.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from loguru import logger
from redis.asyncio import Redis
from redis.exceptions import RedisError

from services import orders
from services.container import Services

EXPIRE_UNPAID = "expire_unpaid"
EXPIRE_EVERY = timedelta(minutes=1)
RUN_JOBS = "run_jobs"
RUN_JOBS_EVERY = timedelta(seconds=5)
LOCK_PREFIX = "prilavok:job"
JOB_DEFAULTS = {
    # APScheduler's default grace is 1 s: a busy loop would silently skip ticks.
    "misfire_grace_time": 30,
    "coalesce": True,
    "max_instances": 1,
}


def _replica_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def take_tick(redis: Redis | None, job: str, every: timedelta, now: datetime) -> bool:
    """True when this replica should run `job` for the tick containing `now`.

    The key names the tick (wall-clock time divided by the interval), so replicas whose
    schedulers started at different moments still agree on which tick is which.
    """
    if redis is None:
        return True
    tick = int(now.timestamp() // every.total_seconds())
    key = f"{LOCK_PREFIX}:{job}:{tick}"
    ttl_ms = int(every.total_seconds() * 2000)  # outlives its tick, then disappears
    try:
        return bool(await redis.set(key, _replica_name(), nx=True, px=ttl_ms))
    except (RedisError, OSError) as exc:
        logger.warning("Job {}: Redis lock unavailable ({}), running anyway", job, exc)
        return True


async def expire_unpaid_orders(services: Services, *, now: datetime | None = None) -> int | None:
    """Cancel unpaid orders past their payment deadline; None when another replica has the tick."""
    now = now or datetime.now(UTC)
    if not await take_tick(services.redis, EXPIRE_UNPAID, EXPIRE_EVERY, now):
        return None
    expired = await orders.expire_unpaid(services.shop_events, now=now)
    if expired:
        logger.info("Cancelled {} unpaid orders past their payment deadline", expired)
    return expired


async def run_jobs(services: Services, *, now: datetime | None = None) -> int:
    """Run the deferred effects that are due (every replica: rows are claimed one by one)."""
    ran = await services.jobs.run_due(now=now)
    if ran:
        logger.debug("Ran {} deferred jobs", ran)
    return ran


def create_scheduler(services: Services) -> AsyncIOScheduler:
    """A scheduler with the periodic jobs, not started (start it once the server listens).

    Each scheduler gets its own memory job store: APScheduler's stores must not be shared.
    """
    scheduler = AsyncIOScheduler(
        jobstores={"default": MemoryJobStore()}, job_defaults=JOB_DEFAULTS, timezone=UTC
    )
    scheduler.add_job(
        expire_unpaid_orders,
        IntervalTrigger(seconds=int(EXPIRE_EVERY.total_seconds()), timezone=UTC),
        args=[services],
        id=EXPIRE_UNPAID,
        name="Cancel unpaid orders past their deadline",
    )
    scheduler.add_job(
        run_jobs,
        IntervalTrigger(seconds=int(RUN_JOBS_EVERY.total_seconds()), timezone=UTC),
        args=[services],
        id=RUN_JOBS,
        name="Run deferred effects that are due",
        next_run_time=datetime.now(UTC),  # at start: rows left by a stopped process run now
    )
    return scheduler
