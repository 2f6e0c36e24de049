"""What a cart can be checked out with: the one answer both faces render.

`options()` reads the facts (the cart, the person's consent and phone, the slots already
booked, the configured payment channels); `offer()` turns them into the options by the rules
below, without I/O, so the rules are tested as plain functions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol

from core.errors import EmptyCart
from core.money import STARS
from db.models import Fulfilment, PaymentChannel, PaymentMethod, Provider, User
from services import cart as carts
from services import consent, loyalty
from services import promo as promos
from services.cart import CartView
from services.checkout import slots as delivery
from services.checkout.slots import Slot
from services.payments import YOOKASSA, PaymentSettings, channels_for


class CheckoutSettings(PaymentSettings, loyalty.LoyaltySettings, Protocol):
    """What checkout reads of core.config.Settings."""

    @property
    def timezone(self) -> str: ...

    @property
    def privacy_policy_version(self) -> str: ...

    @property
    def order_payment_timeout(self) -> int: ...


@dataclass(frozen=True, slots=True)
class ContactNeeds:
    """Personal data the checkout may ask for, and whether the person allowed collecting it."""

    delivery_phone: bool
    """Delivery is offered, and choosing it means giving a phone (the courier calls)."""
    receipt_contact: bool
    """Paying through YooKassa needs an e-mail or phone for the 54-FZ receipt, and the profile
    has no phone (a delivery order's phone also serves)."""
    consent: bool
    """The person's consent to the processing of personal data covers collecting them."""
    known_phone: str | None
    """The profile's phone, offered again (only with consent)."""


@dataclass(frozen=True, slots=True)
class CheckoutOptions:
    """Everything a checkout of this cart may choose from, as of `now`."""

    provider: Provider
    currency: str
    digital_only: bool
    """Digital goods are handed over in the chat: no pickup or delivery question, no cash."""
    fulfilments: tuple[Fulfilment, ...]
    """Empty: the shop takes no orders right now."""
    delivery_fee: int
    slots: tuple[Slot, ...]
    """Free delivery windows that have not started (empty unless delivery is offered)."""
    full: frozenset[str]
    """Ids of windows that have not started but are fully booked."""
    payment_methods: tuple[PaymentMethod, ...]
    """Empty: neither online payment nor cash is possible."""
    payment_channels: tuple[PaymentChannel, ...]
    """How an online order can be paid (empty: online payment is not available)."""
    contact: ContactNeeds
    timezone: str
    now: datetime
    items_total: int = 0
    """The goods at current prices (delivery not included)."""
    promo: promos.PromoQuote | None = None
    """The promo code asked about, when it fits the cart (a code that does not is refused)."""

    points_balance: int = 0
    """The person's loyalty points."""
    points_max: int = 0
    """The most points this order may be paid with (balance and cap)."""
    points: int = 0
    """The points asked for, when they fit (more than `points_max` is refused)."""

    @property
    def discount(self) -> int:
        """What the promo code takes off the goods."""
        return self.promo.discount if self.promo is not None else 0

    @property
    def points_value(self) -> int:
        """What the points pay, in kopecks."""
        return self.points * loyalty.POINT

    def total(self, fulfilment: Fulfilment) -> int:
        """What the order costs with this fulfilment, the discount and points taken off."""
        fee = self.delivery_fee if fulfilment is Fulfilment.delivery else 0
        return self.items_total - self.discount - self.points_value + fee

    def slot(self, slot_id: str) -> Slot | None:
        """The offered slot with this id."""
        return next((slot for slot in self.slots if slot.id == slot_id), None)


def offer(
    provider: Provider,
    *,
    currency: str,
    digital_only: bool,
    channels: list[PaymentChannel],
    windows: list[Slot],
    booked: dict[str, int],
    consent_given: bool,
    profile_phone: str | None,
    timezone: str,
    now: datetime,
) -> CheckoutOptions:
    """The options by the rules: what the provider allows, for these goods, as configured."""
    free = tuple(slot for slot in windows if booked.get(slot.id, 0) < delivery.SLOT_CAPACITY)
    fulfilments: tuple[Fulfilment, ...]
    if digital_only:
        fulfilments = (Fulfilment.pickup,)  # handed over in the chat, wherever the shop is
    else:
        fulfilments = tuple(
            kind
            for kind, allowed in (
                (Fulfilment.pickup, provider.allow_pickup),
                (Fulfilment.delivery, provider.allow_delivery and bool(free)),
            )
            if allowed
        )
    delivering = Fulfilment.delivery in fulfilments
    cash = provider.allow_cash and currency != STARS and not digital_only
    methods = tuple(
        method
        for method, allowed in ((PaymentMethod.online, bool(channels)), (PaymentMethod.cash, cash))
        if allowed
    )
    return CheckoutOptions(
        provider=provider,
        currency=currency,
        digital_only=digital_only,
        fulfilments=fulfilments,
        delivery_fee=provider.delivery_fee if delivering else 0,
        slots=free if delivering else (),
        full=frozenset(slot.id for slot in windows if slot not in free),
        payment_methods=methods,
        payment_channels=tuple(channels),
        contact=ContactNeeds(
            delivery_phone=delivering,
            receipt_contact=YOOKASSA in channels and not profile_phone,
            consent=consent_given,
            known_phone=profile_phone if consent_given else None,
        ),
        timezone=timezone,
        now=now,
    )


async def options(
    user: User,
    settings: CheckoutSettings,
    *,
    cart: CartView | None = None,
    now: datetime | None = None,
    promo_code: str | None = None,
    points: int | None = None,
) -> CheckoutOptions:
    """The options for the person's cart (EmptyCart when there is nothing to check out).

    With `promo_code` they carry its discount, or PromoRefused says why it does not fit;
    with `points`, the points applied (InvalidInput naming `points` beyond `points_max`).
    """
    cart = cart if cart is not None else await carts.view(user)
    provider = cart.provider
    if cart.empty or provider is None:
        raise EmptyCart()
    now = now or datetime.now(UTC)
    windows = [] if cart.digital_only else delivery.delivery_slots(now, settings.timezone)
    taken = await delivery.booked(provider.id, windows) if provider.allow_delivery else {}
    quote = None
    if promo_code:
        quote = await promos.quote(
            promo_code,
            user_id=user.id,
            provider_id=provider.id,
            items_total=cart.total,
            currency=cart.currency,
            now=now,
        )
    offered = offer(
        provider,
        currency=cart.currency,
        digital_only=cart.digital_only,
        channels=channels_for(cart.currency, settings),
        windows=windows,
        booked=dict(taken),
        consent_given=await consent.may_collect_personal_data(
            user, settings.privacy_policy_version
        ),
        profile_phone=user.phone,
        timezone=settings.timezone,
        now=now,
    )
    balance = await loyalty.balance(user.id)
    goods = cart.total - (quote.discount if quote is not None else 0)
    most = min(balance, loyalty.spend_cap(goods, settings.loyalty_spend_cap_percent, cart.currency))
    return replace(
        offered,
        items_total=cart.total,
        promo=quote,
        points_balance=balance,
        points_max=most,
        points=loyalty.choose_points(points, balance, most),
    )
