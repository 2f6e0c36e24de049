"""Settlement report: a provider's sales, refunds and payouts of a period as CSV, with totals."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from core.errors import InvalidInput, NotFound
from db.models import Role
from services import ledger, payouts
from services.payments import payment_reference, process_yookassa_notification
from services.payments import start_yookassa_payment as start_payment
from services.settlement import HEADER, TOTALS_HEADER, parse_period, settlement_csv
from services.yookassa_gateway import YooKassaGateway
from tests.fakes.yookassa import FakeYooKassa
from tests.services.payments_data import a_sale
from tests.services.payouts_data import LedgerClock, credit_sale, post_refund
from tests.services.shop_data import make_provider, make_user, recording_events

pytestmark = pytest.mark.usefixtures("db")

MOSCOW = ZoneInfo("Europe/Moscow")
MARCH = (date(2025, 3, 1), date(2025, 3, 31))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> LedgerClock:
    return LedgerClock(monkeypatch)


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def parse(data: bytes) -> tuple[list[dict[str, str]], dict[str, dict[str, str]]]:
    """The report's transaction rows and its totals by currency."""
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads the file as UTF-8
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    blank = lines.index([])
    header, rows = lines[0], lines[1:blank]
    totals_header, totals = lines[blank + 1], lines[blank + 2 :]
    assert tuple(header) == HEADER and tuple(totals_header) == TOTALS_HEADER
    return (
        [dict(zip(header, row, strict=True)) for row in rows],
        {row[0]: dict(zip(totals_header, row, strict=True)) for row in totals},
    )


def brief(row: dict[str, str]) -> tuple[str, ...]:
    return tuple(row[key] for key in ("date", "kind", "order", "currency", "gross", "commission"))


def money(row: dict[str, str]) -> tuple[str, ...]:
    return tuple(row[key] for key in ("net", "available", "on_hold", "balance"))


async def test_a_month_of_sales_refunds_and_payouts(
    clock: LedgerClock, fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    events, _ = recording_events()
    admin = await make_user(Role.admin)
    sale = await a_sale(price=10000)  # a YooKassa order; the platform keeps 10 %
    shop = sale.provider
    owner = await make_user(Role.provider)
    neighbour = await make_provider()

    clock.set(utc(2025, 2, 20, 12, 0))
    await credit_sale(shop, 20000, 2000, order_id=501)  # before the month: the opening balance
    await credit_sale(neighbour, 70000, 7000)
    # 00:30 on 1 March in Moscow is still February in UTC.
    clock.set(utc(2025, 2, 28, 21, 30))
    payment = await start_payment(sale.order, sale.customer, gateway)
    assert payment.external_id is not None
    fake.succeed(payment.external_id)
    outcome = await process_yookassa_notification(
        fake.notification(payment.external_id), gateway, events
    )
    assert outcome == "settled", outcome
    clock.set(utc(2025, 3, 5, 9, 0))
    await post_refund(shop, 1, sale.order.id, 10000, 1000)
    clock.set(utc(2025, 3, 10, 9, 0))
    paid = await payouts.request_payout(shop, owner, events, currency="RUB", amount=9000)
    other = await payouts.request_payout(neighbour, owner, events, currency="RUB")
    clock.set(utc(2025, 3, 11, 9, 0))
    await payouts.approve(paid.id, admin, events, reference="PP-1")
    await payouts.approve(other.id, admin, events)  # the neighbour's: not in this report
    clock.set(utc(2025, 3, 12, 9, 0))
    returned = await payouts.request_payout(shop, owner, events, currency="RUB", amount=5000)
    clock.set(utc(2025, 3, 13, 9, 0))
    await payouts.reject(returned.id, admin, "Wrong account", events)
    clock.set(utc(2025, 3, 15, 9, 0))
    await credit_sale(shop, 100, 10, order_id=777, currency="XTR", channel="stars")
    clock.set(utc(2025, 3, 31, 20, 59))  # 23:59 in Moscow
    await credit_sale(shop, 5000, 500, order_id=502)
    clock.set(utc(2025, 3, 31, 21, 0))  # April in Moscow
    await credit_sale(shop, 3000, 300, order_id=503)

    rows, totals = parse(await settlement_csv(shop.id, *MARCH, MOSCOW))

    order = str(sale.order.id)
    assert [brief(row) for row in rows] == [
        ("2025-03-01 00:30:00", "payment", order, "RUB", "100,00", "10,00"),
        ("2025-03-05 12:00:00", "refund", order, "RUB", "-100,00", "-10,00"),
        ("2025-03-10 12:00:00", "payout_request", "", "RUB", "", ""),
        ("2025-03-11 12:00:00", "payout_paid", "", "RUB", "", ""),
        ("2025-03-12 12:00:00", "payout_request", "", "RUB", "", ""),
        ("2025-03-13 12:00:00", "payout_returned", "", "RUB", "", ""),
        ("2025-03-15 12:00:00", "payment", "777", "XTR", "100", "10"),
        ("2025-03-31 23:59:00", "payment", "502", "RUB", "50,00", "5,00"),
    ]
    assert [money(row) for row in rows] == [
        ("90,00", "270,00", "0,00", "270,00"),
        ("-90,00", "180,00", "0,00", "180,00"),
        ("0,00", "90,00", "90,00", "180,00"),
        ("-90,00", "90,00", "0,00", "90,00"),
        ("0,00", "40,00", "50,00", "90,00"),
        ("0,00", "90,00", "0,00", "90,00"),
        ("90", "90", "0", "90"),
        ("45,00", "135,00", "0,00", "135,00"),
    ]
    assert [row["reference"] for row in rows[:6]] == [
        payment_reference(payment.external_id),
        "refund:1",
        f"payout:{paid.id}:hold",
        f"payout:{paid.id}:paid",
        f"payout:{returned.id}:hold",
        f"payout:{returned.id}:returned",
    ]
    assert totals == {
        "RUB": {
            "currency": "RUB",
            "opening_balance": "180,00",
            "sales_gross": "150,00",
            "commission": "5,00",
            "refunds": "100,00",
            "payouts": "90,00",
            "other": "0,00",
            "closing_balance": "135,00",
        },
        "XTR": {
            "currency": "XTR",
            "opening_balance": "0",
            "sales_gross": "100",
            "commission": "10",
            "refunds": "0",
            "payouts": "0",
            "other": "0",
            "closing_balance": "90",
        },
    }
    # The ledger holds the closing balance plus April's sale.
    assert await payouts.balances(shop.id) == [
        payouts.Balance("RUB", available=13500 + 2700, on_hold=0),
        payouts.Balance("XTR", available=90, on_hold=0),
    ]

    # The same moments in UTC: the 00:30 payment is February's, the midnight sale March's.
    utc_rows, utc_totals = parse(await settlement_csv(shop.id, *MARCH, UTC))
    assert [row["order"] for row in utc_rows if row["kind"] == "payment"] == ["777", "502", "503"]
    assert utc_totals["RUB"]["opening_balance"] == "270,00"
    assert utc_totals["RUB"]["closing_balance"] == "162,00"

    february, february_totals = parse(
        await settlement_csv(shop.id, *parse_period(["2025-02"]), MOSCOW)
    )
    assert [brief(row) for row in february] == [
        ("2025-02-20 15:00:00", "payment", "501", "RUB", "200,00", "20,00")
    ]
    assert february_totals["RUB"]["opening_balance"] == "0,00"
    assert february_totals["RUB"]["closing_balance"] == "180,00"
    assert (await ledger.verify()).ok


async def test_a_quiet_period_carries_the_balance_over(clock: LedgerClock) -> None:
    shop = await make_provider()
    clock.set(utc(2025, 1, 10, 12, 0))
    await credit_sale(shop, 12345, 1234, order_id=9)

    rows, totals = parse(await settlement_csv(shop.id, *MARCH, MOSCOW))

    assert rows == []
    assert totals["RUB"]["opening_balance"] == totals["RUB"]["closing_balance"] == "111,11"
    assert totals["RUB"]["sales_gross"] == "0,00"


async def test_a_shop_without_money_gets_an_empty_report() -> None:
    shop = await make_provider()
    rows, totals = parse(await settlement_csv(shop.id, *MARCH, MOSCOW))
    assert rows == [] and totals == {}


async def test_unknown_shops_and_backward_periods_are_refused() -> None:
    shop = await make_provider()
    with pytest.raises(NotFound):
        await settlement_csv(424242, *MARCH, MOSCOW)
    with pytest.raises(InvalidInput):
        await settlement_csv(shop.id, date(2025, 3, 31), date(2025, 3, 1), MOSCOW)


@pytest.mark.parametrize(
    ("args", "period"),
    [
        (["2025-03"], (date(2025, 3, 1), date(2025, 3, 31))),
        (["2024-02"], (date(2024, 2, 1), date(2024, 2, 29))),
        (["2024-12"], (date(2024, 12, 1), date(2024, 12, 31))),
        (["2025-03-01", "2025-03-01"], (date(2025, 3, 1), date(2025, 3, 1))),
        (["2024-12-15", "2025-01-14"], (date(2024, 12, 15), date(2025, 1, 14))),
    ],
)
def test_periods_parse(args: list[str], period: tuple[date, date]) -> None:
    assert parse_period(args) == period


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["2025-13"],
        ["2025-3"],
        ["march"],
        ["2025-03-31", "2025-03-01"],
        ["2025-02-30", "2025-03-01"],
        ["2025-03-01"],
        ["2025-03-01", "2025-03-31", "x"],
        ["2020-01-01", "2025-01-01"],
    ],
)
def test_bad_periods_are_refused(args: list[str]) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_period(args)
    assert refused.value.details["field"] == "period"
