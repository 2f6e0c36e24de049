"""Optional draft answers for agents from an OpenAI-compatible endpoint (OPENAI_BASE_URL).

Off unless OPENAI_BASE_URL is set. A draft is posted in the ticket's topic or thread for the
agents, never to the person: only an agent's own message reaches them. The call has a timeout
(OPENAI_TIMEOUT); a slow, failing or odd endpoint means no draft, and nothing else changes.
"""

from __future__ import annotations

from html import escape
from typing import Any

import aiohttp
from loguru import logger

from core.config import Settings
from core.i18n import gettext as _
from db.models import Ticket
from handlers.support_desk import SupportDesk
from services import faq
from services.container import Services

DRAFT_MAX = 3000
FAQ_CONTEXT = 5


class DraftAnswerer:
    """Asks `POST {OPENAI_BASE_URL}/chat/completions` for a draft."""

    def __init__(self, settings: Settings) -> None:
        assert settings.openai_base_url is not None
        self._url = settings.openai_base_url.rstrip("/") + "/chat/completions"
        self._key = settings.openai_api_key
        self._model = settings.openai_model
        self._timeout = aiohttp.ClientTimeout(total=settings.openai_timeout)

    async def draft(self, messages: list[dict[str, str]]) -> str | None:
        """The model's text, or None when the endpoint failed, timed out or said nothing."""
        headers = {"Authorization": f"Bearer {self._key.get_secret_value()}"} if self._key else {}
        body: dict[str, Any] = {"model": self._model, "messages": messages, "temperature": 0.2}
        try:
            async with (
                aiohttp.ClientSession(timeout=self._timeout) as session,
                session.post(self._url, json=body, headers=headers) as response,
            ):
                if response.status != 200:
                    logger.warning("Draft answerer answered HTTP {}", response.status)
                    return None
                data = await response.json(content_type=None)
            text = data["choices"][0]["message"]["content"]
        except (
            TimeoutError,
            aiohttp.ClientError,
            ValueError,
            KeyError,
            IndexError,
            TypeError,
        ) as exc:
            logger.warning("Draft answerer failed: {}", type(exc).__name__)
            return None
        return text.strip()[:DRAFT_MAX] if isinstance(text, str) and text.strip() else None


async def post_draft(desk: SupportDesk, ticket: Ticket, services: Services) -> None:
    """Draft an answer to the ticket's first question and post it for the agents (when on)."""
    if not services.settings.support_drafts_enabled or not ticket.subject:
        return
    found = await services.faq.search(ticket.subject, limit=FAQ_CONTEXT)
    entries = [entry for entry, _match in found] or (await faq.list_entries())[:FAQ_CONTEXT]
    messages = faq.draft_messages(ticket.subject, entries, ticket.locale)
    text = await DraftAnswerer(services.settings).draft(messages)
    if text is None:
        return
    with desk.agents_language():
        heading = _("🤖 Draft answer from the FAQ, for agents only (not sent to the customer):")
        await desk.notice(ticket, f"{heading}\n\n{escape(text)}")
