"""Paying tutors in the chat: package offers on the tutor's page, a held lesson's invoice,
Telegram's payment updates of tutoring invoices, and the notices the job runner sends.

Every rule is in services.tutoring.purchases; these handlers show offers, send invoices (a
monthly plan as a subscription invoice link: Telegram sends no subscription invoice message)
and hand Telegram's updates to the service. Orders' invoices go on to handlers.payments.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    PreCheckoutQuery,
)
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder

from core.config import Settings
from core.errors import InvalidInput, NotFound
from core.i18n import gettext as _
from core.i18n import pick_locale
from core.money import format_price
from core.tutoring_texts import local_time_text
from db.models import Job, Lesson, LessonType, PaymentChannel, TutoringPaymentKind, TutorProfile
from db.models import TutoringPayment as Attempt
from db.models import User as UserModel
from keyboards.payments import channel_label
from keyboards.tutoring import ReturnCB, TutorCB, TutorPayCB
from services import jobs, users
from services.container import Services
from services.jobs import JobKind, JobPolicy, JobRunner
from services.tutoring import booking, money, purchases
from services.tutoring.purchases import OfferPrice, Settled

NOTICE_POLICY = JobPolicy(first_backoff=timedelta(seconds=30), max_backoff=timedelta(minutes=10))
HOLD_POLICY = JobPolicy(first_backoff=timedelta(seconds=30), max_backoff=timedelta(minutes=5))


# Offers on the tutor's page ------------------------------------------------------------------


def offer_label(priced: OfferPrice, locale: str) -> str:
    """The button of an offer: what it gives and what it costs."""
    if priced.offer.monthly:
        return _("⭐ {count} lessons a month — {price}").format(
            count=priced.offer.lessons,
            price=format_price(priced.stars_price or 0, "XTR", locale),
        )
    return _("🎟 Buy {count} lessons — {price}").format(
        count=priced.offer.lessons, price=format_price(priced.price, priced.currency, locale)
    )


async def offer_rows(tutor: TutorProfile, locale: str) -> list[list[InlineKeyboardButton]]:
    """One button per offer of the tutor."""
    return [
        [
            InlineKeyboardButton(
                text=offer_label(priced, locale),
                # a plan is paid only with Stars: straight to its subscription link
                callback_data=TutorPayCB(
                    offer_id=priced.offer.id,
                    channel=PaymentChannel.stars if priced.offer.monthly else "",
                ).pack(),
            )
        ]
        for priced in await purchases.offers(tutor)
    ]


def channel_choices(
    channels: list[PaymentChannel], *, offer_id: int = 0, lesson_id: int = 0
) -> InlineKeyboardMarkup:
    """One button per way to pay."""
    builder = InlineKeyboardBuilder()
    for channel in channels:
        builder.button(
            text=channel_label(channel),
            callback_data=TutorPayCB(offer_id=offer_id, lesson_id=lesson_id, channel=channel),
        )
    builder.adjust(1)
    return builder.as_markup()


def held_text(lesson: Lesson, zone: str) -> str:
    """A lesson booked without a credit: its time is held until it is paid."""
    minutes = int(purchases.HOLD_FOR.total_seconds() // 60)
    return _(
        "⏳ {time} is held for you for {minutes} minutes. Pay for the lesson to book it; "
        "unpaid, the time is released."
    ).format(time=local_time_text(lesson.starts_at, zone), minutes=minutes)


async def held_lesson_markup(lesson: Lesson, settings: Settings) -> InlineKeyboardMarkup:
    """The ways to pay a held lesson."""
    lesson_type = await LessonType.get(id=lesson.lesson_type_id)
    channels = purchases.lesson_channels(lesson_type, settings)
    return channel_choices(channels, lesson_id=lesson.id)


# Buying --------------------------------------------------------------------------------------


async def buy(
    callback: CallbackQuery,
    callback_data: TutorPayCB,
    user: UserModel,
    settings: Settings,
    bot: Bot,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    """An offer or a held lesson pressed: the ways to pay, or the invoice of the chosen one."""
    assert isinstance(callback.message, Message)
    if not callback_data.channel:
        await _show_channels(callback.message, callback_data, settings, locale)
        return
    channel = PaymentChannel(callback_data.channel)
    if callback_data.offer_id:
        payment = await purchases.open_package_payment(
            user, callback_data.offer_id, channel, settings
        )
    else:
        payment = await purchases.open_lesson_payment(
            user, callback_data.lesson_id, channel, settings
        )
    fields = await purchases.invoice_fields(payment, settings.telegram_provider_token)
    if payment.kind == TutoringPaymentKind.subscription:
        link = payment.invoice_link or await bot.create_invoice_link(**fields)
        await purchases.mark_sent(payment, link)
        await callback.message.answer(
            _("⭐ A monthly plan renews every 30 days; cancel it any time in Telegram."),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text=_("⭐ Subscribe"), url=link)]]
            ),
        )
        return
    await bot.send_invoice(callback.message.chat.id, protect_content=True, **fields)
    await purchases.mark_sent(payment)
    callback_answer.text = _("Invoice sent: press its Pay button.")


async def _show_channels(
    message: Message, callback_data: TutorPayCB, settings: Settings, locale: str
) -> None:
    if callback_data.lesson_id:
        lesson = await Lesson.get_or_none(id=callback_data.lesson_id)
        if lesson is None:
            return
        await message.answer(
            _("How would you like to pay?"), reply_markup=await held_lesson_markup(lesson, settings)
        )
        return
    priced = await purchases.priced_offer(callback_data.offer_id)
    channels = purchases.offer_channels(priced, settings)
    tutor = await TutorProfile.get(id=priced.offer.tutor_id).prefetch_related("provider")
    text = _("{count} lessons with {tutor} (−{discount}%): {price}.").format(
        count=priced.offer.lessons,
        tutor=escape(tutor.provider.name),
        discount=priced.offer.discount_percent,
        price=format_price(priced.price, priced.currency, locale),
    )
    if not channels:
        text += "\n" + _("Online payment is not available right now; please try again later.")
    else:
        text += "\n" + _("How would you like to pay?")
    await message.answer(text, reply_markup=channel_choices(channels, offer_id=priced.offer.id))


# Telegram's payment updates ------------------------------------------------------------------


class TutoringInvoice(Filter):
    """A pre-checkout query or successful_payment of a tutoring invoice (an async filter:
    aiogram runs synchronous ones in a thread)."""

    async def __call__(self, event: Any) -> bool:
        """Whether the invoice payload is a tutoring payment's."""
        if isinstance(event, PreCheckoutQuery):
            return purchases.is_tutoring_payload(event.invoice_payload)
        paid = getattr(event, "successful_payment", None)
        return paid is not None and purchases.is_tutoring_payload(paid.invoice_payload)


async def pre_checkout(query: PreCheckoutQuery, user: UserModel) -> None:
    """Telegram asks before charging: the attempt must still be payable (a refusal: declined
    with its reason by handlers.errors)."""
    await purchases.check_pre_checkout(
        user, query.invoice_payload, query.currency, query.total_amount
    )
    await query.answer(ok=True)


async def successful_payment(
    message: Message, user: UserModel, settings: Settings, services: Services
) -> None:
    """Telegram took the money (a plan's renewal too): settle once per charge; the student is
    told by the notice job."""
    paid = message.successful_payment
    assert paid is not None
    _outcome, keys = await purchases.record_successful_payment(
        user,
        payload=paid.invoice_payload,
        currency=paid.currency,
        total_amount=paid.total_amount,
        charge_id=paid.telegram_payment_charge_id,
        default_reminders=settings.lesson_reminders,
    )
    await services.shop_events.jobs_added(keys)


# The tutor's offers --------------------------------------------------------------------------


async def offers_command(
    message: Message, command: CommandObject, user: UserModel, locale: str
) -> None:
    """/tutor_offers [LESSON_TYPE LESSONS DISCOUNT [monthly]]: the tutor's packages on sale, or
    a new one (a monthly plan needs the lesson type's Stars price)."""
    tutor = await booking.tutor_of(user)
    if tutor is None:
        await message.answer(_("You are not a tutor here. Ask the administrator for an invite."))
        return
    types = await booking.lesson_types(tutor)
    if command.args:
        words = command.args.split()
        try:
            type_id, lessons, discount = (int(word) for word in words[:3])
        except ValueError:
            raise InvalidInput(field="lessons", min=1, max=money.MAX_PACKAGE_LESSONS) from None
        lesson_type = next((x for x in types if x.id == type_id), None)
        if lesson_type is None:
            raise NotFound(entity="lesson_type")
        monthly = len(words) > 3 and words[3].lower() == "monthly"
        await purchases.add_offer(tutor, lesson_type, lessons, discount, monthly=monthly)
    offers = await purchases.offers(tutor)
    lines = [_("Your packages:")] if offers else [_("No packages on sale yet.")]
    lines += [offer_label(priced, locale) for priced in offers]
    lines.append(
        _(
            "Add one: /tutor_offers LESSON_TYPE LESSONS DISCOUNT, e.g. /tutor_offers {type} 4 5 "
            "(add “monthly” for a Stars plan). Lesson types: {types}"
        ).format(
            type=types[0].id if types else 1,
            types=", ".join(f"{x.id} — {escape(x.title)}" for x in types) or "—",
        )
    )
    await message.answer("\n".join(lines))


# Returning unused credits (tutors and admins) ------------------------------------------------


async def packages_command(message: Message, user: UserModel, settings: Settings) -> None:
    """/tutor_packages: packages with unused lessons, each with a button that returns them to
    the student's wallet (a tutor sees their own, an admin everyone's)."""
    admin = users.is_admin(user, settings.admin_ids)
    found = await purchases.packages_with_credits(user, admin=admin)
    if not found:
        await message.answer(_("No packages with unused lessons."))
        return
    for package in found:
        text = _("Package #{number}: {student}, {left} of {lessons} lessons unused.").format(
            number=package.id,
            student=escape(package.student.full_name or "—"),
            left=package.remaining,
            lessons=package.lessons,
        )
        button = InlineKeyboardButton(
            text=_("↩️ Return {count} lessons to the wallet").format(count=package.remaining),
            callback_data=ReturnCB(package_id=package.id).pack(),
        )
        await message.answer(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]))


async def return_credits(
    callback: CallbackQuery,
    callback_data: ReturnCB,
    user: UserModel,
    settings: Settings,
    locale: str,
) -> None:
    """Return a package's unused lessons (a second press: nothing left, explained)."""
    admin = users.is_admin(user, settings.admin_ids)
    package, amount = await purchases.return_credits(user, callback_data.package_id, admin=admin)
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("Returned {amount} to the student's wallet for package #{number}.").format(
            amount=format_price(amount, package.currency, locale), number=package.id
        )
    )


# Jobs ----------------------------------------------------------------------------------------


class PaidNotice:
    """Tells a student their payment to a tutor arrived, and what it bought."""

    def __init__(self, bot: Bot, services: Services) -> None:
        self._bot = bot
        self._i18n = services.i18n
        self._settings = services.settings

    async def __call__(self, job: Job) -> None:
        """The job's handler."""
        payment_id = job.payload.get("payment_id")
        user, payment, credits = await purchases.paid_notice(
            int(job.payload["user_id"]), int(payment_id) if payment_id else None
        )
        if user is None or user.tg_id is None or user.bot_blocked or user.is_anonymized:
            return
        locale = pick_locale(user.locale, user.language_code, default=self._settings.default_locale)
        with self._i18n.context(), self._i18n.use_locale(locale):
            text, markup = await self._text(job.payload.get("outcome"), payment, credits, user)
        try:
            await self._bot.send_message(user.tg_id, text, reply_markup=markup)
        except TelegramForbiddenError:
            await users.mark_bot_blocked(user.tg_id)
        except TelegramAPIError as exc:
            raise jobs.Retry(f"Bot API: {exc}") from exc

    async def _text(
        self, outcome: object, payment: Attempt | None, credits: int, user: UserModel
    ) -> tuple[str, InlineKeyboardMarkup | None]:
        if outcome != Settled.settled or payment is None:
            return (
                _(
                    "We received your payment, but nothing waited for it any more (the time "
                    "held for the lesson had run out). The money is kept on your balance and "
                    "pays your next lesson; for a refund, send /paysupport."
                ),
                None,
            )
        tutor = await TutorProfile.get(id=payment.tutor_id).prefetch_related("provider")
        back = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=_("👩‍🏫 Tutor's page"),
                        callback_data=TutorCB(tutor_id=tutor.provider_id).pack(),
                    )
                ]
            ]
        )
        if payment.lesson_id is not None:
            lesson = await Lesson.get(id=payment.lesson_id)
            zone = user.timezone or self._settings.timezone
            return (
                _("✅ Payment received: your lesson with {tutor} at {time} is booked.").format(
                    tutor=escape(tutor.provider.name),
                    time=local_time_text(lesson.starts_at, zone),
                ),
                None,
            )
        return (
            _(
                "✅ Payment received: {count} lessons with {tutor}. Prepaid lessons left: "
                "{credits}. Choose a time on the tutor's page."
            ).format(count=payment.lessons, tutor=escape(tutor.provider.name), credits=credits),
            back,
        )


class HoldExpired:
    """Releases the time of a lesson that was not paid in time."""

    def __init__(self, services: Services) -> None:
        self._events = services.shop_events

    async def __call__(self, job: Job) -> None:
        """The job's handler."""
        keys = await purchases.release_unpaid(int(job.payload["lesson_id"]))
        await self._events.jobs_added(keys)


def register_tutoring_pay_jobs(runner: JobRunner, bot: Bot, services: Services) -> None:
    """The payment notices and the release of unpaid lessons."""
    runner.register(JobKind.tutoring_paid, PaidNotice(bot, services), NOTICE_POLICY)
    runner.register(JobKind.lesson_hold_expired, HoldExpired(services), HOLD_POLICY)


def create_router() -> Router:
    """Must come before handlers.payments: tutoring invoices' updates are taken here."""
    router = Router(name=__name__)
    router.pre_checkout_query.register(pre_checkout, TutoringInvoice())
    router.message.register(successful_payment, F.successful_payment, TutoringInvoice())
    router.callback_query.register(buy, TutorPayCB.filter())
    router.message.register(packages_command, Command("tutor_packages"), F.chat.type == "private")
    router.message.register(offers_command, Command("tutor_offers"), F.chat.type == "private")
    router.callback_query.register(return_credits, ReturnCB.filter())
    return router
