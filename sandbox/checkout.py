"""A test user paying an invoice: the pre-checkout round trip, then successful_payment."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiogram.types import Message

from sandbox.common import JsonDict, random_id, random_int_id
from sandbox.methods.payments import INVOICE_LINK_PREFIX, STARS
from sandbox.state import BotState, Invoice, Payment, PendingQuery

if TYPE_CHECKING:
    from sandbox.user import ChatSession


@dataclass(frozen=True)
class PaymentResult:
    """How a `pay()` ended: "paid", "declined" (by the bot), "timeout" or "failed"."""

    status: str
    charge_id: str | None = None
    error_message: str | None = None
    messages: list[Message] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the money moved."""
        return self.status == "paid"


async def pay_invoice(
    session: ChatSession,
    invoice: Message | int | str,
    *,
    tip_amount: int = 0,
    order_info: JsonDict | None = None,
    meanwhile: Callable[[], Awaitable[object]] | None = None,
) -> PaymentResult:
    """Send pre_checkout_query, wait for the bot's answer, then deliver successful_payment
    (after `meanwhile`, when given)."""
    found = find_invoice(session.bot, session.chat_id, invoice)
    if found.is_flexible:
        raise AssertionError("flexible invoices (shipping queries) are not emulated")
    if tip_amount > found.max_tip_amount:
        raise ValueError(f"tip {tip_amount} is over max_tip_amount {found.max_tip_amount}")
    total = found.total_amount + tip_amount
    emulator = session.emulator
    query_id = random_int_id()
    pending = PendingQuery(query_id, session.profile.id, session.chat_id, emulator.clock())
    session.bot.pre_checkout_queries[query_id] = pending
    query: JsonDict = {
        "id": query_id,
        "from": session.profile.as_user(),
        "currency": found.currency,
        "total_amount": total,
        "invoice_payload": found.payload,
    }
    if order_info:
        query["order_info"] = order_info
    record = emulator.submit(session.bot, {"pre_checkout_query": query})
    if record.outcome == "dropped":
        return PaymentResult("failed", error_message="the bot does not take pre_checkout_query")
    try:
        await asyncio.wait_for(pending.answered.wait(), emulator.timings.pre_checkout_timeout)
    except TimeoutError:
        pending.answer = {"ok": False, "expired": True}  # a late answer is "query is too old"
        return PaymentResult("timeout", error_message="no answer to the pre-checkout query")
    assert pending.answer is not None
    if not pending.answer["ok"]:
        return PaymentResult("declined", error_message=pending.answer["error_message"])
    if meanwhile is not None:
        await meanwhile()
    return await _complete(session, found, total, order_info)


def find_invoice(bot: BotState, chat_id: int, invoice: Message | int | str) -> Invoice:
    """The invoice behind an invoice link, or behind an invoice message in this chat."""
    if isinstance(invoice, str):
        slug = invoice.removeprefix(INVOICE_LINK_PREFIX)
        if slug not in bot.invoices:
            raise AssertionError(f"no invoice link {invoice!r} was created by the bot")
        return bot.invoices[slug]
    message_id = invoice if isinstance(invoice, int) else invoice.message_id
    for candidate in bot.invoices.values():
        if (candidate.chat_id, candidate.message_id) == (chat_id, message_id):
            return candidate
    raise AssertionError(f"message {message_id} is not an invoice in this chat")


async def _complete(
    session: ChatSession, invoice: Invoice, total: int, order_info: JsonDict | None
) -> PaymentResult:
    stars = invoice.currency == STARS
    charge_id = ("stxSandbox" if stars else "sandbox_") + random_id(18)
    payment: JsonDict = {
        "currency": invoice.currency,
        "total_amount": total,
        "invoice_payload": invoice.payload,
        "telegram_payment_charge_id": charge_id,
        "provider_payment_charge_id": "" if stars else f"provider_{random_id(12)}",
    }
    if invoice.subscription_period:
        payment["subscription_expiration_date"] = int(time.time()) + invoice.subscription_period
        payment["is_recurring"] = payment["is_first_recurring"] = True
    if order_info:
        payment["order_info"] = order_info
    session.bot.payments[charge_id] = Payment(
        charge_id, session.profile.id, invoice.currency, total, invoice.payload
    )
    # the service message appears where the invoice was; a paid link ends in this chat
    where = (
        session if invoice.chat_id in (None, session.chat_id) else session.in_chat(invoice.chat_id)
    )
    messages = await where.send_content({"successful_payment": payment})
    return PaymentResult("paid", charge_id=charge_id, messages=messages)
