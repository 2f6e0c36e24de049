"""The shop's JSON API under /api/v1: catalog, search, cart, checkout and orders.

Handlers only translate: services do the work and enforce ownership (another person's order,
a hidden product: 404). The OpenAPI document at /api/v1/openapi.json is built from `routes`.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from typing import Any

import orjson
from aiohttp import web

from core.errors import DomainError, InvalidInput
from core.i18n import gettext as _
from db.models import ActorRole, EventKind, Order, OrderStatus, PaymentChannel
from services import cart as carts
from services import (
    catalog,
    catalog_versions,
    checkout,
    consent,
    orders,
    payments,
    reviews,
    telegram_payments,
    users,
)
from services.invoices import invoice_fields
from webapp.keys import BOT
from webapp.openapi import build_openapi
from webapp.qr import qr_png
from webapp.routes import engagement_api
from webapp.routes import shop_api_models as m
from webapp.routes import shop_api_views as views
from webapp.routes.shop_api_kit import ApiError, BadRequest, Call, Header, Png, RouteTable

OPENAPI_PATH = "/openapi.json"
OPENAPI = web.AppKey("openapi", dict)
OPENAPI_JSON = web.AppKey("openapi_json", bytes)
"""The document serialised once: it never changes while the process runs."""
IDEMPOTENCY_KEY = "Idempotency-Key"
IDEMPOTENCY_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
_IDEMPOTENCY_RE = re.compile(IDEMPOTENCY_PATTERN)

routes = RouteTable()


def consent_required() -> ApiError:
    """Phone, address or location sent without consent to the processing of personal data."""
    return ApiError(
        403,
        "consent_required",
        _(
            "To share a phone or an address, first consent to the processing of personal "
            "data in the bot's profile."
        ),
    )


# Catalog -----------------------------------------------------------------------------------
# The same for every reader of a shop, page and language: answered from the read cache, keyed
# by the catalogue version that every change bumps in its own transaction (services.
# catalog_versions). Nothing per person may appear in these responses.


async def _directory(_: dict[str, Any]) -> str:
    """Storefront lists and search results: every storefront's version at once."""
    return "all:" + await catalog_versions.directory_version()


async def _storefront(arguments: dict[str, Any]) -> str | None:
    provider_id = arguments["provider_id"]
    version = await catalog_versions.provider_version(provider_id)
    return None if version is None else f"p{provider_id}:{version}"


async def _product(arguments: dict[str, Any]) -> str | None:
    scope = await catalog_versions.product_scope(arguments["product_id"])
    return None if scope is None else f"p{scope.provider_id}:{scope.version}"


@routes.endpoint(
    "GET", "/catalog", tag="catalog", cache=_directory, records=EventKind.catalog_viewed
)
async def list_storefronts(call: Call) -> m.Catalog:
    """Open storefronts, shops first, by name."""
    providers = await catalog.storefronts()
    rated = await reviews.ratings([p.id for p in providers])
    return m.Catalog(items=[views.storefront(p, rated[p.id]) for p in providers])


@routes.endpoint("GET", "/providers", tag="catalog", cache=_directory)
async def list_providers(call: Call, query: m.ProvidersQuery) -> m.Catalog:
    """Open storefronts by name (shops first) or, with `order=rating`, the best rated first."""
    providers = await catalog.storefronts(by_rating=query.order == "rating")
    rated = await reviews.ratings([p.id for p in providers])
    return m.Catalog(items=[views.storefront(p, rated[p.id]) for p in providers])


@routes.endpoint("GET", "/providers/{provider_id}", tag="catalog", errors=(404,), cache=_storefront)
async def get_storefront(call: Call, provider_id: int) -> m.ProviderOut:
    """A storefront with its non-empty categories and checkout options."""
    provider = await catalog.get_provider(provider_id)
    categories = await catalog.categories(provider.id)
    return views.provider_page(call, provider, categories, await reviews.rating(provider.id))


@routes.endpoint(
    "GET",
    "/providers/{provider_id}/products",
    tag="catalog",
    errors=(404,),
    cache=_storefront,
    records=EventKind.catalog_viewed,
)
async def list_products(call: Call, provider_id: int, query: m.ProductsQuery) -> m.ProductList:
    """Visible products of a storefront (optionally of one category), by title."""
    provider = await catalog.get_provider(provider_id)
    page = await catalog.products_page(provider.id, query.category, query.page)
    return await views.product_list(call, page)


@routes.endpoint(
    "GET",
    "/products/{product_id}",
    tag="catalog",
    errors=(404,),
    cache=_product,
    records=EventKind.product_viewed,
)
async def get_product(call: Call, product_id: int) -> m.ProductCard:
    """A product card; hidden products and closed storefronts are 404."""
    return await views.product_card(call, await catalog.get_visible_product(product_id))


@routes.endpoint("GET", "/search", tag="catalog", cache=_directory)
async def search_products(call: Call, query: m.SearchQuery) -> m.ProductList:
    """Products whose title or description contains every word (any case, ё = е)."""
    return await views.product_list(call, await catalog.search(query.q, query.page))


# Cart --------------------------------------------------------------------------------------


async def _cart(call: Call, view: carts.CartView | None = None) -> m.Cart:
    return await views.cart(call, view if view is not None else await carts.view(call.user))


@routes.endpoint("GET", "/cart", tag="cart")
async def get_cart(call: Call) -> m.Cart:
    """The cart at current prices, with what changed since the customer last saw it."""
    return await _cart(call)


@routes.endpoint(
    "POST", "/cart/items", tag="cart", errors=(404, 409, 422), records=EventKind.cart_added
)
async def add_to_cart(call: Call, body: m.AddToCart) -> m.Cart:
    """Add a product (quantities add up); another provider's cart needs `replace`."""
    view = await carts.add(
        call.user,
        body.product_id,
        body.quantity,
        replace=body.replace,
        personal_text=body.personal_text,
        design_id=body.design_id,
    )
    return await _cart(call, view)


@routes.endpoint("PATCH", "/cart/items/{product_id}", tag="cart", errors=(404, 409))
async def set_cart_quantity(call: Call, product_id: int, body: m.SetQuantity) -> m.Cart:
    """Set a line's quantity; 0 removes it."""
    return await _cart(call, await carts.set_quantity(call.user, product_id, body.quantity))


@routes.endpoint("DELETE", "/cart/items/{product_id}", tag="cart")
async def remove_from_cart(call: Call, product_id: int) -> m.Cart:
    """Remove a line (removing what is not there is fine)."""
    return await _cart(call, await carts.remove(call.user, product_id))


@routes.endpoint("DELETE", "/cart", tag="cart")
async def clear_cart(call: Call) -> m.Cart:
    """Empty the cart."""
    await carts.clear(call.user)
    return await _cart(call)


@routes.endpoint("POST", "/cart/acknowledge", tag="cart")
async def acknowledge_cart(call: Call) -> m.Cart:
    """The customer saw the changes: take current prices, drop gone lines, cap to stock."""
    return await _cart(call, await carts.acknowledge_changes(call.user))


# Checkout and orders -------------------------------------------------------------------------


def _checkout_key(call: Call) -> str:
    """The client's Idempotency-Key, scoped to the person.

    Order.checkout_key is unique across everyone: two people picking the same key must not
    collide, so the stored key is a digest of (person, key) with a prefix of its own.
    """
    key = call.request.headers.get(IDEMPOTENCY_KEY, "")
    if not _IDEMPOTENCY_RE.match(key):
        raise BadRequest(
            _("Send an Idempotency-Key header: 8 to 64 letters, digits, “-” or “_”."),
            IDEMPOTENCY_KEY,
        )
    digest = hashlib.sha256(f"{call.user.id}:{key}".encode()).hexdigest()
    return f"api-{digest[:48]}"


async def _order_response(call: Call, order_id: int) -> m.Order:
    order = await orders.customer_order(call.user, order_id)
    return views.order(call, order, await orders.history(order))


@routes.endpoint(
    "GET",
    "/checkout/options",
    tag="orders",
    errors=(409, 422),
    records=EventKind.checkout_started,
)
async def checkout_options(call: Call, query: m.CheckoutQuery) -> m.CheckoutOffer:
    """What the cart can be checked out with now: the same options the chat offers.

    Fulfilment kinds, free delivery slots (send one's `id` as `delivery_slot`), payment
    methods and channels, and the contact data needed with whether consent covers it.
    Refused with `empty_cart` when there is nothing to check out; with `promo_code`, the
    quote shows its discount, or `promo_refused` says why it does not apply; with `points`,
    the points applied (422 `points` beyond `quote.points_max`).
    """
    offered = await checkout.options(
        call.user, call.settings, promo_code=query.promo_code, points=query.points
    )
    return views.checkout_offer(call, offered)


def _draft(body: m.CheckoutRequest) -> checkout.CheckoutDraft:
    return checkout.CheckoutDraft(
        fulfilment=body.fulfilment,
        payment_method=body.payment_method,
        address=body.address,
        latitude=body.latitude,
        longitude=body.longitude,
        delivery_slot=body.delivery_slot,
        phone=body.phone,
        comment=body.comment,
        promo_code=body.promo_code or None,
        points=body.points or None,
    )


@routes.endpoint(
    "POST",
    "/checkout",
    tag="orders",
    status=201,
    also=(200,),
    errors=(403, 409, 422),
    headers=(
        Header(
            IDEMPOTENCY_KEY,
            "Chosen by the client per confirmation screen; a repeat returns the same order "
            "(200) instead of placing another.",
            pattern=IDEMPOTENCY_PATTERN,
        ),
    ),
)
async def place_order(call: Call, body: m.CheckoutRequest) -> m.Order:
    """Turn the cart into an order (201), reserving stock; a repeated key answers 200.

    The choices must be among GET /checkout/options, checked as the chat checks them. A
    value that cannot be used is 422 `invalid_input` naming the field (an address shorter
    than 5 characters, a phone that is not one, a delivery slot never offered, started or
    filled up). A fulfilment or payment method the shop does not take is 409 (the body is
    well-formed; the shop's state refuses it), as is `payment_channel_unavailable` for online
    payment with no channel.
    Refused with `cart_changed` until changed prices or availability were acknowledged, with
    `sold_out` when stock ran out meanwhile, and with `consent_required` for a phone, address
    or location (delivery included) without consent to the processing of personal data.
    """
    key = _checkout_key(call)
    existing = await Order.get_or_none(checkout_key=key, customer_id=call.user.id)
    if existing is None:
        try:
            existing = await checkout.place_order(
                call.user,
                _draft(body),
                settings=call.settings,
                checkout_key=key,
                events=call.services.shop_events,
            )
            return await _order_response(call, existing.id)
        except DomainError:
            # A concurrent request with the same key may have placed it and emptied the cart.
            existing = await Order.get_or_none(checkout_key=key, customer_id=call.user.id)
            if existing is None:
                raise
    call.status = 200
    return await _order_response(call, existing.id)


@routes.endpoint("GET", "/orders", tag="orders")
async def list_orders(call: Call, query: m.PageQuery) -> m.OrderList:
    """The person's orders, newest first."""
    return views.order_list(call, await orders.customer_orders(call.user, query.page))


@routes.endpoint("GET", "/orders/{order_id}", tag="orders", errors=(404,))
async def get_order(call: Call, order_id: int) -> m.Order:
    """One of the person's orders with lines and history; others' orders are 404."""
    return await _order_response(call, order_id)


@routes.endpoint("POST", "/orders/{order_id}/cancel", tag="orders", errors=(404, 409))
async def cancel_order(call: Call, order_id: int) -> m.Order:
    """Cancel before the provider accepted it; reserved stock is released."""
    await orders.transition(
        order_id,
        OrderStatus.cancelled,
        role=ActorRole.customer,
        actor=call.user,
        events=call.services.shop_events,
    )
    return await _order_response(call, order_id)


@routes.endpoint("POST", "/orders/{order_id}/files", tag="orders", status=202, errors=(404, 409))
async def resend_files(call: Call, order_id: int) -> m.Order:
    """Send the order's paid digital goods (files, links) to the person's Telegram chat again
    (202). A delivery already on its way or made within the last minute is 409 `already_sent`
    (a double click sends once); an order with nothing paid to send is 409 `nothing_to_send`."""
    if not await orders.resend_digital(call.user, order_id, call.services.shop_events):
        raise ApiError(
            409,
            "already_sent",
            _("The files are on their way or were just sent to your Telegram chat."),
        )
    return await _order_response(call, order_id)


@routes.endpoint("GET", "/orders/{order_id}/pickup-qr", tag="orders", errors=(404, 409))
async def pickup_qr(call: Call, order_id: int) -> Png:
    """The pickup QR code of an order ready for pickup, as a PNG image.

    The code holds the order's `pickup_code` (the six digits printed under it): the seller
    scans it or types the digits. Only for the person's own order in `ready_for_pickup`;
    before and after that it is 409 `not_ready_for_pickup`.
    """
    order = await orders.customer_order(call.user, order_id)
    if order.status is not OrderStatus.ready_for_pickup:
        raise ApiError(
            409,
            "not_ready_for_pickup",
            _("The pickup code is shown when the order is ready for pickup."),
        )
    return Png(await asyncio.to_thread(qr_png, order.pickup_code))


# Paying ------------------------------------------------------------------------------------


async def _payable_order(call: Call, order_id: int) -> Order:
    """The person's order awaiting online payment; a cash order is a conflict (409), not a
    malformed request: the same request is right for an order placed for online payment."""
    try:
        return await payments.payable_order(order_id, call.user)
    except InvalidInput as error:
        raise ApiError(
            409,
            "payment_channel_unavailable",
            _("This order is paid on receipt, not online."),
            "channel",
        ) from error


@routes.endpoint(
    "POST", "/orders/{order_id}/payments", tag="orders", status=201, errors=(403, 404, 409, 422)
)
async def pay_order(call: Call, order_id: int, body: m.PayRequest) -> m.PaymentOut:
    """Open (or reuse: a repeated press gets the same attempt) a payment of an order awaiting
    payment by one of its `payment_channels`.

    YooKassa answers with `confirmation_url`; Telegram Payments and Stars with `invoice_link`
    for Telegram.WebApp.openInvoice. Refused with `receipt_contact_required` when YooKassa's
    receipt has nowhere to go (send `email` or `phone`), and with `consent_required` for an
    e-mail or phone sent without consent to the processing of personal data.
    """
    order = await _payable_order(call, order_id)
    channel = body.channel
    if channel not in payments.channels_for(order.currency, call.settings):
        # A well-formed request the order cannot take: a conflict with its state (409).
        raise ApiError(
            409,
            "payment_channel_unavailable",
            _("This order cannot be paid this way."),
            "channel",
        )
    contact = body.email or body.phone
    if contact is not None:
        if not await consent.may_collect_personal_data(
            call.user, call.settings.privacy_policy_version
        ):
            raise consent_required()
        order = await payments.set_receipt_contact(order, call.user, contact)
    if channel is PaymentChannel.yookassa:
        if payments.needs_receipt_contact(order, call.user, channel):
            raise ApiError(
                422,
                "receipt_contact_required",
                _("Send an e-mail or phone for the electronic receipt (54-FZ)."),
                "email",
            )
        gateway = call.services.yookassa
        assert gateway is not None  # channels_for offers YooKassa only when it is configured
        payment = await payments.start_yookassa_payment(order, call.user, gateway)
    else:
        invoice = await telegram_payments.open_invoice(order.id, call.user, channel)
        payment = invoice.payment
        if payment.invoice_link is None:
            bot = call.request.config_dict[BOT]
            link = await bot.create_invoice_link(**await invoice_fields(invoice, call.settings))
            await telegram_payments.mark_sent(payment, link)
    return m.PaymentOut(
        id=payment.id,
        order_id=order.id,
        channel=payment.channel,
        status=payment.status,
        amount=call.money(payment.amount, payment.currency),
        confirmation_url=payment.confirmation_url,
        invoice_link=payment.invoice_link,
    )


# The person ------------------------------------------------------------------------------


@routes.endpoint("PATCH", "/me", tag="account", errors=(422,))
async def update_me(call: Call, body: m.MeUpdate) -> m.Me:
    """Change the person's language (the chat answers in it too)."""
    await users.set_locale(call.user, body.locale)
    return await views.me(call.user, call.settings)


# The document ------------------------------------------------------------------------------


async def openapi_document(request: web.Request) -> web.Response:
    """The OpenAPI 3.1 document of /api/v1 (public: no initData needed)."""
    return web.Response(body=request.app[OPENAPI_JSON], content_type="application/json")


def setup(api: web.Application, *more: RouteTable) -> None:
    """Register the shop endpoints (and other features' tables) and the OpenAPI document of
    them all on the /api/v1 sub-app."""
    routes.setup(api)
    for table in (*more, engagement_api.routes):
        table.setup(api)
    api[OPENAPI] = build_openapi(
        [*routes, *(endpoint for table in (*more, engagement_api.routes) for endpoint in table)]
    )
    api[OPENAPI_JSON] = orjson.dumps(api[OPENAPI])
    api.router.add_get(OPENAPI_PATH, openapi_document)
