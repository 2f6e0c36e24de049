"""Endpoints the Mini App needs beside the shop's: re-checking a payment after the person comes
back from YooKassa's page or Telegram's invoice, and a product card to share into a chat.

They join `shop_api.routes` (one table, one OpenAPI document): `webapp.routes.api` imports this
module before the table is set up.
"""

from __future__ import annotations

from core.i18n import gettext as _
from db.models import OrderStatus, PaymentChannel
from services import orders, payments, share
from webapp.routes import shop_api_models as m
from webapp.routes import shop_api_views as views
from webapp.routes.shop_api import routes
from webapp.routes.shop_api_kit import ApiError, Call


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


# Sharing -----------------------------------------------------------------------------------


class PreparedShare(m.ResponseBody):
    """A product card saved for `Telegram.WebApp.shareMessage` (Mini Apps 8.0+); older clients
    share `link`, which opens the product through the bot."""

    prepared_message_id: str
    link: str


@routes.endpoint(
    "POST", "/products/{product_id}/share", tag="catalog", status=201, errors=(404, 503)
)
async def share_product(call: Call, product_id: int) -> PreparedShare:
    """Save the product's card as a prepared inline message the person can send to any chat
    ("Send to a friend"); hidden products are 404. The card expires at Telegram after a day."""
    card = await share.product_card(product_id, call.locale)
    save = call.services.sharing.save
    assert save is not None  # wired with the bot by the composition root
    assert call.user.tg_id is not None  # initData always names a Telegram user
    try:
        prepared = await save(call.user.tg_id, card)
    except share.ShareUnavailable as error:
        raise ApiError(
            503, "share_unavailable", _("Sharing is unavailable right now. Try again later.")
        ) from error
    return PreparedShare(prepared_message_id=prepared.id, link=prepared.link)
