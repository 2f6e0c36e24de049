"""Payments: invoices, pre-checkout answers and Telegram Stars refunds."""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Any

from aiogram import methods as m

from sandbox.common import JsonDict, random_id
from sandbox.errors import QUERY_TOO_OLD, bad_request
from sandbox.keyboards import check_reply_markup, dump
from sandbox.methods.base import CallContext, MethodSpec
from sandbox.state import Invoice

STARS = "XTR"
SUBSCRIPTION_PERIOD = 2592000  # Telegram allows only 30-day Star subscriptions
INVOICE_LINK_PREFIX = "https://t.me/$"
_CURRENCY = re.compile(r"[A-Z]{3}")


def _invoice(call: Any) -> Invoice:
    """Check an invoice the way Telegram does before it is shown to anyone."""
    if not 1 <= len(call.title) <= 32:
        raise bad_request("invoice title must be 1-32 characters long")
    if not 1 <= len(call.description) <= 255:
        raise bad_request("invoice description must be 1-255 characters long")
    if not 1 <= len(call.payload.encode("utf-8")) <= 128:
        raise bad_request("INVOICE_PAYLOAD_INVALID")
    if not _CURRENCY.fullmatch(call.currency):
        raise bad_request("CURRENCY_INVALID")
    prices = [dump(price) for price in call.prices]
    if not prices or any(not price["label"] for price in prices):
        raise bad_request("prices must be a non-empty list of labelled amounts")
    stars = call.currency == STARS
    subscription = getattr(call, "subscription_period", None)
    if stars:
        if call.provider_token:
            raise bad_request("provider_token must be empty for payments in Telegram Stars")
        if len(prices) != 1:
            raise bad_request("STARS_INVOICE_INVALID")
        if call.max_tip_amount or call.is_flexible or call.need_shipping_address:
            raise bad_request("STARS_INVOICE_INVALID")
    elif not call.provider_token:
        raise bad_request("PAYMENT_PROVIDER_INVALID")
    if subscription is not None and (not stars or subscription != SUBSCRIPTION_PERIOD):
        raise bad_request("SUBSCRIPTION_PERIOD_INVALID")
    invoice = Invoice(
        slug=random_id(9),
        title=call.title,
        description=call.description,
        payload=call.payload,
        currency=call.currency,
        prices=prices,
        provider_token=call.provider_token,
        max_tip_amount=call.max_tip_amount or 0,
        need_shipping_address=bool(call.need_shipping_address),
        is_flexible=bool(call.is_flexible),
        subscription_period=subscription,
    )
    if invoice.total_amount <= 0:
        raise bad_request("CURRENCY_TOTAL_AMOUNT_INVALID")
    return invoice


async def send_invoice(ctx: CallContext, call: m.SendInvoice) -> JsonDict:
    """sendInvoice: an invoice message whose first button, if any, must be a Pay button."""
    chat = ctx.chat(call.chat_id)
    invoice = _invoice(call)
    markup = check_reply_markup(
        call.reply_markup, private_chat=chat.is_private, allow_pay=True, inline_only=True
    )
    if markup is not None and not markup["inline_keyboard"][0][0].get("pay"):
        raise bad_request("REPLY_MARKUP_BUY_EMPTY")
    ctx.admit(chat)
    content = {
        "invoice": {
            "title": invoice.title,
            "description": invoice.description,
            "start_parameter": call.start_parameter or "",
            "currency": invoice.currency,
            "total_amount": invoice.total_amount,
        }
    }
    message = ctx.post(chat, content, markup)
    invoice.chat_id, invoice.message_id = chat.id, message["message_id"]
    ctx.bot.invoices[invoice.slug] = invoice
    return message


async def create_invoice_link(ctx: CallContext, call: m.CreateInvoiceLink) -> str:
    """createInvoiceLink: https://t.me/$<slug>, payable with SandboxUser.pay(link)."""
    invoice = _invoice(call)
    ctx.bot.invoices[invoice.slug] = invoice
    return INVOICE_LINK_PREFIX + invoice.slug


async def answer_pre_checkout_query(ctx: CallContext, call: m.AnswerPreCheckoutQuery) -> bool:
    """answerPreCheckoutQuery: once, within the 10 seconds Telegram waits."""
    query = ctx.bot.pre_checkout_queries.get(call.pre_checkout_query_id)
    if query is None or query.answer is not None:
        raise bad_request(QUERY_TOO_OLD)
    if not call.ok and not call.error_message:
        raise bad_request("error_message must be specified when ok is False")
    query.answer = {"ok": call.ok, "error_message": call.error_message}
    query.answered.set()
    return True


async def refund_star_payment(ctx: CallContext, call: m.RefundStarPayment) -> bool:
    """refundStarPayment: once per charge, for the user who paid, in Telegram Stars only."""
    payment = ctx.bot.payments.get(call.telegram_payment_charge_id)
    if payment is None or payment.user_id != call.user_id or payment.currency != STARS:
        raise bad_request("CHARGE_ID_INVALID")
    if payment.refunded:
        raise bad_request("CHARGE_ALREADY_REFUNDED")
    payment.refunded = True
    refund = {
        "currency": payment.currency,
        "total_amount": payment.total_amount,
        "invoice_payload": payment.payload,
        "telegram_payment_charge_id": payment.charge_id,
    }
    ctx.emulator.deliver_user_message(ctx.bot, payment.user_id, {"refunded_payment": refund})
    return True


METHODS = MappingProxyType(
    {
        "sendInvoice": MethodSpec(send_invoice, sends=True),
        "createInvoiceLink": MethodSpec(create_invoice_link),
        "answerPreCheckoutQuery": MethodSpec(answer_pre_checkout_query),
        "refundStarPayment": MethodSpec(refund_star_payment),
    }
)
