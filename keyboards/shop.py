"""Callback data and keyboards of the customer's shop flows: catalog, cart, checkout, orders.

Every callback class has a short prefix and int/enum fields only (plus the checkout key and
the consent version), so the packed data stays far below Telegram's 64 bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    WebAppInfo,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder

from core.i18n import gettext as _
from core.texts import shorten
from keyboards.callbacks import MenuAction, MenuCB
from keyboards.support import support_entry

MAX_LIST_BUTTONS = 90
"""Telegram allows 100 buttons per keyboard; lists leave room for navigation."""
MAX_CART_CONTROL_LINES = 20
"""Cart lines with their own −/+/✖ row (4 buttons each); later lines are changed on the card."""

# Callback data ------------------------------------------------------------------------------


class CatalogView(StrEnum):
    """Screens of the catalog."""

    storefronts = "f"
    storefront = "s"
    products = "l"


class CatalogCB(CallbackData, prefix="ct"):
    """Browse: storefront list, one storefront, a page of products (category 0 = all)."""

    view: CatalogView
    provider_id: int = 0
    category_id: int = 0
    page: int = 1
    by_rating: bool = False
    """The storefront list: the best rated first (else by name)."""


class Origin(StrEnum):
    """Where a product card was opened from: its Back button returns there."""

    catalog = "c"
    search = "s"
    link = "l"
    cart = "k"


class ProductAction(StrEnum):
    """Buttons of a product card."""

    open = "o"
    quantity = "q"
    add = "a"
    noop = "n"


class ProductCB(CallbackData, prefix="pd"):
    """A product card; the chosen quantity and the way back travel with every button."""

    action: ProductAction
    product_id: int
    quantity: int = 1
    origin: Origin = Origin.catalog
    category_id: int = 0
    page: int = 1


class CartAction(StrEnum):
    """Buttons of the cart."""

    show = "s"
    set = "q"
    remove = "r"
    clear = "c"
    clear_confirmed = "cy"
    swap = "rp"
    acknowledge = "ok"
    checkout = "co"
    noop = "n"


class CartCB(CallbackData, prefix="cr"):
    """Cart actions; `set` carries the target quantity, so a double click sets it once."""

    action: CartAction
    product_id: int = 0
    quantity: int = 0


class CheckoutAction(StrEnum):
    """Buttons of the checkout conversation."""

    fulfilment = "f"
    slot = "sl"
    saved_phone = "ps"
    other_phone = "po"
    payment = "pm"
    skip_comment = "sk"
    place = "pl"
    restart = "rs"
    abort = "ab"
    promo = "pc"
    promo_back = "pb"
    points = "pt"


class CheckoutCB(CallbackData, prefix="co"):
    """A checkout step; `value` is the choice (fulfilment, slot code, method, checkout key)."""

    action: CheckoutAction
    value: str = ""


class CheckoutConsentCB(CallbackData, prefix="cc"):
    """Consent asked inside checkout; `version` makes a button of an older text stale."""

    accept: bool
    version: str


class OrdersAction(StrEnum):
    """Buttons of the customer's orders."""

    list = "l"
    open = "o"
    cancel = "c"
    cancel_confirmed = "cy"
    resend = "rs"


class OrdersCB(CallbackData, prefix="od"):
    """The customer's orders; ownership is checked on every press (forged ids: not found)."""

    action: OrdersAction
    order_id: int = 0
    page: int = 1


class SearchCB(CallbackData, prefix="sr"):
    """A page of the latest search results (the query itself is kept in the FSM data)."""

    page: int


# Building blocks ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Choice:
    """A button of a list: its label and what it does."""

    text: str
    callback_data: CallbackData


def _menu_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=_("⬅️ Menu"), callback_data=MenuCB(action=MenuAction.home).pack()
    )


def _pager(
    builder: InlineKeyboardBuilder,
    number: int,
    pages: int,
    make: type[CallbackData],
    **fields: object,
) -> None:
    """A ◀️ / ▶️ row for a paginated list (nothing when there is one page)."""
    if pages <= 1:
        return
    row: list[InlineKeyboardButton] = []
    if number > 1:
        row.append(
            InlineKeyboardButton(text="◀️", callback_data=make(page=number - 1, **fields).pack())
        )
    if number < pages:
        row.append(
            InlineKeyboardButton(text="▶️", callback_data=make(page=number + 1, **fields).pack())
        )
    builder.row(*row)


def _list(choices: Sequence[Choice]) -> InlineKeyboardBuilder:
    builder = InlineKeyboardBuilder()
    for choice in choices[:MAX_LIST_BUTTONS]:
        builder.row(
            InlineKeyboardButton(text=choice.text, callback_data=choice.callback_data.pack())
        )
    return builder


# Main menu entries ---------------------------------------------------------------------------


def catalog_entry() -> InlineKeyboardButton:
    """The main menu's Catalog button."""
    return InlineKeyboardButton(
        text=_("🛒 Catalog"), callback_data=CatalogCB(view=CatalogView.storefronts).pack()
    )


def after_adding() -> InlineKeyboardMarkup:
    """After a product went into the cart by a typed message: the cart, or back to the menu."""
    builder = InlineKeyboardBuilder()
    builder.row(cart_entry())
    builder.button(text=_("⬅️ Menu"), callback_data=MenuCB(action=MenuAction.home))
    return builder.as_markup()


def cart_entry() -> InlineKeyboardButton:
    """The main menu's Cart button."""
    return InlineKeyboardButton(
        text=_("🧺 Cart"), callback_data=CartCB(action=CartAction.show).pack()
    )


def orders_entry() -> InlineKeyboardButton:
    """The main menu's My orders button."""
    return InlineKeyboardButton(
        text=_("📦 My orders"), callback_data=OrdersCB(action=OrdersAction.list).pack()
    )


# Catalog -------------------------------------------------------------------------------------


def storefronts(
    choices: Sequence[Choice], number: int, pages: int, by_rating: bool = False
) -> InlineKeyboardMarkup:
    """One button per storefront, pages, the order switch and the way back to the menu."""
    builder = _list(choices)
    _pager(builder, number, pages, CatalogCB, view=CatalogView.storefronts, by_rating=by_rating)
    builder.row(
        InlineKeyboardButton(
            text=_("🔤 By name") if by_rating else _("⭐ By rating"),
            callback_data=CatalogCB(view=CatalogView.storefronts, by_rating=not by_rating).pack(),
        )
    )
    builder.row(_menu_button())
    return builder.as_markup()


def storefront(provider_id: int, categories: Sequence[Choice]) -> InlineKeyboardMarkup:
    """A storefront's categories, "All products", and back to the storefronts."""
    builder = _list(categories)
    builder.row(
        InlineKeyboardButton(
            text=_("📋 All products"),
            callback_data=CatalogCB(view=CatalogView.products, provider_id=provider_id).pack(),
        )
    )
    builder.row(
        InlineKeyboardButton(
            text=_("⬅️ Shops"), callback_data=CatalogCB(view=CatalogView.storefronts).pack()
        ),
        cart_entry(),
    )
    return builder.as_markup()


def products(
    choices: Sequence[Choice], provider_id: int, category_id: int, number: int, pages: int
) -> InlineKeyboardMarkup:
    """A page of products, ◀️ / ▶️, and back to the storefront."""
    builder = _list(choices)
    _pager(
        builder,
        number,
        pages,
        CatalogCB,
        view=CatalogView.products,
        provider_id=provider_id,
        category_id=category_id,
    )
    builder.row(
        InlineKeyboardButton(
            text=_("⬅️ Back"),
            callback_data=CatalogCB(view=CatalogView.storefront, provider_id=provider_id).pack(),
        ),
        cart_entry(),
    )
    return builder.as_markup()


@dataclass(frozen=True, slots=True)
class AppLink:
    """The product's page in the Mini App; `three_d` when it has a model to turn around."""

    url: str
    three_d: bool = False


def product_card(
    product_id: int,
    *,
    quantity: int,
    can_buy: bool,
    back: CallbackData,
    origin: Origin,
    category_id: int,
    page: int,
    app: AppLink | None = None,
) -> InlineKeyboardMarkup:
    """Quantity −/+, "Add to cart", the product in the Mini App, the cart and the way back."""
    builder = InlineKeyboardBuilder()

    def data(action: ProductAction, amount: int) -> str:
        return ProductCB(
            action=action,
            product_id=product_id,
            quantity=amount,
            origin=origin,
            category_id=category_id,
            page=page,
        ).pack()

    if can_buy:
        builder.row(
            InlineKeyboardButton(
                text="➖", callback_data=data(ProductAction.quantity, quantity - 1)
            ),
            InlineKeyboardButton(
                text=_("{count} pcs").format(count=quantity),
                callback_data=data(ProductAction.noop, quantity),
            ),
            InlineKeyboardButton(
                text="➕", callback_data=data(ProductAction.quantity, quantity + 1)
            ),
        )
        label = (
            _("🛒 Add to cart")
            if quantity == 1
            else _("🛒 Add {count} to cart").format(count=quantity)
        )
        builder.row(
            InlineKeyboardButton(text=label, callback_data=data(ProductAction.add, quantity))
        )
    if app is not None:
        text = _("🧊 View in 3D in the app") if app.three_d else _("📱 Open in the app")
        builder.row(InlineKeyboardButton(text=text, web_app=WebAppInfo(url=app.url)))
    builder.row(cart_entry(), InlineKeyboardButton(text=_("⬅️ Back"), callback_data=back.pack()))
    return builder.as_markup()


def replace_cart(product_id: int, quantity: int) -> InlineKeyboardMarkup:
    """Offer to replace a cart that holds another provider's products."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("🔄 Replace the cart"),
        callback_data=CartCB(action=CartAction.swap, product_id=product_id, quantity=quantity),
    )
    builder.button(text=_("🧺 Open my cart"), callback_data=CartCB(action=CartAction.show))
    builder.adjust(1)
    return builder.as_markup()


# Cart ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CartRow:
    """What the cart keyboard needs of one line."""

    number: int
    product_id: int
    title: str
    quantity: int
    available: bool


def cart(rows: Sequence[CartRow], *, has_changes: bool) -> InlineKeyboardMarkup:
    """Per-line −/+/✖, then checkout (or accepting the changes first), clear, catalog, menu."""
    builder = InlineKeyboardBuilder()
    for row in rows[:MAX_CART_CONTROL_LINES]:
        label = f"{row.number}. {shorten(row.title, 24)} × {row.quantity}"
        if not row.available:
            builder.row(
                InlineKeyboardButton(
                    text=label,
                    callback_data=CartCB(action=CartAction.noop, product_id=row.product_id).pack(),
                ),
                InlineKeyboardButton(
                    text="✖️",
                    callback_data=CartCB(
                        action=CartAction.remove, product_id=row.product_id
                    ).pack(),
                ),
            )
            continue
        builder.row(
            InlineKeyboardButton(
                text="➖",
                callback_data=CartCB(
                    action=CartAction.set, product_id=row.product_id, quantity=row.quantity - 1
                ).pack(),
            ),
            InlineKeyboardButton(
                text=label,
                callback_data=ProductCB(
                    action=ProductAction.open, product_id=row.product_id, origin=Origin.cart
                ).pack(),
            ),
            InlineKeyboardButton(
                text="➕",
                callback_data=CartCB(
                    action=CartAction.set, product_id=row.product_id, quantity=row.quantity + 1
                ).pack(),
            ),
            InlineKeyboardButton(
                text="✖️",
                callback_data=CartCB(action=CartAction.remove, product_id=row.product_id).pack(),
            ),
        )
    if has_changes:
        builder.row(
            InlineKeyboardButton(
                text=_("👌 Accept the changes"),
                callback_data=CartCB(action=CartAction.acknowledge).pack(),
            )
        )
    else:
        builder.row(
            InlineKeyboardButton(
                text=_("✅ Checkout"), callback_data=CartCB(action=CartAction.checkout).pack()
            )
        )
    builder.row(
        InlineKeyboardButton(
            text=_("🗑 Clear the cart"), callback_data=CartCB(action=CartAction.clear).pack()
        ),
        catalog_entry(),
    )
    builder.row(_menu_button())
    return builder.as_markup()


def empty_cart() -> InlineKeyboardMarkup:
    """The way out of an empty cart."""
    builder = InlineKeyboardBuilder()
    builder.row(catalog_entry())
    builder.row(_menu_button())
    return builder.as_markup()


def confirm_clear() -> InlineKeyboardMarkup:
    """Clear the cart, or keep it."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🗑 Yes, clear"), callback_data=CartCB(action=CartAction.clear_confirmed))
    builder.button(text=_("No, keep it"), callback_data=CartCB(action=CartAction.show))
    builder.adjust(2)
    return builder.as_markup()


# Checkout ------------------------------------------------------------------------------------


def _abort_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=_("✖️ Cancel checkout"), callback_data=CheckoutCB(action=CheckoutAction.abort).pack()
    )


def checkout_choices(
    action: CheckoutAction, choices: Sequence[tuple[str, str]], *, columns: int = 1
) -> InlineKeyboardMarkup:
    """One button per (label, value) of a checkout step, and "Cancel checkout"."""
    builder = InlineKeyboardBuilder()
    for label, value in choices:
        builder.button(text=label, callback_data=CheckoutCB(action=action, value=value))
    builder.adjust(columns)
    builder.row(_abort_button())
    return builder.as_markup()


def checkout_phone(phone: str) -> InlineKeyboardMarkup:
    """Use the phone we already know, or give another one."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("📱 Use {phone}").format(phone=phone),
        callback_data=CheckoutCB(action=CheckoutAction.saved_phone),
    )
    builder.button(
        text=_("Another number"), callback_data=CheckoutCB(action=CheckoutAction.other_phone)
    )
    builder.adjust(1)
    builder.row(_abort_button())
    return builder.as_markup()


def checkout_comment() -> InlineKeyboardMarkup:
    """Skip the comment."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Skip"), callback_data=CheckoutCB(action=CheckoutAction.skip_comment))
    builder.row(_abort_button())
    return builder.as_markup()


def checkout_confirm(
    checkout_key: str,
    promo_applied: bool = False,
    points_offer: int = 0,
    points_applied: int = 0,
) -> InlineKeyboardMarkup:
    """Place the order (bound to this confirmation's key), a promo code, points, start over,
    or cancel."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✅ Place order"),
        callback_data=CheckoutCB(action=CheckoutAction.place, value=checkout_key),
    )
    if promo_applied:
        builder.button(
            text=_("🏷 Remove the promo code"),
            callback_data=CheckoutCB(action=CheckoutAction.promo_back, value="remove"),
        )
    else:
        builder.button(
            text=_("🏷 Promo code"), callback_data=CheckoutCB(action=CheckoutAction.promo)
        )
    if points_applied:
        builder.button(
            text=_("⭐ Do not use points"),
            callback_data=CheckoutCB(action=CheckoutAction.points, value="0"),
        )
    elif points_offer:
        builder.button(
            text=_("⭐ Use {count} points").format(count=points_offer),
            callback_data=CheckoutCB(action=CheckoutAction.points, value=str(points_offer)),
        )
    builder.button(
        text=_("✏️ Change details"), callback_data=CheckoutCB(action=CheckoutAction.restart)
    )
    builder.adjust(1)
    builder.row(_abort_button())
    return builder.as_markup()


def checkout_promo() -> InlineKeyboardMarkup:
    """While the promo code is asked: back to the order without one, or cancel."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("↩️ Without a promo code"),
        callback_data=CheckoutCB(action=CheckoutAction.promo_back),
    )
    builder.row(_abort_button())
    return builder.as_markup()


def checkout_consent(version: str) -> InlineKeyboardMarkup:
    """Accept or decline the processing of personal data (the labels of the profile's screen)."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✅ I agree"), callback_data=CheckoutConsentCB(accept=True, version=version)
    )
    builder.button(
        text=_("✖️ Decline"), callback_data=CheckoutConsentCB(accept=False, version=version)
    )
    builder.adjust(2)
    return builder.as_markup()


def request_location() -> ReplyKeyboardMarkup:
    """Share a location instead of typing the address; Cancel leaves the checkout."""
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=_("📍 Send my location"), request_location=True)],
            [KeyboardButton(text=_("Cancel"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=_("Street, house, flat"),
    )


def order_placed(order_id: int) -> InlineKeyboardMarkup:
    """After placing: the order card, or the menu."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("📦 Open the order"),
        callback_data=OrdersCB(action=OrdersAction.open, order_id=order_id),
    )
    builder.adjust(1)
    builder.row(_menu_button())
    return builder.as_markup()


def back_to_cart() -> InlineKeyboardMarkup:
    """Back to the cart, or the menu."""
    builder = InlineKeyboardBuilder()
    builder.row(cart_entry())
    builder.row(_menu_button())
    return builder.as_markup()


# Orders --------------------------------------------------------------------------------------


def orders(choices: Sequence[Choice], number: int, pages: int) -> InlineKeyboardMarkup:
    """A page of the customer's orders."""
    builder = _list(choices)
    _pager(builder, number, pages, OrdersCB, action=OrdersAction.list)
    builder.row(_menu_button())
    return builder.as_markup()


def order_card(
    order_id: int, *, can_cancel: bool, page: int, can_resend: bool = False
) -> InlineKeyboardMarkup:
    """Send the files again (paid digital goods), cancel (when the customer still may), back
    to the list."""
    builder = InlineKeyboardBuilder()
    if can_resend:
        builder.button(
            text=_("📥 Send my files again"),
            callback_data=OrdersCB(action=OrdersAction.resend, order_id=order_id, page=page),
        )
    if can_cancel:
        builder.button(
            text=_("✖️ Cancel order"),
            callback_data=OrdersCB(action=OrdersAction.cancel, order_id=order_id, page=page),
        )
    builder.add(support_entry(order_id))
    builder.button(
        text=_("⬅️ My orders"), callback_data=OrdersCB(action=OrdersAction.list, page=page)
    )
    builder.adjust(1)
    return builder.as_markup()


def confirm_cancel(order_id: int, page: int) -> InlineKeyboardMarkup:
    """Confirm cancelling an order."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Yes, cancel the order"),
        callback_data=OrdersCB(action=OrdersAction.cancel_confirmed, order_id=order_id, page=page),
    )
    builder.button(
        text=_("No, keep it"),
        callback_data=OrdersCB(action=OrdersAction.open, order_id=order_id, page=page),
    )
    builder.adjust(1)
    return builder.as_markup()


# Search --------------------------------------------------------------------------------------


def search_results(choices: Sequence[Choice], number: int, pages: int) -> InlineKeyboardMarkup:
    """Found products as buttons, pages, and the way back to the menu."""
    builder = _list(choices)
    _pager(builder, number, pages, SearchCB)
    builder.row(catalog_entry(), _menu_button())
    return builder.as_markup()


def order_in_app(url: str) -> InlineKeyboardButton:
    """Open the order (its payment, status and pickup code) in the Mini App."""
    return InlineKeyboardButton(text=_("📱 Open the order in the app"), web_app=WebAppInfo(url=url))
