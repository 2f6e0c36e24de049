"""The typed bag of long-lived objects handed to handlers, views and jobs."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot
from aiogram.utils.i18n import I18n
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from redis.asyncio import Redis

from bot.config import Settings
from bot.i18n import create_i18n
from bot.metrics import Metrics
from services.dedup import MemoryDeduplicator, RedisDeduplicator, UpdateDeduplicator
from services.events import ShopEvents
from services.refunds import RefundBackends
from services.throttle import Throttler
from services.yookassa_gateway import YooKassaGateway


@dataclass(frozen=True, slots=True)
class Services:
    """Everything built once per process (one per test)."""

    settings: Settings
    i18n: I18n
    metrics: Metrics
    redis: Redis | None
    dedup: UpdateDeduplicator
    throttler: Throttler
    shop_events: ShopEvents
    payments: YooKassaGateway | None = None
    """YooKassa, when YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY are set."""

    async def close(self) -> None:
        """Release connections."""
        if self.redis is not None:
            await self.redis.aclose()
        if self.payments is not None:
            await self.payments.close()


def limits_storage_uri(redis_url: str) -> str:
    """REDIS_URL as `limits` expects it: it reads a bare `unix://` as a Valkey server."""
    if redis_url.startswith("unix://"):
        return "redis+" + redis_url
    return redis_url


def build_services(settings: Settings, *, redis: Redis | None = None) -> Services:
    """Build the services; Redis comes from REDIS_URL unless a client is given (tests)."""
    if redis is None and settings.redis_url:
        redis = Redis.from_url(settings.redis_url)
    throttle_storage: Storage = MemoryStorage()
    if settings.redis_url and redis is not None:
        # On the client's pool: one set of connections, and `close()` releases them all.
        throttle_storage = RedisStorage(
            limits_storage_uri(settings.redis_url),
            implementation="redispy",
            connection_pool=redis.connection_pool,  # type: ignore[arg-type]
        )
    return Services(
        settings=settings,
        payments=build_payments(settings),
        i18n=create_i18n(settings.default_locale),
        metrics=Metrics(),
        redis=redis,
        dedup=RedisDeduplicator(redis) if redis is not None else MemoryDeduplicator(),
        throttler=Throttler(throttle_storage, settings.throttle),
        shop_events=ShopEvents(),
    )


def build_payments(settings: Settings) -> YooKassaGateway | None:
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
        return await bot.refund_star_payment(
            user_id=user_tg_id, telegram_payment_charge_id=charge_id
        )

    return RefundBackends(gateway=services.payments, refund_stars=refund_stars)
