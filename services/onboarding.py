"""First contact: deep-link payloads of /start and referrals."""

from __future__ import annotations

from dataclasses import dataclass

from db.models import Order, Product, Provider, User
from services.deeplinks import DeepLink, DeepLinkKind, parse_payload


@dataclass(frozen=True, slots=True)
class StartResult:
    """What /start found behind its payload."""

    link: DeepLink | None = None
    referrer: User | None = None
    product: Product | None = None
    provider: Provider | None = None


async def start(user: User, payload: str | None) -> StartResult:
    """Apply a /start payload: credit a referrer once, or find the linked product or shop."""
    link = parse_payload(payload)
    if link is None:
        return StartResult()
    if user.start_payload is None:
        user.start_payload = link.payload
        await User.filter(id=user.id, start_payload__isnull=True).update(start_payload=link.payload)
    if link.kind is DeepLinkKind.referral:
        return StartResult(link=link, referrer=await _credit_referrer(user, link.value))
    if link.kind is DeepLinkKind.product and link.numeric_id is not None:
        product = await Product.get_or_none(
            id=link.numeric_id, is_active=True, provider__is_active=True
        ).prefetch_related("provider")
        return StartResult(link=link, product=product)
    if link.kind is DeepLinkKind.provider:
        provider = await Provider.get_or_none(slug=link.value, is_active=True)
        return StartResult(link=link, provider=provider)
    return StartResult(link=link)


async def _credit_referrer(user: User, pseudonym: str) -> User | None:
    """A person is referred once, never by themselves, and only by someone who exists."""
    referrer = await User.get_or_none(pseudonym=pseudonym, anonymized_at__isnull=True)
    if referrer is None or referrer.id == user.id:
        return None
    if await Order.exists(customer_id=user.id):
        return None  # already a customer: nobody invited them
    changed = await User.filter(id=user.id, referrer_id__isnull=True).update(
        referrer_id=referrer.id
    )
    return referrer if changed else None
