"""Fixtures of the service tests: the fake YooKassa over HTTP and a gateway talking to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from services.yookassa_gateway import YooKassaGateway
from tests.fakes.yookassa import SECRET_KEY, SHOP_ID, FakeYooKassa, serve_fake_yookassa

GATEWAY_TIMEOUT = 3.0
"""Long enough for a loaded CI machine; only the hanging-API tests wait for it."""


@pytest.fixture
async def fake(aiohttp_server: Callable[[web.Application], Awaitable[TestServer]]) -> FakeYooKassa:
    """A fake YooKassa API on a free local port."""
    return await serve_fake_yookassa(aiohttp_server)


@pytest.fixture
async def gateway(fake: FakeYooKassa) -> AsyncIterator[YooKassaGateway]:
    """The real SDK, through our gateway, pointed at the fake."""
    gateway = YooKassaGateway(
        SHOP_ID,
        SECRET_KEY,
        api_url=fake.api_url,
        timeout=GATEWAY_TIMEOUT,
        return_url="https://x.ru/b",
    )
    yield gateway
    await gateway.close()
