"""Endpoints the Mini App needs beside the shop's: re-checking a payment after the person comes
back from YooKassa's page or Telegram's invoice.

They join `shop_api.routes` (one table, one OpenAPI document): `webapp.routes.api` imports this
module before the table is set up.
"""

from __future__ import annotations

from db.models import OrderStatus, PaymentChannel
from services import orders, payments
from webapp.routes import shop_api_models as m
from webapp.routes import shop_api_views as views
from webapp.routes.shop_api import routes
from webapp.routes.shop_api_kit import Call


@routes.endpoint("POST", "/orders/{order_id}/payments/check", tag="orders", errors=(404,))
async def check_payment(call: Call, order_id: int) -> m.Order:
    """The order as the server's payment record has it now, after the person paid (or closed
    the page) elsewhere: a YooKassa attempt still pending is asked about at once, as the
    chat's "I have paid" does; a Telegram or Stars payment is settled by Telegram's own
    message to the bot, so its order is read as it is. Others' orders are 404."""
    order = await orders.customer_order(call.user, order_id)
    gateway = call.services.yookassa
    if (
        gateway is not None
        and order.status is OrderStatus.pending_payment
        and PaymentChannel.yookassa in payments.channels_for(order.currency, call.settings)
    ):
        await payments.check_attempt(
            order,
            call.user,
            gateway,
            call.services.shop_events,
            commission_percent=call.settings.platform_commission_percent,
        )
        order = await orders.customer_order(call.user, order_id)
    return views.order(call, order, await orders.history(order))
