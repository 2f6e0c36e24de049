"""What the platform admin does to providers, products and orders, beyond the shop services.

Every change is recorded in the audit log with the admin who made it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from core.errors import InvalidInput, NotFound
from db.models import (
    AuditAction,
    AuditLog,
    Order,
    OrderStatus,
    OrderTransition,
    Product,
    Provider,
    Role,
    User,
)
from services import catalog_versions
from services.catalog import MAX_PRICE, MAX_STOCK, PAGE_SIZE, Page, normalize_search, paginate
from services.orders import ACTIVE
from services.users import new_pseudonym, refresh_chat, user_changed

MAX_TG_ID = 2**52
"""Telegram user ids fit in 52 bits."""
TAX_SYSTEMS = range(1, 7)
"""54-FZ tax_system_code: 1 general, 2 simplified (income), 3 simplified (income − expenses),
4 imputed income, 5 unified agricultural, 6 patent."""
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
"""What services.catalog.create_provider accepts as a slug."""
SETTING_LIMITS = {"pickup_address": 256, "legal_name": 256}
TOGGLES = ("is_active", "allow_pickup", "allow_delivery", "allow_cash")
_INN_WEIGHTS_10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_TRANSLIT_PAIRS = (
    "а:a б:b в:v г:g д:d е:e ё:e ж:zh з:z и:i й:y к:k л:l м:m н:n о:o п:p р:r с:s т:t у:u "
    "ф:f х:kh ц:ts ч:ch ш:sh щ:shch ъ: ы:y ь: э:e ю:yu я:ya"
)
_TRANSLIT = {
    cyrillic: latin
    for cyrillic, _sep, latin in (pair.partition(":") for pair in _TRANSLIT_PAIRS.split())
}


@dataclass(frozen=True, slots=True)
class ProviderStats:
    """Counts shown on the admin's provider screen."""

    products: int
    visible: int
    blocked: int
    orders: int
    active_orders: int


# Providers ----------------------------------------------------------------------------------


def suggest_slug(name: str) -> str:
    """A slug from a name, Cyrillic transliterated: 'Лавка Чая' → 'lavka-chaya'."""
    latin = "".join(_TRANSLIT.get(char, char) for char in name.casefold())
    slug = re.sub(r"[^a-z0-9]+", "-", latin).strip("-")[:48].strip("-")
    if len(slug) < 2:
        slug = f"shop-{slug}" if slug else "shop"
    return slug


def valid_slug(slug: str) -> bool:
    """Latin letters, digits and hyphens, 2-63 characters, not starting with a hyphen."""
    return SLUG_RE.match(slug) is not None


async def slug_taken(slug: str) -> bool:
    """Another provider already uses this slug."""
    return await Provider.exists(slug=slug)


async def free_slug(slug: str) -> str:
    """The slug, or the slug with the first free number appended."""
    candidate, number = slug, 2
    while await Provider.exists(slug=candidate):
        candidate = f"{slug}-{number}"
        number += 1
    return candidate


def valid_inn(inn: str) -> bool:
    """A Russian INN: 10 digits (organisation) or 12 (person), with its check digits."""
    if not inn.isascii() or not inn.isdigit() or len(inn) not in (10, 12):
        return False
    digits = [int(char) for char in inn]

    def check(weights: tuple[int, ...]) -> int:
        return sum(w * d for w, d in zip(weights, digits, strict=False)) % 11 % 10

    if len(digits) == 10:
        return check(_INN_WEIGHTS_10) == digits[9]
    return check(_INN_WEIGHTS_11) == digits[10] and check(_INN_WEIGHTS_12) == digits[11]


async def all_providers(page: int = 1, per_page: int = PAGE_SIZE) -> Page[Provider]:
    """Every provider, active or not, by name."""
    return await paginate(Provider.all().order_by("name", "id"), page, per_page)


async def provider_card(provider_id: int) -> tuple[Provider, ProviderStats]:
    """A provider with its owner and counts, or NotFound."""
    provider = await Provider.get_or_none(id=provider_id).prefetch_related("owner")
    if provider is None:
        raise NotFound(entity="provider")
    products = Product.filter(provider_id=provider_id)
    orders = Order.filter(provider_id=provider_id)
    stats = ProviderStats(
        products=await products.count(),
        visible=await products.filter(is_active=True, is_blocked=False).count(),
        blocked=await products.filter(is_blocked=True).count(),
        orders=await orders.count(),
        active_orders=await orders.filter(status__in=list(ACTIVE)).count(),
    )
    return provider, stats


def _clean_setting(name: str, value: Any) -> Any:
    if name in TOGGLES:
        return bool(value)
    if name in SETTING_LIMITS:
        text = " ".join(str(value).split())
        if len(text) > SETTING_LIMITS[name]:
            raise InvalidInput(field=name, max=SETTING_LIMITS[name])
        return text
    if name == "delivery_fee":
        if not isinstance(value, int) or not 0 <= value <= MAX_PRICE:
            raise InvalidInput(field=name, min=0, max=MAX_PRICE)
        return value
    if name == "low_stock_threshold":
        if not isinstance(value, int) or not 0 <= value <= MAX_STOCK:
            raise InvalidInput(field=name, min=0, max=MAX_STOCK)
        return value
    if name == "inn":
        inn = str(value).strip()
        if inn and not valid_inn(inn):
            raise InvalidInput(field="inn")
        return inn
    if name == "tax_system_code":
        if value not in TAX_SYSTEMS:
            raise InvalidInput(field=name)
        return value
    raise InvalidInput(field=name)


async def update_provider(provider_id: int, *, actor: User, **changes: Any) -> Provider:
    """Change a provider's settings (toggles, pickup address, fee, threshold, 54-FZ data).

    Values equal to the current ones are not written, so a repeated click leaves no trace.
    """
    cleaned = {name: _clean_setting(name, value) for name, value in changes.items()}
    async with in_transaction():
        provider = await Provider.get_or_none(id=provider_id)
        if provider is None:
            raise NotFound(entity="provider")
        changed = {
            name: value for name, value in cleaned.items() if getattr(provider, name) != value
        }
        if changed:
            await Provider.filter(id=provider_id).update(**changed)
            await catalog_versions.bump([provider_id])
            await AuditLog.create(
                actor=actor,
                action=AuditAction.provider_update,
                target=f"provider:{provider_id}",
                data=changed,
            )
            for name, value in changed.items():
                setattr(provider, name, value)
    return provider


async def user_by_tg_id(tg_id: int) -> User:
    """The person with this Telegram id, created as a placeholder if they never wrote yet."""
    if not 0 < tg_id < MAX_TG_ID:
        raise InvalidInput(field="tg_id")
    user, _ = await User.get_or_create(
        tg_id=tg_id, defaults={"pseudonym": new_pseudonym(), "first_name": ""}
    )
    return user


async def set_owner(provider_id: int, owner: User, *, actor: User | None) -> Provider:
    """Make the person the provider's owner (and a provider, if they were a customer)."""
    async with in_transaction():
        if not await Provider.filter(id=provider_id).update(owner_id=owner.id):
            raise NotFound(entity="provider")
        if owner.role is Role.customer:
            owner.role = Role.provider
            await User.filter(id=owner.id).update(role=Role.provider)
        await AuditLog.create(
            actor=actor,
            action=AuditAction.provider_owner,
            target=f"provider:{provider_id}",
            data={"owner": owner.pseudonym},
        )
        await refresh_chat(owner)
    await user_changed(owner.tg_id)
    return await Provider.get(id=provider_id)


# Products -----------------------------------------------------------------------------------


async def find_products(query: str, limit: int = PAGE_SIZE) -> list[Product]:
    """Any product (hidden and blocked too) by id, '#id' or words of its title/description."""
    query = query.strip().lstrip("#")
    if query.isdigit() and len(query) < 10:
        product = await Product.get_or_none(id=int(query)).prefetch_related("provider")
        if product is not None:
            return [product]
    words = normalize_search(query).split()[:8]
    if not words:
        return []
    products = Product.all()
    for word in words:
        products = products.filter(search_text__contains=word)
    return list(await products.order_by("title", "id").limit(limit).prefetch_related("provider"))


async def product_card(product_id: int) -> Product:
    """Any product with its provider, or NotFound."""
    product = await Product.get_or_none(id=product_id).prefetch_related("provider")
    if product is None:
        raise NotFound(entity="product")
    return product


# Orders -------------------------------------------------------------------------------------


def parse_order_number(text: str) -> int | None:
    """'123', '#123' or 'No. 123' → 123; None if there is no number."""
    match = re.fullmatch(r"\s*(?:№|no\.?|#)?\s*(\d{1,9})\s*", text, flags=re.IGNORECASE)
    return int(match.group(1)) if match else None


ORDERS_PER_PAGE = 8


class OrderPeriod(StrEnum):
    """How far back the admin's order list looks (days start at midnight in TIMEZONE)."""

    any = "a"
    today = "d"
    week = "w"
    month = "m"


PERIOD_DAYS = {OrderPeriod.today: 0, OrderPeriod.week: 6, OrderPeriod.month: 29}


@dataclass(frozen=True, slots=True)
class OrderFilter:
    """Which orders the admin's list shows; the defaults show every order."""

    status: OrderStatus | None = None
    provider_id: int | None = None
    period: OrderPeriod = OrderPeriod.any


def period_start(
    period: OrderPeriod, timezone: str, now: datetime | None = None
) -> datetime | None:
    """The first moment of the period: midnight of today, of 6 or 29 days ago; None: no limit."""
    if period is OrderPeriod.any:
        return None
    local = (now or datetime.now(UTC)).astimezone(ZoneInfo(timezone))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - timedelta(days=PERIOD_DAYS[period])).astimezone(UTC)


async def find_orders(
    wanted: OrderFilter, page: int, *, timezone: str, now: datetime | None = None
) -> Page[Order]:
    """Any shop's orders that match the filter, newest first, with their provider."""
    query = Order.all()
    if wanted.status is not None:
        query = query.filter(status=wanted.status)
    if wanted.provider_id is not None:
        query = query.filter(provider_id=wanted.provider_id)
    since = period_start(wanted.period, timezone, now)
    if since is not None:
        query = query.filter(created_at__gte=since)
    return await paginate(
        query.order_by("-created_at", "-id").prefetch_related("provider"), page, ORDERS_PER_PAGE
    )


async def providers_with_orders(page: int) -> Page[Provider]:
    """Shops and tutors that have orders, by name: the shop filter's choices."""
    with_orders = Order.all().distinct().values_list("provider_id", flat=True)
    query = Provider.filter(id__in=await with_orders).order_by("name", "id")
    return await paginate(query, page, ORDERS_PER_PAGE)


async def provider_name(provider_id: int) -> str | None:
    """A provider's name, or None if there is no such provider."""
    provider = await Provider.get_or_none(id=provider_id)
    return provider.name if provider else None


async def order_card(order_id: int) -> tuple[Order, list[OrderTransition]]:
    """Any order with items, provider, customer and its history, or NotFound."""
    order = await Order.get_or_none(id=order_id).prefetch_related("items", "provider", "customer")
    if order is None:
        raise NotFound(entity="order")
    history = await OrderTransition.filter(order_id=order_id).order_by("created_at", "id")
    return order, list(history)
