"""Request and response bodies of seller mode's API (`/api/v1/seller/...`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from db.models import Fulfilment, OrderStatus, PaymentMethod
from services.seller import Period
from webapp.routes.shop_api_models import (
    MAX_ID,
    MAX_PAGE,
    Money,
    OrderItem,
    Page,
    ProviderRef,
    QueryParams,
    RequestBody,
    ResponseBody,
    Transition,
)

MAX_REASON = 500
PICKUP_CODE_PATTERN = r"^[0-9]{3}[ -]?[0-9]{3}$"


class SellerShops(ResponseBody):
    """The shops the person is on the staff of (never empty: a customer gets 403)."""

    items: list[ProviderRef]


class ShopQuery(QueryParams):
    """One of the person's shops; left out: all of them (the dashboard: the first)."""

    provider_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class SellerOrdersQuery(ShopQuery):
    """Which orders: a list by what they wait for, today's only, a page."""

    status: Literal[
        "open", "new", "accepted", "in_work", "ready", "completed", "cancelled", "all"
    ] = Field(
        default="open",
        description="`open`: every order still to be handed over; `new`: waiting to be "
        "accepted; `ready`: ready for pickup or on the way; `all`: everything.",
    )
    today: bool = Field(default=False, description="Only orders placed today (local time).")
    page: int = Field(default=1, ge=1, le=MAX_PAGE)


class SellerOrderSummary(ResponseBody):
    """An order of the seller's shop, as listed."""

    id: int
    status: OrderStatus
    status_name: str
    provider: ProviderRef
    total: Money
    fulfilment: Fulfilment
    payment_method: PaymentMethod
    customer_name: str
    created_at: datetime


class SellerOrderList(Page):
    """One page of the shop's orders, newest first."""

    items: list[SellerOrderSummary]


class StatusAction(ResponseBody):
    """A status staff may move the order to now, with its button's label."""

    status: OrderStatus
    label: str
    needs_reason: bool = Field(description="Cancelling asks for a reason the customer reads.")


class SellerOrder(SellerOrderSummary):
    """One order as its shop's staff see it (never its pickup code: the customer shows it)."""

    items: list[OrderItem]
    items_total: Money
    delivery_fee: Money
    cash_confirmed: bool
    address: str | None
    delivery_slot: str | None
    phone: str | None
    comment: str
    cancel_reason: str | None
    actions: list[StatusAction]
    history: list[Transition]


class StatusChange(RequestBody):
    """Move the order to a status among its `actions`."""

    status: OrderStatus
    reason: str = Field(default="", max_length=MAX_REASON)


class PickupRequest(RequestBody):
    """The code read from the customer's pickup QR (or typed from under it)."""

    pickup_code: str = Field(
        pattern=PICKUP_CODE_PATTERN,
        examples=["123456", "123 456"],
        description="Six digits (a space or dash in the middle is fine).",
    )
    provider_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Only this shop's orders; else all of mine."
    )


class LowStockItem(ResponseBody):
    """A product running out."""

    product_id: int
    title: str
    stock: int
    threshold: int
    provider: ProviderRef


class LowStockList(ResponseBody):
    """Visible products below their shop's low-stock threshold, fewest first."""

    items: list[LowStockItem]


class SalesOut(ResponseBody):
    """Sales of a period: orders placed and not cancelled, refunded or awaiting payment."""

    period: Period
    since: datetime
    orders: int
    revenue: list[Money]


class TopProductOut(ResponseBody):
    """A best seller of this month."""

    product_id: int | None
    title: str
    quantity: int
    revenue: Money


class BalanceOut(ResponseBody):
    """The shop's money in one currency (from the ledger)."""

    available: Money
    on_hold: Money = Field(description="Held by payout requests waiting for the platform.")


class SellerReview(ResponseBody):
    """A review of the shop as its staff see it (hidden ones too, marked)."""

    id: int
    order_id: int
    rating: int
    text: str
    reply: str | None
    photo_url: str | None
    hidden: bool
    created_at: datetime


class SellerReviews(ResponseBody):
    """The shop's rating and its latest reviews."""

    rating: float | None = Field(description="Average of the visible reviews; null: none yet.")
    rating_count: int
    unanswered: int = Field(description="Visible reviews without a reply.")
    latest: list[SellerReview] = Field(description="Newest first, at most 5.")


class ReviewReplyIn(RequestBody):
    """The shop's answer to a review (the customer is told)."""

    text: str = Field(min_length=1, max_length=1000)


class SellerDashboard(ResponseBody):
    """A shop at a glance."""

    provider: ProviderRef
    sales: list[SalesOut]
    top_products: list[TopProductOut]
    balances: list[BalanceOut]
    waiting_orders: int
    low_stock: int
    reviews: SellerReviews
