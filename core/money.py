"""Money is an integer number of minor units with a currency; never a float."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision, get_currency_symbol

STARS = "XTR"
_GROUPING_RE = re.compile(r"[\s\u00a0\u202f']")
"""Digit grouping people type: spaces, no-break spaces, apostrophes (1 490,50; 1'490.50)."""


def to_major(amount: int, currency: str) -> Decimal:
    """Minor units as an exact decimal amount (kopecks → roubles)."""
    if currency == STARS:
        return Decimal(amount)
    return Decimal(amount).scaleb(-get_currency_precision(currency))


def format_price(amount: int, currency: str, locale: str = "ru") -> str:
    """A price for people: '1 234,50 ₽' in Russian, '1,234.50 ₽' in English, '⭐ 50' for Stars."""
    if currency == STARS:
        return f"⭐ {amount}"
    # The amount follows the reader's locale; the sign is the currency's home symbol (₽).
    return format_currency(
        to_major(amount, currency),
        currency,
        format="#,##0.00\xa0¤",
        locale=locale,
        currency_digits=True,
    ).replace(get_currency_symbol(currency, locale), get_currency_symbol(currency, "ru"))


def parse_amount(text: str, currency: str) -> int:
    """'1 490,50' → 149050 kopecks (Stars: whole numbers only).

    ValueError("number") if it is not a number, ValueError("precision") for fractions of a
    kopeck (or of a Star).
    """
    compact = _GROUPING_RE.sub("", text).replace(",", ".")
    try:
        amount = Decimal(compact)
    except InvalidOperation:
        raise ValueError("number") from None
    if not amount.is_finite():
        raise ValueError("number")
    minor = amount if currency == STARS else amount.scaleb(2)
    if minor != minor.to_integral_value():
        raise ValueError("precision")
    return int(minor)
