"""The shop API's request and response bodies; the OpenAPI document is generated from them.

Requests are strict (no "2" for 2, no `true` for 1, no unknown fields) so a client's mistake
is a clear 422, never a silent guess; an integral number such as 2.0 is the integer it equals.
Money is always integer minor units with its currency, plus a string formatted for the
request's language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from db.models import (
    ActorRole,
    Fulfilment,
    OrderStatus,
    PaymentChannel,
    PaymentMethod,
    PaymentStatus,
    ProductKind,
    ProviderKind,
    Role,
)
from services.cart import MAX_QUANTITY
from services.checkout import MAX_ADDRESS, MAX_COMMENT, MIN_ADDRESS

MAX_ID = 2**31 - 1
"""Ids are 32-bit in the database; larger numbers cannot name anything."""
MAX_PAGE = 10_000
PHONE_PATTERN = r"^\+?[0-9][0-9 ()-]{4,30}$"


def _integral(value: object) -> object:
    """JSON has one kind of number: 80.0 is the integer 80 (80.5 and `true` stay refused)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


JsonInt = Annotated[int, BeforeValidator(_integral)]
"""An integer of a JSON body: a number without a fraction, whether written 80 or 80.0."""
OptionalId = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_integral)] | None
"""An optional id in a JSON body (its range in the schema, inside the `anyOf`)."""


class RequestBody(BaseModel):
    """A JSON body sent by the client: exact types, no unknown fields."""

    model_config = ConfigDict(extra="forbid", strict=True)


class QueryParams(BaseModel):
    """Query-string parameters: text converted to numbers; unknown ones (e.g. `lang`) ignored."""

    model_config = ConfigDict(extra="ignore")


class ResponseBody(BaseModel):
    """A JSON body sent by the server: every field is always present."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


# Errors ------------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    """What went wrong: a stable code and a localized, HTML-escaped message."""

    code: str = Field(examples=["not_found", "invalid_input", "sold_out", "consent_required"])
    message: str
    field: str | None = Field(
        default=None, description="The offending input (only for `invalid_input`)."
    )


class ErrorBody(ResponseBody):
    """Every error response."""

    error: ErrorDetail


# Shared pieces ---------------------------------------------------------------------------


class Money(ResponseBody):
    """An amount in minor units (kopecks; Stars are whole) with its currency."""

    amount: int = Field(description="Integer minor units, never a float.")
    currency: str = Field(examples=["RUB", "XTR"])
    formatted: str = Field(description="For people, in the request's language.")


class Page(ResponseBody):
    """Paging of a list; an out-of-range page is answered with the nearest one."""

    page: int
    pages: int
    total: int


class ProviderRef(ResponseBody):
    """A provider named from elsewhere."""

    id: int
    slug: str
    name: str


class CategoryOut(ResponseBody):
    """A category of a storefront."""

    id: int
    title: str


# Catalog -----------------------------------------------------------------------------------


class Storefront(ResponseBody):
    """A shop or tutor with the seller details 54-FZ asks to show."""

    id: int
    slug: str
    kind: ProviderKind
    name: str
    description: str
    legal_name: str
    inn: str
    rating: float | None = Field(description="Average of visible reviews, 1–5; null when none")
    reviews_count: int


class Catalog(ResponseBody):
    """Every open storefront, shops first."""

    items: list[Storefront]


class CheckoutOptions(ResponseBody):
    """What the provider offers at checkout."""

    pickup: bool
    delivery: bool
    cash: bool
    pickup_address: str
    delivery_fee: Money


class ProviderOut(Storefront):
    """A storefront with its categories and checkout options."""

    categories: list[CategoryOut]
    checkout: CheckoutOptions


class Stock(ResponseBody):
    """Whether it can be bought; `available` only for goods that have stock."""

    state: Literal["in_stock", "sold_out", "not_tracked"]
    available: int | None
    label: str = Field(description="For people, in the request's language.")


class ProductSummary(ResponseBody):
    """A product in a list."""

    id: int
    provider_id: int
    title: str
    kind: ProductKind
    price: Money
    stock: Stock
    thumbnail_url: str | None
    rating: float | None = Field(description="Average of visible reviews of orders with it")
    reviews_count: int


class ProductList(Page):
    """One page of products."""

    items: list[ProductSummary]


class Photo(ResponseBody):
    """A product photo and its thumbnail."""

    url: str
    thumbnail_url: str


class PersonalTextOption(ResponseBody):
    """What the customer is asked for a product made with their own text (an engraved name)."""

    prompt: str
    max_length: int


class ProductCard(ResponseBody):
    """Everything about one product."""

    id: int
    provider: ProviderRef
    category: CategoryOut | None
    sku: str
    kind: ProductKind
    title: str
    description: str
    price: Money
    stock: Stock
    photo_url: str | None
    thumbnail_url: str | None
    photos: list[Photo]
    rating: float | None = Field(description="Average of visible reviews of orders with it")
    reviews_count: int
    model_url: str | None = Field(description="A glTF/GLB 3D model, when the product has one.")
    personal_text: PersonalTextOption | None = Field(
        description="Set: the product is made with the customer's own text, required when it "
        "is added to the cart."
    )


class ProductsQuery(QueryParams):
    """Which products of a storefront."""

    category: int | None = Field(default=None, ge=1, le=MAX_ID)
    page: int = Field(default=1, ge=1, le=MAX_PAGE)


class SearchQuery(QueryParams):
    """Text search over titles and descriptions (every word must match)."""

    q: str = Field(min_length=1, max_length=200)
    page: int = Field(default=1, ge=1, le=MAX_PAGE)


class ProvidersQuery(QueryParams):
    """The order of the storefront list."""

    order: Literal["name", "rating"] = Field(
        default="name",
        description="`name`: shops first, by name; `rating`: the best damped rating first "
        "(Bayesian average, see README), then by name.",
    )


class PageQuery(QueryParams):
    """A page number."""

    page: int = Field(default=1, ge=1, le=MAX_PAGE)


# Cart --------------------------------------------------------------------------------------


class CartLine(ResponseBody):
    """A cart line at current prices."""

    product_id: int
    title: str
    kind: ProductKind
    quantity: int
    price: Money
    price_seen: Money = Field(description="The price when the customer last saw it.")
    subtotal: Money
    available: bool
    stock: Stock
    thumbnail_url: str | None
    personal_text: str | None = Field(description="The customer's text for the product.")
    design_id: int | None = Field(
        default=None, description="The customer's picture of a custom product (GET /designs/{id})."
    )


class CartChange(ResponseBody):
    """Something the customer must see before ordering."""

    product_id: int
    kind: Literal["price_changed", "unavailable", "short_of_stock"]
    message: str = Field(description="Localized, HTML-escaped.")
    old_price: Money | None
    new_price: Money | None
    available: int | None


class Cart(ResponseBody):
    """The one cart of the person, shared with the chat."""

    items: list[CartLine]
    provider: ProviderRef | None
    total: Money
    changes: list[CartChange] = Field(
        description="Non-empty: checkout answers `cart_changed` until POST /cart/acknowledge."
    )


class AddToCart(RequestBody):
    """Add a product; a cart holds one provider's products."""

    product_id: JsonInt = Field(ge=1, le=MAX_ID)
    quantity: JsonInt = Field(default=1, ge=1, le=MAX_QUANTITY)
    replace: bool = Field(default=False, description="Empty a cart of another provider first.")
    personal_text: str | None = Field(
        default=None,
        max_length=200,
        description="Required for a product made with a personal text (see `personal_text` of "
        "the product), up to its `max_length`; refused for other products.",
    )
    design_id: OptionalId = Field(
        default=None,
        description="The person's design (POST /products/{id}/designs): required for a custom "
        "product with a template (GET /products/{id}/template), refused for other products.",
    )


class SetQuantity(RequestBody):
    """A new quantity; 0 removes the line."""

    quantity: JsonInt = Field(ge=0, le=MAX_QUANTITY)


# Checkout and orders -------------------------------------------------------------------------


class DeliverySlot(ResponseBody):
    """A delivery window that can still be chosen, in the shop's time zone."""

    id: str = Field(description="Send it as `delivery_slot`.", examples=["2025052110"])
    start: datetime
    end: datetime
    label: str = Field(description="For people, in the request's language.")


class ContactNeeds(ResponseBody):
    """Personal data the checkout may need, and whether the person allowed collecting it."""

    delivery_phone: bool = Field(
        description="Delivery is offered and needs a phone (the courier calls it)."
    )
    receipt_contact: bool = Field(
        description="Paying through YooKassa needs an e-mail or phone for the 54-FZ receipt "
        "and the profile has none: send a phone here or one with the payment."
    )
    consent: bool = Field(
        description="Consent to the processing of personal data is given; without it a "
        "phone, address or location is refused with `consent_required`."
    )
    has_phone: bool = Field(description="The profile's phone can be used (consent given).")


class CheckoutQuery(QueryParams):
    """A promo code to price the cart with."""

    promo_code: str | None = Field(
        default=None,
        max_length=32,
        description="Refused with `promo_refused` (its `reason` says why) when it does not fit.",
    )
    points: JsonInt | None = Field(
        default=None,
        ge=0,
        le=10**9,
        description="Loyalty points to pay with; more than `quote.points_max` is 422 `points`.",
    )


class Quote(ResponseBody):
    """What the order will cost: goods, the promo code's discount, delivery when chosen."""

    items_total: Money
    promo_code: str | None = Field(description="The code applied, upper-cased; null: none.")
    discount: Money
    points_balance: int = Field(description="The person's loyalty points (1 point = 1 ₽).")
    points_max: int = Field(description="The most points this order may be paid with.")
    points: int = Field(description="The points asked for, applied.")
    points_value: Money = Field(description="What those points pay.")
    total_pickup: Money = Field(description="Goods minus the discount and points.")
    total_delivery: Money = Field(description="Goods minus the discount and points, plus delivery.")


class CheckoutOffer(ResponseBody):
    """What the caller's cart can be checked out with now (the chat offers the same)."""

    provider: ProviderRef
    digital_only: bool = Field(
        description="Digital goods, handed over in the chat: only `pickup`, never cash."
    )
    fulfilments: list[Fulfilment] = Field(description="Empty: the shop takes no orders now.")
    pickup_address: str
    delivery_fee: Money
    delivery_slots: list[DeliverySlot] = Field(
        description="Free windows that have not started; empty unless delivery is offered."
    )
    payment_methods: list[PaymentMethod]
    payment_channels: list[PaymentChannel] = Field(
        description="How an online order can be paid; empty: online payment is unavailable."
    )
    contact: ContactNeeds
    quote: Quote


class CheckoutRequest(RequestBody):
    """The customer's choices, one of GET /checkout/options each; phone, address and location
    need personal-data consent."""

    fulfilment: Fulfilment
    payment_method: PaymentMethod
    address: str | None = Field(
        default=None,
        max_length=MAX_ADDRESS,
        description=f"Delivery: at least {MIN_ADDRESS} characters, or a location instead.",
    )
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    delivery_slot: str | None = Field(
        default=None,
        max_length=64,
        description="Delivery: the `id` of one of the options' `delivery_slots`.",
        examples=["2025052110"],
    )
    phone: str | None = Field(
        default=None,
        max_length=32,
        description="Delivery needs one (stored as +79991234567); the profile's phone is used "
        "when left out.",
    )
    comment: str = Field(default="", max_length=MAX_COMMENT)
    promo_code: str | None = Field(
        default=None,
        max_length=32,
        description="A promo code, checked again when the order is placed; refused with "
        "`promo_refused` (used up meanwhile included).",
    )
    points: JsonInt | None = Field(
        default=None,
        ge=0,
        le=10**9,
        description="Loyalty points to pay with (up to the options' `quote.points_max`).",
    )


class OrderItem(ResponseBody):
    """A line of an order, frozen when it was placed."""

    product_id: int | None
    title: str
    kind: ProductKind
    quantity: int
    price: Money
    subtotal: Money
    personal_text: str | None
    design_id: int | None = Field(
        default=None, description="The customer's picture the seller prints (GET /designs/{id})."
    )


class Transition(ResponseBody):
    """One status change."""

    from_status: OrderStatus | None
    to_status: OrderStatus
    status_name: str = Field(description="`to_status` for people, in the request's language.")
    actor_role: ActorRole
    reason: str
    at: datetime


class OrderSummary(ResponseBody):
    """An order in a list."""

    id: int
    status: OrderStatus
    status_name: str
    provider: ProviderRef
    total: Money
    created_at: datetime


class OrderList(Page):
    """One page of the person's orders, newest first."""

    items: list[OrderSummary]


class Order(OrderSummary):
    """One order with its lines and history."""

    fulfilment: Fulfilment
    payment_method: PaymentMethod
    items: list[OrderItem]
    items_total: Money
    delivery_fee: Money
    discount: Money = Field(description="Taken off the goods by a promo code and points.")
    points_spent: int = Field(description="Loyalty points paid with (part of `discount`).")
    address: str | None
    latitude: float | None
    longitude: float | None
    delivery_slot: str | None
    phone: str | None
    comment: str
    pickup_code: str
    expires_at: datetime | None = Field(description="An unpaid order is cancelled then.")
    cancel_reason: str | None
    can_cancel: bool
    can_resend_files: bool = Field(
        description="Paid digital goods that POST /orders/{id}/files sends to the chat again."
    )
    payment_channels: list[PaymentChannel] = Field(
        description="How the order can be paid now (POST /orders/{id}/payments); empty when "
        "it does not wait for payment."
    )
    receipt_contact_required: bool = Field(
        default=False,
        description="Paying by `yookassa` needs an `email` or `phone` for the 54-FZ receipt "
        "(the order and the profile have none).",
    )
    history: list[Transition]


class Me(ResponseBody):
    """The signed-in person."""

    id: str
    telegram_id: int
    first_name: str
    last_name: str | None
    username: str | None
    locale: Literal["ru", "en"]
    role: Role
    has_phone: bool
    consent: bool = Field(
        description="Consent to the processing of personal data, to the current policy "
        "version (given or withdrawn in the bot with /privacy)."
    )
    is_staff: bool = Field(
        default=False,
        description="On the staff of a shop: the Mini App offers seller mode (/seller/...).",
    )


class MeUpdate(RequestBody):
    """What the person changes about themselves."""

    locale: Literal["ru", "en"]


class PayRequest(RequestBody):
    """How to pay; YooKassa sends a 54-FZ receipt, so it needs an e-mail or phone (with
    personal-data consent) unless the order or the profile has a phone."""

    channel: PaymentChannel
    email: str | None = Field(default=None, min_length=5, max_length=254)
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN)


class PaymentOut(ResponseBody):
    """An attempt to pay an order: open `confirmation_url` (YooKassa) in a browser, or pass
    `invoice_link` (Telegram Payments, Stars) to Telegram.WebApp.openInvoice."""

    id: int
    order_id: int
    channel: PaymentChannel
    status: PaymentStatus
    amount: Money
    confirmation_url: str | None
    invoice_link: str | None
