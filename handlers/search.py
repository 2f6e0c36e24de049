"""Text search: any plain text outside a conversation looks for products.

Registered just before the fallback router: commands and one-letter messages are left to it.
"""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from core.config import Settings
from core.i18n import gettext as _
from core.money import format_price
from core.texts import shorten
from handlers.ui import Screen, show, show_for
from keyboards import shop as kb
from keyboards.shop import Choice, Origin, ProductAction, ProductCB, SearchCB
from services import catalog

QUERY_KEY = "search"
MIN_QUERY = 2
MAX_QUERY = 100
QUERY_SHOWN = 60


def searchable(text: str | None) -> bool:
    """Plain text worth searching for: not a command, at least two letters."""
    if not text:
        return False  # a photo, a location, a sticker: not a search
    return not text.startswith("/") and len(catalog.normalize_search(text)) >= MIN_QUERY


async def results_screen(query: str, page: int, locale: str) -> tuple[Screen, bool]:
    """A page of results; the flag tells that the requested page no longer exists."""
    found = await catalog.search(query, page)
    shown = escape(query[:QUERY_SHOWN])
    if not found.items:
        text = _("Nothing found for «{query}». Try other words or open the catalog.").format(
            query=shown
        )
        return Screen(text, kb.search_results([], 1, 1)), False
    text = _("🔎 Found for «{query}»: {count}\nPage {number} of {pages}").format(
        query=shown, count=found.total, number=found.number, pages=found.pages
    )
    choices = []
    for product in found.items:
        price = format_price(product.price, product.currency, locale)
        choices.append(
            Choice(
                f"{shorten(product.title, 40)} — {price}",
                ProductCB(
                    action=ProductAction.open,
                    product_id=product.id,
                    origin=Origin.search,
                    page=found.number,
                ),
            )
        )
    keyboard = kb.search_results(choices, found.number, found.pages)
    return Screen(text, keyboard), found.out_of_range


async def search(message: Message, state: FSMContext, settings: Settings, locale: str) -> None:
    """Search the catalog for the text; it is kept for the result pages."""
    if message.bot is None or message.text is None:
        return
    query = " ".join(message.text.split())[:MAX_QUERY]
    await state.update_data({QUERY_KEY: query})
    screen, _stale = await results_screen(query, 1, locale)
    await show(message.bot, message.chat.id, screen, settings)


async def results_page(
    callback: CallbackQuery,
    callback_data: SearchCB,
    state: FSMContext,
    settings: Settings,
    bot: Bot,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    """Another page of the latest search (also the Back button of a card opened from it)."""
    query = (await state.get_data()).get(QUERY_KEY)
    if not query:
        callback_answer.text = _("Please send the search words again.")
        return
    screen, stale = await results_screen(str(query), callback_data.page, locale)
    if stale:
        callback_answer.text = _("This page no longer exists.")
    await show_for(callback, screen, settings, bot)


def create_router() -> Router:
    """Must come right before the fallback: it takes any plain text outside a conversation."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.message.register(search, StateFilter(None), F.text.func(searchable))
    router.callback_query.register(results_page, SearchCB.filter())
    return router
