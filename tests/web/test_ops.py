"""Operations endpoints and the Telegram webhook: health, metrics, the secret, bad bodies."""

from __future__ import annotations

import re
import time
from typing import Any

from fakeredis import FakeAsyncRedis
from redis.asyncio import Redis

from db.models import User
from tests.web.conftest import WEBHOOK_SECRET, MakeWeb, Web, sign_init_data, tma
from webapp.routes.ops import CHECK_TIMEOUT_SECONDS
from webapp.routes.telegram import SECRET_HEADER, WEBHOOK_PATH

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"
CLOSED_PORT_POSTGRES = "postgres://postgres@127.0.0.1:1/prilavok"


def update(update_id: int, kind: str = "edited_message", user_id: int = 4242) -> dict[str, Any]:
    """An update from a private chat; no handler takes an edited message, so no Bot API call."""
    sender = {"id": user_id, "is_bot": False, "first_name": "Иван", "language_code": "ru"}
    return {
        "update_id": update_id,
        kind: {
            "message_id": 10,
            "date": int(time.time()),
            "edit_date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Иван"},
            "from": sender,
            "text": "edited text",
        },
    }


async def post_update(web: Web, body: Any, secret: str | None = WEBHOOK_SECRET) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    response = await web.client.post(WEBHOOK_PATH, json=body, headers=headers)
    return response.status


async def metrics_text(web: Web) -> str:
    response = await web.client.get("/metrics")
    assert response.status == 200
    assert response.content_type == "text/plain"
    return await response.text()


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one Prometheus sample, or None when it is absent."""
    for line in text.splitlines():
        match = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if not match or match[1] != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match[2] or ""))
        if found == labels:
            return float(match[3])
    return None


# --- /health ---------------------------------------------------------------------------------


async def health_in_time(web: Web) -> tuple[int, Any]:
    """GET /health: its status and body; it answers within the checks' timeout, failing or not."""
    started = time.monotonic()
    response = await web.client.get("/health")
    assert time.monotonic() - started < CHECK_TIMEOUT_SECONDS + 0.5
    return response.status, await response.json()


async def test_health_without_redis(web: Web) -> None:
    response = await web.client.get("/health")

    assert response.status == 200
    assert await response.json() == {"status": "ok", "database": "ok", "redis": "disabled"}


async def test_health_with_redis(make_web: MakeWeb) -> None:
    web = await make_web(redis=FakeAsyncRedis())

    response = await web.client.get("/health")

    assert response.status == 200
    assert await response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


async def test_health_fails_fast_when_redis_is_down(make_web: MakeWeb) -> None:
    web = await make_web(redis=Redis.from_url(CLOSED_PORT_REDIS))

    answer = await health_in_time(web)

    assert answer == (503, {"status": "error", "database": "ok", "redis": "error"})


async def test_health_fails_when_the_database_is_down(make_web: MakeWeb) -> None:
    web = await make_web(database_url=CLOSED_PORT_POSTGRES, migrate=False)

    answer = await health_in_time(web)

    assert answer == (503, {"status": "error", "database": "error", "redis": "disabled"})


# --- /metrics --------------------------------------------------------------------------------


async def test_metrics_count_requests_by_route_template(web: Web) -> None:
    for _ in range(2):
        await web.client.get("/health")
    await web.client.get("/api/v1/me")
    await web.client.get("/api/v1/me", headers=tma(sign_init_data(web.settings.token)))
    await web.client.get("/no/such/page/12345")

    text = await metrics_text(web)

    count = "prilavok_http_requests_total"
    assert sample(text, count, method="GET", route="/health", status="200") == 2
    assert sample(text, count, method="GET", route="/api/v1/me", status="401") == 1
    assert sample(text, count, method="GET", route="/api/v1/me", status="200") == 1
    assert sample(text, count, method="GET", route="unmatched", status="404") == 1
    assert "12345" not in text, "raw paths would make a label per URL"
    latency = "prilavok_http_request_seconds_count"
    assert sample(text, latency, method="GET", route="/health", status="200") == 2
    assert sample(text, latency, method="GET", route="/api/v1/me", status="401") == 1


async def test_metrics_time_update_handling(webhook_web: Web) -> None:
    assert await post_update(webhook_web, update(1)) == 200

    text = await metrics_text(webhook_web)

    assert sample(text, "prilavok_updates_total", type="edited_message") == 1
    assert sample(text, "prilavok_update_handling_seconds_count", type="edited_message") == 1


# --- POST /webhook/telegram ------------------------------------------------------------------


async def test_webhook_handles_an_update_with_the_secret(webhook_web: Web) -> None:
    assert await post_update(webhook_web, update(1, user_id=777)) == 200

    user = await User.get(tg_id=777)
    assert user.first_name == "Иван"


async def test_webhook_without_the_secret_is_refused_before_reading(webhook_web: Web) -> None:
    assert await post_update(webhook_web, update(1), secret=None) == 401
    assert await post_update(webhook_web, update(2), secret="wrong") == 401
    assert await post_update(webhook_web, update(3), secret=WEBHOOK_SECRET + "x") == 401
    assert await post_update(webhook_web, update(4), secret="") == 401

    assert await User.all().count() == 0
    text = await metrics_text(webhook_web)
    assert sample(text, "prilavok_updates_total", type="edited_message") is None


async def test_webhook_rejects_malformed_json_and_keeps_serving(webhook_web: Web) -> None:
    headers = {SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"}
    for body in (b'{"update_id": 1, ', b"\xff\xfe not utf-8", b""):
        response = await webhook_web.client.post(WEBHOOK_PATH, data=body, headers=headers)
        assert response.status == 400

    assert (await webhook_web.client.get("/health")).status == 200
    assert await post_update(webhook_web, update(5)) == 200


async def test_webhook_rejects_json_that_is_not_an_update(webhook_web: Web) -> None:
    for body in ({"hello": "world"}, [], "update", {"update_id": "first"}, None):
        assert await post_update(webhook_web, body) == 400

    assert await User.all().count() == 0


async def test_a_redelivered_update_is_handled_once(webhook_web: Web) -> None:
    assert await post_update(webhook_web, update(9)) == 200
    assert await post_update(webhook_web, update(9)) == 200

    text = await metrics_text(webhook_web)
    assert sample(text, "prilavok_duplicate_updates_total") == 1


async def test_no_webhook_route_without_a_secret(web: Web) -> None:
    assert await post_update(web, update(1)) == 404
