"""Scheduled jobs (APScheduler 3 in the bot's own event loop), run by one replica per tick.

Every replica runs a scheduler; when Redis is configured a job first takes a lock named after
its job and its tick (`SET key NX PX`), so only the replica that gets there first does the
work. The jobs are idempotent (conditional updates), so without Redis, or when Redis is down,
every replica simply runs them.
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
from services.payments import recheck_pending_payments
from services.receipts import retry_pending_receipts
from services.refunds import RefundBackends, retry_pending_refunds

EXPIRE_UNPAID = "expire_unpaid"
EXPIRE_EVERY = timedelta(minutes=1)
RECHECK_PAYMENTS = "recheck_payments"
RECHECK_EVERY = timedelta(minutes=5)
RECHECK_OLDER_THAN = timedelta(minutes=10)
RETRY_RECEIPTS = "retry_receipts"
RETRY_RECEIPTS_EVERY = timedelta(minutes=5)
RETRY_RECEIPTS_OLDER_THAN = timedelta(minutes=3)
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


async def recheck_payments(services: Services, *, now: datetime | None = None) -> int | None:
    """Settle YooKassa payments whose notification never came and complete refunds whose
    answer never came; None when YooKassa is off or another replica has the tick."""
    now = now or datetime.now(UTC)
    if services.yookassa is None:
        return None
    if not await take_tick(services.redis, RECHECK_PAYMENTS, RECHECK_EVERY, now):
        return None
    changed = await recheck_pending_payments(
        services.yookassa,
        services.shop_events,
        RECHECK_OLDER_THAN,
        now=now,
        commission_percent=services.settings.platform_commission_percent,
    )
    if changed:
        logger.info("Settled or cancelled {} payments left pending", changed)
    refunds = await retry_pending_refunds(
        RefundBackends(gateway=services.yookassa, refund_stars=None),
        services.shop_events,
        RECHECK_OLDER_THAN,
        now=now,
    )
    if refunds:
        logger.info("Completed or released {} refunds left pending", refunds)
    return changed + refunds


async def retry_receipts(services: Services, *, now: datetime | None = None) -> int | None:
    """Send closing receipts left pending and refresh ones YooKassa is registering; None when
    YooKassa is off or another replica has the tick."""
    now = now or datetime.now(UTC)
    if services.yookassa is None:
        return None
    if not await take_tick(services.redis, RETRY_RECEIPTS, RETRY_RECEIPTS_EVERY, now):
        return None
    changed = await retry_pending_receipts(
        services.yookassa, RETRY_RECEIPTS_OLDER_THAN, limit=100, now=now
    )
    if changed:
        logger.info("Sent or settled {} fiscal receipts left pending", changed)
    return changed


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
    if services.yookassa is not None:
        scheduler.add_job(
            recheck_payments,
            IntervalTrigger(seconds=int(RECHECK_EVERY.total_seconds()), timezone=UTC),
            args=[services],
            id=RECHECK_PAYMENTS,
            name="Re-check YooKassa payments left pending",
        )
        scheduler.add_job(
            retry_receipts,
            IntervalTrigger(seconds=int(RETRY_RECEIPTS_EVERY.total_seconds()), timezone=UTC),
            args=[services],
            id=RETRY_RECEIPTS,
            name="Send fiscal receipts left pending",
        )
    return scheduler
