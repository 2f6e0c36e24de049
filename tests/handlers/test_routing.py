"""Magic filters are resolved on the event loop, not through aiogram's thread hop."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from aiogram import Bot, Dispatcher, F, Router
from aiogram.types import Chat, Message, Update, User

from bot.factory import create_dispatcher
from handlers.routing import _filter_objects, resolve_magic_filters_inline
from services.container import Services


def test_every_magic_filter_of_the_dispatcher_is_awaited_inline(services: Services) -> None:
    dp = create_dispatcher(services)
    magic = [f for f in _filter_objects(dp) if f.magic is not None]

    assert len(magic) > 30  # F.chat.type, F.text, F.photo, …: the hot routers use many
    assert all(f.awaitable for f in magic)
    assert resolve_magic_filters_inline(dp) == 0  # already done, and idempotent


async def test_an_inline_magic_filter_still_decides_and_runs_on_the_loop() -> None:
    seen: list[tuple[str, bool]] = []
    loop_thread = threading.get_ident()
    router = Router()
    router.message.filter(F.chat.type == "private")

    @router.message(F.text == "tea")
    async def tea(message: Message) -> None:
        seen.append(("tea", threading.get_ident() == loop_thread))

    @router.message(F.text.startswith("co"))
    async def coffee(message: Message) -> None:
        seen.append(("coffee", True))

    dp = Dispatcher()
    dp.include_router(router)
    assert resolve_magic_filters_inline(dp) == 3
    original = asyncio.to_thread
    hops: list[Any] = []

    async def counting_to_thread(func: Any, /, *args: Any, **kwargs: Any) -> Any:
        hops.append(func)
        return await original(func, *args, **kwargs)

    asyncio.to_thread = counting_to_thread  # type: ignore[assignment]
    try:
        for text, chat_type in [("tea", "private"), ("coffee", "private"), ("tea", "group")]:
            message = Message(
                message_id=1,
                date=0,
                chat=Chat(id=1, type=chat_type),
                from_user=User(id=1, is_bot=False, first_name="Ann"),
                text=text,
            )
            await dp.feed_update(Bot("42:" + "A" * 35), Update(update_id=1, message=message))
    finally:
        asyncio.to_thread = original  # type: ignore[assignment]

    assert seen == [("tea", True), ("coffee", True)]  # the group message matched nothing
    assert hops == []
