"""POST /webhook/yookassa: YooKassa's notifications, believed only after the API confirms them.

The sender's address must be in YOOKASSA_ALLOWED_IPS (X-Forwarded-For counts only when the
connection comes from one of TRUSTED_PROXIES). The payment is then re-fetched from the API
(services.yookassa). The answer is 200 only once the result is stored: 503 when YooKassa
cannot be asked now, so that it sends the notification again later.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Sequence

from aiohttp import web
from loguru import logger

from services.payments import InvalidNotification, process_yookassa_notification
from services.yookassa_gateway import GatewayError
from webapp.keys import SERVICES

WEBHOOK_PATH = "/webhook/yookassa"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(value: str | None) -> IPAddress | None:
    try:
        address = ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:185.71.76.1 from a dual-stack socket
    return address


def _within(address: IPAddress, networks: Sequence[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_address(
    remote: str | None, forwarded_for: Sequence[str], trusted_proxies: Sequence[IPNetwork]
) -> IPAddress | None:
    """Who sent the request: the peer, or, behind our trusted proxies, the right-most
    X-Forwarded-For hop that is not one of them. None when that hop is not an address."""
    peer = _address(remote)
    if peer is None or not _within(peer, trusted_proxies):
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None or not _within(address, trusted_proxies):
            return address
    return peer if not hops else _address(hops[0])


def _answer(status: int, **body: object) -> web.Response:
    return web.json_response({"ok": status == 200, **body}, status=status)


async def yookassa_webhook(request: web.Request) -> web.Response:
    """Check the sender, re-fetch the payment, settle; 200 once stored."""
    services = request.app[SERVICES]
    settings = services.settings
    sender = client_address(
        request.remote, request.headers.getall("X-Forwarded-For", []), settings.trusted_proxies
    )
    if sender is None or not _within(sender, settings.yookassa_allowed_ips):
        logger.warning(
            "YooKassa notification refused: {} (peer {}) is not an allowed address",
            sender,
            request.remote,
        )
        return _answer(403, error="forbidden")
    if services.yookassa is None:
        logger.warning("YooKassa notification from {} but YooKassa is not configured", sender)
        return _answer(404, error="not_configured")
    try:
        payload = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        logger.warning("YooKassa notification from {} is not JSON", sender)
        return _answer(400, error="bad_request")
    try:
        outcome = await process_yookassa_notification(
            payload,
            services.yookassa,
            services.shop_events,
            commission_percent=settings.platform_commission_percent,
        )
    except InvalidNotification as exc:
        logger.warning("YooKassa notification from {} malformed: {}", sender, exc.details)
        return _answer(400, error="bad_request")
    except GatewayError as exc:
        logger.warning("YooKassa notification not verified now ({}): asking to retry", exc.code)
        return _answer(503, error="retry_later")
    return _answer(200, outcome=outcome.value)


def setup(app: web.Application) -> None:
    """Register the notification route."""
    app.router.add_post(WEBHOOK_PATH, yookassa_webhook)
