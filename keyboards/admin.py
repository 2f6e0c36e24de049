"""Callback data and keyboards of the admin panel (/admin)."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from core.i18n import gettext as _
from core.texts import shorten
from db.models import Order, OrderStatus, Payout, Product, Provider, ProviderKind
from services.admin import OrderPeriod
from services.catalog import Page

T = TypeVar("T")


class AdminAction(StrEnum):
    """Sections of the admin menu."""

    menu = "menu"
    providers = "prv"
    moderation = "mod"
    orders = "ord"
    find_order = "fnd"
    csv = "csv"
    new_provider = "new"
    payouts = "pay"
    stats = "st"
    people = "ppl"
    audit = "aud"
    broadcast = "bc"


class AdminCB(CallbackData, prefix="ad"):
    """Open a section; `page` for the paginated provider lists."""

    action: AdminAction
    page: int = 1


class ProviderAction(StrEnum):
    """What the admin does on a provider's screen."""

    show = "show"
    csv = "csv"
    export = "exp"
    import_csv = "imp"
    invite = "inv"
    owner = "own"
    address = "addr"
    fee = "fee"
    threshold = "thr"
    legal_name = "legal"
    inn = "inn"
    tax = "tax"


class AdmProviderCB(CallbackData, prefix="ap"):
    """An action on one provider."""

    action: ProviderAction
    provider_id: int


class ToggleField(StrEnum):
    """Provider switches."""

    active = "a"
    pickup = "p"
    delivery = "d"
    cash = "c"


TOGGLE_COLUMNS = {
    ToggleField.active: "is_active",
    ToggleField.pickup: "allow_pickup",
    ToggleField.delivery: "allow_delivery",
    ToggleField.cash: "allow_cash",
}


class AdmToggleCB(CallbackData, prefix="at"):
    """Set a switch to `value` (not flip it: a double click must not undo itself)."""

    provider_id: int
    field: ToggleField
    value: bool


class AdmTaxCB(CallbackData, prefix="ax"):
    """Choose the provider's 54-FZ tax system."""

    provider_id: int
    code: int


class AdmKindCB(CallbackData, prefix="ak"):
    """The kind of a new provider."""

    kind: ProviderKind


class FlowAction(StrEnum):
    """Buttons inside the "new provider" conversation."""

    use_slug = "slug"
    invite = "inv"


class AdmFlowCB(CallbackData, prefix="af"):
    """A button of the current conversation step."""

    action: FlowAction


class ProductModAction(StrEnum):
    """Moderation of a product."""

    show = "show"
    block = "block"
    restore = "rest"


class AdmProductCB(CallbackData, prefix="am"):
    """Open, hide or restore any product."""

    action: ProductModAction
    product_id: int


class OrdersPick(StrEnum):
    """Which filter of the order list is being chosen ("" for the list itself)."""

    none = ""
    status = "st"
    shop = "sh"
    period = "pd"


class AdmOrdersCB(CallbackData, prefix="aol"):
    """The order list with its filters; `pick` opens a filter's choices (`page` then pages the
    shop choices). Packed it stays far below Telegram's 64 bytes."""

    status: OrderStatus | None = None
    shop: int = 0
    period: OrderPeriod = OrderPeriod.any
    page: int = 1
    pick: OrdersPick = OrdersPick.none


class AdmOrderCB(CallbackData, prefix="ao"):
    """Open (refresh) an order card; the list's filters and page to go back to."""

    order_id: int
    status: OrderStatus | None = None
    shop: int = 0
    period: OrderPeriod = OrderPeriod.any
    page: int = 1

    def back(self) -> AdmOrdersCB:
        """The list this card was opened from."""
        return AdmOrdersCB(status=self.status, shop=self.shop, period=self.period, page=self.page)


class AdmStatusCB(CallbackData, prefix="as"):
    """Move an order from `current` to `to`; a button from an older card is stale."""

    order_id: int
    current: OrderStatus
    to: OrderStatus


class PayoutAction(StrEnum):
    """What the admin does with a payout request."""

    open = "o"
    approve = "a"
    approve_now = "n"
    reject = "r"


class AdmPayoutCB(CallbackData, prefix="ay"):
    """A payout request; `page` is the queue page to go back to."""

    action: PayoutAction
    payout_id: int
    page: int = 1


def _back(builder: InlineKeyboardBuilder) -> None:
    builder.button(text=_("⬅️ Admin menu"), callback_data=AdminCB(action=AdminAction.menu))


def menu() -> InlineKeyboardMarkup:
    """The admin menu."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🏪 Providers"), callback_data=AdminCB(action=AdminAction.providers))
    builder.button(
        text=_("🛡 Products moderation"), callback_data=AdminCB(action=AdminAction.moderation)
    )
    builder.button(text=_("📦 Orders"), callback_data=AdminCB(action=AdminAction.orders))
    builder.button(text=_("📄 Catalog CSV"), callback_data=AdminCB(action=AdminAction.csv))
    builder.button(text=_("💸 Payouts"), callback_data=AdminCB(action=AdminAction.payouts))
    builder.button(text=_("📊 Statistics"), callback_data=AdminCB(action=AdminAction.stats))
    builder.button(text=_("👥 Users"), callback_data=AdminCB(action=AdminAction.people))
    builder.button(text=_("🧾 Audit log"), callback_data=AdminCB(action=AdminAction.audit))
    builder.button(text=_("📣 Broadcast"), callback_data=AdminCB(action=AdminAction.broadcast))
    builder.adjust(1)
    return builder.as_markup()


def back_to_admin() -> InlineKeyboardMarkup:
    """A single "back to the admin menu" button."""
    builder = InlineKeyboardBuilder()
    _back(builder)
    return builder.as_markup()


def provider_list(page: Page[Provider], action: AdminAction) -> InlineKeyboardMarkup:
    """One button per provider (to its screen, or its CSV screen), paging, "new provider"."""
    builder = InlineKeyboardBuilder()
    target = ProviderAction.csv if action is AdminAction.csv else ProviderAction.show
    for provider in page.items:
        icon = "🎓" if provider.kind == ProviderKind.tutor else "🏪"
        mark = "" if provider.is_active else " ⏸"
        builder.button(
            text=f"{icon} {provider.name}{mark}"[:64],
            callback_data=AdmProviderCB(action=target, provider_id=provider.id),
        )
    sizes = [1] * len(page.items)
    nav = 0
    if page.number > 1:
        builder.button(text="◀️", callback_data=AdminCB(action=action, page=page.number - 1))
        nav += 1
    if page.number < page.pages:
        builder.button(text="▶️", callback_data=AdminCB(action=action, page=page.number + 1))
        nav += 1
    if nav:
        sizes.append(nav)
    if action is AdminAction.providers:
        builder.button(
            text=_("➕ New provider"), callback_data=AdminCB(action=AdminAction.new_provider)
        )
        sizes.append(1)
    _back(builder)
    sizes.append(1)
    builder.adjust(*sizes)
    return builder.as_markup()


def _switch(label: str, on: bool) -> str:
    return ("✅ " if on else "⬜️ ") + label


def provider_screen(provider: Provider) -> InlineKeyboardMarkup:
    """Settings of one provider."""
    builder = InlineKeyboardBuilder()
    pid = provider.id
    if provider.is_active:
        active_text, active_value = _("⏸ Deactivate"), False
    else:
        active_text, active_value = _("▶️ Activate"), True
    builder.button(
        text=active_text,
        callback_data=AdmToggleCB(provider_id=pid, field=ToggleField.active, value=active_value),
    )
    for field, label, on in (
        (ToggleField.pickup, _("Pickup"), provider.allow_pickup),
        (ToggleField.delivery, _("Delivery"), provider.allow_delivery),
        (ToggleField.cash, _("Cash"), provider.allow_cash),
    ):
        builder.button(
            text=_switch(label, on),
            callback_data=AdmToggleCB(provider_id=pid, field=field, value=not on),
        )
    for action, label in (
        (ProviderAction.address, _("📍 Pickup address")),
        (ProviderAction.fee, _("🚚 Delivery fee")),
        (ProviderAction.threshold, _("📉 Low-stock threshold")),
        (ProviderAction.legal_name, _("🏛 Legal name")),
        (ProviderAction.inn, _("🔢 INN")),
        (ProviderAction.tax, _("🧾 Tax system")),
        (ProviderAction.owner, _("👤 Owner by Telegram id")),
        (ProviderAction.invite, _("🔗 Owner invite link")),
        (ProviderAction.csv, _("📄 Catalog CSV")),
    ):
        builder.button(text=label, callback_data=AdmProviderCB(action=action, provider_id=pid))
    builder.button(text=_("⬅️ Providers"), callback_data=AdminCB(action=AdminAction.providers))
    builder.adjust(1, 3, 2, 2, 2, 2, 1, 1)
    return builder.as_markup()


def back_to_provider(provider_id: int) -> InlineKeyboardMarkup:
    """A single "back to the provider" button."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("⬅️ Back to the provider"),
        callback_data=AdmProviderCB(action=ProviderAction.show, provider_id=provider_id),
    )
    return builder.as_markup()


def tax_systems(provider_id: int, current: int, names: dict[int, str]) -> InlineKeyboardMarkup:
    """One button per tax system, the current one marked."""
    builder = InlineKeyboardBuilder()
    for code, name in names.items():
        mark = "✅ " if code == current else ""
        builder.button(
            text=f"{mark}{name}", callback_data=AdmTaxCB(provider_id=provider_id, code=code)
        )
    builder.button(
        text=_("⬅️ Back to the provider"),
        callback_data=AdmProviderCB(action=ProviderAction.show, provider_id=provider_id),
    )
    builder.adjust(1)
    return builder.as_markup()


def csv_screen(provider_id: int) -> InlineKeyboardMarkup:
    """Export or import a provider's catalog."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("⬇️ Export CSV"),
        callback_data=AdmProviderCB(action=ProviderAction.export, provider_id=provider_id),
    )
    builder.button(
        text=_("⬆️ Import CSV"),
        callback_data=AdmProviderCB(action=ProviderAction.import_csv, provider_id=provider_id),
    )
    builder.button(
        text=_("⬅️ Back to the provider"),
        callback_data=AdmProviderCB(action=ProviderAction.show, provider_id=provider_id),
    )
    builder.adjust(2, 1)
    return builder.as_markup()


def provider_kinds() -> InlineKeyboardMarkup:
    """Shop or tutor."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🏪 Shop"), callback_data=AdmKindCB(kind=ProviderKind.shop))
    builder.button(text=_("🎓 Tutor"), callback_data=AdmKindCB(kind=ProviderKind.tutor))
    builder.adjust(2)
    return builder.as_markup()


def use_slug(slug: str) -> InlineKeyboardMarkup:
    """Accept the suggested slug."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Use “{slug}”").format(slug=slug),
        callback_data=AdmFlowCB(action=FlowAction.use_slug),
    )
    return builder.as_markup()


def owner_choice() -> InlineKeyboardMarkup:
    """Attach the owner by an invite link instead of typing an id."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🔗 Invite link"), callback_data=AdmFlowCB(action=FlowAction.invite))
    return builder.as_markup()


def found_products(products: list[Product]) -> InlineKeyboardMarkup:
    """Search results of the moderation screen."""
    builder = InlineKeyboardBuilder()
    for product in products:
        mark = "🚫 " if product.is_blocked else ""
        builder.button(
            text=f"{mark}#{product.id} {shorten(product.title, 56)}",
            callback_data=AdmProductCB(action=ProductModAction.show, product_id=product.id),
        )
    _back(builder)
    builder.adjust(1)
    return builder.as_markup()


def product_moderation(product: Product) -> InlineKeyboardMarkup:
    """Hide (block) or restore a product."""
    builder = InlineKeyboardBuilder()
    if product.is_blocked:
        text, action = _("✅ Restore"), ProductModAction.restore
    else:
        text, action = _("🚫 Hide (block)"), ProductModAction.block
    builder.button(text=text, callback_data=AdmProductCB(action=action, product_id=product.id))
    builder.button(text=_("🔎 Find another"), callback_data=AdminCB(action=AdminAction.moderation))
    _back(builder)
    builder.adjust(1)
    return builder.as_markup()


def order_actions(
    order_id: int,
    current: OrderStatus,
    targets: list[tuple[OrderStatus, str]],
    back: AdmOrdersCB | None = None,
) -> InlineKeyboardMarkup:
    """One button per status the admin may move the order to, refresh, the list, find another."""
    back = back or AdmOrdersCB()
    builder = InlineKeyboardBuilder()
    for to, name in targets:
        builder.button(
            text=f"→ {name}",
            callback_data=AdmStatusCB(order_id=order_id, current=current, to=to),
        )
    builder.button(
        text=_("🔄 Refresh"),
        callback_data=AdmOrderCB(
            order_id=order_id,
            status=back.status,
            shop=back.shop,
            period=back.period,
            page=back.page,
        ),
    )
    builder.button(text=_("⬅️ Orders"), callback_data=back)
    builder.button(
        text=_("🔎 Find by number"), callback_data=AdminCB(action=AdminAction.find_order)
    )
    _back(builder)
    builder.adjust(1)
    return builder.as_markup()


def _pager(builder: InlineKeyboardBuilder, page: Page[T], at: Callable[[int], CallbackData]) -> int:
    buttons = 0
    if page.number > 1:
        builder.button(text="◀️", callback_data=at(page.number - 1))
        buttons += 1
    if page.number < page.pages:
        builder.button(text="▶️", callback_data=at(page.number + 1))
        buttons += 1
    return buttons


def order_list(
    shown: AdmOrdersCB, page: Page[Order], labels: list[str], filters: list[tuple[OrdersPick, str]]
) -> InlineKeyboardMarkup:
    """One button per order (labels made by the handler), paging, the filters, find, back."""
    builder = InlineKeyboardBuilder()
    sizes = []
    for order, label in zip(page.items, labels, strict=True):
        builder.button(
            text=label,
            callback_data=AdmOrderCB(
                order_id=order.id,
                status=shown.status,
                shop=shown.shop,
                period=shown.period,
                page=page.number,
            ),
        )
        sizes.append(1)
    nav = _pager(builder, page, lambda number: shown.model_copy(update={"page": number}))
    if nav:
        sizes.append(nav)
    for pick, label in filters:
        builder.button(text=label, callback_data=shown.model_copy(update={"pick": pick}))
    sizes.append(len(filters))
    builder.button(
        text=_("🔎 Find by number"), callback_data=AdminCB(action=AdminAction.find_order)
    )
    _back(builder)
    sizes += [1, 1]
    builder.adjust(*sizes)
    return builder.as_markup()


def order_filter_choices(
    shown: AdmOrdersCB,
    choices: list[tuple[AdmOrdersCB, str]],
    pages: Page[Provider] | None = None,
) -> InlineKeyboardMarkup:
    """The choices of one filter (each a list to show), paging of the shop choices, back."""
    builder = InlineKeyboardBuilder()
    for target, label in choices:
        builder.button(text=label, callback_data=target)
    sizes = [1] * len(choices)
    if pages is not None:
        nav = _pager(builder, pages, lambda number: shown.model_copy(update={"page": number}))
        if nav:
            sizes.append(nav)
    builder.button(
        text=_("⬅️ Orders"), callback_data=shown.model_copy(update={"pick": OrdersPick.none})
    )
    sizes.append(1)
    builder.adjust(*sizes)
    return builder.as_markup()


def payout_push(payout_id: int) -> InlineKeyboardMarkup:
    """Open a newly requested payout from the admins' push."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("💸 Open the request"),
        callback_data=AdmPayoutCB(action=PayoutAction.open, payout_id=payout_id),
    )
    return builder.as_markup()


def payout_queue(page: Page[Payout], labels: list[str]) -> InlineKeyboardMarkup:
    """One button per requested payout (labels made by the handler), paging, back."""
    builder = InlineKeyboardBuilder()
    for payout, label in zip(page.items, labels, strict=True):
        builder.button(
            text=label[:64],
            callback_data=AdmPayoutCB(
                action=PayoutAction.open, payout_id=payout.id, page=page.number
            ),
        )
    sizes = [1] * len(page.items)
    nav = 0
    if page.number > 1:
        builder.button(
            text="◀️", callback_data=AdminCB(action=AdminAction.payouts, page=page.number - 1)
        )
        nav += 1
    if page.number < page.pages:
        builder.button(
            text="▶️", callback_data=AdminCB(action=AdminAction.payouts, page=page.number + 1)
        )
        nav += 1
    if nav:
        sizes.append(nav)
    _back(builder)
    sizes.append(1)
    builder.adjust(*sizes)
    return builder.as_markup()


def _to_queue(builder: InlineKeyboardBuilder, page: int) -> None:
    builder.button(
        text=_("⬅️ Payouts"), callback_data=AdminCB(action=AdminAction.payouts, page=page)
    )


def payout_card(payout_id: int, page: int, *, requested: bool) -> InlineKeyboardMarkup:
    """Approve or reject a request still waiting; back to the queue."""
    builder = InlineKeyboardBuilder()
    if requested:
        for action, label in (
            (PayoutAction.approve, _("✅ Approve")),
            (PayoutAction.reject, _("❌ Reject")),
        ):
            builder.button(
                text=label,
                callback_data=AdmPayoutCB(action=action, payout_id=payout_id, page=page),
            )
    _to_queue(builder, page)
    if requested:
        builder.adjust(2, 1)
    else:
        builder.adjust(1)
    return builder.as_markup()


def payout_approve(payout_id: int, page: int) -> InlineKeyboardMarkup:
    """Approve without typing a transfer reference, or go back to the request."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✅ Approve without a reference"),
        callback_data=AdmPayoutCB(action=PayoutAction.approve_now, payout_id=payout_id, page=page),
    )
    builder.button(
        text=_("⬅️ Back"),
        callback_data=AdmPayoutCB(action=PayoutAction.open, payout_id=payout_id, page=page),
    )
    builder.adjust(1)
    return builder.as_markup()


def back_to_payout(payout_id: int, page: int) -> InlineKeyboardMarkup:
    """A single "back to the request" button."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("⬅️ Back"),
        callback_data=AdmPayoutCB(action=PayoutAction.open, payout_id=payout_id, page=page),
    )
    return builder.as_markup()
