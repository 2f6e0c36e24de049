"""The chat's steps of the funnel, recorded after the handler that takes them succeeded.

One inner middleware on the dispatcher looks at which handler ran, so the handlers stay as
they are; the web face records the same kinds on its endpoints, and order events (placed,
paid) are recorded below both faces (services.analytics.RecordOrderSteps).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Dispatcher
from aiogram.dispatcher.event.bases import NextMiddlewareType
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import Message, TelegramObject

from db.models import EventChannel, EventKind, User
from handlers import catalog, start
from handlers.checkout import start as checkout_start
from services.container import Services


def _steps() -> dict[Callable[..., Any], EventKind]:
    return {
        start.start: EventKind.start,
        catalog.open_storefronts: EventKind.catalog_viewed,
        catalog.open_storefront: EventKind.catalog_viewed,
        catalog.open_products: EventKind.catalog_viewed,
        catalog.open_product: EventKind.product_viewed,
        catalog.add_to_cart: EventKind.cart_added,
        catalog.personal_text: EventKind.cart_added,
        checkout_start.start_checkout: EventKind.checkout_started,
    }


def _start_payload(event: TelegramObject) -> str | None:
    if isinstance(event, Message) and event.text:
        parts = event.text.split(maxsplit=1)
        return parts[1] if len(parts) > 1 else None
    return None


def recorder(services: Services) -> Callable[..., Any]:
    """The inner middleware that records the step a finished handler was."""
    steps = _steps()

    async def record_step(
        handler: NextMiddlewareType[TelegramObject], event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        result = await handler(event, data)
        handler_object: HandlerObject | None = data.get("handler")
        kind = steps.get(handler_object.callback) if handler_object is not None else None
        user: User | None = data.get("user")
        if kind is None or user is None:
            return result
        callback_data = data.get("callback_data")
        services.analytics.record(
            kind,
            EventChannel.chat,
            user_id=user.id,
            provider_id=_field(callback_data, "provider_id"),
            product_id=_field(callback_data, "product_id"),
            source=_start_payload(event) if kind is EventKind.start else None,
        )
        return result

    return record_step


def _field(callback_data: CallbackData | None, name: str) -> int | None:
    value = getattr(callback_data, name, None)
    return value if isinstance(value, int) and value > 0 else None


def install(dp: Dispatcher, services: Services) -> None:
    """Record the chat's funnel steps of every router's handlers."""
    middleware = recorder(services)
    dp.message.middleware(middleware)
    dp.callback_query.middleware(middleware)
