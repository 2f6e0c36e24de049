"""Callback data and keyboards of the provider's /shop menu and of order pushes.

Every callback that acts on a shop carries its provider id; handlers re-check that the person
owns it (services.catalog.owned_provider), so a forged id gets "not found".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import TypeVar

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from core.i18n import gettext as _
from core.texts import staff_action
from db.models import Category, Order, OrderStatus, Product, ProductKind, Provider
from keyboards.designs import template_entry
from services import orders
from services.catalog import Page, tracks_stock

ORDER_GROUP_ROWS = 2
T = TypeVar("T")


class ShopAction(StrEnum):
    """Screens of the /shop menu."""

    menu = "m"
    pick = "k"
    add = "a"
    products = "p"
    pickup = "q"


class ShopCB(CallbackData, prefix="vs"):
    """A /shop screen of one provider (`provider_id` 0 for the shop picker)."""

    action: ShopAction
    provider_id: int = 0
    page: int = 1


class ProductAction(StrEnum):
    """What a provider does with one of their products."""

    open = "o"
    retitle = "t"
    description = "d"
    price = "p"
    category = "c"
    hide = "h"
    show = "s"
    restock = "r"
    photos = "f"
    personal_text = "n"


class ProductCB(CallbackData, prefix="vp"):
    """A product of the provider's catalog; `page` is the list page to go back to."""

    action: ProductAction
    provider_id: int
    product_id: int
    page: int = 1


class KindCB(CallbackData, prefix="vk"):
    """The kind of a new product."""

    kind: ProductKind


class CategoryCB(CallbackData, prefix="vc"):
    """An existing category chosen for a product."""

    category_id: int


class DraftAction(StrEnum):
    """Buttons of the product conversations."""

    skip = "s"
    done = "d"
    save = "v"
    discard = "x"


class DraftCB(CallbackData, prefix="vd"):
    """Skip a step, finish the photos, save or discard the new product."""

    action: DraftAction


class OrderGroup(StrEnum):
    """The provider's order lists, by what the orders wait for."""

    new = "n"
    accepted = "a"
    in_work = "w"
    ready = "r"
    completed = "d"
    cancelled = "x"


class OrdersCB(CallbackData, prefix="vo"):
    """The provider's orders: the groups (no `group`) or one group's page."""

    provider_id: int
    group: OrderGroup | None = None
    page: int = 1


class OrderCB(CallbackData, prefix="vn"):
    """Open one order's card from a list."""

    provider_id: int
    order_id: int
    group: OrderGroup | None = None
    page: int = 1


class BalanceAction(StrEnum):
    """The balance screen of /shop and its payout request."""

    show = "s"
    ask = "a"
    confirm = "c"


class BalanceCB(CallbackData, prefix="vb"):
    """The shop's balance; `currency` and `amount` (minor units) of the payout asked for."""

    action: BalanceAction
    provider_id: int
    currency: str = ""
    amount: int = 0


class OrderActionCB(CallbackData, prefix="va"):
    """Move an order to `to`; `group`/`page` lead back to the list the card came from."""

    provider_id: int
    order_id: int
    to: OrderStatus
    group: OrderGroup | None = None
    page: int = 1


# The /shop menu --------------------------------------------------------------------------------


def shop_picker(providers: Sequence[Provider]) -> InlineKeyboardMarkup:
    """One button per owned provider."""
    builder = InlineKeyboardBuilder()
    for provider in providers:
        builder.button(
            text="🏪 " + provider.name,
            callback_data=ShopCB(action=ShopAction.menu, provider_id=provider.id),
        )
    builder.adjust(1)
    return builder.as_markup()


def shop_menu(provider_id: int, *, several: bool) -> InlineKeyboardMarkup:
    """Add a product, the product list, the orders (and switching shops)."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("➕ Add product"),
        callback_data=ShopCB(action=ShopAction.add, provider_id=provider_id),
    )
    builder.button(
        text=_("📦 My products"),
        callback_data=ShopCB(action=ShopAction.products, provider_id=provider_id),
    )
    builder.button(text=_("🧾 Orders"), callback_data=OrdersCB(provider_id=provider_id))
    builder.button(
        text=_("🔑 Pickup code"),
        callback_data=ShopCB(action=ShopAction.pickup, provider_id=provider_id),
    )
    builder.button(
        text=_("💰 Balance and payouts"),
        callback_data=BalanceCB(action=BalanceAction.show, provider_id=provider_id),
    )
    if several:
        builder.button(text=_("🔄 Other shop"), callback_data=ShopCB(action=ShopAction.pick))
    builder.adjust(1)
    return builder.as_markup()


def balance(provider_id: int, requestable: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    """A "request a payout" button per (currency, formatted available amount), back to shop."""
    builder = InlineKeyboardBuilder()
    for currency, amount in requestable:
        builder.button(
            text=_("Request a payout of {amount}").format(amount=amount),
            callback_data=BalanceCB(
                action=BalanceAction.ask, provider_id=provider_id, currency=currency
            ),
        )
    builder.button(
        text=_("⬅️ Shop"), callback_data=ShopCB(action=ShopAction.menu, provider_id=provider_id)
    )
    builder.adjust(1)
    return builder.as_markup()


def confirm_payout(
    provider_id: int, currency: str, amount: int, amount_text: str
) -> InlineKeyboardMarkup:
    """Confirm the payout request of exactly `amount`, or go back to the balance."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✅ Request {amount}").format(amount=amount_text),
        callback_data=BalanceCB(
            action=BalanceAction.confirm, provider_id=provider_id, currency=currency, amount=amount
        ),
    )
    builder.button(
        text=_("⬅️ Back"),
        callback_data=BalanceCB(action=BalanceAction.show, provider_id=provider_id),
    )
    builder.adjust(1)
    return builder.as_markup()


def pickup_done(provider_id: int) -> InlineKeyboardMarkup:
    """After a pickup code: type another one, or back to the shop menu."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("🔑 Another code"),
        callback_data=ShopCB(action=ShopAction.pickup, provider_id=provider_id),
    )
    builder.button(
        text=_("⬅️ Shop"), callback_data=ShopCB(action=ShopAction.menu, provider_id=provider_id)
    )
    builder.adjust(1)
    return builder.as_markup()


def back_to_shop(provider_id: int) -> InlineKeyboardMarkup:
    """A single button back to the shop menu."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("⬅️ Shop"), callback_data=ShopCB(action=ShopAction.menu, provider_id=provider_id)
    )
    return builder.as_markup()


def _pager(
    builder: InlineKeyboardBuilder, page: Page[T], make: Callable[[int], CallbackData]
) -> int:
    """Add ◀️ n/N ▶️ buttons; returns how many were added. `make(page)` builds callback data."""
    buttons = 0
    if page.number > 1:
        builder.button(text="◀️", callback_data=make(page.number - 1))
        buttons += 1
    if page.pages > 1:
        builder.button(text=f"{page.number}/{page.pages}", callback_data=make(page.number))
        buttons += 1
    if page.number < page.pages:
        builder.button(text="▶️", callback_data=make(page.number + 1))
        buttons += 1
    return buttons


def products_list(
    provider_id: int, page: Page[Product], labels: Sequence[str]
) -> InlineKeyboardMarkup:
    """One button per product (labels made by the handler), paging, add and back."""
    builder = InlineKeyboardBuilder()
    for product, label in zip(page.items, labels, strict=True):
        builder.button(
            text=label,
            callback_data=ProductCB(
                action=ProductAction.open,
                provider_id=provider_id,
                product_id=product.id,
                page=page.number,
            ),
        )
    paging = _pager(
        builder,
        page,
        lambda number: ShopCB(action=ShopAction.products, provider_id=provider_id, page=number),
    )
    builder.button(
        text=_("➕ Add product"),
        callback_data=ShopCB(action=ShopAction.add, provider_id=provider_id),
    )
    builder.button(
        text=_("⬅️ Shop"), callback_data=ShopCB(action=ShopAction.menu, provider_id=provider_id)
    )
    builder.adjust(*([1] * len(page.items)), *([paging] if paging else []), 2)
    return builder.as_markup()


def product_manage(provider_id: int, product: Product, page: int) -> InlineKeyboardMarkup:
    """Edit each field, hide or show, restock (goods with stock), photos, back to the list."""

    def cb(action: ProductAction) -> ProductCB:
        return ProductCB(action=action, provider_id=provider_id, product_id=product.id, page=page)

    builder = InlineKeyboardBuilder()
    builder.button(text=_("✏️ Title"), callback_data=cb(ProductAction.retitle))
    builder.button(text=_("📝 Description"), callback_data=cb(ProductAction.description))
    builder.button(text=_("💰 Price"), callback_data=cb(ProductAction.price))
    builder.button(text=_("🗂 Category"), callback_data=cb(ProductAction.category))
    if product.is_active:
        builder.button(text=_("🙈 Hide"), callback_data=cb(ProductAction.hide))
    else:
        builder.button(text=_("👁 Show"), callback_data=cb(ProductAction.show))
    if tracks_stock(product):
        builder.button(text=_("📦 Restock"), callback_data=cb(ProductAction.restock))
    builder.button(text=_("🖼 Photos"), callback_data=cb(ProductAction.photos))
    builder.button(text=_("✍️ Personal text"), callback_data=cb(ProductAction.personal_text))
    builder.button(
        text=_("🎨 Picture template"), callback_data=template_entry(provider_id, product.id)
    )
    builder.button(
        text=_("⬅️ My products"),
        callback_data=ShopCB(action=ShopAction.products, provider_id=provider_id, page=page),
    )
    builder.adjust(2)
    return builder.as_markup()


def back_to_product(provider_id: int, product_id: int, page: int) -> InlineKeyboardMarkup:
    """Leave an edit prompt without changing anything."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("⬅️ Back"),
        callback_data=ProductCB(
            action=ProductAction.open, provider_id=provider_id, product_id=product_id, page=page
        ),
    )
    return builder.as_markup()


def open_product(provider_id: int, product_id: int) -> InlineKeyboardMarkup:
    """A push's button that opens the product's manage screen."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("📦 Open product"),
        callback_data=ProductCB(
            action=ProductAction.open, provider_id=provider_id, product_id=product_id
        ),
    )
    return builder.as_markup()


# The product conversations -----------------------------------------------------------------


def kind_name(kind: ProductKind) -> str:
    """The product kind as the provider calls it."""
    names = {
        ProductKind.physical: _("📦 Physical goods"),
        ProductKind.digital: _("💾 Digital (priced in Stars)"),
        ProductKind.service: _("🎓 Service"),
        ProductKind.custom: _("🎨 Custom-made"),
    }
    return names[ProductKind(kind)]


NEW_PRODUCT_KINDS = (ProductKind.physical, ProductKind.digital, ProductKind.service)


def kinds() -> InlineKeyboardMarkup:
    """The kinds a provider can add in chat."""
    builder = InlineKeyboardBuilder()
    for kind in NEW_PRODUCT_KINDS:
        builder.button(text=kind_name(kind), callback_data=KindCB(kind=kind))
    builder.adjust(1)
    return builder.as_markup()


def skip() -> InlineKeyboardMarkup:
    """A single "Skip" button."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("⏭ Skip"), callback_data=DraftCB(action=DraftAction.skip))
    return builder.as_markup()


def categories(
    existing: Sequence[Category], *, skip_text: str | None = None, back: ProductCB | None = None
) -> InlineKeyboardMarkup:
    """Existing categories as buttons, then "Skip" (or another label for it) and "Back"."""
    builder = InlineKeyboardBuilder()
    for category in existing:
        builder.button(text=category.title, callback_data=CategoryCB(category_id=category.id))
    builder.button(text=skip_text or _("⏭ Skip"), callback_data=DraftCB(action=DraftAction.skip))
    if back is not None:
        builder.button(text=_("⬅️ Back"), callback_data=back)
    builder.adjust(2)
    return builder.as_markup()


def edit_with_skip(
    provider_id: int, product_id: int, page: int, skip_text: str
) -> InlineKeyboardMarkup:
    """An edit prompt's "clear the value" button and "Back"."""
    builder = InlineKeyboardBuilder()
    builder.button(text=skip_text, callback_data=DraftCB(action=DraftAction.skip))
    builder.button(
        text=_("⬅️ Back"),
        callback_data=ProductCB(
            action=ProductAction.open, provider_id=provider_id, product_id=product_id, page=page
        ),
    )
    builder.adjust(2)
    return builder.as_markup()


def photos_prompt(count: int, *, can_skip: bool = True) -> InlineKeyboardMarkup:
    """ "Done" once there are photos, "Skip" before."""
    builder = InlineKeyboardBuilder()
    if count or not can_skip:
        builder.button(text=_("✅ Done"), callback_data=DraftCB(action=DraftAction.done))
    else:
        builder.button(text=_("⏭ Skip"), callback_data=DraftCB(action=DraftAction.skip))
    return builder.as_markup()


def confirm_product() -> InlineKeyboardMarkup:
    """Save or discard the new product."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("💾 Save"), callback_data=DraftCB(action=DraftAction.save))
    builder.button(text=_("🗑 Discard"), callback_data=DraftCB(action=DraftAction.discard))
    builder.adjust(2)
    return builder.as_markup()


# Orders ----------------------------------------------------------------------------------------


def order_groups(
    provider_id: int, labels: Sequence[tuple[OrderGroup, str]]
) -> InlineKeyboardMarkup:
    """One button per order group (labels with counts made by the handler), back to the shop."""
    builder = InlineKeyboardBuilder()
    for group, label in labels:
        builder.button(text=label, callback_data=OrdersCB(provider_id=provider_id, group=group))
    builder.button(
        text=_("⬅️ Shop"), callback_data=ShopCB(action=ShopAction.menu, provider_id=provider_id)
    )
    builder.adjust(ORDER_GROUP_ROWS)
    return builder.as_markup()


def orders_list(
    provider_id: int, group: OrderGroup, page: Page[Order], labels: Sequence[str]
) -> InlineKeyboardMarkup:
    """One button per order, paging, back to the groups."""
    builder = InlineKeyboardBuilder()
    for order, label in zip(page.items, labels, strict=True):
        builder.button(
            text=label,
            callback_data=OrderCB(
                provider_id=provider_id, order_id=order.id, group=group, page=page.number
            ),
        )
    paging = _pager(
        builder, page, lambda number: OrdersCB(provider_id=provider_id, group=group, page=number)
    )
    builder.button(text=_("⬅️ Orders"), callback_data=OrdersCB(provider_id=provider_id))
    builder.adjust(*([1] * len(page.items)), *([paging] if paging else []), 1)
    return builder.as_markup()


def action_label(order: Order, to: OrderStatus) -> str:
    """The button that moves the order to `to`."""
    return staff_action(order.status, to, order.payment_method, order.cash_confirmed)


def order_actions(
    order: Order, *, group: OrderGroup | None = None, page: int = 1
) -> InlineKeyboardMarkup | None:
    """The provider's next steps for this order; a back button when opened from a list."""
    builder = InlineKeyboardBuilder()
    targets = orders.allowed_targets(order, orders.R.provider)
    # Rejection last: the safe, forward action comes first under the thumb.
    targets.sort(key=lambda to: to is OrderStatus.cancelled)
    for to in targets:
        builder.button(
            text=action_label(order, to),
            callback_data=OrderActionCB(
                provider_id=order.provider_id, order_id=order.id, to=to, group=group, page=page
            ),
        )
    if group is not None:
        builder.button(
            text=_("⬅️ Back"),
            callback_data=OrdersCB(provider_id=order.provider_id, group=group, page=page),
        )
    if not targets and group is None:
        return None
    builder.adjust(1)
    return builder.as_markup()
