"""A separate process for the durability tests: run jobs, or commit a change and die.

    python -m tests.e2e.job_child run
    python -m tests.e2e.job_child die-after-commit cancel ORDER_ID
    python -m tests.e2e.job_child die-after-commit complete ORDER_ID
    python -m tests.e2e.job_child die-after-commit pay-stars PAYMENT_ID CHARGE_ID

Settings come from the environment, as in production (DATABASE_URL, BOT_TOKEN,
TELEGRAM_API_URL, YOOKASSA_*, DATA_DIR). `run` wires the process exactly as `python -m bot run`
does and runs due jobs until none is left; `die-after-commit` makes the change through the
services and is killed with SIGKILL the moment its transaction has committed, before any
effect of it runs.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Sequence

from bot.factory import build_services, create_bot, create_dispatcher, wire
from core.config import load_settings
from db import close_db, init_db
from db.models import ActorRole, Job, JobState, OrderStatus, Payment, User
from services import orders
from services.jobs import JobRunner
from services.telegram_payments import invoice_payload, record_successful_payment

IDLE_SECONDS = 1.0
MAX_SECONDS = 60.0


def _die(_keys: Sequence[str]) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


async def _run_until_idle(runner: JobRunner) -> None:
    started = idle_since = time.monotonic()
    while time.monotonic() - started < MAX_SECONDS:
        if await runner.run_due():
            idle_since = time.monotonic()
            continue
        busy = await Job.filter(state__in=[JobState.running]).exists()
        if not busy and time.monotonic() - idle_since > IDLE_SECONDS:
            return
        await asyncio.sleep(0.05)


async def main(argv: list[str]) -> None:
    settings = load_settings()
    services = build_services(settings)
    bot = create_bot(settings, services.metrics)
    wire(services, bot, create_dispatcher(services))
    await init_db(settings.database_url)
    try:
        if argv[0] == "run":
            await _run_until_idle(services.jobs)
            return
        assert argv[0] == "die-after-commit"
        services.jobs.run_keys = _die  # type: ignore[method-assign,assignment]
        action, subject = argv[1], int(argv[2])
        if action == "cancel":
            await orders.transition(
                subject,
                OrderStatus.cancelled,
                role=ActorRole.admin,
                actor=None,
                events=services.shop_events,
                reason="a durability test",
            )
        elif action == "complete":
            await orders.transition(
                subject,
                OrderStatus.completed,
                role=ActorRole.provider,
                actor=None,
                events=services.shop_events,
            )
        elif action == "pay-stars":
            payment = await Payment.get(id=subject)
            await record_successful_payment(
                await User.get(id=payment.user_id),
                payload=invoice_payload(payment),
                currency=payment.currency,
                total_amount=payment.amount,
                charge_id=argv[3],
                provider_charge_id=None,
                events=services.shop_events,
            )
        raise SystemExit(f"{action}: the change committed but no job was written")
    finally:
        await close_db()
        await bot.session.close()
        await services.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
