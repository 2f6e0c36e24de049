"""Lesson money in the ledger: packages, lessons paid ahead, consumption and returns.

Money paid for lessons not yet given is unearned: it waits in the tutor's
`tutoring:unearned:{provider}:{currency}` account. A lesson held, missed (no-show) or cancelled
too late moves its price from there to the tutor (less the platform's commission); unused
credits and lessons cancelled in time go back to the student's wallet. Every movement is one
balanced ledger transaction whose reference names the lesson or package, so it happens once.
"""

from __future__ import annotations

from decimal import Decimal

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from core.errors import DomainError, InvalidInput, NotFound
from db.models import AccountKind, Lesson, Package, Provider, TutorProfile, User
from services import ledger
from services.ledger import LedgerKind, Posting
from services.payments import commission_of, commission_percent_of

MAX_PACKAGE_LESSONS = 100


class NothingToReturn(DomainError):
    """The package has no unused credits (`package_id`)."""

    code = "no_unused_credits"
    status = 409


def unearned_code(provider_id: int, currency: str) -> str:
    """Money paid for a tutor's lessons not yet given."""
    return f"tutoring:unearned:{provider_id}:{currency}"


async def unearned_account(provider_id: int, currency: str) -> ledger.Account:
    """The tutor's unearned lesson money (created on first use)."""
    return await ledger.get_account(
        unearned_code(provider_id, currency),
        AccountKind.platform,
        currency,
        provider_id=provider_id,
    )


def package_price(lesson_price: int, lessons: int, discount_percent: int) -> tuple[int, int]:
    """(price of the package, price of one credit): the discount is taken per lesson, rounded
    down to the kopeck, so the credits add up to the price exactly."""
    if not 1 <= lessons <= MAX_PACKAGE_LESSONS:
        raise InvalidInput(field="lessons", min=1, max=MAX_PACKAGE_LESSONS)
    if not 0 <= discount_percent < 100:
        raise InvalidInput(field="discount", min=0, max=99)
    unit = lesson_price * (100 - discount_percent) // 100
    return unit * lessons, unit


async def buy_package(
    student: User,
    tutor: TutorProfile,
    *,
    lessons: int,
    lesson_price: int,
    discount_percent: int = 0,
    currency: str = "RUB",
    payment_reference: str,
    channel: str | None = None,
) -> Package:
    """Record a paid package once per `payment_reference`: its money comes from the payment
    `channel`'s clearing account (or, without one, from the student's wallet) and waits as
    unearned; the student gets `lessons` credits."""
    price, unit = package_price(lesson_price, lessons, discount_percent)
    existing = await Package.get_or_none(payment_reference=payment_reference)
    if existing is not None:
        return existing
    if channel is not None:
        source = await ledger.clearing_account(channel, currency)
    else:
        source = await ledger.customer_account(student.id, currency)
    unearned = await unearned_account(tutor.provider_id, currency)
    async with in_transaction():
        package = await Package.create(
            tutor_id=tutor.id,
            student_id=student.id,
            lessons=lessons,
            remaining=lessons,
            price=price,
            unit_price=unit,
            currency=currency,
            payment_reference=payment_reference,
        )
        await ledger.post(
            f"package:{package.id}:paid",
            LedgerKind.lessons_prepaid,
            [Posting(source, -price), Posting(unearned, price)],
            description=f"package {package.id}",
        )
    return package


async def prepay_lesson(lesson: Lesson, provider_id: int) -> None:
    """A lesson paid on its own: its price from the student's wallet to unearned (in the
    booking's transaction; not enough money refuses the booking)."""
    if lesson.price <= 0:
        return
    wallet = await ledger.customer_account(lesson.student_id, lesson.currency)
    unearned = await unearned_account(provider_id, lesson.currency)
    await ledger.post(
        f"lesson:{lesson.id}:prepaid",
        LedgerKind.lessons_prepaid,
        [Posting(wallet, -lesson.price), Posting(unearned, lesson.price)],
        description=f"lesson {lesson.id}",
    )


async def consume(lesson: Lesson, provider: Provider, default_percent: Decimal) -> None:
    """The lesson's money goes to the tutor (held, no-show, late cancellation): once."""
    amount = lesson.price
    if lesson.package_id is not None:
        changed = await Package.filter(id=lesson.package_id).update(consumed=F("consumed") + 1)
        if not changed:
            raise NotFound(entity="package")
        package = await Package.get(id=lesson.package_id)
        amount = package.unit_price
    if amount <= 0:
        return
    commission = min(
        commission_of(amount, commission_percent_of(provider, default_percent)), amount
    )
    await ledger.post(
        f"lesson:{lesson.id}:consumed",
        LedgerKind.lesson_consumed,
        [
            Posting(await unearned_account(provider.id, lesson.currency), -amount),
            Posting(
                await ledger.provider_account(provider.id, lesson.currency), amount - commission
            ),
            Posting(await ledger.commission_account(lesson.currency), commission),
        ],
        description=f"lesson {lesson.id}",
    )


async def give_back(lesson: Lesson, provider_id: int) -> None:
    """A lesson cancelled in time or by the tutor: its credit back to the package, or its price
    back to the student's wallet."""
    if lesson.package_id is not None:
        await Package.filter(id=lesson.package_id).update(remaining=F("remaining") + 1)
        return
    if lesson.price <= 0:
        return
    await ledger.post(
        f"lesson:{lesson.id}:returned",
        LedgerKind.lessons_returned,
        [
            Posting(await unearned_account(provider_id, lesson.currency), -lesson.price),
            Posting(
                await ledger.customer_account(lesson.student_id, lesson.currency), lesson.price
            ),
        ],
        description=f"lesson {lesson.id}",
    )


async def return_unused(student: User, package_id: int) -> int:
    """Give the money of a package's unused credits back to the student's wallet (booked
    lessons keep theirs); the amount returned."""
    package = await Package.get_or_none(id=package_id, student_id=student.id)
    if package is None:
        raise NotFound(entity="package")
    tutor = await TutorProfile.get(id=package.tutor_id)
    async with in_transaction():
        package = await Package.filter(id=package_id).select_for_update().get()
        credits = package.remaining
        if credits <= 0:
            raise NothingToReturn(package_id=package_id)
        taken = await Package.filter(id=package_id, remaining=credits).update(
            remaining=0, refunded=F("refunded") + credits
        )
        if not taken:
            raise NothingToReturn(package_id=package_id)
        amount = credits * package.unit_price
        await ledger.post(
            f"package:{package.id}:returned:{package.refunded + credits}",
            LedgerKind.lessons_returned,
            [
                Posting(await unearned_account(tutor.provider_id, package.currency), -amount),
                Posting(await ledger.customer_account(student.id, package.currency), amount),
            ],
            description=f"package {package.id}",
        )
    return amount


async def credits_left(student_id: int, tutor_id: int) -> int:
    """Credits the student can still book with this tutor."""
    packages = await Package.filter(student_id=student_id, tutor_id=tutor_id, remaining__gt=0)
    return sum(p.remaining for p in packages)


async def credits_by_tutor(student_id: int) -> dict[int, int]:
    """The student's unused credits per tutor profile id (tutors with none left out)."""
    credits: dict[int, int] = {}
    for package in await Package.filter(student_id=student_id, remaining__gt=0).order_by("id"):
        credits[package.tutor_id] = credits.get(package.tutor_id, 0) + package.remaining
    return credits
