"""POST /webhook/yookassa on the real app: who may notify, and 200 only once the result is stored.

The app runs as the process does (`make_web`), configured for the fake YooKassa; the test
client connects from 127.0.0.1, which is allowed (or, by default, not) by settings.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from typing import Any

import pytest

from core.config import SettingsError
from db.models import LedgerTransaction, OrderStatus, Payment
from services import ledger
from services.payments import start_yookassa_payment
from tests.fakes.yookassa import SECRET_KEY, SHOP_ID, FakeYooKassa, serve_fake_yookassa
from tests.services.payments_data import Sale, a_sale, assert_still_unpaid, paid_transitions
from tests.web.conftest import MakeWeb, Web
from webapp.routes.yookassa import WEBHOOK_PATH, client_address

YOOKASSA_IP = "185.71.76.10"
# Long enough for a loaded CI machine; only the hanging-API tests wait for it.
TIMEOUT = 3.0


@pytest.fixture
async def fake(aiohttp_server) -> FakeYooKassa:
    return await serve_fake_yookassa(aiohttp_server)


async def yookassa_web(make_web: MakeWeb, fake: FakeYooKassa, **overrides: Any) -> Web:
    """The app talking to the fake YooKassa, with short timeouts."""
    values: dict[str, Any] = {
        "yookassa_shop_id": SHOP_ID,
        "yookassa_secret_key": SECRET_KEY,
        "yookassa_api_url": fake.api_url,
        "yookassa_timeout": TIMEOUT,
    }
    values.update(overrides)
    return await make_web(**values)


@pytest.fixture
async def web(make_web: MakeWeb, fake: FakeYooKassa) -> Web:
    """Here `web` is the app of the fake YooKassa, taking notifications from this machine
    (where the test client is)."""
    return await yookassa_web(make_web, fake, yookassa_allowed_ips="127.0.0.1")


async def paid_sale(web: Web, fake: FakeYooKassa) -> tuple[Sale, Payment]:
    """An order with a started payment that the customer has just paid at YooKassa."""
    sale = await a_sale(price=10000)
    assert web.services.yookassa is not None
    payment = await start_yookassa_payment(sale.order, sale.customer, web.services.yookassa)
    fake.succeed(payment.external_id or "")
    return sale, payment


async def post(web: Web, body: Any, **headers: str) -> tuple[int, dict[str, Any]]:
    response = await web.client.post(WEBHOOK_PATH, json=body, headers=headers)
    return response.status, await response.json()


# Who sends it -------------------------------------------------------------------------------


def test_the_client_is_the_right_most_hop_our_proxies_did_not_add() -> None:
    proxies = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("127.0.0.1/32")]
    ip = ipaddress.ip_address

    assert client_address("203.0.113.7", ["185.71.76.10"], proxies) == ip("203.0.113.7")
    assert client_address("127.0.0.1", ["185.71.76.10"], proxies) == ip("185.71.76.10")
    # A client that sends its own X-Forwarded-For cannot hide behind it.
    assert client_address("127.0.0.1", ["185.71.76.10, 198.51.100.9"], proxies) == ip(
        "198.51.100.9"
    )
    assert client_address("10.0.0.2", ["185.71.76.10", "10.0.0.1"], proxies) == ip("185.71.76.10")
    assert client_address("127.0.0.1", ["not-an-ip"], proxies) is None
    assert client_address("::ffff:185.71.76.10", [], []) == ip("185.71.76.10")


async def test_a_notification_from_a_non_allowed_address_is_refused_untouched(
    make_web: MakeWeb, fake: FakeYooKassa
) -> None:
    web = await yookassa_web(make_web, fake)  # YooKassa's published ranges only
    sale, payment = await paid_sale(web, fake)
    fetched_before = len(fake.requests)

    status, body = await post(web, fake.notification(payment.external_id or ""))

    assert (status, body["error"]) == (403, "forbidden")
    assert len(fake.requests) == fetched_before  # not even a question to the API
    await assert_still_unpaid(sale, payment)


async def test_x_forwarded_for_counts_only_from_a_trusted_proxy(
    make_web: MakeWeb, fake: FakeYooKassa
) -> None:
    untrusting = await yookassa_web(make_web, fake)
    sale, payment = await paid_sale(untrusting, fake)
    notice = fake.notification(payment.external_id or "")

    status, _ = await post(untrusting, notice, **{"X-Forwarded-For": YOOKASSA_IP})
    assert status == 403
    await assert_still_unpaid(sale, payment)

    behind_proxy = await yookassa_web(make_web, fake, trusted_proxies="127.0.0.1/32")
    status, _ = await post(behind_proxy, notice, **{"X-Forwarded-For": f"{YOOKASSA_IP}, 10.9.9.9"})
    assert status == 403  # the right-most untrusted hop is 10.9.9.9
    await assert_still_unpaid(sale, payment)

    status, body = await post(behind_proxy, notice, **{"X-Forwarded-For": YOOKASSA_IP})
    assert (status, body["outcome"]) == (200, "settled")
    await sale.order.refresh_from_db()
    assert sale.order.status is OrderStatus.paid


# What it does ------------------------------------------------------------------------------


async def test_pay_then_notify_marks_the_order_paid_once(web: Web, fake: FakeYooKassa) -> None:
    sale, payment = await paid_sale(web, fake)
    notice = fake.notification(payment.external_id or "")

    in_a_row = [await post(web, notice) for _ in range(5)]
    at_once = await asyncio.gather(*(post(web, notice) for _ in range(5)))

    assert [status for status, _ in [*in_a_row, *at_once]] == [200] * 10
    outcomes = [body["outcome"] for _, body in [*in_a_row, *at_once]]
    assert outcomes == ["settled"] + ["unchanged"] * 9
    await sale.order.refresh_from_db()
    assert sale.order.status is OrderStatus.paid
    assert await paid_transitions(sale.order) == 1
    assert await LedgerTransaction.all().count() == 1
    assert (await ledger.verify()).ok


async def test_five_concurrent_first_notifications_credit_once(
    web: Web, fake: FakeYooKassa
) -> None:
    sale, payment = await paid_sale(web, fake)
    notice = fake.notification(payment.external_id or "")

    answers = await asyncio.gather(*(post(web, notice) for _ in range(5)))

    assert sorted(body["outcome"] for _, body in answers) == ["settled"] + ["unchanged"] * 4
    assert await paid_transitions(sale.order) == 1
    assert await LedgerTransaction.all().count() == 1


async def test_malformed_bodies_are_bad_requests(web: Web, fake: FakeYooKassa) -> None:

    response = await web.client.post(WEBHOOK_PATH, data=b"{not json", headers={})
    assert response.status == 400
    assert (await post(web, {"event": "payment.succeeded"}))[0] == 400
    assert (await post(web, ["payment.succeeded"]))[0] == 400
    assert not await Payment.exists()


async def test_a_hanging_api_gets_503_while_the_app_keeps_answering(
    web: Web, fake: FakeYooKassa
) -> None:
    sale, payment = await paid_sale(web, fake)
    fake.hang()

    notified = asyncio.create_task(post(web, fake.notification(payment.external_id or "")))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    health = await web.client.get("/health")
    health_took = time.monotonic() - started
    assert not notified.done()
    status, body = await notified
    notify_took = time.monotonic() - started

    # Ordering, not stopwatch figures: /health answered while the notification still waited
    # for the hanging API, and the notification gave up after the timeout, not never.
    assert health.status == 200 and health_took < TIMEOUT
    assert notify_took < TIMEOUT * 3
    assert (status, body["error"]) == (503, "retry_later")
    await assert_still_unpaid(sale, payment)

    fake.release()
    status, body = await post(web, fake.notification(payment.external_id or ""))
    assert (status, body["outcome"]) == (200, "settled")  # YooKassa's retry succeeds


async def test_without_yookassa_configured_nothing_is_processed(make_web: MakeWeb) -> None:
    web = await make_web(yookassa_allowed_ips="127.0.0.1")
    notice = {"type": "notification", "event": "payment.succeeded", "object": {"id": "x"}}
    assert web.services.yookassa is None
    assert (await post(web, notice))[0] == 404


# Settings ----------------------------------------------------------------------------------


def test_payment_settings_default_to_yookassa_ranges_and_name_bad_values(make_settings) -> None:
    settings = make_settings()
    assert ipaddress.ip_address(YOOKASSA_IP) in settings.yookassa_allowed_ips[0]
    assert settings.trusted_proxies == [] and settings.yookassa_timeout == 10
    assert settings.platform_commission_percent == 10 and settings.yookassa_enabled is False
    custom = make_settings(yookassa_allowed_ips="127.0.0.1, ::1", trusted_proxies="10.0.0.0/8")
    assert [str(net) for net in custom.yookassa_allowed_ips] == ["127.0.0.1/32", "::1/128"]
    for bad, name in (
        ({"yookassa_allowed_ips": "10.0.0.1/8"}, "YOOKASSA_ALLOWED_IPS"),
        ({"trusted_proxies": "proxy.local"}, "TRUSTED_PROXIES"),
        ({"platform_commission_percent": "120"}, "PLATFORM_COMMISSION_PERCENT"),
        ({"yookassa_timeout": "0"}, "YOOKASSA_TIMEOUT"),
        ({"yookassa_shop_id": "506751"}, "YOOKASSA_SECRET_KEY"),
        ({"yookassa_return_url": "http://shop.example.ru"}, "YOOKASSA_RETURN_URL"),
    ):
        with pytest.raises(SettingsError, match=name):
            make_settings(**bad)
