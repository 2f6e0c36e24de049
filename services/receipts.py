"""Fiscal receipts of 54-FZ through YooKassa: recorded once, sent once, retried until done.

Every receipt is a `Receipt` row with a stable key: `prepayment-{payment id}` (it went with
the payment), `refund-{refund id}` (it went with the refund) and `closing-{order id}`, the
closing receipt we send on our own when the order is handed over (or the lesson held). The
unique key makes the closing receipt one row however often completion is announced; the same
key goes to YooKassa as the Idempotence-Key, so a retry after a timeout cannot register a
second receipt. A call that got no answer leaves the row pending, and the job that sends it
(`settle_closing_receipt`, written when the order is completed) tries again later; a request
YooKassa refuses is closed with its error (retrying it is futile), and the job fails so that an
admin is told.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from loguru import logger
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from core.money import STARS
from db.models import (
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentChannel,
    PaymentMethod,
    PaymentStatus,
    Provider,
    Receipt,
    ReceiptKind,
    ReceiptStatus,
    Refund,
    User,
)
from services import jobs
from services.payments_receipts import closing_receipt, order_contact, prepaid_lines
from services.yookassa_gateway import (
    GatewayError,
    GatewayRejected,
    GatewayTimeout,
    RemoteReceipt,
    YooKassaGateway,
)

MAX_ATTEMPTS = 30
"""Sends of one closing receipt before it is given up (and logged as an error)."""

_STATUSES = {status.value: status for status in ReceiptStatus}


def prepayment_key(payment_id: int) -> str:
    """The key of the prepayment receipt that went with a payment."""
    return f"prepayment-{payment_id}"


def refund_key(refund_id: int) -> str:
    """The key of the receipt that went with a refund."""
    return f"refund-{refund_id}"


def closing_key(order_id: int) -> str:
    """The key (ours and YooKassa's Idempotence-Key) of an order's closing receipt."""
    return f"closing-{order_id}"


# Recording receipts that went with a payment or a refund ---------------------------------


async def record_receipt(
    kind: ReceiptKind,
    key: str,
    *,
    order_id: int,
    amount: int,
    currency: str,
    status: ReceiptStatus,
    payment_id: int | None = None,
    refund_id: int | None = None,
    external_id: str | None = None,
) -> Receipt:
    """The receipt row of `key`, created once; a pending row takes a later final status."""
    try:
        return await Receipt.create(
            order_id=order_id,
            payment_id=payment_id,
            refund_id=refund_id,
            kind=kind,
            status=status,
            amount=amount,
            currency=currency,
            idempotence_key=key,
            external_id=external_id,
        )
    except IntegrityError:  # recorded before (a replayed notification, a concurrent call)
        pass
    if status is not ReceiptStatus.pending:
        await Receipt.filter(idempotence_key=key, status=ReceiptStatus.pending).update(
            status=status, updated_at=datetime.now(UTC)
        )
    return await Receipt.get(idempotence_key=key)


async def record_prepayment_receipt(
    payment: Payment, status: ReceiptStatus = ReceiptStatus.succeeded
) -> Receipt | None:
    """Record the prepayment receipt that went with a payment (None: the payment has no order).

    Call it when a payment created with a receipt succeeds (YooKassa registers the receipt
    with the payment) or with `pending` when it is created.
    """
    if payment.order_id is None:
        return None
    return await record_receipt(
        ReceiptKind.prepayment,
        prepayment_key(payment.id),
        order_id=payment.order_id,
        payment_id=payment.id,
        amount=payment.amount,
        currency=payment.currency,
        status=status,
    )


async def record_refund_receipt(
    refund: Refund, status: ReceiptStatus = ReceiptStatus.succeeded
) -> Receipt | None:
    """Record the receipt that went with a refund (None: its payment has no order)."""
    payment = await Payment.get(id=refund.payment_id)
    if payment.order_id is None:
        return None
    return await record_receipt(
        ReceiptKind.refund,
        refund_key(refund.id),
        order_id=payment.order_id,
        payment_id=payment.id,
        refund_id=refund.id,
        amount=refund.amount,
        currency=refund.currency,
        status=status,
    )


# The closing receipt ---------------------------------------------------------------------


def yookassa_payment_id(payment: Payment) -> str | None:
    """YooKassa's id of a payment in roubles it took, directly or for Telegram Payments.

    Telegram Payments count when their provider is YooKassa: the provider's charge id is
    YooKassa's payment id (Telegram's own charge id is not). Stars have none.
    """
    if payment.currency == STARS:
        return None
    if payment.channel is PaymentChannel.yookassa:
        return payment.external_id
    if payment.channel is PaymentChannel.telegram:
        return payment.provider_charge_id
    return None


async def paid_online_payment(order: Order) -> tuple[Payment, str] | None:
    """The order's succeeded payment through YooKassa and YooKassa's id of it, if any."""
    if order.payment_method is not PaymentMethod.online or order.currency == STARS:
        return None
    payments = await Payment.filter(
        order_id=order.id,
        status=PaymentStatus.succeeded,
        channel__in=[PaymentChannel.yookassa, PaymentChannel.telegram],
    ).order_by("-id")
    for payment in payments:
        external_id = yookassa_payment_id(payment)
        if external_id:
            return payment, external_id
    return None


async def _closing_request(receipt: Receipt) -> dict[str, object] | None:
    """The closing receipt's request, rebuilt from the order's frozen data (None: it cannot
    be built any more, e.g. the customer's contact was erased)."""
    order = await Order.get(id=receipt.order_id)
    payment = await Payment.get_or_none(id=receipt.payment_id) if receipt.payment_id else None
    if payment is None:
        return None
    external_id = yookassa_payment_id(payment)
    customer = await User.get_or_none(id=order.customer_id)
    contact = order_contact(order, customer.phone if customer else None)
    if external_id is None or contact is None:
        return None
    items = list(await OrderItem.filter(order_id=order.id).order_by("id"))
    provider = await Provider.get(id=order.provider_id)
    return closing_receipt(order, items, provider, contact, external_id, amount=receipt.amount)


async def send_closing_receipt(order_id: int, gateway: YooKassaGateway) -> Receipt | None:
    """Send the closing receipt of a completed order paid in advance through YooKassa, once.

    None when the order needs none: not completed, cash or Stars, paid in full at once (no
    prepaid lines), fully refunded, or without a customer contact (then no prepayment
    receipt went with the payment either). A second call returns the first call's row.
    """
    order = await Order.get_or_none(id=order_id)
    if order is None or order.status is not OrderStatus.completed:
        return None
    existing = await Receipt.get_or_none(idempotence_key=closing_key(order.id))
    if existing is not None:
        return existing
    paid = await paid_online_payment(order)
    if paid is None:
        return None
    payment, _ = paid
    items = list(await OrderItem.filter(order_id=order.id).order_by("id"))
    prepaid = sum(line.total for line in prepaid_lines(order, items))
    # What a partial refund left is settled; a refund of everything leaves nothing to close.
    amount = min(prepaid, payment.amount - payment.refunded_amount)
    if amount <= 0:
        return None
    customer = await User.get_or_none(id=order.customer_id)
    if order_contact(order, customer.phone if customer else None) is None:
        logger.warning("Order {}: no customer e-mail or phone, no closing receipt", order.id)
        return None
    try:
        receipt = await Receipt.create(
            order_id=order.id,
            payment_id=payment.id,
            kind=ReceiptKind.closing,
            status=ReceiptStatus.pending,
            amount=amount,
            currency=order.currency,
            idempotence_key=closing_key(order.id),
        )
    except IntegrityError:  # a concurrent call made it first and sends it
        return await Receipt.get(idempotence_key=closing_key(order.id))
    with contextlib.suppress(GatewayTimeout):  # kept pending: the job tries again
        await _send(receipt, gateway)
    await receipt.refresh_from_db()
    return receipt


async def _send(receipt: Receipt, gateway: YooKassaGateway) -> None:
    """One attempt to register a closing receipt; raises GatewayTimeout after recording it."""
    now = datetime.now(UTC)
    await Receipt.filter(id=receipt.id).update(attempts=F("attempts") + 1, updated_at=now)
    request = await _closing_request(receipt)
    if request is None:
        await _close(receipt, "cannot be built: no payment or customer contact")
        return
    try:
        remote = await gateway.create_receipt(request, idempotence_key=receipt.idempotence_key)
    except GatewayTimeout:
        await _note(receipt, "timeout")
        logger.warning("Closing receipt of order {}: no answer, kept for retry", receipt.order_id)
        raise
    except GatewayRejected as exc:
        await _close(receipt, f"rejected: {exc.details.get('reason', '')}")
        return
    except GatewayError as exc:
        await _note(receipt, f"error: {exc.details.get('reason', '')}")
        logger.warning("Closing receipt of order {} failed: {}", receipt.order_id, exc.details)
        return
    await _store(receipt, remote)


async def _store(receipt: Receipt, remote: RemoteReceipt) -> None:
    status = _STATUSES.get(remote.status, ReceiptStatus.pending)
    await Receipt.filter(id=receipt.id).update(
        external_id=remote.id,
        status=status,
        error="canceled by the fiscal service" if status is ReceiptStatus.canceled else None,
        updated_at=datetime.now(UTC),
    )
    if status is ReceiptStatus.canceled:
        logger.error("Receipt {} of order {}: YooKassa cancelled it", remote.id, receipt.order_id)


async def _note(receipt: Receipt, error: str) -> None:
    await Receipt.filter(id=receipt.id).update(error=error[:256], updated_at=datetime.now(UTC))


async def _close(receipt: Receipt, error: str) -> None:
    await Receipt.filter(id=receipt.id, status=ReceiptStatus.pending).update(
        status=ReceiptStatus.canceled, error=error[:256], updated_at=datetime.now(UTC)
    )
    logger.error("Closing receipt of order {} not sent: {}", receipt.order_id, error)


# The closing receipt as a job -----------------------------------------------------------


async def settle_closing_receipt(order_id: int, gateway: YooKassaGateway | None) -> None:
    """Job: the closing receipt of a completed order, sent once and followed until YooKassa
    has registered it.

    Raises jobs.Retry while YooKassa does not answer or is still registering it, and jobs.Fail
    when it cannot be sent at all (YooKassa off, refused, given up), so that an admin is told.
    """
    receipt = await Receipt.get_or_none(idempotence_key=closing_key(order_id))
    if receipt is None:
        if gateway is None:
            raise jobs.Fail("YooKassa is not configured: the closing receipt cannot be sent")
        receipt = await send_closing_receipt(order_id, gateway)
        if receipt is None:
            return  # none is due (cash, Stars, refunded, no contact)
    elif receipt.status is ReceiptStatus.pending:
        if gateway is None:
            raise jobs.Fail("YooKassa is not configured: the closing receipt cannot be sent")
        try:
            if receipt.external_id is not None:
                await _store(receipt, await gateway.get_receipt(receipt.external_id))
            elif receipt.attempts >= MAX_ATTEMPTS:
                await _close(receipt, f"gave up after {receipt.attempts} attempts")
            else:
                await _send(receipt, gateway)
        except GatewayTimeout as exc:
            raise jobs.Retry("YooKassa does not answer") from exc
        except GatewayError as exc:
            raise jobs.Retry(f"YooKassa: {exc.details}") from exc
    await receipt.refresh_from_db()
    if receipt.status is ReceiptStatus.pending:
        raise jobs.Retry("the closing receipt is not registered yet")
    if receipt.status is ReceiptStatus.canceled:
        raise jobs.Fail(
            f"the closing receipt of order {order_id} was not registered: {receipt.error}"
        )
