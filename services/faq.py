"""The FAQ: admins keep question/answer pairs in Russian and English; people's questions are
matched against them before a ticket is opened, and their "Did this help?" is recorded.

The index (`services.faq_match`) is rebuilt in a thread whenever the FAQ changed: each search
first reads a cheap stamp of the table (count and latest change), so an edit made in another
process is seen by the next search here too.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from tortoise.functions import Count, Max

from core.errors import InvalidInput, NotFound
from db.models import FaqEntry, FaqFeedback, User
from services.faq_match import FaqIndex, FaqText, Match, build_index

QUESTION_MAX = 200
ANSWER_MAX = 1500
"""An answer fits a Telegram message with its heading and buttons."""
FIELDS = ("question_ru", "answer_ru", "question_en", "answer_en")


def clean_text(field: str, value: str | None) -> str:
    """A question or an answer as stored: spaces trimmed, within its length; else InvalidInput
    naming the field."""
    if field not in FIELDS:
        raise InvalidInput(field=field)
    text = (value or "").strip()
    limit = QUESTION_MAX if field.startswith("question") else ANSWER_MAX
    if not text or len(text) > limit:
        raise InvalidInput(field=field, max=limit)
    return text


async def list_entries() -> list[FaqEntry]:
    """Every entry, oldest first."""
    return await FaqEntry.all().order_by("id")


async def get_entry(entry_id: int) -> FaqEntry:
    """One entry, or NotFound."""
    entry = await FaqEntry.get_or_none(id=entry_id)
    if entry is None:
        raise NotFound(entity="faq")
    return entry


async def add_entry(question_ru: str, answer_ru: str, question_en: str, answer_en: str) -> FaqEntry:
    """A new entry (every text validated)."""
    return await FaqEntry.create(
        question_ru=clean_text("question_ru", question_ru),
        answer_ru=clean_text("answer_ru", answer_ru),
        question_en=clean_text("question_en", question_en),
        answer_en=clean_text("answer_en", answer_en),
    )


async def edit_entry(entry_id: int, field: str, value: str) -> FaqEntry:
    """Change one text of an entry."""
    text = clean_text(field, value)
    entry = await get_entry(entry_id)
    setattr(entry, field, text)
    await entry.save(update_fields=[field, "updated_at"])
    return entry


async def delete_entry(entry_id: int) -> bool:
    """Delete an entry; False when it was gone already (a double click)."""
    return bool(await FaqEntry.filter(id=entry_id).delete())


async def record_feedback(user: User, entry_id: int | None, query: str, helpful: bool) -> None:
    """Remember whether an offered answer helped (entry None: none of them did)."""
    exists = entry_id is not None and await FaqEntry.exists(id=entry_id)
    await FaqFeedback.create(
        user=user, entry_id=entry_id if exists else None, query=query[:1000], helpful=helpful
    )


@dataclass(frozen=True, slots=True)
class Stamp:
    """What changes whenever the FAQ does."""

    count: int
    latest: datetime | None


async def _stamp() -> Stamp:
    row = (
        await FaqEntry.all().annotate(n=Count("id"), latest=Max("updated_at")).values("n", "latest")
    )
    return Stamp(int(row[0]["n"] or 0), row[0]["latest"]) if row else Stamp(0, None)


class FaqSearch:
    """The process's FAQ index, rebuilt (in a thread) when the FAQ changed."""

    def __init__(self) -> None:
        self._index: FaqIndex | None = None
        self._stamp: Stamp | None = None
        self._lock = asyncio.Lock()

    async def index(self) -> FaqIndex:
        """The current index."""
        stamp = await _stamp()
        if self._index is not None and stamp == self._stamp:
            return self._index
        async with self._lock:
            if self._index is None or stamp != self._stamp:
                entries = await FaqEntry.all()
                texts = [
                    text
                    for entry in entries
                    for text in (
                        FaqText(entry.id, entry.question_ru, entry.answer_ru),
                        FaqText(entry.id, entry.question_en, entry.answer_en),
                    )
                ]
                self._index = await asyncio.to_thread(build_index, texts)
                self._stamp = stamp
            return self._index

    async def search(self, question: str, limit: int = 3) -> list[tuple[FaqEntry, Match]]:
        """The entries that best answer a question, best first (none that match too little)."""
        matches = (await self.index()).search(question, limit=limit)
        entries = {e.id: e for e in await FaqEntry.filter(id__in=[m.entry_id for m in matches])}
        return [(entries[m.entry_id], m) for m in matches if m.entry_id in entries]


def draft_messages(question: str, entries: list[FaqEntry], locale: str) -> list[dict[str, str]]:
    """The chat messages asking an OpenAI-compatible model to draft an answer for an agent
    from these FAQ entries only (the agent decides what the person gets)."""
    language = "English" if locale == "en" else "Russian"
    faq_text = "\n\n".join(
        f"Q: {entry.question(locale)}\nA: {entry.answer(locale)}" for entry in entries
    )
    system = (
        "You draft answers for a shop's support agent. Use only the FAQ below; if it does not "
        f"answer the question, say so in one sentence. Answer in {language}, briefly.\n\n"
        f"FAQ:\n{faq_text or '(empty)'}"
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": question}]


DEMO_FAQ = (
    (
        "Сколько стоит доставка?",
        "Стоимость доставки задаёт магазин, она видна в корзине. Самовывоз бесплатный.",
        "How much is delivery?",
        "Each shop sets its delivery fee; you see it in the cart before paying. Pickup is free.",
    ),
    (
        "Как отменить заказ?",
        "Откройте «Мои заказы», выберите заказ и нажмите «Отменить», пока магазин его не принял.",
        "How can I cancel an order?",
        "Open My orders, choose the order and press Cancel while the shop has not accepted it.",
    ),
    (
        "Где скачать купленную электронную книгу?",
        "Файлы приходят в чат сразу после оплаты; в заказе есть кнопка «Прислать файлы ещё раз».",
        "Where do I download the e-book I bought?",
        "Files arrive in the chat right after payment; the order has Send my files again.",
    ),
    (
        "Как сменить язык бота?",
        "Команда /language или кнопка «Язык» в меню.",
        "How do I switch the bot's language?",
        "The /language command or the Language button in the menu.",
    ),
)


async def ensure_demo_faq() -> int:
    """A few FAQ entries for the demo, when the FAQ is empty; how many were added."""
    if await FaqEntry.exists():
        return 0
    for texts in DEMO_FAQ:
        await add_entry(*texts)
    return len(DEMO_FAQ)
