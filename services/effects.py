"""The deferred effects of money: which job kind runs which service, and how it is retried.

The composition root registers these on the process's job runner (`bot.factory.wire`); the
chat face registers the effects that talk to Telegram (the delivery of digital goods).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from db.models import Job
from services import payments, receipts, refunds
from services.events import ShopEvents
from services.jobs import JobKind, JobPolicy, JobRunner
from services.refunds import RefundBackends
from services.yookassa_gateway import YooKassaGateway

MONEY_POLICY = JobPolicy(
    first_backoff=timedelta(minutes=1), max_backoff=timedelta(hours=1), lease=timedelta(minutes=2)
)
"""Refunds and receipts: idempotent at the provider by their keys, so run again after a crash."""
RECEIPT_POLICY = JobPolicy(
    first_backoff=timedelta(minutes=3), max_backoff=timedelta(hours=1), lease=timedelta(minutes=2)
)


def register_money_jobs(
    runner: JobRunner,
    *,
    backends: RefundBackends,
    events: ShopEvents,
    gateway: YooKassaGateway | None,
    commission_percent: Decimal,
) -> None:
    """Refunds (of cancelled orders, of late money, re-checks), closing receipts and payment
    re-checks."""

    async def refund_cancelled_order(job: Job) -> None:
        await refunds.refund_cancelled_order(int(job.payload["order_id"]), backends, events)

    async def refund_late_payment(job: Job) -> None:
        await refunds.refund_late_payment(int(job.payload["payment_id"]), backends, events)

    async def check_refund(job: Job) -> None:
        await refunds.check_refund(int(job.payload["refund_id"]), backends, events)

    async def closing_receipt(job: Job) -> None:
        await receipts.settle_closing_receipt(int(job.payload["order_id"]), gateway)

    async def check_payment(job: Job) -> None:
        await payments.check_payment(job, gateway, events, commission_percent)

    runner.register(JobKind.refund_cancelled_order, refund_cancelled_order, MONEY_POLICY)
    runner.register(JobKind.refund_late_payment, refund_late_payment, MONEY_POLICY)
    runner.register(JobKind.refund_check, check_refund, MONEY_POLICY)
    runner.register(JobKind.closing_receipt, closing_receipt, RECEIPT_POLICY)
    runner.register(JobKind.payment_check, check_payment, MONEY_POLICY)
