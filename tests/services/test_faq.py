"""The FAQ: validated entries, an index rebuilt when they change, and the matcher's accuracy on
a labelled set of paraphrased questions in Russian and English (tests/services/faq_eval.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import InvalidInput, NotFound
from db.models import FaqEntry, FaqFeedback, User
from services import faq
from services.faq_match import FaqText, build_index

EVAL = json.loads((Path(__file__).parent / "faq_eval.json").read_text(encoding="utf-8"))
TOP1_FLOOR = 0.80
"""Measured: 34 of 42 questions (81 %) get the right entry first. README reports it."""


def eval_index() -> tuple[object, dict[int, str]]:
    texts, keys = [], {}
    for number, entry in enumerate(EVAL["faq"], 1):
        keys[number] = entry["key"]
        texts.append(FaqText(number, entry["question_ru"], entry["answer_ru"]))
        texts.append(FaqText(number, entry["question_en"], entry["answer_en"]))
    return build_index(texts), keys


def test_top1_accuracy_on_paraphrased_questions_in_both_languages() -> None:
    index, keys = eval_index()
    questions = EVAL["questions"]
    assert len(EVAL["faq"]) == 12 and len(questions) >= 40
    assert {"ru", "en"} == {
        "ru" if any("а" <= c <= "я" for c in q["q"].lower()) else "en" for q in questions
    }
    hits = 0
    for item in questions:
        found = index.search(item["q"], limit=1)  # type: ignore[attr-defined]
        hits += bool(found) and keys[found[0].entry_id] == item["expected"]
    accuracy = hits / len(questions)
    print(f"FAQ top-1 accuracy: {hits}/{len(questions)} = {accuracy:.1%}")
    assert accuracy >= TOP1_FLOOR


def test_typos_are_forgiven_and_unrelated_questions_get_nothing() -> None:
    index, keys = eval_index()
    assert keys[index.search("доствка платная?")[0].entry_id] == "delivery_cost"  # type: ignore[attr-defined]
    assert keys[index.search("how to cancell an order")[0].entry_id] == "cancel_order"  # type: ignore[attr-defined]
    for question in EVAL["unrelated"]:
        assert index.search(question) == []  # type: ignore[attr-defined]
    assert index.search("") == [] and index.search("???") == []  # type: ignore[attr-defined]


async def test_entries_are_validated_and_the_index_follows_every_change(db: None) -> None:
    with pytest.raises(InvalidInput):
        await faq.add_entry("  ", "a", "q", "a")
    with pytest.raises(InvalidInput):
        await faq.add_entry("q" * 201, "a", "q", "a")
    with pytest.raises(InvalidInput):
        await faq.add_entry("q", "a" * 1501, "q", "a")
    search = faq.FaqSearch()
    assert await search.search("доставка") == []

    entry = await faq.add_entry(
        " Сколько стоит доставка? ",
        "Зависит от магазина.",
        "How much is delivery?",
        "It depends on the shop.",
    )
    assert entry.question_ru == "Сколько стоит доставка?"
    found = await search.search("цена доставки")
    assert [e.id for e, _ in found] == [entry.id]

    await faq.edit_entry(entry.id, "question_en", "Do you ship abroad?")
    assert (
        await search.search("ship abroad")
        and (await search.search("ship abroad"))[0][0].id == entry.id
    )
    with pytest.raises(InvalidInput):
        await faq.edit_entry(entry.id, "answer_ru", "")
    with pytest.raises(InvalidInput):
        await faq.edit_entry(entry.id, "id", "5")

    assert await faq.delete_entry(entry.id) is True
    assert await faq.delete_entry(entry.id) is False  # a double click
    assert await search.search("цена доставки") == []
    with pytest.raises(NotFound):
        await faq.get_entry(entry.id)


async def test_feedback_is_recorded(db: None) -> None:
    user = await User.create(tg_id=5, pseudonym="u5", first_name="A")
    entry = await FaqEntry.create(question_ru="a", answer_ru="b", question_en="c", answer_en="d")
    await faq.record_feedback(user, entry.id, "вопрос", helpful=True)
    await faq.record_feedback(user, None, "другой", helpful=False)
    rows = await FaqFeedback.all().order_by("id").values("entry_id", "query", "helpful")
    assert rows == [
        {"entry_id": entry.id, "query": "вопрос", "helpful": True},
        {"entry_id": None, "query": "другой", "helpful": False},
    ]
