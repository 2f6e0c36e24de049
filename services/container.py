"""The typed bag of long-lived objects handed to handlers, views and jobs.

Built once per process (one per test) by the composition root (`bot.factory.build_services`);
the faces receive it — the chat through the dispatcher's workflow data, the web app through its
`SERVICES` key — and never build one themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from redis.asyncio import Redis

from core.config import Settings
from core.i18n import I18n
from core.metrics import Metrics
from services.analytics import EventRecorder
from services.dedup import UpdateDeduplicator
from services.events import ShopEvents
from services.faq import FaqSearch
from services.jobs import JobRunner
from services.read_cache import ReadCache
from services.send_pacer import MemorySlots, SendPacer
from services.share import Sharing
from services.throttle import Throttler
from services.user_cache import UserCache
from services.users import stop_listening
from services.yookassa_gateway import YooKassaGateway


@dataclass(frozen=True, slots=True)
class Services:
    """Everything built once per process."""

    settings: Settings
    i18n: I18n
    metrics: Metrics
    redis: Redis | None
    dedup: UpdateDeduplicator
    throttler: Throttler
    shop_events: ShopEvents
    jobs: JobRunner
    """The one runner of deferred effects (job rows); kinds are registered by `wire`."""
    yookassa: YooKassaGateway | None = None
    """The YooKassa gateway, when YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY are set."""
    read_cache: ReadCache = field(default_factory=ReadCache)
    """Serialised catalogue responses (shared through Redis when there is one)."""
    user_cache: UserCache = field(default_factory=UserCache)
    """Authenticated users of the Mini App API, for a short while."""
    analytics: EventRecorder = field(default_factory=EventRecorder)
    """Product events for the admin's statistics, written in batches."""
    sharing: Sharing = field(default_factory=Sharing)
    """Prepared share messages (the Mini App's "Send to a friend"); wired with the bot."""
    faq: FaqSearch = field(default_factory=FaqSearch)
    """The FAQ's search index, rebuilt when the FAQ changes."""
    send_pacer: SendPacer = field(default_factory=lambda: SendPacer(MemorySlots(), 28.0))
    """The one pace of every message the bot sends (shared through Redis when there is one)."""

    async def close(self) -> None:
        """Release connections."""
        stop_listening(self.user_cache)
        if self.redis is not None:
            await self.redis.aclose()
        if self.yookassa is not None:
            await self.yookassa.close()
