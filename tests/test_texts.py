"""Shortened titles: cut at a word boundary, nothing dangling before the ellipsis."""

from __future__ import annotations

import pytest

from core.texts import shorten


def test_a_short_title_is_left_as_it_is() -> None:
    assert shorten("Ночник «Северное сияние»", 40) == "Ночник «Северное сияние»"


def test_the_stray_comma_after_a_quoted_name_goes() -> None:
    title = "Ночник «Северное сияние», ручная работа из карельской берёзы"

    shown = shorten(title, 28)

    assert shown == "Ночник «Северное сияние»…"
    assert len(shown) <= 28


def test_the_cut_falls_between_words() -> None:
    shown = shorten("Свеча соевая с ароматом лаванды и мяты", 20)

    assert shown == "Свеча соевая с…"
    assert len(shown) <= 20


@pytest.mark.parametrize(
    ("title", "limit", "expected"),
    [
        ("Набор: кружка, блюдце — и ложка", 16, "Набор: кружка…"),
        ("Шоколад (горький, 70%) плитка", 12, "Шоколад…"),
        ("Мёд липовый — 500 г, урожай 2025", 15, "Мёд липовый…"),
        ("Подарок «для мамы» на праздник", 20, "Подарок «для мамы»…"),
    ],
)
def test_punctuation_and_openers_never_end_a_cut(title: str, limit: int, expected: str) -> None:
    assert shorten(title, limit) == expected


def test_one_long_word_is_cut_inside_rather_than_to_nothing() -> None:
    shown = shorten("Сверхэкологичнейший", 10)

    assert shown == "Сверхэкол…"


def test_whitespace_runs_and_line_breaks_become_one_space() -> None:
    assert shorten("Кружка\n  керамическая", 40) == "Кружка керамическая"
