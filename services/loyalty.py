"""Loyalty: member cards and points.

Points are ledger money of their own currency (`PTS`, 1 point = 1 rouble of discount): a
person's `points:<user>` account and the platform's `points:issued` account, never mixed with
roubles. A completed order earns points (a job, `loyalty.earn`) at its provider's rate
(`LoyaltyRule`) or the platform's (`LOYALTY_EARN_PERCENT`), as one lot that expires after
`LOYALTY_POINTS_DAYS` (a job due then, `loyalty.expire`). A refunded order takes back what is
left of the points it earned.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Protocol

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.errors import InvalidInput
from db.models import (
    Account,
    AccountKind,
    Job,
    LedgerEntry,
    LoyaltyCard,
    LoyaltyRule,
    Order,
    OrderStatus,
    PointsLot,
    PointsLotKind,
    User,
)
from services import jobs, ledger
from services.jobs import JobKind, JobPolicy, JobRunner

POINTS = "PTS"
"""The points' ledger currency."""
ISSUER = "points:issued"
"""Where points come from and go back to (negative: points people hold)."""
HISTORY = 20


class LoyaltySettings(Protocol):
    """What loyalty reads of core.config.Settings."""

    @property
    def loyalty_earn_percent(self) -> Decimal: ...

    @property
    def loyalty_points_days(self) -> int: ...

    @property
    def loyalty_spend_cap_percent(self) -> int: ...


class ReferralSettings(Protocol):
    """What the referral reward reads of core.config.Settings."""

    @property
    def referral_points(self) -> int: ...

    @property
    def referral_max_rewards(self) -> int: ...


@dataclass(frozen=True, slots=True)
class PointsMove:
    """One line of a person's points history."""

    at: datetime
    points: int
    kind: str
    """`earned`, `spent`, `returned`, `expired` or `taken_back`."""
    order_id: int | None


@dataclass(frozen=True, slots=True)
class LoyaltySummary:
    """A person's card: member id, points, and the latest moves."""

    member_id: str
    points: int
    next_expiry: datetime | None
    expiring: int
    """Points of the lot that expires first (0: none)."""
    history: list[PointsMove]


def points_code(user_id: int) -> str:
    """A person's points account."""
    return f"points:{user_id}"


async def points_account(user_id: int) -> Account:
    """A person's points (never below zero)."""
    return await ledger.get_account(
        points_code(user_id), AccountKind.customer, POINTS, user_id=user_id
    )


async def issuer_account() -> Account:
    """The platform's side of every points movement."""
    return await ledger.get_account(ISSUER, AccountKind.platform, POINTS, allow_negative=True)


def points_for(amount: int, percent: Decimal) -> int:
    """Whole points for `amount` kopecks at `percent` (1 point = 100 kopecks), rounded down."""
    value = Decimal(amount) * percent / 100 / 100
    return int(value.to_integral_value(rounding=ROUND_DOWN))


async def earn_percent(provider_id: int, default: Decimal) -> Decimal:
    """The provider's own rate, or the platform's."""
    rule = await LoyaltyRule.get_or_none(provider_id=provider_id)
    return Decimal(rule.earn_basis_points) / 100 if rule is not None else default


async def card(user: User) -> LoyaltyCard:
    """The person's member card, issued on first use (a random 10-digit member id)."""
    existing = await LoyaltyCard.get_or_none(user_id=user.id)
    if existing is not None:
        return existing
    for _ in range(5):
        member_id = f"{secrets.randbelow(9 * 10**9) + 10**9}"
        try:
            return await LoyaltyCard.create(user_id=user.id, member_id=member_id)
        except IntegrityError:
            existing = await LoyaltyCard.get_or_none(user_id=user.id)
            if existing is not None:  # a second click made it meanwhile
                return existing
    raise RuntimeError("no free member id after 5 tries")


async def balance(user_id: int) -> int:
    """The person's points."""
    account = await Account.get_or_none(code=points_code(user_id))
    return account.balance if account is not None else 0


async def earn_for_order(
    order_id: int, settings: LoyaltySettings, now: datetime | None = None
) -> int:
    """Give a completed order's customer its points, once; how many (0: none or done)."""
    order = await Order.get_or_none(id=order_id)
    if order is None or order.status is not OrderStatus.completed:
        return 0  # refunded (or gone) before the job ran
    if await PointsLot.exists(order_id=order.id, kind=PointsLotKind.earned):
        return 0
    percent = await earn_percent(order.provider_id, settings.loyalty_earn_percent)
    points = points_for(order.total - order.delivery_fee, percent)
    if points <= 0:
        return 0
    now = now or datetime.now(UTC)
    expires_at = now + timedelta(days=settings.loyalty_points_days)
    # A unique lot per order and kind: the same order's points given concurrently count once.
    return await _grant(order.customer_id, order.id, PointsLotKind.earned, points, expires_at)


async def _grant(
    user_id: int, order_id: int, kind: PointsLotKind, points: int, expires_at: datetime
) -> int:
    """A lot of points for an order, posted to the person's points account with its expiry
    job, in one transaction; 0 when the order's lot of this kind exists already."""
    holder, issuer = await points_account(user_id), await issuer_account()
    try:
        async with in_transaction():
            lot = await PointsLot.create(
                user_id=user_id,
                order_id=order_id,
                kind=kind,
                points=points,
                remaining=points,
                expires_at=expires_at,
            )
            reference = (
                f"points-earned-{lot.id}"
                if kind is PointsLotKind.earned
                else f"points-earned-{kind.value}-{order_id}"
            )
            await ledger.post(
                reference,
                ledger.LedgerKind.points_earned,
                [ledger.Posting(issuer, -points), ledger.Posting(holder, points)],
                description=ledger.order_description(order_id),
            )
            await jobs.enqueue(
                JobKind.loyalty_expire,
                JobKind.loyalty_expire.key(lot.id),
                {"lot_id": lot.id},
                due_at=expires_at,
                once=True,
            )
    except IntegrityError:
        return 0
    return points


async def _close_lot(lot: PointsLot, reference: str) -> int:
    """Take what is left of the lot off the person's points, once; how many points."""
    left = lot.remaining
    if left <= 0:
        return 0
    holder, issuer = await points_account(lot.user_id), await issuer_account()
    async with in_transaction():
        if not await PointsLot.filter(id=lot.id, remaining=left).update(remaining=0):
            return 0  # closed meanwhile
        await ledger.post(
            reference,
            ledger.LedgerKind.points_closed,
            [ledger.Posting(holder, -left), ledger.Posting(issuer, left)],
            description=ledger.order_description(lot.order_id),
        )
    return left


async def expire_lot(lot_id: int, now: datetime | None = None) -> int:
    """What is left of a lot past its end expires; how many points."""
    lot = await PointsLot.get_or_none(id=lot_id)
    if lot is None or lot.expires_at > (now or datetime.now(UTC)):
        return 0
    return await _close_lot(lot, f"points-expired-{lot.id}")


async def take_back(order_id: int) -> int:
    """A refunded order's points go back (what is left of them); how many points."""
    lot = await PointsLot.get_or_none(order_id=order_id, kind=PointsLotKind.earned)
    if lot is None:
        return 0
    return await _close_lot(lot, f"points-taken-back-{lot.id}")


async def summary(user: User, now: datetime | None = None) -> LoyaltySummary:
    """The person's card, points and latest moves (newest first)."""
    member = await card(user)
    now = now or datetime.now(UTC)
    first = (
        await PointsLot.filter(user_id=user.id, remaining__gt=0, expires_at__gt=now)
        .order_by("expires_at")
        .first()
    )
    account = await Account.get_or_none(code=points_code(user.id))
    moves: list[PointsMove] = []
    if account is not None:
        entries = (
            await LedgerEntry.filter(account_id=account.id)
            .order_by("-id")
            .limit(HISTORY)
            .prefetch_related("transaction")
        )
        for entry in entries:
            reference = entry.transaction.reference
            kind = (
                "earned"
                if reference.startswith("points-earned-")
                else "spent"
                if reference.startswith("points-spent-")
                else "returned"
                if reference.startswith("points-returned-")
                else "expired"
                if reference.startswith("points-expired-")
                else "taken_back"
            )
            moves.append(
                PointsMove(
                    entry.created_at,
                    entry.amount,
                    kind,
                    ledger.order_in_description(entry.transaction.description),
                )
            )
    return LoyaltySummary(
        member_id=member.member_id,
        points=account.balance if account is not None else 0,
        next_expiry=first.expires_at if first is not None else None,
        expiring=first.remaining if first is not None else 0,
        history=moves,
    )


async def export_data(user: User) -> dict[str, object]:
    """The person's card and points for `/my_data` (reads only: no card is made for it)."""
    member = await LoyaltyCard.get_or_none(user_id=user.id)
    lots = await PointsLot.filter(user_id=user.id).order_by("created_at", "id")
    return {
        "member_id": member.member_id if member is not None else None,
        "points": await balance(user.id),
        "lots": [
            {
                "kind": lot.kind.value,
                "order_id": lot.order_id,
                "points": lot.points,
                "remaining": lot.remaining,
                "given_at": lot.created_at.isoformat(),
                "expires_at": lot.expires_at.isoformat(),
            }
            for lot in lots
        ],
    }


LOYALTY_POLICY = JobPolicy(first_backoff=timedelta(minutes=1), max_backoff=timedelta(hours=1))
"""Points are given and expire once by their lot (idempotent): run again after a crash."""


def register_loyalty_jobs(
    runner: JobRunner, settings: LoyaltySettings, referrals: ReferralSettings | None = None
) -> None:
    """Earning points for completed orders (and the inviter's reward), expiring lots."""

    async def earn(job: Job) -> None:
        await earn_for_order(int(job.payload["order_id"]), settings)
        if referrals is not None:
            await reward_referrer(int(job.payload["order_id"]), referrals)

    async def expire(job: Job) -> None:
        # The job is due when the lot ends: a runner's clock a little behind still expires it.
        await expire_lot(int(job.payload["lot_id"]), now=max(datetime.now(UTC), job.due_at))

    runner.register(JobKind.loyalty_earn, earn, LOYALTY_POLICY)
    runner.register(JobKind.loyalty_expire, expire, LOYALTY_POLICY)


# Spending at checkout ------------------------------------------------------------------------

POINT = 100
"""Kopecks one point pays."""


def spend_cap(goods: int, cap_percent: int, currency: str) -> int:
    """The most points an order with `goods` kopecks (after a promo code) may be paid with."""
    if currency != "RUB" or goods <= POINT:
        return 0  # Stars are not discounted by points; something is always paid in money
    return min(goods * cap_percent // 100, goods - 1) // POINT


def choose_points(requested: int | None, balance_points: int, cap: int) -> int:
    """The points a draft asks for, if the person has them and the cap allows; InvalidInput
    naming `points` (with `max`) otherwise."""
    if not requested:
        return 0
    allowed = min(balance_points, cap)
    if requested < 0 or requested > allowed:
        raise InvalidInput(field="points", max=allowed)
    return requested


async def spend(order: Order, points: int) -> None:
    """Inside the order's transaction: take the points off the person, oldest lots first.

    The ledger refuses to take an account below zero with its row locked, so two orders
    spending the same points at once never both get them (InvalidInput naming `points`).
    """
    holder, issuer = await points_account(order.customer_id), await issuer_account()
    try:
        await ledger.post(
            f"points-spent-{order.id}",
            ledger.LedgerKind.points_closed,
            [ledger.Posting(holder, -points), ledger.Posting(issuer, points)],
            description=ledger.order_description(order.id),
        )
    except ledger.InsufficientFunds as error:
        raise InvalidInput(field="points", max=error.details.get("available", 0)) from error
    left = points
    lots = await PointsLot.filter(user_id=order.customer_id, remaining__gt=0).order_by(
        "expires_at", "id"
    )
    for lot in lots:
        if left <= 0:
            break
        take = min(lot.remaining, left)
        if await PointsLot.filter(id=lot.id, remaining=lot.remaining).update(
            remaining=lot.remaining - take
        ):
            left -= take


async def give_back_spent(order: Order, settings: LoyaltySettings | None = None) -> int:
    """A cancelled or refunded order's spent points come back as a new lot, once."""
    if not order.points_spent:
        return 0
    days = settings.loyalty_points_days if settings is not None else 365
    expires_at = datetime.now(UTC) + timedelta(days=days)
    holder, issuer = await points_account(order.customer_id), await issuer_account()
    try:
        async with in_transaction():
            lot = await PointsLot.create(
                user_id=order.customer_id,
                order_id=order.id,
                kind=PointsLotKind.returned,
                points=order.points_spent,
                remaining=order.points_spent,
                expires_at=expires_at,
            )
            await ledger.post(
                f"points-returned-{order.id}",
                ledger.LedgerKind.points_earned,
                [
                    ledger.Posting(issuer, -order.points_spent),
                    ledger.Posting(holder, order.points_spent),
                ],
                description=ledger.order_description(order.id),
            )
            await jobs.enqueue(
                JobKind.loyalty_expire,
                JobKind.loyalty_expire.key(lot.id),
                {"lot_id": lot.id},
                due_at=expires_at,
                once=True,
            )
    except IntegrityError:
        return 0  # given back already
    return order.points_spent


# Referrals ------------------------------------------------------------------------------------


async def reward_referrer(order_id: int, settings: ReferralSettings) -> int:
    """The inviter's points when the invited person's first order is completed, once, up to
    REFERRAL_MAX_REWARDS per inviter; how many points (0: none due)."""
    order = await Order.get_or_none(id=order_id)
    if order is None or order.status is not OrderStatus.completed or not settings.referral_points:
        return 0
    customer = await User.get_or_none(id=order.customer_id)
    inviter: int | None = getattr(customer, "referrer_id", None)
    if customer is None or inviter is None or inviter == customer.id:
        return 0
    earlier = Order.filter(customer_id=customer.id, id__lt=order.id).exclude(
        status__in=(OrderStatus.cancelled, OrderStatus.refunded)
    )
    if await earlier.exists():
        return 0  # not the first order
    given = await PointsLot.filter(user_id=inviter, kind=PointsLotKind.referral).count()
    if given >= settings.referral_max_rewards:
        return 0
    expires_at = datetime.now(UTC) + timedelta(days=getattr(settings, "loyalty_points_days", 365))
    # One referral lot per order: a repeated job rewards once.
    return await _grant(
        inviter, order.id, PointsLotKind.referral, settings.referral_points, expires_at
    )


@dataclass(frozen=True, slots=True)
class ReferralSummary:
    """A person's invitations: how many joined, rewards and the points they brought."""

    invited: int
    rewarded: int
    points: int


async def referral_summary(user: User) -> ReferralSummary:
    """Who the person invited and what it brought them."""
    lots = await PointsLot.filter(user_id=user.id, kind=PointsLotKind.referral)
    return ReferralSummary(
        invited=await User.filter(referrer_id=user.id).count(),
        rewarded=len(lots),
        points=sum(lot.points for lot in lots),
    )
