"""The fields of a Telegram invoice for an order, shared by sendInvoice (chat) and
createInvoiceLink (Mini App). Texts are in the current locale; prices are plain mappings
that the Bot API client turns into its LabeledPrice objects."""

from __future__ import annotations

import json
from typing import Any

from core.config import Settings
from core.i18n import gettext as _
from db.models import PaymentChannel
from services import telegram_payments
from services.telegram_payments import OpenInvoice

TITLE_LIMIT = 32
DESCRIPTION_LIMIT = 255
LABEL_LIMIT = 32


async def invoice_fields(invoice: OpenInvoice, settings: Settings) -> dict[str, Any]:
    """Keyword arguments of Bot.send_invoice / Bot.create_invoice_link for an attempt."""
    order = invoice.order
    stars = invoice.payment.channel is PaymentChannel.stars
    lines = await telegram_payments.invoice_lines(order)
    description = (
        _("Paid in Telegram Stars. The digital goods come to the chat right after payment.")
        if stars
        else _("The shop confirms the order after payment.")
    )
    fields: dict[str, Any] = {
        "title": _("Order #{number}").format(number=order.id)[:TITLE_LIMIT],
        "description": description[:DESCRIPTION_LIMIT],
        "payload": invoice.payload,
        "currency": order.currency,
        "prices": [{"label": label[:LABEL_LIMIT], "amount": amount} for label, amount in lines],
        "provider_token": "" if stars else settings.telegram_provider_token,
    }
    if not stars:
        # the payment provider sends the 54-FZ receipt: its lines, and the customer's e-mail
        # from Telegram's payment form
        receipt = await telegram_payments.provider_receipt(order)
        fields.update(
            need_email=True,
            send_email_to_provider=True,
            provider_data=json.dumps(receipt, ensure_ascii=False),
        )
    return fields
