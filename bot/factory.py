"""Factories of the composition root: nothing is built at import time."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import ExceptionTypeFilter
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from limits.aio.storage import MemoryStorage as LimitsMemoryStorage
from limits.aio.storage import RedisStorage as LimitsRedisStorage
from limits.aio.storage import Storage as LimitsStorage
from redis.asyncio import Redis

from bot.share import prepared_message_saver
from core.config import Settings
from core.errors import DomainError
from core.i18n import create_i18n
from core.metrics import Metrics
from handlers import get_routers
from handlers.analytics import install as record_funnel_steps
from handlers.broadcast_send import register_broadcast_jobs
from handlers.errors import ErrorHandler, answer_refusal, answerable
from handlers.homework_jobs import register_homework_jobs
from handlers.jobs import register_chat_jobs
from handlers.notifications import TelegramShopNotifier
from handlers.review_jobs import register_review_jobs
from handlers.routing import resolve_magic_filters_inline
from handlers.support_jobs import register_support_jobs
from handlers.tutoring_jobs import register_tutoring_jobs
from handlers.tutoring_pay import register_tutoring_pay_jobs
from middlewares import setup_middlewares
from middlewares.send_limit import SendLimitMiddleware
from services.achievements import LessonAchievements
from services.analytics import RecordOrderSteps
from services.container import Services
from services.dedup import MemoryDeduplicator, RedisDeduplicator
from services.effects import register_money_jobs
from services.events import ShopEvents
from services.jobs import JobRunner, RunJobsAtOnce
from services.loyalty import register_loyalty_jobs
from services.read_cache import ReadCache
from services.refunds import RefundBackends
from services.send_pacer import MemorySlots, RedisSlots, SendPacer, SlotStore
from services.throttle import Throttler
from services.user_cache import UserCache
from services.users import ChatDefaults
from services.yookassa_gateway import YooKassaGateway

SANDBOX_API_PATH = "/sandbox/tg"


class ApiMetricsMiddleware(BaseRequestMiddleware):
    """Count Bot API calls and their errors by method."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    async def __call__(
        self,
        make_request: Callable[[Bot, TelegramMethod[TelegramType]], Awaitable[Response[Any]]],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        """Pass the call through, counting it."""
        name = method.__api_method__
        self._metrics.bot_api_calls.labels(name).inc()
        try:
            return await make_request(bot, method)
        except TelegramAPIError as exc:
            self._metrics.bot_api_errors.labels(name, type(exc).__name__).inc()
            raise


def telegram_api_base(settings: Settings) -> str | None:
    """TELEGRAM_API_URL, or the built-in emulator in sandbox mode, or Telegram itself."""
    if settings.telegram_api_url:
        return settings.telegram_api_url
    if settings.sandbox:
        return settings.local_base_url + SANDBOX_API_PATH
    return None


def create_bot(settings: Settings, metrics: Metrics) -> Bot:
    """A Bot with HTML parse mode, talking to Telegram or to TELEGRAM_API_URL."""
    base = telegram_api_base(settings)
    api = TelegramAPIServer.from_base(base) if base else None
    session = AiohttpSession(api=api) if api else AiohttpSession()
    session.middleware(ApiMetricsMiddleware(metrics))
    return Bot(
        settings.token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def create_isolation(services: Services) -> BaseEventIsolation:
    """One update at a time per chat and user, so FSM read-modify-write never races."""
    if services.redis is not None:
        return RedisEventIsolation(services.redis)
    return SimpleEventIsolation()


def create_storage(services: Services) -> BaseStorage:
    """FSM state in Redis when configured (survives restarts), in memory otherwise."""
    if services.redis is not None:
        return RedisStorage(services.redis)
    return MemoryStorage()


def create_dispatcher(services: Services) -> Dispatcher:
    """A Dispatcher with every router and middleware; services reach handlers by name."""
    settings = services.settings
    dp = Dispatcher(
        storage=create_storage(services),
        events_isolation=create_isolation(services),
        settings=settings,
        services=services,
        i18n=services.i18n,
        metrics=services.metrics,
        shop_events=services.shop_events,
    )
    setup_middlewares(
        dp,
        metrics=services.metrics,
        dedup=services.dedup,
        throttler=services.throttler,
        i18n=services.i18n,
        default_locale=settings.default_locale,
    )
    dp.include_routers(*get_routers())
    record_funnel_steps(dp, services)
    resolve_magic_filters_inline(dp)
    # Refusals first; the ErrorHandler must be last: it takes every other exception.
    dp.errors.register(answer_refusal, ExceptionTypeFilter(DomainError), answerable)
    dp.errors.register(ErrorHandler(settings, services.i18n).handle)
    return dp


def limits_storage_uri(redis_url: str) -> str:
    """REDIS_URL as `limits` expects it: it reads a bare `unix://` as a Valkey server."""
    if redis_url.startswith("unix://"):
        return "redis+" + redis_url
    return redis_url


def database_namespace(database_url: str) -> str:
    """A short name of the database for keys in a Redis that several databases may share."""
    return hashlib.sha256(database_url.encode()).hexdigest()[:12]


def build_services(settings: Settings, *, redis: Redis | None = None) -> Services:
    """Build the services; Redis comes from REDIS_URL unless a client is given (tests)."""
    if redis is None and settings.redis_url:
        redis = Redis.from_url(settings.redis_url)
    throttle_storage: LimitsStorage = LimitsMemoryStorage()
    if settings.redis_url and redis is not None:
        # On the client's pool: one set of connections, and `close()` releases them all.
        throttle_storage = LimitsRedisStorage(
            limits_storage_uri(settings.redis_url),
            implementation="redispy",
            connection_pool=redis.connection_pool,  # type: ignore[arg-type]
        )
    return Services(
        settings=settings,
        yookassa=build_yookassa(settings),
        i18n=create_i18n(settings.default_locale),
        metrics=Metrics(),
        redis=redis,
        dedup=RedisDeduplicator(redis) if redis is not None else MemoryDeduplicator(),
        throttler=Throttler(throttle_storage, settings.throttle),
        shop_events=ShopEvents(),
        jobs=JobRunner(),
        read_cache=ReadCache(redis, namespace=database_namespace(settings.database_url)),
        user_cache=UserCache(
            redis,
            defaults=ChatDefaults(settings.default_locale, frozenset(settings.admin_ids)),
        ),
        send_pacer=build_send_pacer(settings, redis),
    )


def build_send_pacer(settings: Settings, redis: Redis | None) -> SendPacer:
    """BROADCAST_RATE for every send; slots in Redis (all replicas) when REDIS_URL is set."""
    slots: SlotStore = (
        RedisSlots(redis, namespace=settings.token.split(":", 1)[0])
        if settings.redis_url and redis is not None
        else MemorySlots()
    )
    return SendPacer(slots, settings.broadcast_rate)


def build_yookassa(settings: Settings) -> YooKassaGateway | None:
    """The YooKassa gateway when it is configured (it configures the SDK process-wide)."""
    if not settings.yookassa_enabled:
        return None
    assert settings.yookassa_shop_id is not None and settings.yookassa_secret_key is not None
    return YooKassaGateway(
        settings.yookassa_shop_id,
        settings.yookassa_secret_key.get_secret_value(),
        api_url=settings.yookassa_api_url,
        timeout=settings.yookassa_timeout,
        return_url=settings.payment_return_url,
    )


def refund_backends(services: Services, bot: Bot) -> RefundBackends:
    """Who can give money back: YooKassa when configured, and Stars through this bot."""

    async def refund_stars(user_tg_id: int, charge_id: str) -> object:
        try:
            return await bot.refund_star_payment(
                user_id=user_tg_id, telegram_payment_charge_id=charge_id
            )
        except TelegramBadRequest as exc:
            if "CHARGE_ALREADY_REFUNDED" in exc.message:
                return True  # a retry after a crash: Telegram gave the Stars back already
            raise

    return RefundBackends(gateway=services.yookassa, refund_stars=refund_stars)


def wire(services: Services, bot: Bot, dp: Dispatcher) -> None:
    """Subscribe the listeners of shop events, register every kind of job with the runner,
    and hand the chat what needs the bot (refund backends).

    Here and not in a face, so that a process without the web app still notifies and refunds.
    """
    events, runner = services.shop_events, services.jobs
    backends = refund_backends(services, bot)
    dp["refund_backends"] = backends
    events.subscribe(TelegramShopNotifier(bot, services))
    events.subscribe(RunJobsAtOnce(runner))
    events.subscribe(RecordOrderSteps(services.analytics))
    events.subscribe(LessonAchievements(events))
    register_money_jobs(
        runner,
        backends=backends,
        events=events,
        gateway=services.yookassa,
        commission_percent=services.settings.platform_commission_percent,
    )
    register_chat_jobs(runner, bot, services)
    register_homework_jobs(runner, bot, services)
    register_review_jobs(runner, bot, services)
    services.sharing.save = prepared_message_saver(bot)
    register_tutoring_jobs(runner, bot, services)
    register_tutoring_pay_jobs(runner, bot, services)
    register_support_jobs(runner, bot, services)
    register_broadcast_jobs(runner, bot, services)
    # Innermost: every send waits for its slot; a 429 pauses every sender, then retries.
    bot.session.middleware(SendLimitMiddleware(services.send_pacer))
    register_loyalty_jobs(runner, services.settings, referrals=services.settings)
