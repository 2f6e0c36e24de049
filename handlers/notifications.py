"""Telegram pushes for shop events: the provider's order message, customers' updates, low stock.

The provider gets one message per order when it starts waiting for them (placed or paid); it
is stored as an OrderMessage and edited in place on every later change, whoever made it.
The customer gets a short message about every change they did not make themselves, in their
own language. Nothing here raises: a failed push is logged and the order stays as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from html import escape

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import InlineKeyboardMarkup, Message
from loguru import logger
from tortoise.exceptions import IntegrityError

from core.i18n import gettext as _
from core.i18n import pick_locale
from core.money import STARS, format_price
from core.texts import status_name
from db.models import (
    ActorRole,
    Order,
    OrderMessage,
    OrderStatus,
    OrderTransition,
    Payment,
    PaymentMethod,
    Payout,
    PayoutStatus,
    Product,
    Provider,
    Refund,
    User,
)
from handlers.provider_orders import NEEDS_PROVIDER, card_screen
from keyboards import admin as admin_kb
from keyboards import payments as pay_kb
from keyboards import provider as kb
from keyboards import reviews as review_kb
from keyboards import shop as shop_kb
from services import orders, users
from services.container import Services
from services.events import ShopListener
from services.refunds import LATE_PAYMENT_REASON

EXPIRED_REASON = "expired"
"""The reason services.orders.expire_unpaid records."""


def reachable(person: User | None) -> bool:
    """The person can get a push: known to Telegram, not erased, has not blocked the bot."""
    return (
        person is not None
        and person.tg_id is not None
        and not person.is_anonymized
        and not person.bot_blocked
    )


def customer_text(order: Order, transition: OrderTransition, locale: str) -> str:
    """What the customer is told about a change of their order (in the current locale)."""
    number = order.id
    shop = escape(order.provider.name)
    to = OrderStatus(transition.to_status)
    cash_due = order.payment_method is PaymentMethod.cash and not order.cash_confirmed
    to_pay = _("To pay on receipt: {amount}").format(
        amount=format_price(order.total, order.currency, locale)
    )
    if to is OrderStatus.paid:
        return _("💳 Payment for order #{number} received. {shop} will confirm it soon.").format(
            number=number, shop=shop
        )
    if to is OrderStatus.accepted:
        return _("✅ {shop} accepted your order #{number}.").format(number=number, shop=shop)
    if to is OrderStatus.in_work:
        return _("🛠 {shop} is preparing your order #{number}.").format(number=number, shop=shop)
    if to is OrderStatus.ready_for_pickup:
        lines = [_("📦 Your order #{number} is ready for pickup.").format(number=number)]
        if order.provider.pickup_address:
            lines.append(
                _("Address: {address}").format(address=escape(order.provider.pickup_address))
            )
        lines.append(_("Pickup code: <b>{code}</b>").format(code=escape(order.pickup_code)))
        if cash_due:
            lines.append(to_pay)
        return "\n".join(lines)
    if to is OrderStatus.out_for_delivery:
        text = _("🚚 Your order #{number} is on its way.").format(number=number)
        return text + "\n" + to_pay if cash_due else text
    if to is OrderStatus.completed:
        return _("🏁 Order #{number} is completed. Thank you for shopping at {shop}!").format(
            number=number, shop=shop
        )
    if to is OrderStatus.cancelled:
        reason = transition.reason.strip()
        if transition.actor_role is ActorRole.system and reason == EXPIRED_REASON:
            return _("❌ Order #{number} was cancelled: the time to pay ran out.").format(
                number=number
            )
        role = ActorRole(transition.actor_role)
        if role is ActorRole.provider:
            text = _("❌ {shop} cancelled your order #{number}.").format(number=number, shop=shop)
        elif role is ActorRole.admin:
            text = _("❌ Order #{number} was cancelled by the administrator.").format(number=number)
        else:
            text = _("❌ Order #{number} was cancelled.").format(number=number)
        if reason:
            text += "\n" + _("Reason: {reason}").format(reason=escape(reason))
        return text
    if to is OrderStatus.refunded:
        return _("↩️ Order #{number} was refunded.").format(number=number)
    return _("Order #{number}: {status}").format(number=number, status=status_name(to))


def _refund_text(order: Order, refund: Refund, amount: str) -> str:
    """What the customer is told about money coming back, and why when they did not ask."""
    if refund.currency == STARS:
        text = _("↩️ {amount} for order #{number} is back on your Telegram Stars balance.")
    else:
        text = _(
            "↩️ {amount} for order #{number} is on its way back the way you paid (card, SBP or "
            "wallet). It usually arrives within a few days."
        )
    text = text.format(amount=amount, number=order.id)
    if refund.reason == LATE_PAYMENT_REASON:
        text = (
            _(
                "Your payment for order #{number} arrived after the order had been closed, so "
                "we returned it."
            ).format(number=order.id)
            + "\n"
            + text
        )
    return text


class TelegramShopNotifier(ShopListener):
    """Talks to people through the bot about shop events."""

    def __init__(self, bot: Bot, services: Services) -> None:
        self._bot = bot
        self._i18n = services.i18n
        self._default_locale = services.settings.default_locale
        self._admin_ids = services.settings.admin_ids
        self._settings = services.settings

    # ShopListener --------------------------------------------------------------------------

    async def order_changed(self, order: Order, transition: OrderTransition) -> None:
        """Update the provider's message and tell the customer; never raises."""
        try:
            full = await Order.get_or_none(id=order.id).prefetch_related(
                "items", "customer", "provider__owner"
            )
        except Exception:
            logger.exception("Could not load order {} for its notifications", order.id)
            return
        if full is None:
            return
        try:
            await self._update_provider(full)
        except Exception:
            logger.exception("Provider push for order {} failed", order.id)
        try:
            await self._tell_customer(full, transition)
        except Exception:
            logger.exception("Customer push for order {} failed", order.id)

    async def low_stock(self, product: Product) -> None:
        """Tell the provider's owner that a product is running out; never raises."""
        try:
            await self._low_stock(product)
        except Exception:
            logger.exception("Low-stock push for product {} failed", product.id)

    async def payment_failed(self, order: Order, payment: Payment) -> None:
        """Tell the customer the payment did not go through and how to try again."""
        try:
            customer = await User.get_or_none(id=order.customer_id)
            if customer is None or not reachable(customer):
                return
            with self._speaking(customer):
                text = _(
                    "⚠️ The payment for order #{number} did not go through. You can pay again "
                    "with a new link while the order waits for payment."
                ).format(number=order.id)
                markup = pay_kb.pay_again(order.id)
                in_app = self._order_in_app(order)
                if in_app is not None:
                    markup.inline_keyboard.extend(in_app.inline_keyboard)
            await self._send(int(customer.tg_id or 0), text, markup)
        except Exception:
            logger.exception("Payment failure push for order {} failed", order.id)

    async def refunded(self, order: Order, refund: Refund) -> None:
        """Tell the customer and the provider how much went back, once per refund."""
        try:
            await self._refunded(order, refund)
        except Exception:
            logger.exception("Refund push for order {} failed", order.id)

    async def payout_changed(self, payout: Payout) -> None:
        """Tell the provider's owner what happened to their payout request."""
        try:
            await self._payout_changed(payout)
        except Exception:
            logger.exception("Payout push for payout {} failed", payout.id)

    # The provider ------------------------------------------------------------------------------

    async def _update_provider(self, order: Order) -> None:
        owner = order.provider.owner
        if owner is None or not reachable(owner):
            return
        chat_id = int(owner.tg_id or 0)
        stored = await OrderMessage.get_or_none(order_id=order.id, chat_id=chat_id)
        if stored is None and order.status not in NEEDS_PROVIDER:
            return  # not the provider's business yet (unpaid), or a push that never went out
        with self._speaking(owner) as locale:
            text, markup = await card_screen(order, locale)
            if stored is not None:
                if await self._edit(chat_id, stored.message_id, text, markup):
                    return
                if not orders.allowed_targets(order, ActorRole.provider):
                    return  # the message is gone and there is nothing left to act on
            message = await self._send(chat_id, text, markup)
        if message is None:
            return
        if stored is not None:
            stored.message_id = message.message_id
            await stored.save(update_fields=["message_id"])
            return
        try:
            await OrderMessage.create(
                order_id=order.id, chat_id=chat_id, message_id=message.message_id
            )
        except IntegrityError:  # two events of one order raced; the later message wins
            await OrderMessage.filter(order_id=order.id, chat_id=chat_id).update(
                message_id=message.message_id
            )

    # The customer ------------------------------------------------------------------------------

    async def _tell_customer(self, order: Order, transition: OrderTransition) -> None:
        if transition.from_status is None or transition.actor_role is ActorRole.customer:
            return  # the customer did this themselves and saw the result on their screen
        if transition.to_status is OrderStatus.refunded:
            return  # the refund event tells them, with the amount
        customer = order.customer
        if not reachable(customer):
            return
        with self._speaking(customer) as locale:
            text = customer_text(order, transition, locale)
            markup = self._order_in_app(order)
            if transition.to_status is OrderStatus.completed:
                rows = markup.inline_keyboard if markup is not None else []
                markup = InlineKeyboardMarkup(
                    inline_keyboard=[[review_kb.rate_button(order.id)], *rows]
                )
        await self._send(int(customer.tg_id or 0), text, markup)

    def _order_in_app(self, order: Order) -> InlineKeyboardMarkup | None:
        """A button that opens the order in the Mini App, when Telegram can open the app."""
        if not self._settings.mini_app_available:
            return None
        button = shop_kb.order_in_app(self._settings.mini_app_order_url(order.id))
        return InlineKeyboardMarkup(inline_keyboard=[[button]])

    # Money -------------------------------------------------------------------------------------

    async def _refunded(self, order: Order, refund: Refund) -> None:
        full = await Order.get(id=order.id).prefetch_related("customer", "provider__owner")
        people = [(full.customer, True), (full.provider.owner, False)]
        for person, is_customer in people:
            if person is None or not reachable(person):
                continue
            with self._speaking(person) as locale:
                amount = format_price(refund.amount, refund.currency, locale)
                if is_customer:
                    text = _refund_text(full, refund, amount)
                else:
                    text = _("↩️ A refund of {amount} was made for order #{number}.").format(
                        amount=amount, number=full.id
                    )
            await self._send(int(person.tg_id or 0), text, None)

    async def _payout_changed(self, payout: Payout) -> None:
        provider = await Provider.get(id=payout.provider_id).prefetch_related("owner")
        if PayoutStatus(payout.status) is PayoutStatus.requested:
            await self._tell_admins_of_payout(provider, payout)
        owner = provider.owner
        if owner is None or not reachable(owner):
            return
        with self._speaking(owner) as locale:
            amount = format_price(payout.amount, payout.currency, locale)
            status = PayoutStatus(payout.status)
            if status is PayoutStatus.requested:
                text = _("💸 Payout request #{number} for {amount} is sent to the platform.")
            elif status is PayoutStatus.approved:
                text = _("✅ Payout #{number} for {amount} is approved and on its way.")
            else:
                text = _(
                    "❌ Payout #{number} for {amount} was rejected; the money is back "
                    "on your balance."
                )
            text = text.format(number=payout.id, amount=amount)
            if status is PayoutStatus.rejected and payout.reason:
                text += "\n" + _("Reason: {reason}").format(reason=escape(payout.reason))
            if status is PayoutStatus.approved and payout.reference:
                text += "\n" + _("Transfer reference: {reference}").format(
                    reference=escape(payout.reference)
                )
        await self._send(int(owner.tg_id or 0), text, None)

    async def _tell_admins_of_payout(self, provider: Provider, payout: Payout) -> None:
        """A payout waits for an admin's decision: every admin hears of it, in their language."""
        for tg_id, admin in (await users.admin_recipients(self._admin_ids)).items():
            if admin is not None and not reachable(admin):
                continue
            locale = (
                pick_locale(admin.locale, admin.language_code, default=self._default_locale)
                if admin is not None
                else self._default_locale
            )
            with self._i18n.context(), self._i18n.use_locale(locale):
                text = _(
                    "💸 {shop} requests payout #{number} of {amount}. It waits in /admin → Payouts."
                ).format(
                    shop=escape(provider.name),
                    number=payout.id,
                    amount=format_price(payout.amount, payout.currency, locale),
                )
                markup = admin_kb.payout_push(payout.id)
            await self._send(tg_id, text, markup)

    # Low stock -------------------------------------------------------------------------------

    async def _low_stock(self, product: Product) -> None:
        fresh = await Product.get_or_none(id=product.id).prefetch_related("provider__owner")
        if fresh is None:
            return
        owner = fresh.provider.owner
        if owner is None or not reachable(owner):
            return
        with self._speaking(owner):
            if fresh.stock > 0:
                text = _("⚠️ Only {count} of “{title}” left in stock.").format(
                    count=fresh.stock, title=escape(fresh.title)
                )
            else:
                text = _("⚠️ “{title}” is sold out.").format(title=escape(fresh.title))
            markup = kb.open_product(fresh.provider.id, fresh.id)
        await self._send(int(owner.tg_id or 0), text, markup)

    # Telegram ----------------------------------------------------------------------------------

    @contextmanager
    def _speaking(self, person: User) -> Iterator[str]:
        """gettext in the person's language (their choice, else their Telegram client's)."""
        locale = pick_locale(person.locale, person.language_code, default=self._default_locale)
        with self._i18n.context(), self._i18n.use_locale(locale):
            yield locale

    async def _send(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None
    ) -> Message | None:
        try:
            return await self._bot.send_message(chat_id, text, reply_markup=markup)
        except TelegramForbiddenError:
            await users.mark_bot_blocked(chat_id)  # blocked the bot: expected, not an error
        except TelegramAPIError as exc:
            logger.warning("Push to chat {} failed: {}", chat_id, exc)
        return None

    async def _edit(
        self, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None
    ) -> bool:
        """Edit in place; False only when the message is gone (deleted by the person)."""
        try:
            await self._bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=markup
            )
        except TelegramForbiddenError:
            await users.mark_bot_blocked(chat_id)
        except TelegramBadRequest as exc:
            if "not found" in exc.message:
                return False
            if "not modified" not in exc.message:
                logger.warning("Editing order message {} failed: {}", message_id, exc)
        except TelegramAPIError as exc:
            logger.warning("Editing order message {} failed: {}", message_id, exc)
        return True
