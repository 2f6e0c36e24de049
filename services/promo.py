"""Promo codes: the discount a code gives a cart, its redemption with the order, its release.

`quote()` judges a code against a cart without writing anything (the checkout options show
its discount); `redeem()` does the same checks again inside the order's transaction, with the
code's row locked, and takes one use by a conditional update, so two orders racing for the
last use of a code (or for an expired one) never both get it. An order cancelled or refunded
gives its use back (`release`). A code is checked once more before money is asked for
(`still_valid`), so a code disabled or expired while the order waited is not charged at the
discounted price.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from core.errors import InvalidInput, NotFound, PromoRefused
from db.models import Order, OrderStatus, PromoCode, PromoKind, PromoRedemption, Provider

CODE_RE = re.compile(r"^[A-Z0-9_-]{3,32}$")
NOT_LIVE = (OrderStatus.cancelled, OrderStatus.refunded)
"""Orders in these statuses no longer hold a use of their code."""


@dataclass(frozen=True, slots=True)
class PromoQuote:
    """A code that fits the cart and what it takes off the goods."""

    promo: PromoCode
    discount: int

    @property
    def code(self) -> str:
        """The code as stored (upper case)."""
        return self.promo.code


def clean_code(text: str | None) -> str:
    """The code as people type it, upper-cased; InvalidInput naming promo_code otherwise."""
    code = (text or "").strip().upper()
    if not CODE_RE.match(code):
        raise InvalidInput(field="promo_code")
    return code


def discount_of(promo: PromoCode, items_total: int) -> int:
    """What the code takes off goods worth `items_total` (always less than they cost)."""
    percent = promo.kind is PromoKind.percent
    amount = items_total * promo.value // 100 if percent else promo.value
    return max(0, min(amount, items_total - 1))  # an order is never free: something is paid


async def _check(
    promo: PromoCode,
    *,
    user_id: int,
    provider_id: int,
    items_total: int,
    currency: str,
    now: datetime,
    exclude_order: int | None = None,
) -> int:
    """The discount if the code fits; PromoRefused naming the first rule it breaks."""
    if not promo.active:
        raise PromoRefused(reason="inactive", code=promo.code)
    if promo.starts_at is not None and now < promo.starts_at:
        raise PromoRefused(reason="not_started", code=promo.code)
    if promo.ends_at is not None and now >= promo.ends_at:
        raise PromoRefused(reason="expired", code=promo.code)
    if promo.provider_id is not None and promo.provider_id != provider_id:
        raise PromoRefused(reason="other_provider", code=promo.code)
    if promo.currency is not None and promo.currency != currency:
        raise PromoRefused(reason="currency", code=promo.code)
    if items_total < promo.min_order:
        raise PromoRefused(
            reason="min_order", code=promo.code, min_order=promo.min_order, currency=currency
        )
    if promo.first_order_only:
        earlier = Order.filter(customer_id=user_id).exclude(status__in=NOT_LIVE)
        if exclude_order is not None:
            earlier = earlier.exclude(id=exclude_order)
        if await earlier.exists():
            raise PromoRefused(reason="first_order", code=promo.code)
    if promo.total_limit is not None and promo.used >= promo.total_limit:
        raise PromoRefused(reason="used_up", code=promo.code)
    if promo.per_user_limit is not None:
        mine = PromoRedemption.filter(promo_id=promo.id, user_id=user_id)
        if exclude_order is not None:
            mine = mine.exclude(order_id=exclude_order)
        if await mine.count() >= promo.per_user_limit:
            raise PromoRefused(reason="used_by_you", code=promo.code)
    return discount_of(promo, items_total)


async def quote(
    code_text: str,
    *,
    user_id: int,
    provider_id: int,
    items_total: int,
    currency: str,
    now: datetime | None = None,
) -> PromoQuote:
    """The discount the code gives this cart now; PromoRefused (or InvalidInput) otherwise."""
    code = clean_code(code_text)
    promo = await PromoCode.get_or_none(code=code)
    if promo is None:
        raise PromoRefused(reason="unknown", code=code)
    discount = await _check(
        promo,
        user_id=user_id,
        provider_id=provider_id,
        items_total=items_total,
        currency=currency,
        now=now or datetime.now(UTC),
    )
    return PromoQuote(promo, discount)


async def redeem(
    code: str,
    *,
    order: Order,
    now: datetime | None = None,
) -> int:
    """Inside the order's transaction: take one use of the code for `order`; the discount.

    The code's row is locked (PostgreSQL), the rules are checked again, and the use is taken
    by a conditional update on the counter, so the total limit holds under any race.
    """
    now = now or datetime.now(UTC)
    promo = await PromoCode.filter(code=clean_code(code)).select_for_update().first()
    if promo is None:
        raise PromoRefused(reason="unknown", code=code)
    discount = await _check(
        promo,
        user_id=order.customer_id,
        provider_id=order.provider_id,
        items_total=order.items_total,
        currency=order.currency,
        now=now,
        exclude_order=order.id,
    )
    taken = PromoCode.filter(id=promo.id, active=True)
    if promo.total_limit is not None:
        taken = taken.filter(used__lt=promo.total_limit)
    if promo.ends_at is not None:
        taken = taken.filter(ends_at__gt=now)
    if not await taken.update(used=F("used") + 1):
        raise PromoRefused(reason="used_up", code=promo.code)
    try:
        await PromoRedemption.create(
            promo_id=promo.id, user_id=order.customer_id, order_id=order.id, amount=discount
        )
    except IntegrityError as error:  # the order has one already: never twice
        raise PromoRefused(reason="used_by_you", code=promo.code) from error
    return discount


async def release(order_id: int) -> bool:
    """The order's use of its code goes back (cancelled or refunded); whether one did."""
    redemption = await PromoRedemption.get_or_none(order_id=order_id)
    if redemption is None:
        return False
    if not await PromoRedemption.filter(id=redemption.id).delete():
        return False
    await PromoCode.filter(id=redemption.promo_id, used__gt=0).update(used=F("used") - 1)
    return True


async def redemption_of(order_id: int) -> PromoRedemption | None:
    """The order's redemption with its code, if a code was applied."""
    return await PromoRedemption.get_or_none(order_id=order_id).prefetch_related("promo")


async def still_valid(order: Order, now: datetime | None = None) -> None:
    """Before money is asked for: the order's code is still on and within its dates.

    Limits are not counted again (the order holds its use); PromoRefused otherwise.
    """
    if not order.discount:
        return
    redemption = await redemption_of(order.id)
    if redemption is None:
        return
    promo = redemption.promo
    now = now or datetime.now(UTC)
    if not promo.active:
        raise PromoRefused(reason="inactive", code=promo.code)
    if promo.ends_at is not None and now >= promo.ends_at:
        raise PromoRefused(reason="expired", code=promo.code)


def platform_funded(redemption: PromoRedemption) -> bool:
    """A code of every provider is the platform's marketing: the platform pays its discount."""
    return redemption.promo.provider_id is None


# Administration ----------------------------------------------------------------------------

MAX_VALUE = 10**9
"""Largest fixed discount or minimum order, minor units (ten million roubles)."""


def _amount(text: str, part: str) -> int:
    """Roubles as typed ("500", "99.90") in kopecks; InvalidInput naming the part otherwise."""
    match = re.fullmatch(r"(\d{1,7})(?:[.,](\d{1,2}))?", text)
    if match is None:
        raise InvalidInput(field="promo", part=part)
    kopecks = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
    if not 0 < kopecks <= MAX_VALUE:
        raise InvalidInput(field="promo", part=part)
    return kopecks


def _date(text: str, part: str, zone: str, *, end: bool) -> datetime:
    """A day (YYYY-MM-DD) in the shop's zone: its start, or the start of the next day."""
    try:
        day = date.fromisoformat(text)
    except ValueError as error:
        raise InvalidInput(field="promo", part=part) from error
    if end:
        day += timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def _count(text: str, part: str) -> int:
    if not re.fullmatch(r"\d{1,7}", text) or int(text) < 1:
        raise InvalidInput(field="promo", part=part)
    return int(text)


def parse_spec(text: str, timezone: str) -> dict[str, Any]:
    """The fields of a new code from "CODE 10% min=500 from=… to=… limit=N per_user=N shop=ID
    first" (or "CODE 300" for 300 roubles off); InvalidInput naming the part it cannot read."""
    parts = text.split()
    if len(parts) < 2:
        raise InvalidInput(field="promo", part=text[:40])
    spec: dict[str, Any] = {"code": clean_code(parts[0]), "per_user_limit": 1}
    value = parts[1]
    if value.endswith("%"):
        percent = value[:-1]
        if not re.fullmatch(r"\d{1,2}", percent) or int(percent) < 1:
            raise InvalidInput(field="promo", part=value)
        spec.update(kind=PromoKind.percent, value=int(percent), currency=None)
    else:
        spec.update(kind=PromoKind.fixed, value=_amount(value, value), currency="RUB")
    for part in parts[2:]:
        key, _, raw = part.partition("=")
        key = key.lower()
        if key == "first" and not raw:
            spec["first_order_only"] = True
        elif key == "min" and raw:
            spec["min_order"] = _amount(raw, part)
        elif key == "from" and raw:
            spec["starts_at"] = _date(raw, part, timezone, end=False)
        elif key == "to" and raw:
            spec["ends_at"] = _date(raw, part, timezone, end=True)
        elif key == "limit" and raw:
            spec["total_limit"] = _count(raw, part)
        elif key == "per_user" and raw:
            spec["per_user_limit"] = _count(raw, part)
        elif key == "shop" and raw:
            spec["provider_id"] = _count(raw, part)
        else:
            raise InvalidInput(field="promo", part=part)
    starts, ends = spec.get("starts_at"), spec.get("ends_at")
    if isinstance(starts, datetime) and isinstance(ends, datetime) and ends <= starts:
        raise InvalidInput(field="promo", part=f"to={parts[-1]}")
    return spec


async def create(text: str, *, timezone: str, admin_id: int | None) -> PromoCode:
    """A new code from an admin's description (see `parse_spec`); InvalidInput otherwise."""
    spec = parse_spec(text, timezone)
    provider_id = spec.get("provider_id")
    if provider_id is not None and not await Provider.exists(id=provider_id):
        raise InvalidInput(field="promo", reason="provider", part=str(provider_id))
    try:
        return await PromoCode.create(**spec, created_by_id=admin_id)
    except IntegrityError as error:
        raise InvalidInput(field="promo", reason="exists", part=spec["code"]) from error


async def list_codes(limit: int = 30) -> list[PromoCode]:
    """The newest codes, active first."""
    return await PromoCode.all().order_by("-active", "-id").limit(limit)


async def disable(code_text: str) -> PromoCode:
    """Switch a code off (orders placed with it keep their discount); NotFound if unknown."""
    code = clean_code(code_text)
    promo = await PromoCode.get_or_none(code=code)
    if promo is None:
        raise NotFound(entity="promo")
    await PromoCode.filter(id=promo.id).update(active=False)
    promo.active = False
    return promo
