"""Per-update middlewares, registered in one place in the right order."""

from __future__ import annotations

from aiogram import Dispatcher

from core.i18n import I18n
from core.metrics import Metrics
from middlewares.callback_answer import CallbackRefusalMiddleware
from middlewares.dedup import DedupMiddleware
from middlewares.locale import UserLocaleMiddleware
from middlewares.observe import ObserveMiddleware, time_every_handler
from middlewares.send_limit import AnsweringMiddleware
from middlewares.throttling import ThrottlingMiddleware
from middlewares.user import UserMiddleware
from services.dedup import UpdateDeduplicator
from services.throttle import Throttler


def setup_middlewares(
    dp: Dispatcher,
    *,
    metrics: Metrics,
    dedup: UpdateDeduplicator,
    throttler: Throttler,
    i18n: I18n,
    default_locale: str,
) -> None:
    """Order matters: observe → mark the chat answered → drop repeats → know the user →
    locale → throttle."""
    dp.update.outer_middleware(ObserveMiddleware(metrics))
    dp.update.outer_middleware(AnsweringMiddleware())
    dp.update.outer_middleware(DedupMiddleware(dedup, metrics))
    dp.update.outer_middleware(UserMiddleware())
    dp.update.outer_middleware(UserLocaleMiddleware(i18n, default_locale))
    dp.update.outer_middleware(ThrottlingMiddleware(throttler))
    dp.callback_query.middleware(CallbackRefusalMiddleware())
    time_every_handler(dp, metrics)
    # Errors reach the error handlers after the update's locale context has closed.
    dp.errors.outer_middleware(UserLocaleMiddleware(i18n, default_locale))
