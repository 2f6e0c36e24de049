"""Catalog: providers' storefronts, browsing, search and product management."""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from core.errors import InvalidInput, NotFound
from core.money import STARS
from db.models import (
    AuditAction,
    AuditLog,
    Category,
    Product,
    ProductKind,
    ProductPhoto,
    Provider,
    ProviderInvite,
    ProviderKind,
    Role,
    User,
)
from services import catalog_versions, ratings
from services.payments_receipts import validate_receipt_fields
from services.users import refresh_chat, user_changed

PAGE_SIZE = 8
MAX_PRICE = 10**9  # 10 million roubles in kopecks
MAX_STOCK = 1_000_000
CURRENCIES = ("RUB", STARS)
INVITE_TTL = timedelta(days=7)
STOCK_TRACKED = (ProductKind.physical,)
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")

T = TypeVar("T")
M = TypeVar("M", bound=Model)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list; `requested` differs from `number` when the page was out of range."""

    items: list[T]
    number: int
    pages: int
    total: int
    requested: int

    @property
    def out_of_range(self) -> bool:
        """The caller asked for a page that no longer exists (e.g. a stale button)."""
        return self.requested != self.number


@dataclass(slots=True)
class ProductDraft:
    """What a provider enters for a new product (validated by `validate_draft`)."""

    title: str
    price: int
    description: str = ""
    kind: ProductKind = ProductKind.physical
    stock: int = 0
    currency: str = "RUB"
    category: str | None = None
    sku: str | None = None
    receipt: dict[str, Any] = field(default_factory=dict)


def normalize_search(text: str) -> str:
    """Case- and ё-insensitive form used for search (SQLite's LIKE folds ASCII only)."""
    return " ".join(text.casefold().replace("ё", "е").split())


def tracks_stock(product: Product) -> bool:
    """Physical goods have stock; digital goods and services do not run out."""
    return product.kind in STOCK_TRACKED


def visible_products() -> QuerySet[Product]:
    """Products a customer may see and buy."""
    return Product.filter(is_active=True, is_blocked=False, provider__is_active=True)


async def paginate(query: QuerySet[M], page: int, per_page: int) -> Page[M]:
    total = await query.count()
    pages = max(1, math.ceil(total / per_page))
    number = min(max(page, 1), pages)
    items = await query.offset((number - 1) * per_page).limit(per_page)
    return Page(items=list(items), number=number, pages=pages, total=total, requested=page)


# Browsing ----------------------------------------------------------------------------------


async def storefronts(
    kind: ProviderKind | None = None, *, by_rating: bool = False
) -> list[Provider]:
    """Active providers, shops first, by name; `by_rating`: the best damped rating first
    (services.ratings), then shops first and by name."""
    query = Provider.filter(is_active=True)
    if kind is not None:
        query = query.filter(kind=kind)
    providers = list(await query.order_by("kind", "name"))
    if by_rating:
        rated = await ratings.provider_ratings([provider.id for provider in providers])
        providers.sort(key=lambda provider: -rated[provider.id].score)  # stable: name order
    return providers


async def has_providers() -> bool:
    """Whether any shop or tutor exists (a fresh database has none)."""
    return await Provider.exists()


async def get_provider(provider_id: int) -> Provider:
    """An active provider, or NotFound."""
    provider = await Provider.get_or_none(id=provider_id, is_active=True)
    if provider is None:
        raise NotFound(entity="provider")
    return provider


async def categories(provider_id: int) -> list[Category]:
    """A provider's categories that have something visible in them."""
    ids = (
        await visible_products()
        .filter(provider_id=provider_id)
        .values_list("category_id", flat=True)
    )
    return list(
        await Category.filter(provider_id=provider_id, id__in=[i for i in ids if i]).order_by(
            "position", "title"
        )
    )


async def products_page(
    provider_id: int, category_id: int | None, page: int = 1, per_page: int = PAGE_SIZE
) -> Page[Product]:
    """Visible products of a provider (and category), by title."""
    query = visible_products().filter(provider_id=provider_id)
    if category_id is not None:
        query = query.filter(category_id=category_id)
    return await paginate(query.order_by("title", "id"), page, per_page)


SEARCH_CANDIDATES = 500
"""Matches ranked per search (the first by id beyond it are left out: refine the words)."""


def relevance(words: list[str], title: str, search_text: str) -> int:
    """How well a product matches the words: 2 for each word in its title, 1 for each found
    only in its description, and 3 more when the title starts with the whole query."""
    folded = normalize_search(title)
    score = sum(2 if word in folded else 1 if word in search_text else 0 for word in words)
    return score + (3 if words and folded.startswith(" ".join(words)) else 0)


async def search(text: str, page: int = 1, per_page: int = PAGE_SIZE) -> Page[Product]:
    """Visible products whose title or description contains every word of `text`, the most
    relevant first (`relevance`), then by the product's damped rating (services.ratings),
    then by title. The chat's /search and the API's /search both show this order."""
    words = normalize_search(text).split()[:8]
    if not words:
        return Page(items=[], number=1, pages=1, total=0, requested=page)
    query = visible_products()
    for word in words:
        query = query.filter(search_text__contains=word)
    found = (
        await query.order_by("id")
        .limit(SEARCH_CANDIDATES)
        .values_list("id", "title", "search_text")
    )
    rated = await ratings.product_ratings([int(row[0]) for row in found])
    ranked = sorted(
        found,
        key=lambda row: (
            -relevance(words, str(row[1]), str(row[2])),
            -rated[int(row[0])].score,
            normalize_search(str(row[1])),
            int(row[0]),
        ),
    )
    pages = max(1, math.ceil(len(ranked) / per_page))
    number = min(max(page, 1), pages)
    ids = [int(row[0]) for row in ranked[(number - 1) * per_page : number * per_page]]
    products = {p.id: p for p in await Product.filter(id__in=ids).prefetch_related("provider")}
    items = [products[product_id] for product_id in ids if product_id in products]
    return Page(items=items, number=number, pages=pages, total=len(ranked), requested=page)


async def get_visible_product(product_id: int) -> Product:
    """A product a customer may see, with its provider and photos, or NotFound."""
    product = (
        await visible_products()
        .filter(id=product_id)
        .prefetch_related("provider", "photos", "category")
        .first()
    )
    if product is None:
        raise NotFound(entity="product")
    return product


async def first_photo(product: Product) -> ProductPhoto | None:
    """The product's cover photo."""
    return await ProductPhoto.filter(product_id=product.id).order_by("position", "id").first()


# Providers' own catalog ---------------------------------------------------------------------


async def providers_of(user: User) -> list[Provider]:
    """Providers the person owns."""
    return list(await Provider.filter(owner_id=user.id).order_by("id"))


async def owned_provider(user: User, provider_id: int) -> Provider:
    """A provider the person owns, or NotFound (never reveals others' shops)."""
    provider = await Provider.get_or_none(id=provider_id, owner_id=user.id)
    if provider is None:
        raise NotFound(entity="provider")
    return provider


async def owned_product(provider: Provider, product_id: int) -> Product:
    """One of the provider's products (hidden ones too), or NotFound."""
    product = await Product.get_or_none(id=product_id, provider_id=provider.id)
    if product is None:
        raise NotFound(entity="product")
    return product


def validate_title(title: str) -> str:
    """1-128 characters after trimming."""
    title = " ".join(title.split())
    if not 1 <= len(title) <= 128:
        raise InvalidInput(field="title", min=1, max=128)
    return title


def validate_price(price: int) -> int:
    """Positive minor units, at most MAX_PRICE."""
    if not 0 < price <= MAX_PRICE:
        raise InvalidInput(field="price", min=1, max=MAX_PRICE)
    return price


def validate_stock(stock: int) -> int:
    """0..MAX_STOCK."""
    if not 0 <= stock <= MAX_STOCK:
        raise InvalidInput(field="stock", min=0, max=MAX_STOCK)
    return stock


def validate_draft(draft: ProductDraft) -> ProductDraft:
    """Check every field of a draft; raises InvalidInput naming the first bad one."""
    draft.title = validate_title(draft.title)
    draft.price = validate_price(draft.price)
    draft.stock = validate_stock(draft.stock)
    if len(draft.description) > 2000:
        raise InvalidInput(field="description", max=2000)
    if draft.currency not in CURRENCIES:
        raise InvalidInput(field="currency", allowed=list(CURRENCIES))
    if (draft.kind is ProductKind.digital) != (draft.currency == STARS):
        # Telegram's rules: digital goods are sold only for Stars, other goods never for Stars.
        raise InvalidInput(field="currency", kind=draft.kind.value)
    draft.receipt = validate_receipt_fields(draft.receipt)
    return draft


async def _category(provider: Provider, title: str | None) -> Category | None:
    if not title or not title.strip():
        return None
    category, _ = await Category.get_or_create(provider_id=provider.id, title=title.strip()[:128])
    return category


async def create_product(provider: Provider, draft: ProductDraft) -> Product:
    """Add a product to the provider's catalog."""
    draft = validate_draft(draft)
    sku = draft.sku or f"p-{secrets.token_hex(4)}"
    try:
        async with in_transaction():
            category = await _category(provider, draft.category)
            product = await Product.create(
                provider_id=provider.id,
                category=category,
                sku=sku,
                kind=draft.kind,
                title=draft.title,
                description=draft.description,
                price=draft.price,
                currency=draft.currency,
                stock=draft.stock,
                search_text=normalize_search(f"{draft.title} {draft.description}"),
                **draft.receipt,
            )
            await catalog_versions.bump([provider.id])
    except IntegrityError:
        raise InvalidInput(field="sku", value=sku) from None
    return product


async def update_product(provider: Provider, product_id: int, **changes: Any) -> Product:
    """Change fields of one of the provider's products (title, description, price, category)."""
    product = await owned_product(provider, product_id)
    if "title" in changes:
        product.title = validate_title(changes["title"])
    if "description" in changes:
        if len(changes["description"]) > 2000:
            raise InvalidInput(field="description", max=2000)
        product.description = changes["description"].strip()
    if "price" in changes:
        product.price = validate_price(changes["price"])
    if "category" in changes:
        category = await _category(provider, changes["category"])
        product.category_id = category.id if category else None
    product.search_text = normalize_search(f"{product.title} {product.description}")
    async with in_transaction():
        await product.save()
        await catalog_versions.bump([provider.id])
    return product


MAX_PERSONAL_TEXT = 200
"""The longest personal text a product can take (the cart and order columns hold 200)."""
MAX_PERSONAL_PROMPT = 64


async def set_personal_text(
    provider: Provider, product_id: int, prompt: str | None, limit: int = 0
) -> Product:
    """Make a product with the customer's own text, asked with `prompt`, at most `limit`
    characters; None switches it off."""
    product = await owned_product(provider, product_id)
    if prompt is None:
        product.personal_text_prompt, product.personal_text_limit = None, 0
    else:
        tidy = " ".join(prompt.split())
        if not tidy or len(tidy) > MAX_PERSONAL_PROMPT or not 1 <= limit <= MAX_PERSONAL_TEXT:
            raise InvalidInput(field="personal_text", reason="setting", max=MAX_PERSONAL_TEXT)
        product.personal_text_prompt, product.personal_text_limit = tidy, limit
    await product.save(update_fields=["personal_text_prompt", "personal_text_limit", "updated_at"])
    return product


async def set_active(provider: Provider, product_id: int, active: bool) -> Product:
    """Show or hide a product in the provider's storefront."""
    product = await owned_product(provider, product_id)
    product.is_active = active
    async with in_transaction():
        await Product.filter(id=product.id).update(is_active=active)
        await catalog_versions.bump([provider.id])
    return product


async def restock(provider: Provider, product_id: int, delta: int) -> Product:
    """Add (or, negative, remove) stock atomically; never below zero."""
    product = await owned_product(provider, product_id)
    if not -MAX_STOCK <= delta <= MAX_STOCK or delta == 0:
        raise InvalidInput(field="stock", min=-MAX_STOCK, max=MAX_STOCK)
    query = Product.filter(id=product.id)
    if delta < 0:
        query = query.filter(stock__gte=-delta)
    async with in_transaction():
        if not await query.filter(stock__lte=MAX_STOCK - delta).update(stock=F("stock") + delta):
            raise InvalidInput(field="stock", available=product.stock)
        await catalog_versions.bump([provider.id])
    await product.refresh_from_db(fields=["stock"])
    return product


async def add_photo(
    product: Product, path: str, thumb_path: str, telegram_file_id: str | None = None
) -> ProductPhoto:
    """Attach a stored photo (see services.media) to a product."""
    async with in_transaction():
        position = await ProductPhoto.filter(product_id=product.id).count()
        photo = await ProductPhoto.create(
            product_id=product.id,
            path=path,
            thumb_path=thumb_path,
            telegram_file_id=telegram_file_id,
            position=position,
        )
        await catalog_versions.bump([product.provider_id])  # type: ignore[attr-defined]
    return photo


async def remember_file_id(photo: ProductPhoto, file_id: str) -> None:
    """Store Telegram's file_id once a photo was uploaded, to re-send it without uploading."""
    await ProductPhoto.filter(id=photo.id).update(telegram_file_id=file_id)


# Admin --------------------------------------------------------------------------------------


async def set_blocked(product_id: int, blocked: bool, *, actor: User, reason: str = "") -> Product:
    """Moderation: hide (or restore) any product; recorded in the audit log."""
    product = await Product.get_or_none(id=product_id)
    if product is None:
        raise NotFound(entity="product")
    async with in_transaction():
        await Product.filter(id=product_id).update(is_blocked=blocked)
        await catalog_versions.bump([product.provider_id])  # type: ignore[attr-defined]
        await AuditLog.create(
            actor=actor,
            action=AuditAction.product_block if blocked else AuditAction.product_unblock,
            target=f"product:{product_id}",
            data={"reason": reason},
        )
    product.is_blocked = blocked
    return product


async def create_provider(
    kind: ProviderKind, name: str, slug: str, *, actor: User, owner: User | None = None
) -> Provider:
    """Create a shop or tutor; the owner can be attached now or by an invite link."""
    name = " ".join(name.split())
    if not 1 <= len(name) <= 128:
        raise InvalidInput(field="name", min=1, max=128)
    slug = slug.strip().lower()
    if not _SLUG_RE.match(slug):
        raise InvalidInput(field="slug")
    async with in_transaction():
        try:
            provider = await Provider.create(kind=kind, name=name, slug=slug, owner=owner)
        except IntegrityError:
            raise InvalidInput(field="slug", value=slug) from None
        if owner is not None:
            await _make_provider(owner)
        await AuditLog.create(
            actor=actor, action=AuditAction.provider_create, target=f"provider:{provider.id}"
        )
    if owner is not None:
        await user_changed(owner.tg_id)
    return provider


async def _make_provider(user: User) -> None:
    if user.role is Role.customer:
        user.role = Role.provider
        await User.filter(id=user.id).update(role=Role.provider)


async def create_invite(
    provider: Provider, *, actor: User, now: datetime | None = None
) -> ProviderInvite:
    """A one-time code for a /start deep link that attaches the opener as owner."""
    now = now or datetime.now(UTC)
    return await ProviderInvite.create(
        code=secrets.token_urlsafe(12)[:16].replace("_", "x").replace("-", "y"),
        provider=provider,
        created_by=actor,
        expires_at=now + INVITE_TTL,
    )


async def accept_invite(code: str, user: User, *, now: datetime | None = None) -> Provider:
    """Use an invite once: the person becomes the provider's owner."""
    now = now or datetime.now(UTC)
    async with in_transaction():
        invite = await ProviderInvite.get_or_none(code=code).prefetch_related("provider")
        if invite is None or invite.expires_at < now:
            raise NotFound(entity="invite")
        claimed = await ProviderInvite.filter(id=invite.id, used_by_id__isnull=True).update(
            used_by_id=user.id, used_at=now
        )
        if not claimed:
            raise NotFound(entity="invite")
        await Provider.filter(id=invite.provider.id).update(owner_id=user.id)
        await _make_provider(user)
        await refresh_chat(user)
        await AuditLog.create(
            actor=user, action=AuditAction.provider_owner, target=f"provider:{invite.provider.id}"
        )
    await user_changed(user.tg_id)
    provider = invite.provider
    provider.owner_id = user.id
    return provider
