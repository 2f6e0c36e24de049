"""Catalogue versions: what a read cache of storefronts, product pages and cards is keyed by.

Every change a customer would see in a storefront (a product's price, stock, visibility,
photos or category; the provider's own fields; stock taken by an order or given back) bumps
`Provider.catalog_version` **in the transaction of the change**, so a version read after the
commit always names the new content, in this process or in any other: a cache keyed by the
version can never answer with a price or stock that no longer holds.

Reading a version is one small query on the primary key, written as plain SQL: the point is to
answer a cached page without Tortoise's query building on the hot path.
"""

from __future__ import annotations

import re
import secrets
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import F

from db.models import Provider
from services.fresh_reads import FreshReads


async def bump(provider_ids: Iterable[int]) -> None:
    """Mark these storefronts changed; call it inside the transaction that changes them."""
    ids = sorted({provider_id for provider_id in provider_ids if provider_id})
    if ids:
        # A random step, not +1: a database restored from a backup (or another database behind
        # the same Redis) walks to other numbers than the ones its cached pages were keyed by.
        step = secrets.randbelow(MAX_STEP) + 1
        await Provider.filter(id__in=ids).update(catalog_version=F("catalog_version") + step)


MAX_STEP = 2**24
"""Versions grow by 1..MAX_STEP per change: a billion changes of one shop still fit a BIGINT,
and their sum over all shops (`directory_version`) too."""


_PROVIDER_VERSION = 'SELECT "catalog_version" FROM "providers" WHERE "id" = $1 AND "is_active" = $2'
_PRODUCT_SCOPE = (
    'SELECT "p"."id", "p"."catalog_version" FROM "products" "x" '
    'JOIN "providers" "p" ON "p"."id" = "x"."provider_id" WHERE "x"."id" = $1'
)
_DIRECTORY_VERSION = (
    'SELECT COUNT(*), COALESCE(SUM("catalog_version"), 0), COALESCE(MAX("id"), 0) FROM "providers"'
)


def _for_dialect(sql: str) -> str:
    """asyncpg numbers its parameters ($1); SQLite takes `?` in order."""
    if Provider._meta.db.capabilities.dialect == "postgres":
        return sql
    return re.sub(r"\$\d+", "?", sql)


_READS: weakref.WeakKeyDictionary[object, FreshReads[Any]] = weakref.WeakKeyDictionary()
"""A burst of readers of one storefront shares its version queries (never a stale one); one
coalescer per database client, so a client that is gone (its loop with it) leaves nothing
behind for the next one."""


def _reads() -> FreshReads[Any]:
    client = Provider._meta.db
    reads = _READS.get(client)
    if reads is None:
        reads = _READS[client] = FreshReads()
    return reads


async def provider_version(provider_id: int) -> int | None:
    """The catalogue version of an active storefront; None when there is none to show."""

    async def query() -> int | None:
        _, rows = await Provider._meta.db.execute_query(
            _for_dialect(_PROVIDER_VERSION), [provider_id, True]
        )
        return int(rows[0][0]) if rows else None

    result: int | None = await _reads().read(("provider", provider_id), query)
    return result


@dataclass(frozen=True, slots=True)
class ProductScope:
    """Whose storefront a product belongs to, and that storefront's version now."""

    provider_id: int
    version: int


async def product_scope(product_id: int) -> ProductScope | None:
    """The storefront (and its version) of a product; None when there is no such product."""

    async def query() -> ProductScope | None:
        _, rows = await Provider._meta.db.execute_query(_for_dialect(_PRODUCT_SCOPE), [product_id])
        if not rows:
            return None
        provider_id, version = rows[0]
        return ProductScope(provider_id=int(provider_id), version=int(version))

    scope: ProductScope | None = await _reads().read(("product", product_id), query)
    return scope


async def directory_version() -> str:
    """The version of the list of storefronts: it changes with any provider's version, and
    when a provider is added or removed (the count and the highest id move)."""

    async def query() -> str:
        _, rows = await Provider._meta.db.execute_query(_DIRECTORY_VERSION)
        count, total, highest = rows[0]
        return f"{count}.{total}.{highest}"

    version: str = await _reads().read("directory", query)
    return version
