"""Deferred effects that talk to Telegram: digital goods to the customer, alerts to admins.

The job runner (`services.jobs`) claims the rows; these handlers only send. A person who
blocked the bot is marked and skipped (retrying cannot help); any other Bot API failure is
retried by the runner with backoff.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import FSInputFile, Message
from loguru import logger

from core.i18n import gettext as _
from core.i18n import pick_locale
from db.models import Job, Order, OrderItem, Product, ProductKind
from handlers.commands import ChatSetup
from services import jobs, orders, users
from services.container import Services
from services.jobs import JobKind, JobPolicy, JobRunner

CHAT_SETUP_POLICY = JobPolicy(first_backoff=timedelta(seconds=30), max_backoff=timedelta(hours=1))
DELIVERY_POLICY = JobPolicy(first_backoff=timedelta(seconds=30), max_backoff=timedelta(minutes=30))
"""At least once: a runner that died after sending may send the files a second time, which is
better than never."""


class DigitalDelivery:
    """Sends a paid order's digital goods to the customer's chat: a file by its Telegram
    file_id (uploading a file kept under DATA_DIR once), or a link."""

    def __init__(self, bot: Bot, services: Services) -> None:
        self._bot = bot
        self._i18n = services.i18n
        self._settings = services.settings

    async def __call__(self, job: Job) -> None:
        """The job's handler."""
        await self.deliver(int(job.payload["order_id"]))

    async def deliver(self, order_id: int) -> int:
        """Send every digital good of the order; how many were sent (0: nothing to send)."""
        order = await Order.get_or_none(id=order_id).prefetch_related("customer", "provider__owner")
        if order is None or not orders.goods_are_paid(order):
            return 0
        customer = order.customer
        if customer.tg_id is None or customer.is_anonymized or customer.bot_blocked:
            return 0
        items = await OrderItem.filter(order_id=order.id, kind=ProductKind.digital).order_by("id")
        locale = pick_locale(
            customer.locale, customer.language_code, default=self._settings.default_locale
        )
        sent = 0
        manual: list[str] = []
        try:
            for item in items:
                product = await Product.get_or_none(id=item.product_id) if item.product_id else None
                with self._i18n.context(), self._i18n.use_locale(locale):
                    if product is None or not await self._send(
                        customer.tg_id, order, item, product
                    ):
                        manual.append(item.title)
                        continue
                sent += 1
            if manual:
                await self._tell_seller(order, manual)
        except TelegramForbiddenError:
            await users.mark_bot_blocked(customer.tg_id)
            return sent
        except TelegramAPIError as exc:
            raise jobs.Retry(f"Bot API: {exc}") from exc
        return sent

    async def _send(self, chat_id: int, order: Order, item: OrderItem, product: Product) -> bool:
        caption = _("📥 “{title}” from order #{number}").format(
            title=escape(item.title), number=order.id
        )
        if product.digital_file_id:
            await self._bot.send_document(chat_id, product.digital_file_id, caption=caption)
            return True
        if product.digital_path:
            path = self._settings.data_path / product.digital_path
            if not path.is_file():
                logger.error("Digital good of product {} is missing on disk: {}", product.id, path)
                return False
            message: Message = await self._bot.send_document(
                chat_id,
                FSInputFile(path, filename=product.digital_file_name or path.name),
                caption=caption,
            )
            if message.document is not None:  # later deliveries reuse Telegram's copy
                await Product.filter(id=product.id).update(digital_file_id=message.document.file_id)
            return True
        if product.digital_url:
            text = caption + "\n" + _("Download: {url}").format(url=escape(product.digital_url))
            await self._bot.send_message(chat_id, text)
            return True
        return False

    async def _tell_seller(self, order: Order, titles: list[str]) -> None:
        """Goods without a file or link attached: the customer waits for the seller."""
        owner = order.provider.owner
        if owner is None or owner.tg_id is None or owner.bot_blocked:
            logger.warning("Order {}: digital goods with nothing attached, no seller", order.id)
            return
        locale = pick_locale(
            owner.locale, owner.language_code, default=self._settings.default_locale
        )
        with self._i18n.context(), self._i18n.use_locale(locale):
            text = _(
                "💾 Order #{number} is paid. These digital goods have no file or link attached, "
                "so send them to the customer yourself: {titles}"
            ).format(number=order.id, titles=escape(", ".join(titles)))
        try:
            await self._bot.send_message(owner.tg_id, text)
        except TelegramForbiddenError:
            await users.mark_bot_blocked(owner.tg_id)


class JobFailureAlert:
    """Tells the admins, in their language, that a deferred effect gave up (a refund that
    could not be made, a receipt that was refused)."""

    def __init__(self, bot: Bot, services: Services) -> None:
        self._bot = bot
        self._i18n = services.i18n
        self._settings = services.settings

    async def __call__(self, job: Job) -> None:
        """Send the alert to every admin."""
        admins = await users.admin_recipients(self._settings.admin_ids)
        for tg_id, admin in admins.items():
            locale = pick_locale(
                admin.locale if admin else None, default=self._settings.default_locale
            )
            with self._i18n.context(), self._i18n.use_locale(locale):
                text = _(
                    "⚠️ A deferred task failed for good and needs a person: {kind} #{id} "
                    "after {attempts} attempts.\n{error}"
                ).format(
                    kind=escape(job.kind),
                    id=job.id,
                    attempts=job.attempts,
                    error=escape(job.last_error[:1500]),
                )
            try:
                await self._bot.send_message(tg_id, text)
            except TelegramAPIError as exc:
                logger.warning("Could not alert admin {} about job {}: {}", tg_id, job.id, exc)


def register_chat_jobs(runner: JobRunner, bot: Bot, services: Services) -> None:
    """The jobs that send through the bot, and the admins' alert when a job gives up."""
    runner.register(JobKind.deliver_digital, DigitalDelivery(bot, services), DELIVERY_POLICY)
    runner.register(JobKind.chat_setup, ChatSetup(bot, services), CHAT_SETUP_POLICY)
    runner.on_give_up(JobFailureAlert(bot, services))
