"""YooKassa through its synchronous SDK: in our own threads, with a timeout, with our own keys.

Facts about the SDK (yookassa 3.x, see yookassa/client.py and configuration.py) this module
is built around:

- Its configuration is process-global state (class attributes of `Configuration`), and every
  `Configuration.configure()` call resets the API URL unless it is passed again. The gateway
  configures it once, in its constructor: one process talks to one YooKassa shop.
- `Configuration.timeout` is not a socket timeout: it is the back-off factor (ms) of retries
  on HTTP 202, and `requests` gets no timeout at all, so a silent server hangs a call
  forever. Calls therefore run in a small executor of our own (a hanging API cannot starve
  `asyncio.to_thread` users), are abandoned after `timeout` seconds (`GatewayTimeout`), and
  their HTTP session carries a socket timeout too, so the abandoned thread is freed soon.
- Without an Idempotence-Key the SDK invents a random one, which makes retries create new
  payments: every call that creates something takes the caller's stable key.
- The SDK logs nothing unless given a logger: it would log the Authorization header.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

import requests
from loguru import logger
from requests.adapters import HTTPAdapter
from urllib3 import Retry
from yookassa import Configuration, Payment, Receipt, Refund
from yookassa.client import ApiClient
from yookassa.domain.exceptions import ApiError, BadRequestError, NotFoundError
from yookassa.domain.request.receipt_request import ReceiptRequest

from core import money
from core.errors import DomainError

T = TypeVar("T")

MINOR_UNITS = Decimal(100)
"""YooKassa's currencies (RUB, USD, EUR, ...) all have two decimal places."""

EXECUTOR_THREADS = 4


class GatewayError(DomainError):
    """YooKassa refused or failed (`operation`, `reason`): try again later."""

    code = "payment_gateway_error"
    status = 502


class GatewayTimeout(GatewayError):
    """YooKassa did not answer in time (`operation`, `seconds`)."""

    code = "payment_gateway_timeout"
    status = 504


class GatewayRejected(GatewayError):
    """YooKassa refused the request as invalid (`operation`, `reason`): retrying it is futile."""

    code = "payment_gateway_rejected"
    status = 502


class GatewayNotFound(GatewayError):
    """YooKassa knows no such object (`operation`, `object_id`)."""

    code = "payment_gateway_not_found"
    status = 404


@dataclass(frozen=True, slots=True)
class RemotePayment:
    """A payment as YooKassa reports it, amounts in minor units."""

    id: str
    status: str
    amount: int
    currency: str
    paid: bool = False
    confirmation_url: str | None = None
    cancellation_reason: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RemoteReceipt:
    """A fiscal receipt as YooKassa reports it (`type` is "payment" or "refund")."""

    id: str
    type: str
    status: str
    payment_id: str | None = None
    refund_id: str | None = None


@dataclass(frozen=True, slots=True)
class RemoteRefund:
    """A refund as YooKassa reports it, amounts in minor units."""

    id: str
    payment_id: str
    status: str
    amount: int
    currency: str


def to_minor(value: Any) -> int:
    """A YooKassa amount ("1234.50") in minor units (123450)."""
    minor = Decimal(str(value)) * MINOR_UNITS
    if minor != minor.to_integral_value():
        raise GatewayError(operation="parse", reason="fractional minor units")
    return int(minor)


def to_major(amount: int, currency: str = "RUB") -> str:
    """Minor units (123450) as YooKassa's amount string ("1234.50")."""
    return f"{money.to_major(amount, currency):.2f}"


class _BoundedSession(requests.Session):
    """A requests session whose every request has a socket timeout."""

    def __init__(self, timeout: tuple[float, float]) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        """Send with the default timeout unless one is given."""
        kwargs["timeout"] = kwargs.get("timeout") or self.default_timeout
        return super().request(*args, **kwargs)


def _bounded_client(socket_timeout: tuple[float, float]) -> type[ApiClient]:
    """The SDK's ApiClient whose HTTP session has a socket timeout."""

    class BoundedApiClient(ApiClient):
        def get_session(self) -> requests.Session:
            # ApiClient.get_session, plus the timeout: retries on 202 as the SDK does.
            session = _BoundedSession(socket_timeout)
            retries = Retry(
                total=self.max_attempts,
                backoff_factor=self.timeout / 1000,
                allowed_methods=["POST"],
                status_forcelist=[202],
            )
            session.mount("https://", HTTPAdapter(max_retries=retries))
            return session

    return BoundedApiClient


def _sdk_classes(socket_timeout: tuple[float, float]) -> tuple[Any, Any]:
    """The SDK's Payment and Refund, talking through a client with a socket timeout."""
    BoundedApiClient = _bounded_client(socket_timeout)

    class BoundedPayment(Payment):
        def __init__(self) -> None:
            self.client = BoundedApiClient()

    class BoundedRefund(Refund):
        def __init__(self) -> None:
            self.client = BoundedApiClient()

    return BoundedPayment, BoundedRefund


def _sdk_receipt_class(socket_timeout: tuple[float, float]) -> Any:
    """The SDK's Receipt, talking through a client with a socket timeout."""
    BoundedApiClient = _bounded_client(socket_timeout)

    class BoundedReceipt(Receipt):
        def __init__(self) -> None:
            self.client = BoundedApiClient()

    return BoundedReceipt


def _timed_out(exc: BaseException) -> bool:
    """The SDK turns a requests timeout into an AttributeError: look down the chain."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, requests.Timeout):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class YooKassaGateway:
    """YooKassa's payments, refunds and receipts API, async, bounded in time."""

    def __init__(
        self,
        shop_id: str,
        secret_key: str,
        *,
        api_url: str | None = None,
        timeout: float = 10.0,
        return_url: str = "",
        threads: int = EXECUTOR_THREADS,
    ) -> None:
        options = {"api_url": api_url} if api_url else {}
        Configuration.configure(shop_id, secret_key, **options)  # process-global, see above
        self.timeout = timeout
        self.return_url = return_url
        # The socket gives up later than the caller does: the caller's bound is `timeout`,
        # the socket's only frees the abandoned thread.
        self._payment, self._refund = _sdk_classes((min(timeout, 5.0), 2 * timeout))
        self._receipt = _sdk_receipt_class((min(timeout, 5.0), 2 * timeout))
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="yookassa")

    async def close(self) -> None:
        """Stop the threads (a hanging one is left to its socket timeout)."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _call(self, operation: str, call: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor, call)
        try:
            return await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            logger.warning("YooKassa {}: no answer in {} s", operation, self.timeout)
            raise GatewayTimeout(operation=operation, seconds=self.timeout) from None
        except NotFoundError:
            raise GatewayNotFound(operation=operation) from None
        except ApiError as exc:
            content = exc.content or {}
            reason = str(content.get("code") or type(exc).__name__)
            logger.warning(
                "YooKassa {} refused: {} {}", operation, reason, content.get("description", "")
            )
            error = GatewayRejected if isinstance(exc, BadRequestError) else GatewayError
            raise error(operation=operation, reason=reason) from None
        except Exception as exc:  # the SDK surfaces network errors as AttributeError & co
            if _timed_out(exc):
                logger.warning("YooKassa {}: socket timeout", operation)
                raise GatewayTimeout(operation=operation, seconds=self.timeout) from None
            logger.warning("YooKassa {} failed: {}", operation, type(exc).__name__)
            raise GatewayError(operation=operation, reason=type(exc).__name__) from None

    async def create_payment(
        self,
        *,
        amount: int,
        currency: str,
        description: str,
        idempotence_key: str,
        return_url: str | None = None,
        metadata: dict[str, str] | None = None,
        receipt: dict[str, Any] | None = None,
    ) -> RemotePayment:
        """Create (or, for a key already used, get back) a redirect payment captured at once."""
        params: dict[str, Any] = {
            "amount": {"value": to_major(amount, currency), "currency": currency},
            "capture": True,
            "confirmation": {"type": "redirect", "return_url": return_url or self.return_url},
            "description": description[:128],
            "metadata": metadata or {},
        }
        if receipt is not None:
            params["receipt"] = receipt
        call = functools.partial(self._payment.create, params, idempotence_key)
        return _payment(await self._call("create payment", call))

    async def get_payment(self, payment_id: str) -> RemotePayment:
        """The payment as YooKassa knows it now."""
        call = functools.partial(self._payment.find_one, payment_id)
        return _payment(await self._call("get payment", call))

    async def create_refund(
        self,
        *,
        payment_id: str,
        amount: int,
        currency: str,
        idempotence_key: str,
        description: str = "",
        receipt: dict[str, Any] | None = None,
    ) -> RemoteRefund:
        """Refund (part of) a succeeded payment; the same key returns the same refund."""
        params: dict[str, Any] = {
            "payment_id": payment_id,
            "amount": {"value": to_major(amount, currency), "currency": currency},
        }
        if description:
            params["description"] = description[:250]
        if receipt is not None:
            params["receipt"] = receipt
        call = functools.partial(self._refund.create, params, idempotence_key)
        return _refund(await self._call("create refund", call))

    async def get_refund(self, refund_id: str) -> RemoteRefund:
        """The refund as YooKassa knows it now."""
        call = functools.partial(self._refund.find_one, refund_id)
        return _refund(await self._call("get refund", call))

    async def create_receipt(
        self, receipt: dict[str, Any], *, idempotence_key: str
    ) -> RemoteReceipt:
        """Register a receipt of its own (e.g. the closing one); the same key returns the same.

        The SDK checks the request before sending it; a request it refuses could never
        succeed, so that is GatewayRejected, not an error worth retrying.
        """
        try:
            ReceiptRequest(receipt).validate()
        except (ValueError, TypeError, AttributeError) as exc:
            logger.warning("YooKassa create receipt: invalid request: {}", exc)
            raise GatewayRejected(operation="create receipt", reason=str(exc)[:200]) from None
        call = functools.partial(self._receipt.create, receipt, idempotence_key)
        return _receipt(await self._call("create receipt", call))

    async def get_receipt(self, receipt_id: str) -> RemoteReceipt:
        """The receipt as YooKassa knows it now."""
        call = functools.partial(self._receipt.find_one, receipt_id)
        return _receipt(await self._call("get receipt", call))


def _payment(response: Any) -> RemotePayment:
    confirmation = response.confirmation
    cancellation = response.cancellation_details
    return RemotePayment(
        id=str(response.id),
        status=str(response.status),
        amount=to_minor(response.amount.value),
        currency=str(response.amount.currency),
        paid=bool(response.paid),
        confirmation_url=getattr(confirmation, "confirmation_url", None),
        cancellation_reason=getattr(cancellation, "reason", None),
        metadata={str(k): str(v) for k, v in (response.metadata or {}).items()},
    )


def _refund(response: Any) -> RemoteRefund:
    return RemoteRefund(
        id=str(response.id),
        payment_id=str(response.payment_id),
        status=str(response.status),
        amount=to_minor(response.amount.value),
        currency=str(response.amount.currency),
    )


def _receipt(response: Any) -> RemoteReceipt:
    return RemoteReceipt(
        id=str(response.id),
        type=str(response.type),
        status=str(response.status),
        payment_id=str(response.payment_id) if response.payment_id else None,
        refund_id=str(response.refund_id) if response.refund_id else None,
    )
