"""The YooKassa gateway: the real SDK over HTTP against the fake, in its own threads, bounded.

No database here: only what the gateway sends, what it makes of the answers, and that a
silent API costs a timeout, never the event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from services.yookassa_gateway import (
    GatewayError,
    GatewayNotFound,
    GatewayTimeout,
    YooKassaGateway,
    to_major,
    to_minor,
)
from tests.fakes.yookassa import SECRET_KEY, SHOP_ID, FakeYooKassa, serve_fake_yookassa

# Long enough for a loaded CI machine; only the hanging-API tests wait for it.
TIMEOUT = 2.0


@pytest.fixture
async def fake(aiohttp_server) -> FakeYooKassa:
    return await serve_fake_yookassa(aiohttp_server)


@pytest.fixture
async def gateway(fake: FakeYooKassa) -> AsyncIterator[YooKassaGateway]:
    gateway = YooKassaGateway(
        SHOP_ID, SECRET_KEY, api_url=fake.api_url, timeout=TIMEOUT, return_url="https://x.ru/back"
    )
    yield gateway
    await gateway.close()


async def create(gateway: YooKassaGateway, key: str = "order-1-1", amount: int = 123450):
    return await gateway.create_payment(
        amount=amount,
        currency="RUB",
        description="Заказ №1",
        idempotence_key=key,
        metadata={"prilavok_payment": "1"},
    )


def test_amounts_convert_between_minor_units_and_yookassa_strings() -> None:
    assert to_major(123450) == "1234.50"
    assert to_major(1) == "0.01"
    assert to_minor("1234.50") == 123450
    with pytest.raises(GatewayError):
        to_minor("0.001")


async def test_a_payment_is_created_with_our_key_and_a_redirect(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    payment = await create(gateway)

    assert payment.status == "pending"
    assert payment.amount == 123450 and payment.currency == "RUB"
    assert payment.confirmation_url and payment.id in payment.confirmation_url
    assert payment.metadata["prilavok_payment"] == "1"
    key, body = fake.created[0]
    assert key == "order-1-1"  # ours, never the SDK's random one
    assert body["amount"] == {"value": "1234.50", "currency": "RUB"}
    assert body["capture"] is True
    assert body["confirmation"] == {"type": "redirect", "return_url": "https://x.ru/back"}


async def test_the_same_key_returns_the_same_payment(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    first, second = await asyncio.gather(create(gateway), create(gateway))
    third = await create(gateway)

    assert first.id == second.id == third.id
    assert len(fake.payments) == 1
    assert (await create(gateway, key="order-1-2")).id != first.id


async def test_the_fetched_payment_follows_the_api(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    payment = await create(gateway)
    fake.succeed(payment.id)
    assert (await gateway.get_payment(payment.id)).status == "succeeded"
    fake.cancel(payment.id)
    cancelled = await gateway.get_payment(payment.id)
    assert cancelled.status == "canceled"
    assert cancelled.cancellation_reason == "expired_on_confirmation"


async def test_unknown_payment_and_wrong_credentials_are_errors(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    with pytest.raises(GatewayNotFound):
        await gateway.get_payment("no-such-payment")
    # The SDK's configuration is process-wide: from here on every gateway uses this secret.
    wrong = YooKassaGateway(
        SHOP_ID, "wrong-secret", api_url=fake.api_url, timeout=TIMEOUT, return_url="https://x.ru"
    )
    try:
        with pytest.raises(GatewayError) as refused:
            await create(wrong, key="order-9-1")
        assert refused.value.details["reason"] == "invalid_credentials"
    finally:
        await wrong.close()


async def test_refunds_full_partial_and_beyond(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    payment = await create(gateway, amount=10000)
    fake.succeed(payment.id)

    async def refund(amount: int, key: str):
        return await gateway.create_refund(
            payment_id=payment.id, amount=amount, currency="RUB", idempotence_key=key
        )

    part = await refund(4000, "refund-1")
    assert (part.status, part.amount, part.payment_id) == ("succeeded", 4000, payment.id)
    assert (await refund(4000, "refund-1")).id == part.id  # same key, same refund
    assert (await gateway.get_refund(part.id)).amount == 4000
    with pytest.raises(GatewayError):
        await refund(6001, "refund-2")
    assert (await refund(6000, "refund-3")).amount == 6000


async def test_a_hanging_api_times_out_and_the_loop_keeps_serving(
    fake: FakeYooKassa, gateway: YooKassaGateway
) -> None:
    fake.hang()
    started = time.monotonic()
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    beating = asyncio.create_task(heartbeat())
    try:
        # Other threads stay available to everybody else meanwhile.
        hung = asyncio.gather(
            *(create(gateway, key=f"order-{i}-1") for i in range(6)), return_exceptions=True
        )
        assert await asyncio.to_thread(lambda: 42) == 42
        results = await hung
    finally:
        beating.cancel()
    elapsed = time.monotonic() - started
    assert all(isinstance(result, GatewayTimeout) for result in results), results
    # Six calls on four threads are all abandoned at TIMEOUT, not after a second round.
    assert elapsed < TIMEOUT * 1.75
    assert ticks >= int(elapsed / 0.02) // 4  # the event loop kept running throughout

    fake.release()  # the abandoned threads get their (error) answers and are free again
    assert (await create(gateway, key="order-after-1")).status == "pending"
