"""Seller mode's JSON API under /api/v1/seller: the orders of the person's shops, their
status, pickup by code, low stock, the dashboard (with the shop's rating and latest reviews)
and replies to reviews.

Every rule is in services.seller (the chat's /shop calls the same functions): someone on no
shop's staff gets 403 `not_staff`, another shop's order or shop 404.
"""

from __future__ import annotations

from core.texts import staff_action, status_name
from db.models import Order, OrderStatus, Product, Provider, Review
from services import reviews, seller
from webapp.routes import seller_api_models as sm
from webapp.routes import shop_api_models as m
from webapp.routes import shop_api_views as views
from webapp.routes.media import media_url
from webapp.routes.shop_api_kit import Call, RouteTable

routes = RouteTable()
TAG = "seller"


def _summary(call: Call, order: Order) -> sm.SellerOrderSummary:
    customer = order.customer
    return sm.SellerOrderSummary(
        id=order.id,
        status=order.status,
        status_name=status_name(order.status),
        provider=views.provider_ref(order.provider),
        total=call.money(order.total, order.currency),
        fulfilment=order.fulfilment,
        payment_method=order.payment_method,
        customer_name="" if customer.is_anonymized else customer.full_name,
        created_at=order.created_at,
    )


def _order(call: Call, order: Order) -> sm.SellerOrder:
    targets = seller.actions(order)
    targets.sort(key=lambda to: to is OrderStatus.cancelled)  # the forward step first
    return sm.SellerOrder(
        **_summary(call, order).model_dump(),
        items=[
            m.OrderItem(
                product_id=item.product_id,
                title=item.title,
                kind=item.kind,
                quantity=item.quantity,
                price=call.money(item.price, item.currency),
                subtotal=call.money(item.price * item.quantity, item.currency),
                personal_text=item.personal_text,
            )
            for item in sorted(order.items, key=lambda item: item.id)
        ],
        items_total=call.money(order.items_total, order.currency),
        delivery_fee=call.money(order.delivery_fee, order.currency),
        cash_confirmed=order.cash_confirmed,
        address=order.address,
        delivery_slot=order.delivery_slot,
        phone=order.phone,
        comment=order.comment,
        cancel_reason=order.cancel_reason,
        actions=[
            sm.StatusAction(
                status=to,
                label=staff_action(order.status, to, order.payment_method, order.cash_confirmed),
                needs_reason=to is OrderStatus.cancelled,
            )
            for to in targets
        ],
        history=[
            views.transition(record)
            for record in sorted(order.transitions, key=lambda r: (r.created_at, r.id))
        ],
    )


async def _order_response(call: Call, order_id: int) -> sm.SellerOrder:
    return _order(call, await seller.seller_order(call.user, order_id))


def _ref(provider: Provider) -> m.ProviderRef:
    return views.provider_ref(provider)


@routes.endpoint("GET", "/seller/shops", tag=TAG, errors=(403,))
async def seller_shops(call: Call) -> sm.SellerShops:
    """The shops the person is on the staff of; 403 `not_staff` for everyone else (the Mini
    App shows seller mode only after this answers 200)."""
    shops = await seller.staff_of(call.user)
    return sm.SellerShops(items=[_ref(shop) for shop in shops])


@routes.endpoint("GET", "/seller/orders", tag=TAG, errors=(403, 404))
async def seller_orders(call: Call, query: sm.SellerOrdersQuery) -> sm.SellerOrderList:
    """Orders of the person's shops (or of `provider_id`), newest first, by list and day."""
    page = await seller.seller_orders(
        call.user,
        provider_id=query.provider_id,
        order_filter=seller.OrderFilter(query.status),
        today_only=query.today,
        timezone=call.settings.timezone,
        page=query.page,
    )
    return sm.SellerOrderList(
        items=[_summary(call, order) for order in page.items],
        page=page.number,
        pages=page.pages,
        total=page.total,
    )


@routes.endpoint("GET", "/seller/orders/{order_id}", tag=TAG, errors=(403, 404))
async def seller_order(call: Call, order_id: int) -> sm.SellerOrder:
    """One order of the person's shops, with the statuses it may move to now."""
    return await _order_response(call, order_id)


@routes.endpoint("POST", "/seller/orders/{order_id}/status", tag=TAG, errors=(403, 404, 409))
async def change_order_status(call: Call, order_id: int, body: sm.StatusChange) -> sm.SellerOrder:
    """Move the order to one of its `actions`, as the chat's buttons do (the customer is told
    in the chat). A stale request (a double click, an order changed meanwhile) is 409
    `illegal_transition`; cancelling without a `reason` is 422. Completing a cash order
    records the cash as received."""
    await seller.change_status(
        call.user, order_id, body.status, call.services.shop_events, body.reason
    )
    return await _order_response(call, order_id)


@routes.endpoint("POST", "/seller/pickups", tag=TAG, errors=(403, 404, 409))
async def confirm_pickup(call: Call, body: sm.PickupRequest) -> sm.SellerOrder:
    """Hand over the order whose pickup QR the customer shows: ready for pickup → completed.

    `pickup_code` is the QR's text, the six digits under it. Refused
    with 404 `pickup_code_unknown` (no order of the person's shops has it: a typo, another
    shop's code), 409 `pickup_code_used` (already handed over: a second scan completes
    nothing), 409 `pickup_not_ready` and 409 `pickup_code_ambiguous` (two ready orders share
    the code: complete one from its card); 422 `invalid_input` when it is not six digits.
    """
    change = await seller.confirm_pickup(
        call.user, body.pickup_code, call.services.shop_events, body.provider_id
    )
    return await _order_response(call, change.order.id)


def _low_item(product: Product) -> sm.LowStockItem:
    provider = product.provider
    return sm.LowStockItem(
        product_id=product.id,
        title=product.title,
        stock=product.stock,
        threshold=provider.low_stock_threshold,
        provider=_ref(provider),
    )


@routes.endpoint("GET", "/seller/low-stock", tag=TAG, errors=(403, 404))
async def seller_low_stock(call: Call, query: sm.ShopQuery) -> sm.LowStockList:
    """Visible products of the person's shops below their shop's low-stock threshold."""
    products = await seller.low_stock(call.user, query.provider_id)
    return sm.LowStockList(items=[_low_item(product) for product in products])


@routes.endpoint("GET", "/seller/dashboard", tag=TAG, errors=(403, 404))
async def seller_dashboard(call: Call, query: sm.ShopQuery) -> sm.SellerDashboard:
    """Sales today, this week and this month, the month's best sellers, the balance from the
    ledger, orders waiting to be accepted and products running out (the first shop when
    `provider_id` is left out)."""
    board = await seller.dashboard(call.user, query.provider_id, call.settings.timezone)
    return sm.SellerDashboard(
        provider=_ref(board.provider),
        sales=[
            sm.SalesOut(
                period=sales.period,
                since=sales.since,
                orders=sales.orders,
                revenue=[call.money(a.amount, a.currency) for a in sales.revenue],
            )
            for sales in board.sales
        ],
        top_products=[
            sm.TopProductOut(
                product_id=top.product_id,
                title=top.title,
                quantity=top.quantity,
                revenue=call.money(top.revenue.amount, top.revenue.currency),
            )
            for top in board.top_products
        ],
        balances=[
            sm.BalanceOut(
                available=call.money(balance.available, balance.currency),
                on_hold=call.money(balance.on_hold, balance.currency),
            )
            for balance in board.balances
        ],
        waiting_orders=board.waiting,
        low_stock=board.low_stock,
        reviews=await _reviews(call, board.provider),
    )


def _seller_review(row: Review) -> sm.SellerReview:
    return sm.SellerReview(
        id=row.id,
        order_id=row.order_id,
        rating=row.rating,
        text=row.text,
        reply=row.reply,
        photo_url=media_url(row.photo_path),
        hidden=row.hidden,
        created_at=row.created_at,
    )


async def _reviews(call: Call, provider: Provider) -> sm.SellerReviews:
    view = await reviews.staff_view(call.user, provider)
    return sm.SellerReviews(
        rating=view.rating.average,
        rating_count=view.rating.count,
        unanswered=view.unanswered,
        latest=[_seller_review(row) for row in view.latest],
    )


@routes.endpoint("POST", "/seller/reviews/{review_id}/reply", tag=TAG, errors=(403, 404, 422))
async def reply_to_review(call: Call, body: sm.ReviewReplyIn, review_id: int) -> sm.SellerReview:
    """Answer a review of one's shop (a second answer replaces the first); the customer is
    told in the chat, as after a reply typed there (services.reviews)."""
    review = await reviews.staff_reply(call.user, review_id, body.text, call.services.shop_events)
    return _seller_review(review)
