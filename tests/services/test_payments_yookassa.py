"""Paying an order through YooKassa: the real SDK over HTTP against the fake, a real database.

A customer starts a payment (a double click makes one), YooKassa's API decides what happened,
and a notification, however often it arrives, settles the order once: one transition to paid
and one balanced set of postings.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from bot.factory import build_services
from bot.scheduler import run_jobs
from core.errors import IllegalTransition, InvalidInput, NotFound
from db.models import (
    Account,
    Fulfilment,
    Job,
    JobState,
    LedgerTransaction,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from services import ledger, orders
from services.effects import register_money_jobs
from services.events import ShopEvents
from services.jobs import JobKind
from services.payments import (
    InvalidNotification,
    NotificationOutcome,
    new_payment_link,
    process_yookassa_notification,
    start_yookassa_payment,
)
from services.payments_receipts import receipt_contact
from services.refunds import RefundBackends
from services.yookassa_gateway import GatewayRejected, GatewayTimeout, YooKassaGateway
from tests.fakes.yookassa import SECRET_KEY, SHOP_ID, FakeYooKassa
from tests.services.payments_data import (
    Sale,
    a_sale,
    assert_still_unpaid,
    paid_transitions,
    postings_of,
)
from tests.services.shop_data import job_runner, make_user, order_in, order_of

pytestmark = pytest.mark.usefixtures("db")

Outcome = NotificationOutcome


@pytest.fixture
async def sale() -> Sale:
    return await a_sale(price=10000)


async def notify(
    fake: FakeYooKassa, gateway: YooKassaGateway, events: ShopEvents, payment: Payment
) -> NotificationOutcome:
    """YooKassa posts what it now knows about the payment."""
    assert payment.external_id is not None
    return await process_yookassa_notification(
        fake.notification(payment.external_id), gateway, events
    )


async def assert_paid_once(sale: Sale, payment: Payment) -> None:
    await payment.refresh_from_db()
    await sale.order.refresh_from_db()
    assert payment.status is PaymentStatus.succeeded and payment.paid_at is not None
    assert sale.order.status is OrderStatus.paid
    assert await paid_transitions(sale.order) == 1
    assert sale.recorder.changes == [(sale.order.id, OrderStatus.pending_payment, OrderStatus.paid)]
    assert payment.external_id is not None
    assert await postings_of(payment.external_id) == {
        ledger.clearing_code("yookassa", "RUB"): -10000,
        ledger.provider_code(sale.provider.id, "RUB"): 9000,
        ledger.commission_code("RUB"): 1000,
    }
    assert await LedgerTransaction.all().count() == 1
    report = await ledger.verify()
    assert report.ok, report


# Starting ---------------------------------------------------------------------------------


async def test_start_creates_a_pending_payment_with_a_stable_key(
    fake: FakeYooKassa, gateway: YooKassaGateway, sale: Sale
) -> None:
    payment = await start_yookassa_payment(sale.order, sale.customer, gateway)

    assert payment.status is PaymentStatus.pending
    assert payment.idempotence_key == f"order-{sale.order.id}-1"
    assert payment.amount == 10000 and payment.currency == "RUB"
    assert payment.external_id == fake.last_payment["id"]
    assert payment.confirmation_url == fake.last_payment["confirmation"]["confirmation_url"]
    key, body = fake.created[0]
    assert key == payment.idempotence_key
    assert body["metadata"]["prilavok_payment"] == str(payment.id)
    assert "receipt" not in body  # no phone or e-mail known: no receipt to send


async def test_a_double_clicked_pay_makes_one_payment(
    fake: FakeYooKassa, gateway: YooKassaGateway, sale: Sale
) -> None:
    clicks = await asyncio.gather(
        *(start_yookassa_payment(sale.order, sale.customer, gateway) for _ in range(3))
    )
    again = await start_yookassa_payment(sale.order, sale.customer, gateway)

    assert await Payment.filter(order_id=sale.order.id).count() == 1
    assert len(fake.payments) == 1
    assert {p.id for p in [*clicks, again]} == {clicks[0].id}
    assert {p.confirmation_url for p in [*clicks, again]} == {clicks[0].confirmation_url}


async def test_a_delivery_order_sends_a_receipt_that_adds_up(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    sale = await a_sale(price=25050)
    customer = await make_user()
    order = await order_of(
        customer,
        sale.product,
        quantity=2,
        fulfilment=Fulfilment.delivery,
        address="Lenina 5",
        phone="+7 (999) 000-11-22",
    )

    await start_yookassa_payment(order, customer, gateway)

    receipt = fake.created[0][1]["receipt"]
    assert receipt["customer"] == {"phone": "79990001122"}
    lines = receipt["items"]
    assert [line["payment_subject"] for line in lines] == ["commodity", "service"]
    total = sum(Decimal(line["amount"]["value"]) * Decimal(line["quantity"]) for line in lines)
    assert total * 100 == order.total == 2 * 25050 + 30000


def test_receipt_contacts_prefer_e_mail_and_write_phones_internationally() -> None:
    assert receipt_contact(phone="+7 999 000-11-22", email="a@b.ru") == {"email": "a@b.ru"}
    assert receipt_contact(phone="8 (999) 000-11-22") == {"phone": "79990001122"}
    assert receipt_contact(phone="999 000 11 22") == {"phone": "79990001122"}
    assert receipt_contact(phone="+375 29 123-45-67") == {"phone": "375291234567"}
    assert receipt_contact(phone="12-34") is None and receipt_contact() is None


async def test_only_the_customers_own_order_awaiting_online_payment_can_be_paid(
    gateway: YooKassaGateway, sale: Sale
) -> None:
    stranger = await make_user()
    with pytest.raises(NotFound):
        await start_yookassa_payment(sale.order, stranger, gateway)
    cash = await order_in(
        OrderStatus.placed, sale.customer, sale.provider, payment_method=PaymentMethod.cash
    )
    with pytest.raises(InvalidInput):
        await start_yookassa_payment(cash, sale.customer, gateway)
    await sale.customer_cancels()
    with pytest.raises(IllegalTransition):
        await start_yookassa_payment(sale.order, sale.customer, gateway)
    assert not await Payment.exists()


async def test_a_create_that_timed_out_is_retried_with_the_same_key(
    fake: FakeYooKassa, gateway: YooKassaGateway, sale: Sale
) -> None:
    fake.hang()
    with pytest.raises(GatewayTimeout):
        await start_yookassa_payment(sale.order, sale.customer, gateway)
    fake.release()

    payment = await start_yookassa_payment(sale.order, sale.customer, gateway)

    assert payment.attempt == 1 and payment.status is PaymentStatus.pending
    assert {key for key, _ in fake.created} == {f"order-{sale.order.id}-1"}
    assert await Payment.all().count() == 1


async def test_a_key_yookassa_refuses_closes_the_attempt_and_the_next_click_moves_on(
    fake: FakeYooKassa, gateway: YooKassaGateway, sale: Sale
) -> None:
    # The key was spent on other data (say, a database restored within YooKassa's 24 hours).
    await gateway.create_payment(
        amount=1, currency="RUB", description="old", idempotence_key=f"order-{sale.order.id}-1"
    )
    with pytest.raises(GatewayRejected):
        await start_yookassa_payment(sale.order, sale.customer, gateway)
    first = await Payment.get(order_id=sale.order.id, attempt=1)
    assert first.status is PaymentStatus.canceled and first.external_id is None

    payment = await start_yookassa_payment(sale.order, sale.customer, gateway)

    assert payment.attempt == 2 and payment.status is PaymentStatus.pending
    assert payment.external_id == fake.last_payment["id"]


# Notifications ----------------------------------------------------------------------------


async def test_pay_then_notification_marks_the_order_paid_once(
    fake: FakeYooKassa, gateway: YooKassaGateway, sale: Sale
) -> None:
    payment = await start_yookassa_payment(sale.order, sale.customer, gateway)
    fake.succeed(fake.last_payment["id"])

    assert await notify(fake, gateway, sale.events, payment) is Outcome.settled

    await assert_paid_once(sale, payment)


async def test_the_same_notification_five_times_in_a_row_credits_once(
    fake: FakeYooKassa, gateway: YooKassaGateway, sale: Sale
) -> None:
    payment = await start_yookassa_payment(sale.order, sale.customer, gateway)
    fake.succeed(fake.last_payment["id"])

    outcomes = [await notify(fake, gateway, sale.events, payment) for _ in range(5)]

    assert outcomes == [Outcome.settled] + [Outcome.unchanged] * 4
    await assert_paid_once(sale, payment)


async def test_the_same_notification_five_times_at_once_credits_once(
    fake: FakeYooKassa, gateway: YooKassaGateway, sale: Sale
) -> None:
    payment = await start_yookassa_payment(sale.order, sale.customer, gateway)
    fake.succeed(fake.last_payment["id"])

    outcomes = await asyncio.gather(
        *(notify(fake, gateway, sale.events, payment) for _ in range(5))
    )

    assert sorted(outcomes) == sorted([Outcome.settled] + [Outcome.unchanged] * 4)
    await assert_paid_once(sale, payment)


async def test_a_payment_the_api_calls_pending_changes_nothing(
    fake: FakeYooKassa, gateway: YooKassaGateway, sale: Sale
) -> None:
    payment = await start_yookassa_payment(sale.order, sale.customer, gateway)
    forged = fake.notification(fake.last_payment["id"], event="payment.succeeded")
    forged["object"]["status"] = "succeeded"  # the body lies, the API does not

    assert await process_yookassa_notification(forged, gateway, sale.events) is Outcome.pending

    await assert_still_unpaid(sale, payment)
    assert sale.recorder.changes == []


async def test_an_amount_or_currency_mismatch_changes_nothing(
    fake: FakeYooKassa, gateway: YooKassaGateway, sale: Sale
) -> None:
    payment = await start_yookassa_payment(sale.order, sale.customer, gateway)
    external_id = fake.last_payment["id"]
    fake.set_status(external_id, "succeeded", amount="1.00")
    assert await notify(fake, gateway, sale.events, payment) is Outcome.mismatch
    fake.set_status(external_id, "succeeded", amount="100.00", currency="USD")
    assert await notify(fake, gateway, sale.events, payment) is Outcome.mismatch

    await assert_still_unpaid(sale, payment)


async def test_canceled_after_succeeded_changes_nothing(
    fake: FakeYooKassa, gateway: YooKassaGateway, sale: Sale
) -> None:
    payment = await start_yookassa_payment(sale.order, sale.customer, gateway)
    external_id = fake.last_payment["id"]
    fake.succeed(external_id)
    late_cancel = fake.notification(external_id, event="payment.canceled")
    assert await notify(fake, gateway, sale.events, payment) is Outcome.settled

    # Out of order: a canceled notice while the API says succeeded, then the API itself
    # reporting canceled (as a broken or forged sequence would).
    outcome = await process_yookassa_notification(late_cancel, gateway, sale.events)
    assert outcome is Outcome.unchanged
    fake.cancel(external_id)
    assert await notify(fake, gateway, sale.events, payment) is Outcome.unchanged

    await assert_paid_once(sale, payment)


async def test_a_cancelled_payment_gets_a_new_link_as_the_next_attempt(
    fake: FakeYooKassa, gateway: YooKassaGateway, sale: Sale
) -> None:
    first = await start_yookassa_payment(sale.order, sale.customer, gateway)
    same = await new_payment_link(sale.order, sale.customer, gateway, sale.events)
    assert same.id == first.id  # still pending at YooKassa: its link still works

    fake.cancel(fake.last_payment["id"])
    assert await notify(fake, gateway, sale.events, first) is Outcome.canceled
    await first.refresh_from_db()
    assert first.status is PaymentStatus.canceled
    assert first.cancellation_reason == "expired_on_confirmation"

    second = await new_payment_link(sale.order, sale.customer, gateway, sale.events)
    assert second.attempt == 2 and second.idempotence_key == f"order-{sale.order.id}-2"
    assert second.confirmation_url and second.confirmation_url != first.confirmation_url
    assert (await start_yookassa_payment(sale.order, sale.customer, gateway)).id == second.id

    fake.succeed(fake.last_payment["id"])
    assert await notify(fake, gateway, sale.events, second) is Outcome.settled
    await sale.order.refresh_from_db()
    assert sale.order.status is OrderStatus.paid


async def test_a_new_link_for_a_payment_paid_meanwhile_settles_it_instead(
    fake: FakeYooKassa, gateway: YooKassaGateway, sale: Sale
) -> None:
    first = await start_yookassa_payment(sale.order, sale.customer, gateway)
    fake.succeed(fake.last_payment["id"])

    again = await new_payment_link(sale.order, sale.customer, gateway, sale.events)

    assert again.id == first.id and again.status is PaymentStatus.succeeded
    assert len(fake.payments) == 1
    await assert_paid_once(sale, first)


async def test_unknown_payments_and_other_events_are_ignored(
    fake: FakeYooKassa, gateway: YooKassaGateway, sale: Sale
) -> None:
    stranger = await gateway.create_payment(
        amount=500, currency="RUB", description="not ours", idempotence_key="elsewhere-1"
    )
    fake.succeed(stranger.id)
    notice = fake.notification(stranger.id)
    assert await process_yookassa_notification(notice, gateway, sale.events) is Outcome.unknown
    notice["object"]["id"] = "2f000000-000f-5000-8000-000000000000"
    assert await process_yookassa_notification(notice, gateway, sale.events) is Outcome.unknown
    refund = {"type": "notification", "event": "refund.succeeded", "object": {"id": "r-1"}}
    assert await process_yookassa_notification(refund, gateway, sale.events) is Outcome.ignored
    malformed_bodies: list[Any] = [[], {"event": "payment.succeeded"}, {"event": 1, "object": {}}]
    for malformed in malformed_bodies:
        with pytest.raises(InvalidNotification):
            await process_yookassa_notification(malformed, gateway, sale.events)
    assert not await Payment.exists() and not await LedgerTransaction.exists()


async def test_a_payment_whose_create_answer_was_lost_is_found_by_its_metadata(
    fake: FakeYooKassa, gateway: YooKassaGateway, sale: Sale
) -> None:
    payment = await start_yookassa_payment(sale.order, sale.customer, gateway)
    external_id = fake.last_payment["id"]
    # As if YooKassa created it but its answer never reached us.
    await Payment.filter(id=payment.id).update(
        status=PaymentStatus.created, external_id=None, confirmation_url=None
    )
    fake.succeed(external_id)

    assert (
        await process_yookassa_notification(fake.notification(external_id), gateway, sale.events)
        is Outcome.settled
    )

    await payment.refresh_from_db()
    assert payment.external_id == external_id
    await assert_paid_once(sale, payment)


async def test_a_payment_of_an_order_cancelled_meanwhile_is_held_for_the_customer(
    fake: FakeYooKassa, gateway: YooKassaGateway, sale: Sale
) -> None:
    payment = await start_yookassa_payment(sale.order, sale.customer, gateway)
    await orders.expire_unpaid(sale.events, now=datetime.now(UTC) + timedelta(days=1))
    sale.recorder.changes.clear()
    fake.succeed(fake.last_payment["id"])

    assert await notify(fake, gateway, sale.events, payment) is Outcome.settled

    await sale.order.refresh_from_db()
    assert sale.order.status is OrderStatus.cancelled and sale.recorder.changes == []
    assert payment.external_id is not None
    assert await postings_of(payment.external_id) == {
        ledger.clearing_code("yookassa", "RUB"): -10000,
        ledger.customer_code(sale.customer.id, "RUB"): 10000,
    }
    assert (await ledger.verify()).ok


async def test_a_providers_own_commission_overrides_the_default(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    sale = await a_sale(price=9999, commission_basis_points=250)  # 2.5 %
    payment = await start_yookassa_payment(sale.order, sale.customer, gateway)
    fake.succeed(fake.last_payment["id"])
    await notify(fake, gateway, sale.events, payment)

    assert payment.external_id is not None
    postings = await postings_of(payment.external_id)
    assert postings[ledger.commission_code("RUB")] == 250  # 249.975 rounded half up
    assert postings[ledger.provider_code(sale.provider.id, "RUB")] == 9999 - 250


# Recovery ---------------------------------------------------------------------------------


async def test_the_recovery_job_settles_a_payment_whose_notification_was_lost(
    fake: FakeYooKassa, gateway: YooKassaGateway, sale: Sale
) -> None:
    runner = job_runner(sale.events, gateway=gateway)
    payment = await start_yookassa_payment(sale.order, sale.customer, gateway)
    other = await a_sale()
    abandoned = await start_yookassa_payment(other.order, other.customer, gateway)
    third = await a_sale()
    waiting = await start_yookassa_payment(third.order, third.customer, gateway)
    fake.succeed(payment.external_id or "")
    fake.cancel(abandoned.external_id or "")
    later = datetime.now(UTC) + timedelta(minutes=15)

    assert await runner.run_due() == 0  # a notification may still come: too early to ask
    assert await runner.run_due(now=later) == 3
    assert await runner.run_due(now=later) == 0

    await assert_paid_once(sale, payment)
    await abandoned.refresh_from_db()
    assert abandoned.status is PaymentStatus.canceled
    # The one nobody has paid yet is asked about again in five minutes.
    check = await Job.get(key=JobKind.payment_check.key(waiting.id))
    assert check.state is JobState.pending and check.attempts == 1
    assert check.due_at > later
    fake.succeed(waiting.external_id or "")
    assert await runner.run_due(now=later + timedelta(minutes=10)) == 1
    await waiting.refresh_from_db()
    assert waiting.status is PaymentStatus.succeeded


async def test_the_scheduled_job_runner_rechecks_payments(
    fake: FakeYooKassa, make_settings, sale: Sale
) -> None:
    services = build_services(
        make_settings(
            yookassa_shop_id=SHOP_ID, yookassa_secret_key=SECRET_KEY, yookassa_api_url=fake.api_url
        )
    )
    services.shop_events.subscribe(sale.recorder)
    register_money_jobs(
        services.jobs,
        backends=RefundBackends(gateway=services.yookassa, refund_stars=None),
        events=services.shop_events,
        gateway=services.yookassa,
        commission_percent=services.settings.platform_commission_percent,
    )
    try:
        assert services.yookassa is not None
        payment = await start_yookassa_payment(sale.order, sale.customer, services.yookassa)
        fake.succeed(payment.external_id or "")
        later = datetime.now(UTC) + timedelta(hours=1)
        assert await run_jobs(services, now=later) == 1
    finally:
        await services.close()
    await assert_paid_once(sale, payment)
    assert await Account.filter(code=ledger.commission_code("RUB"), balance=1000).exists()
    assert await Order.filter(id=sale.order.id, status=OrderStatus.paid).exists()
