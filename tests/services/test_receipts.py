"""Fiscal receipts of 54-FZ: builders that add up to the kopeck, and the closing receipt sent
once when an order paid in advance is handed over, through the real SDK against the fake.

A customer pays an order online (the prepayment receipt goes with the payment); when the
provider marks it completed the closing receipt goes to YooKassa once, however often the
event fires; a timeout leaves it pending for the retry job, a refusal is stored; cash and
Stars orders get none.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from bot.factory import build_services
from bot.scheduler import RUN_JOBS, create_scheduler, run_jobs
from core.errors import InvalidInput
from core.i18n import create_i18n
from core.problems import explain, vat_name
from db.models import (
    Fulfilment,
    Job,
    JobState,
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentChannel,
    PaymentMethod,
    PaymentStatus,
    ProductKind,
    Provider,
    Receipt,
    ReceiptKind,
    ReceiptStatus,
    Refund,
    RefundStatus,
)
from services import catalog, catalog_csv, orders
from services.effects import register_money_jobs
from services.jobs import JobKind
from services.payments_receipts import (
    VAT_CODES,
    allocate,
    closing_receipt,
    normalize_email,
    order_lines,
    order_receipt,
    parse_receipt_contact,
    refund_receipt,
    validate_vat_code,
)
from services.receipts import (
    closing_key,
    record_prepayment_receipt,
    record_refund_receipt,
    send_closing_receipt,
)
from services.refunds import RefundBackends, refund_order
from services.yookassa_gateway import GatewayRejected, YooKassaGateway
from tests.fakes.yookassa import SECRET_KEY, SHOP_ID, FakeYooKassa
from tests.services.receipts_data import Paid, hand_over, paid_order, receipt_posts, total_of
from tests.services.shop_data import make_product, make_provider, make_user, order_in, order_of

# Long enough for a loaded CI machine; only the hanging-API test waits for it.
TIMEOUT = 3.0
RECEIPTS = "/v3/receipts"


# Builders (no database: the order's frozen data only) --------------------------------------


def an_order(delivery_fee: int = 0) -> tuple[Order, list[OrderItem], Provider]:
    """Three lines with awkward prices and quantities, VAT 22% and 10%, plus delivery."""
    fields = ("title", "quantity", "price", "vat_code", "payment_mode", "payment_subject")
    lines = [
        ("Tea", 3, 333, 11, "full_prepayment", "commodity"),
        ("Honey", 7, 1001, 3, "full_prepayment", "commodity"),
        ("Lesson", 1, 99999, 12, "advance", "service"),
    ]
    items = [OrderItem(currency="RUB", **dict(zip(fields, line, strict=True))) for line in lines]
    items_total = sum(item.price * item.quantity for item in items)
    order = Order(
        id=77,
        items_total=items_total,
        delivery_fee=delivery_fee,
        total=items_total + delivery_fee,
        currency="RUB",
    )
    return order, items, Provider(tax_system_code=2)


def test_a_full_refund_lists_the_order_as_it_was_paid() -> None:
    order, items, provider = an_order(delivery_fee=30000)
    customer = {"email": "a@b.ru"}

    paid = order_receipt(order, items, provider, customer)
    refund = refund_receipt(order, items, provider, customer, order.total)

    assert refund == paid
    assert total_of(refund["items"]) * 100 == order.total == 3 * 333 + 7 * 1001 + 99999 + 30000
    assert refund["items"][-1]["description"] == "Доставка"


@pytest.mark.parametrize("amount", [1, 2, 99, 333, 12345, 50000, 1001 * 7, 100000, 138004])
def test_a_partial_refund_adds_up_to_the_kopeck_and_keeps_each_lines_vat(amount: int) -> None:
    order, items, provider = an_order(delivery_fee=30000)  # the whole is 138005 kopecks

    receipt = refund_receipt(order, items, provider, {"phone": "79990001122"}, amount)

    assert total_of(receipt["items"]) * 100 == amount
    originals = {line.description: line for line in order_lines(order, items)}
    units: Counter[str] = Counter()
    for item in receipt["items"]:
        line = originals[item["description"]]
        assert (item["vat_code"], item["payment_mode"], item["payment_subject"]) == (
            line.vat_code,
            line.payment_mode,
            line.payment_subject,
        )
        assert Decimal(item["amount"]["value"]) > 0
        assert Decimal(item["quantity"]) == int(Decimal(item["quantity"]))  # whole units
        units[item["description"]] += int(Decimal(item["quantity"]))
    assert all(units[name] <= originals[name].quantity for name in units)


def test_allocation_is_exact_for_every_amount_and_never_exceeds_a_line() -> None:
    order, items, _ = an_order()
    lines = order_lines(order, items)[:2]  # 999 + 7007 kopecks
    whole = sum(line.total for line in lines)
    for amount in range(1, whole + 1):
        allocated = allocate(lines, amount)
        assert sum(line.total for line in allocated) == amount
        for original in lines:
            part = sum(a.total for a in allocated if a.description == original.description)
            assert part <= original.total
    with pytest.raises(ValueError):
        allocate(lines, whole + 1)
    with pytest.raises(ValueError):
        allocate(lines, 0)


def test_the_closing_receipt_settles_the_prepayment_in_full() -> None:
    order, items, provider = an_order(delivery_fee=30000)

    receipt = closing_receipt(order, items, provider, {"email": "a@b.ru"}, "pay-1")

    assert receipt["type"] == "payment" and receipt["send"] is True
    assert receipt["payment_id"] == "pay-1" and receipt["tax_system_code"] == 2
    assert {item["payment_mode"] for item in receipt["items"]} == {"full_payment"}
    assert [item["vat_code"] for item in receipt["items"]] == [11, 3, 12, 11]
    assert receipt["settlements"] == [
        {"type": "prepayment", "amount": {"value": "1380.05", "currency": "RUB"}}
    ]
    assert total_of(receipt["items"]) * 100 == order.total

    after_refund = closing_receipt(order, items, provider, {"email": "a@b.ru"}, "pay-1", amount=7)
    assert total_of(after_refund["items"]) * 100 == 7
    assert after_refund["settlements"][0]["amount"]["value"] == "0.07"


def test_lines_paid_in_full_at_once_are_not_closed_again() -> None:
    order, items, provider = an_order()
    items[1].payment_mode = "full_payment"  # handed over when paid: its receipt was final

    receipt = closing_receipt(order, items, provider, {"email": "a@b.ru"}, "pay-1")

    assert [item["description"] for item in receipt["items"]] == ["Tea", "Lesson"]
    assert receipt["settlements"][0]["amount"]["value"] == "1009.98"


def test_a_refund_receipt_repeats_the_payment_method_of_the_receipt_it_reverses() -> None:
    order, items, provider = an_order(delivery_fee=30000)
    items[1].payment_mode = "full_payment"  # paid in full at hand-over: never prepaid

    before = refund_receipt(order, items, provider, {"email": "a@b.ru"}, 50000)
    after = refund_receipt(order, items, provider, {"email": "a@b.ru"}, 50000, settled=True)

    modes = {item["description"]: item["payment_mode"] for item in before["items"]}
    assert modes == {
        "Tea": "full_prepayment",
        "Honey": "full_payment",
        "Lesson": "advance",
        "Доставка": "full_prepayment",
    }
    assert {item["payment_mode"] for item in after["items"]} == {"full_payment"}
    assert [i["amount"] for i in after["items"]] == [i["amount"] for i in before["items"]]


# Contacts ---------------------------------------------------------------------------------


def test_e_mails_are_checked_and_their_domains_lower_cased() -> None:
    assert normalize_email("  Ivan.Petrov+shop@Mail.RU ") == "Ivan.Petrov+shop@mail.ru"
    assert normalize_email("mailto:a@b.ru") == "a@b.ru"
    assert normalize_email("anna@почта.рф") == "anna@xn--80a1acny.xn--p1ai"
    bad = ["", "a", "a@", "@b.ru", "a@b", "a@@b.ru", "a b@c.ru", "a@b..ru", ".a@b.ru", "a.@b.ru"]
    bad += ["a@-b.ru", "a@b.ru-", "a@1.2.3.4", "a@b.ru, c@d.ru", "a@" + "b" * 64 + ".ru"]
    bad += ["a" * 65 + "@b.ru", "a" * 60 + "@" + ("b" * 60 + ".") * 4 + "ru"]
    assert [text for text in bad if normalize_email(text) is not None] == []


def test_a_typed_receipt_contact_is_an_e_mail_or_a_phone() -> None:
    assert parse_receipt_contact("A@B.RU") == ("email", "A@b.ru")
    assert parse_receipt_contact("8 (999) 000-11-22") == ("phone", "+79990001122")
    assert parse_receipt_contact("a@b") is None
    assert parse_receipt_contact("call me") is None


# VAT codes --------------------------------------------------------------------------------


def test_the_vat_codes_are_yookassas_twelve_with_the_2026_rates() -> None:
    assert sorted(VAT_CODES) == list(range(1, 13))
    assert (VAT_CODES[11].rate, VAT_CODES[12].rate) == ("22%", "22/122")
    assert [validate_vat_code(v) for v in (1, 11, 12, "12", " 4 ")] == [1, 11, 12, 12, 4]
    for wrong in (0, 13, -1, True, 4.0, "", "abc", "²", "11.0", None):
        with pytest.raises(InvalidInput) as refused:
            validate_vat_code(wrong)
        assert refused.value.details["field"] == "vat_code"


def test_a_wrong_vat_code_is_explained_with_the_valid_ones() -> None:
    i18n = create_i18n("en")
    with i18n.context(), i18n.use_locale("en"):
        text = explain(InvalidInput(field="vat_code", value="13"))
        assert vat_name(1) == "no VAT" and vat_name(11) == "VAT 22%"
    assert text.startswith("The VAT code must be one of: 1 — no VAT, 2 — VAT 0%")
    assert text.endswith("11 — VAT 22%, 12 — VAT 22/122.")


@pytest.mark.usefixtures("db")
async def test_products_take_exactly_the_valid_vat_codes() -> None:
    shop = await make_provider()
    for code in (11, 12):
        product = await make_product(shop, title=f"VAT {code}", receipt={"vat_code": code})
        assert product.vat_code == code
    for receipt in (
        {"vat_code": 13},
        {"vat_code": 0},
        {"vat_code": "x"},
        {"payment_mode": "later"},
        {"payment_subject": "gift"},
        {"vat": 11},
    ):
        with pytest.raises(InvalidInput):
            await catalog.create_product(
                shop, catalog.ProductDraft(title="Bad", price=100, receipt=receipt)
            )
    assert await shop.products.all().count() == 2


@pytest.mark.usefixtures("db")
async def test_the_csv_import_takes_codes_11_and_12_and_refuses_others() -> None:
    shop = await make_provider()
    header = "sku,title,price,vat_code"
    good = f"{header}\r\nA-1,Tea,10,11\r\nA-2,Honey,20,12\r\n".encode()
    report = await catalog_csv.import_catalog(shop, good)
    assert not report.errors
    assert await shop.products.all().order_by("sku").values_list("vat_code", flat=True) == [11, 12]

    bad = f"{header}\r\nB-1,Tea,10,13\r\nB-2,Tea,10,0\r\nB-3,Tea,10,²\r\n".encode()
    report = await catalog_csv.import_catalog(shop, bad)
    assert [(e.line, e.field, e.code) for e in report.errors] == [
        (2, "vat_code", "vat_code"),
        (3, "vat_code", "vat_code"),
        (4, "vat_code", "vat_code"),
    ]


# The closing receipt ----------------------------------------------------------------------


@pytest.mark.usefixtures("db")
async def test_completion_sends_the_closing_receipt_once_even_if_announced_twice(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    paid = await paid_order(fake, gateway, price=25050, quantity=2)

    await hand_over(paid.order, paid.events)
    completed = await orders.history(paid.order)
    await paid.events.order_changed(paid.order, completed[-1])  # the event fires again
    again = await asyncio.gather(*(send_closing_receipt(paid.order.id, gateway) for _ in range(3)))

    receipt = await Receipt.get(kind=ReceiptKind.closing, order_id=paid.order.id)
    assert {r.id for r in again if r is not None} == {receipt.id}
    posts = receipt_posts(fake)
    assert [key for key, _ in posts] == [closing_key(paid.order.id)]
    body = posts[0][1]
    assert body["type"] == "payment" and body["payment_id"] == paid.payment.external_id
    assert body["customer"] == {"phone": "79990001122"}
    assert body["settlements"] == [
        {"type": "prepayment", "amount": {"value": "501.00", "currency": "RUB"}}
    ]
    assert [(Decimal(i["quantity"]), i["vat_code"], i["payment_mode"]) for i in body["items"]] == [
        (2, 11, "full_payment")
    ]
    assert receipt.status is ReceiptStatus.pending and receipt.attempts == 1
    assert receipt.external_id == next(iter(fake.receipts))
    assert (receipt.amount, receipt.currency, receipt.payment_id) == (50100, "RUB", paid.payment.id)
    assert receipt.error is None

    # The fiscal service registers it; the job notices at its next turn.
    fake.succeed_receipt(receipt.external_id)
    assert await paid.runner.run_due() == 0  # not yet: the job waits a few minutes
    later = datetime.now(UTC) + timedelta(minutes=10)
    assert await paid.runner.run_due(now=later) == 2  # the receipt, and the payment's re-check
    await receipt.refresh_from_db()
    assert receipt.status is ReceiptStatus.succeeded
    job = await Job.get(key=JobKind.closing_receipt.key(paid.order.id))
    assert job.state is JobState.done and job.attempts == 2
    assert await paid.runner.run_due(now=later + timedelta(hours=1)) == 0
    assert len(receipt_posts(fake)) == 1


@pytest.mark.usefixtures("db")
async def test_concurrent_sends_make_one_receipt(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    paid = await paid_order(fake, gateway)
    await Order.filter(id=paid.order.id).update(status=OrderStatus.completed)

    sent = await asyncio.gather(*(send_closing_receipt(paid.order.id, gateway) for _ in range(4)))

    assert len({r.id for r in sent if r is not None}) == 1 and None not in sent
    assert await Receipt.filter(kind=ReceiptKind.closing).count() == 1
    assert len(receipt_posts(fake)) == 1 and len(fake.receipts) == 1


@pytest.mark.usefixtures("db")
async def test_a_delivery_order_closes_with_its_delivery_line_to_the_kopeck(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    paid = await paid_order(
        fake, gateway, price=33333, quantity=3, fulfilment=Fulfilment.delivery, address="Lenina 5"
    )
    await Order.filter(id=paid.order.id).update(email="buyer@Example.COM")

    await hand_over(paid.order, paid.events)

    body = receipt_posts(fake)[0][1]
    assert body["customer"] == {"email": "buyer@Example.COM"}  # the e-mail wins over the phone
    assert [i["description"] for i in body["items"]] == ["Tea", "Доставка"]
    assert total_of(body["items"]) * 100 == paid.order.total == 3 * 33333 + 30000
    assert Decimal(body["settlements"][0]["amount"]["value"]) * 100 == paid.order.total


@pytest.mark.usefixtures("db")
async def test_a_timeout_keeps_the_receipt_pending_and_the_job_sends_it_with_the_same_key(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    paid = await paid_order(fake, gateway)
    fake.hang()

    await hand_over(paid.order, paid.events)  # the order moves whatever YooKassa does

    await paid.order.refresh_from_db()
    assert paid.order.status is OrderStatus.completed
    assert paid.recorder.changes[-1][2] is OrderStatus.completed
    receipt = await Receipt.get(order_id=paid.order.id, kind=ReceiptKind.closing)
    assert receipt.status is ReceiptStatus.pending and receipt.external_id is None
    assert (receipt.attempts, receipt.error) == (1, "timeout")
    fake.release()

    # Too fresh for the job; then its turn comes.
    assert await paid.runner.run_due() == 0
    later = datetime.now(UTC) + timedelta(minutes=10)
    assert await paid.runner.run_due(now=later) == 2  # the receipt, and the payment's re-check

    await receipt.refresh_from_db()
    assert receipt.external_id == next(iter(fake.receipts)) and receipt.attempts == 2
    assert receipt.status is ReceiptStatus.pending and receipt.error is None
    assert {key for key, _ in receipt_posts(fake)} == {closing_key(paid.order.id)}
    assert len(fake.receipts) == 1


async def closing_receipt_of(paid: Paid, contact: dict[str, str]) -> dict[str, Any]:
    """The closing receipt of the paid order, to `contact`, as the service builds it."""
    assert paid.payment.external_id is not None
    return closing_receipt(
        paid.order,
        list(await OrderItem.filter(order_id=paid.order.id)),
        await Provider.get(id=paid.order.provider_id),
        contact,
        paid.payment.external_id,
    )


@pytest.mark.usefixtures("db")
async def test_a_receipt_yookassa_refuses_is_closed_with_its_error(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    paid = await paid_order(fake, gateway)
    # The key was spent on other data (a database restored within YooKassa's 24 hours).
    other = await closing_receipt_of(paid, {"email": "someone@else.ru"})
    await gateway.create_receipt(other, idempotence_key=closing_key(paid.order.id))

    await hand_over(paid.order, paid.events)

    receipt = await Receipt.get(order_id=paid.order.id, kind=ReceiptKind.closing)
    assert receipt.status is ReceiptStatus.canceled and receipt.external_id is None
    assert receipt.error == "rejected: invalid_request"
    job = await Job.get(key=JobKind.closing_receipt.key(paid.order.id))
    assert job.state is JobState.failed and "invalid_request" in job.last_error  # admins told
    later = datetime.now(UTC) + timedelta(minutes=10)
    await paid.runner.run_due(now=later)  # only the payment's re-check is left to run
    assert len(receipt_posts(fake)) == 2  # ours was sent once and never again


async def paid_in_telegram(
    order: Order,
    channel: PaymentChannel,
    amount: int,
    provider_charge_id: str,
    external_id: str | None = None,
) -> Payment:
    """The order's customer paid `amount` by an invoice of `channel` (roubles or Stars)."""
    return await Payment.create(
        order=order,
        user_id=order.customer_id,
        channel=channel,
        status=PaymentStatus.succeeded,
        amount=amount,
        currency="XTR" if channel is PaymentChannel.stars else "RUB",
        idempotence_key=f"{channel.value}-{order.id}",
        external_id=external_id,
        provider_charge_id=provider_charge_id,
    )


@pytest.mark.usefixtures("db")
async def test_a_telegram_payment_through_yookassa_is_closed_by_its_charge_id(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    customer = await make_user()
    shop = await make_provider()
    order = await order_in(OrderStatus.completed, customer, shop)
    await Order.filter(id=order.id).update(phone="89990001122")
    charge = await gateway.create_payment(
        amount=10000, currency="RUB", description="Telegram", idempotence_key="tg-1"
    )
    fake.succeed(charge.id)
    await paid_in_telegram(
        order,
        PaymentChannel.telegram,
        10000,
        external_id="6712345678_telegram_charge",  # Telegram's own id: not YooKassa's
        provider_charge_id=charge.id,
    )

    receipt = await send_closing_receipt(order.id, gateway)

    assert receipt is not None and receipt.external_id is not None
    assert fake.receipts[receipt.external_id]["payment_id"] == charge.id


@pytest.mark.usefixtures("db")
async def test_cash_stars_and_orders_paid_in_full_at_once_get_no_closing_receipt(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    customer = await make_user(phone="+79990001122")
    shop = await make_provider()
    cash = await order_in(OrderStatus.completed, customer, shop, payment_method=PaymentMethod.cash)
    ebook = await make_product(shop, title="Ebook", price=50, kind=ProductKind.digital)
    stars = await order_of(customer, ebook)
    await paid_in_telegram(stars, PaymentChannel.stars, 50, provider_charge_id="stars-charge")
    await Order.filter(id=stars.id).update(status=OrderStatus.completed)
    unpaid = await order_in(OrderStatus.completed, customer, shop)  # no payment at all
    paid_at_once = await paid_order(fake, gateway, receipt={"payment_mode": "full_payment"})
    no_contact = await paid_order(fake, gateway, phone=None)
    for paid in (paid_at_once, no_contact):
        await hand_over(paid.order, paid.events)
    not_completed = await paid_order(fake, gateway)

    for order in (cash, stars, unpaid, paid_at_once.order, no_contact.order, not_completed.order):
        assert await send_closing_receipt(order.id, gateway) is None
    assert not await Receipt.exists(kind=ReceiptKind.closing)
    assert receipt_posts(fake) == [] and ("POST", RECEIPTS) not in fake.requests


@pytest.mark.usefixtures("db")
async def test_after_a_partial_refund_the_closing_receipt_settles_what_is_left(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    paid = await paid_order(fake, gateway, price=10000, quantity=3)
    await Payment.filter(id=paid.payment.id).update(refunded_amount=10001)

    await hand_over(paid.order, paid.events)

    body = receipt_posts(fake)[0][1]
    assert body["settlements"][0]["amount"]["value"] == "199.99"
    assert total_of(body["items"]) == Decimal("199.99")
    assert (await Receipt.get(kind=ReceiptKind.closing)).amount == 19999


# Receipts that went with the money --------------------------------------------------------


@pytest.mark.usefixtures("db")
async def test_prepayment_and_refund_receipts_are_recorded_once(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    paid = await paid_order(fake, gateway, price=10000, quantity=3)
    assert paid.payment.external_id is not None
    # The payment went with its receipt (the fake checked that it adds up).
    assert total_of(fake.created[0][1]["receipt"]["items"]) * 100 == 30000

    first = await record_prepayment_receipt(paid.payment, ReceiptStatus.pending)
    second = await record_prepayment_receipt(paid.payment)
    third = await record_prepayment_receipt(paid.payment, ReceiptStatus.pending)
    assert first is not None and second is not None and third is not None
    assert first.id == second.id == third.id
    assert third.status is ReceiptStatus.succeeded  # never back to pending
    assert (third.kind, third.amount, third.idempotence_key) == (
        ReceiptKind.prepayment,
        30000,
        f"prepayment-{paid.payment.id}",
    )

    # A partial refund whose receipt YooKassa accepts only because it adds up exactly.
    items = list(await OrderItem.filter(order_id=paid.order.id))
    provider = await Provider.get(id=paid.order.provider_id)
    receipt = refund_receipt(paid.order, items, provider, {"phone": "79990001122"}, 12345)
    remote = await gateway.create_refund(
        payment_id=paid.payment.external_id,
        amount=12345,
        currency="RUB",
        idempotence_key="refund-test-1",
        receipt=receipt,
    )
    refund = await Refund.create(
        payment=paid.payment,
        amount=12345,
        currency="RUB",
        status=RefundStatus.succeeded,
        idempotence_key="refund-test-1",
        external_id=remote.id,
    )
    recorded = [await record_refund_receipt(refund) for _ in range(2)]
    assert recorded[0] is not None and recorded[1] is not None
    assert recorded[0].id == recorded[1].id
    assert (recorded[0].kind, recorded[0].amount, recorded[0].refund_id) == (
        ReceiptKind.refund,
        12345,
        refund.id,
    )
    assert await Receipt.all().count() == 2


@pytest.mark.usefixtures("db")
async def test_the_fake_refuses_receipts_that_do_not_add_up(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    good = await closing_receipt_of(await paid_order(fake, gateway), {"email": "a@b.ru"})
    short = {
        **good,
        "settlements": [{"type": "prepayment", "amount": {"value": "99.99", "currency": "RUB"}}],
    }
    bad_vat = {**good, "items": [{**good["items"][0], "vat_code": 13}]}
    for number, body in enumerate((short, bad_vat)):
        with pytest.raises(GatewayRejected):
            await gateway.create_receipt(body, idempotence_key=f"bad-{number}")
    assert fake.receipts == {}


# The scheduled job ------------------------------------------------------------------------


@pytest.mark.usefixtures("db")
async def test_the_scheduled_job_runner_sends_a_receipt_left_pending(
    fake: FakeYooKassa, make_settings
) -> None:
    services = build_services(
        make_settings(
            yookassa_shop_id=SHOP_ID,
            yookassa_secret_key=SECRET_KEY,
            yookassa_api_url=fake.api_url,
            yookassa_timeout=TIMEOUT,
        )
    )
    try:
        assert services.yookassa is not None
        assert create_scheduler(services).get_job(RUN_JOBS) is not None
        register_money_jobs(
            services.jobs,
            backends=RefundBackends(gateway=services.yookassa, refund_stars=None),
            events=services.shop_events,
            gateway=services.yookassa,
            commission_percent=Decimal(10),
        )
        paid = await paid_order(fake, services.yookassa)
        fake.hang()
        await hand_over(paid.order, paid.events)
        fake.release()
        later = datetime.now(UTC) + timedelta(hours=1)
        assert await run_jobs(services, now=later) == 2  # the receipt and the payment re-check
    finally:
        await services.close()
    assert await Receipt.filter(external_id__isnull=False, kind=ReceiptKind.closing).count() == 1


@pytest.mark.usefixtures("db")
async def test_a_refund_after_hand_over_carries_full_payment_like_the_closing_receipt(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    """54-FZ: a refund of goods handed over and settled reverses the closing receipt."""
    backends = RefundBackends(gateway=gateway, refund_stars=None)
    paid = await paid_order(fake, gateway, price=10000, quantity=3)

    def refunded_modes() -> set[str]:
        return {item["payment_mode"] for item in fake.created[-1][1]["receipt"]["items"]}

    await refund_order(
        paid.order.id, 5000, admin=None, backends=backends, events=paid.events, request_key="a"
    )
    assert refunded_modes() == {"full_prepayment"}  # before hand-over: a prepayment refund

    await hand_over(paid.order, paid.events)
    closing = await Receipt.get(kind=ReceiptKind.closing, order_id=paid.order.id)
    assert closing.idempotence_key == closing_key(paid.order.id)
    await refund_order(
        paid.order.id, 5000, admin=None, backends=backends, events=paid.events, request_key="b"
    )
    assert refunded_modes() == {"full_payment"}

    # A closing receipt YooKassa refused was never issued: the prepayment receipt stands.
    await Receipt.filter(id=closing.id).update(status=ReceiptStatus.canceled)
    await refund_order(
        paid.order.id, 5000, admin=None, backends=backends, events=paid.events, request_key="c"
    )
    assert refunded_modes() == {"full_prepayment"}
