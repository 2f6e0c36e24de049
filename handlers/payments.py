"""Paying for orders in chat: the ways to pay, YooKassa links, Telegram invoices and Stars.

The money is settled by services (YooKassa's notification, Telegram's successful_payment);
these handlers only open attempts, show them and answer Telegram's payment updates. The
customer hears "payment received" once, from the order's paid event (bot/notifications.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, PreCheckoutQuery
from aiogram.utils.callback_answer import CallbackAnswer
from loguru import logger

from core.config import Settings
from core.errors import InvalidInput
from core.i18n import gettext as _
from core.money import format_price
from core.problems import explain
from db.models import Order, OrderStatus, Payment, PaymentChannel, PaymentStatus, User
from handlers.turn import Turn, with_turns
from handlers.ui import Screen
from keyboards import payments as kb
from keyboards.menus import retry
from keyboards.payments import PayAction, PayCB
from services import orders, payments, telegram_payments
from services.container import Services
from services.invoices import invoice_fields
from services.telegram_payments import SettleOutcome
from services.yookassa_gateway import GatewayTimeout, YooKassaGateway

CONTACT_KEY = "receipt_contact_order"


class PayStates(StatesGroup):
    """Waiting for the e-mail or phone a fiscal receipt needs."""

    receipt_contact = State()


# Screens -------------------------------------------------------------------------------------


def pay_choices_screen(order: Order, settings: Settings, locale: str) -> Screen:
    """The ways this order can be paid (or why it cannot be paid online now)."""
    total = format_price(order.total, order.currency, locale)
    channels = payments.channels_for(order.currency, settings)
    if not channels:
        text = _(
            "Order #{number}: {total}. Online payment is not available right now; please "
            "try again later or ask /paysupport."
        ).format(number=order.id, total=total)
        return Screen(text, kb.pay_choices(order.id, []))
    text = _("Order #{number}: {total}. How would you like to pay?").format(
        number=order.id, total=total
    )
    return Screen(text, kb.pay_choices(order.id, channels))


def link_screen(order: Order, payment: Payment, locale: str) -> Screen:
    """A live YooKassa payment page."""
    amount = format_price(payment.amount, payment.currency, locale)
    text = _(
        "Order #{number}: pay {amount} on YooKassa's page. The order turns paid as soon as "
        "YooKassa confirms the payment; if the link stops working, get a new one."
    ).format(number=order.id, amount=amount)
    assert payment.confirmation_url is not None
    return Screen(text, kb.yookassa_link(order.id, payment.confirmation_url, amount))


# The ways to pay -----------------------------------------------------------------------------


async def choose(
    callback: CallbackQuery, callback_data: PayCB, turn: Turn, callback_answer: CallbackAnswer
) -> None:
    """The ways to pay an order that still waits for payment."""
    order = await orders.customer_order(turn.user, callback_data.order_id)
    if order.status is not OrderStatus.pending_payment:
        callback_answer.text = _("This order no longer waits for payment.")
        return
    await turn.show(pay_choices_screen(order, turn.settings, turn.locale))


async def pay(
    callback: CallbackQuery,
    callback_data: PayCB,
    turn: Turn,
    services: Services,
    callback_answer: CallbackAnswer,
) -> None:
    """Pay by the chosen channel: a YooKassa link, or an invoice (roubles or Stars)."""
    channel = callback_data.channel
    order = await orders.customer_order(turn.user, callback_data.order_id)
    if channel not in payments.channels_for(order.currency, turn.settings):
        raise InvalidInput(field="payment_method")
    if channel is PaymentChannel.yookassa:
        await _pay_yookassa(turn, order, services)
        return
    await _send_invoice(callback, order, turn, channel, callback_answer)


def _gateway(services: Services) -> YooKassaGateway:
    if services.yookassa is None:
        raise InvalidInput(field="payment_method")
    return services.yookassa


async def _pay_yookassa(turn: Turn, order: Order, services: Services) -> None:
    gateway = _gateway(services)
    if payments.needs_receipt_contact(order, turn.user, PaymentChannel.yookassa):
        await turn.state.set_state(PayStates.receipt_contact)
        await turn.state.update_data({CONTACT_KEY: order.id})
        text = _(
            "By law (54-FZ) the shop sends you an electronic receipt for this payment. "
            "Send the e-mail or phone number it should go to. It is used only for receipts.\n"
            "/cancel — do not pay now."
        )
        await turn.show(Screen(text, None))
        return
    payment = await payments.start_yookassa_payment(order, turn.user, gateway)
    await turn.show(_after_start(order, payment, turn.locale))


def _after_start(order: Order, payment: Payment, locale: str) -> Screen:
    if payment.status is PaymentStatus.succeeded:
        return Screen(_("Order #{number} is paid. Thank you!").format(number=order.id), None)
    return link_screen(order, payment, locale)


async def receipt_contact(message: Message, turn: Turn, services: Services) -> None:
    """The e-mail or phone for the receipt; then the payment link."""
    order_id = int((await turn.state.get_data()).get(CONTACT_KEY) or 0)
    if not message.text:
        await message.answer(_("Please send the e-mail or phone number as text."))
        return
    order = await orders.customer_order(turn.user, order_id)
    # Not a contact: handlers.errors explains and asks again (the state stays).
    order = await payments.set_receipt_contact(order, turn.user, message.text)
    await turn.state.set_state(None)
    await turn.state.update_data({CONTACT_KEY: None})
    try:
        payment = await payments.start_yookassa_payment(order, turn.user, _gateway(services))
    except GatewayTimeout as error:  # the contact is kept: "Try again" presses Pay again
        again = PayCB(action=PayAction.pay, order_id=order.id, channel=PaymentChannel.yookassa)
        await message.answer(explain(error), reply_markup=retry(again.pack()))
        return
    await turn.show(_after_start(order, payment, turn.locale))


YooKassaAction = Callable[..., Awaitable[Payment | None]]


async def _ask_yookassa(
    action: YooKassaAction, order_id: int, turn: Turn, services: Services
) -> tuple[Order, Payment | None]:
    """Run a YooKassa action on the customer's order (a refusal: handlers.errors)."""
    order = await orders.customer_order(turn.user, order_id)
    payment = await action(
        order,
        turn.user,
        _gateway(services),
        services.shop_events,
        commission_percent=turn.settings.platform_commission_percent,
    )
    return order, payment


async def new_link(
    callback: CallbackQuery, callback_data: PayCB, turn: Turn, services: Services
) -> None:
    """Replace an expired or cancelled YooKassa link (the live one is kept)."""
    order, payment = await _ask_yookassa(
        payments.new_payment_link, callback_data.order_id, turn, services
    )
    if payment is not None:
        await turn.show(_after_start(order, payment, turn.locale))


async def check(
    callback: CallbackQuery,
    callback_data: PayCB,
    turn: Turn,
    services: Services,
    callback_answer: CallbackAnswer,
) -> None:
    """ "I have paid": ask YooKassa now instead of waiting for its notification."""
    order, payment = await _ask_yookassa(
        payments.check_attempt, callback_data.order_id, turn, services
    )
    if payment is not None and payment.status is PaymentStatus.succeeded:
        callback_answer.text = _("Payment received. Thank you!")
        await turn.show(_after_start(order, payment, turn.locale))
    elif payment is not None and payment.status is PaymentStatus.canceled:
        callback_answer.text = _("That payment did not go through. Get a new link to try again.")
    else:
        callback_answer.text = _(
            "YooKassa has not confirmed the payment yet. It usually takes a minute."
        )


# Telegram invoices ---------------------------------------------------------------------------


async def _send_invoice(
    callback: CallbackQuery,
    order: Order,
    turn: Turn,
    channel: PaymentChannel,
    callback_answer: CallbackAnswer,
) -> None:
    invoice = await telegram_payments.open_invoice(order.id, turn.user, channel)
    if not telegram_payments.should_resend(invoice):
        callback_answer.text = _("The invoice is already in the chat: press its Pay button.")
        return
    chat_id = callback.message.chat.id if callback.message else callback.from_user.id
    fields = await invoice_fields(invoice, turn.settings)
    await turn.bot.send_invoice(chat_id, protect_content=True, **fields)
    await telegram_payments.mark_sent(invoice.payment)
    callback_answer.text = _("Invoice sent: press its Pay button.")


async def pre_checkout(query: PreCheckoutQuery, user: User, bot: Bot) -> None:
    """Telegram asks before charging: the order must still be payable. Answered at once
    (a refusal: declined with its reason by handlers.errors)."""
    await telegram_payments.check_pre_checkout(
        user, query.invoice_payload, query.currency, query.total_amount
    )
    await query.answer(ok=True)


async def successful_payment(
    message: Message, user: User, settings: Settings, services: Services
) -> None:
    """Telegram took the money: settle the attempt once per charge."""
    paid = message.successful_payment
    assert paid is not None
    outcome = await telegram_payments.record_successful_payment(
        user,
        payload=paid.invoice_payload,
        currency=paid.currency,
        total_amount=paid.total_amount,
        charge_id=paid.telegram_payment_charge_id,
        provider_charge_id=paid.provider_payment_charge_id,
        events=services.shop_events,
        commission_percent=settings.platform_commission_percent,
    )
    if outcome is SettleOutcome.unmatched:
        await message.answer(
            _(
                "We received your payment, but the order no longer waits for it. The money "
                "will be returned to you; if you have questions, send /paysupport."
            )
        )


async def refunded_payment(message: Message) -> None:
    """Telegram's note that a Stars payment was refunded: our refund already told the person."""
    refunded = message.refunded_payment
    if refunded is not None:
        logger.info(
            "Telegram confirmed the refund of charge {}", refunded.telegram_payment_charge_id
        )


# Stars rules: /terms and /paysupport ---------------------------------------------------------


async def terms(message: Message, settings: Settings) -> None:
    """/terms: what is sold, how it is paid and refunded."""
    await message.answer(
        _(
            "<b>Terms of sale</b>\n\n"
            "Sellers on this platform sell goods, custom products and lessons. Prices are "
            "shown before you pay. Physical goods and lessons are paid in roubles (by card "
            "or SBP through YooKassa, or in Telegram); digital goods are paid in Telegram "
            "Stars and are delivered by the seller after payment.\n\n"
            "Refunds: an order cancelled before it is handed over is refunded in full. For "
            "a problem with an order, write to /paysupport within 14 days; approved refunds "
            "go back the way you paid (Stars come back to your Stars balance).\n\n"
            "Seller of record for the platform: {operator}, INN {inn}. Personal data: /privacy."
        ).format(operator=settings.operator_legal_name, inn=settings.operator_inn)
    )


async def paysupport(message: Message, settings: Settings) -> None:
    """/paysupport: where payment questions go (Telegram requires it of bots that take Stars)."""
    await message.answer(
        _(
            "Questions about a payment or a refund: write to {contact} and give your order "
            "number (see /orders). Telegram's support cannot help with purchases made from "
            "this bot."
        ).format(contact=escape(settings.payments_support_contact))
    )


def create_router() -> Router:
    """Paying for orders, Telegram's payment updates, /terms and /paysupport."""
    router = with_turns(Router(name=__name__))
    router.pre_checkout_query.register(pre_checkout)
    router.message.register(successful_payment, F.successful_payment)
    router.message.register(refunded_payment, F.refunded_payment)
    router.message.register(terms, Command("terms"), F.chat.type == "private")
    router.message.register(paysupport, Command("paysupport"), F.chat.type == "private")
    router.message.register(
        receipt_contact, StateFilter(PayStates.receipt_contact), F.chat.type == "private"
    )
    router.callback_query.register(choose, PayCB.filter(F.action == PayAction.choose))
    router.callback_query.register(pay, PayCB.filter(F.action == PayAction.pay))
    router.callback_query.register(new_link, PayCB.filter(F.action == PayAction.new_link))
    router.callback_query.register(check, PayCB.filter(F.action == PayAction.check))
    return router
