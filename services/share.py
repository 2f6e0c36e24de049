"""Sharing a product into a chat: what the card says ("Send to a friend" in the Mini App).

The card is plain data; Telegram's `savePreparedInlineMessage` is called by a callable that the
composition root wires (`bot.share`), so this module knows nothing about Telegram's API.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html import escape

from core.i18n import gettext as _
from core.money import format_price
from services import catalog
from services.deeplinks import DeepLink, DeepLinkKind

DESCRIPTION_LIMIT = 300
"""Characters of the product's description on the card (a message holds 4096)."""


@dataclass(frozen=True, slots=True)
class ShareCard:
    """A product card to send into a chat: a title and line for the chat picker, the HTML
    text of the message, and a button that opens the product through the bot."""

    key: str
    title: str
    summary: str
    text: str
    button: str
    start_payload: str


class ShareUnavailable(Exception):
    """Telegram did not save the card (unreachable, or it refused): sharing may work later."""


@dataclass(frozen=True, slots=True)
class PreparedShare:
    """A saved card: its id for `Telegram.WebApp.shareMessage`, and the t.me link that opens
    the product through the bot (for clients older than Mini Apps 8.0)."""

    id: str
    link: str


SavePrepared = Callable[[int, ShareCard], Awaitable[PreparedShare]]
"""(Telegram user id, card) → the prepared message; raises ShareUnavailable."""


@dataclass(slots=True)
class Sharing:
    """Saves prepared share messages; `save` is set by the composition root (None: a process
    without a bot cannot share)."""

    save: SavePrepared | None = None


async def product_card(product_id: int, locale: str) -> ShareCard:
    """The card of a product anybody may see (NotFound for a hidden one), in `locale`."""
    product = await catalog.get_visible_product(product_id)
    price = format_price(product.price, product.currency, locale)
    shop = product.provider.name
    lines = [f"<b>{escape(product.title)}</b>", escape(price) + " · " + escape(shop)]
    description = product.description.strip()
    if description:
        if len(description) > DESCRIPTION_LIMIT:
            description = description[: DESCRIPTION_LIMIT - 1].rstrip() + "…"
        lines += ["", escape(description)]
    return ShareCard(
        key=f"product-{product.id}",
        title=product.title[:64],
        summary=f"{price} · {shop}"[:128],
        text="\n".join(lines),
        button=_("🛍 Open in the shop"),
        start_payload=DeepLink(DeepLinkKind.product, str(product.id)).payload,
    )
