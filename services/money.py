"""Money is an integer number of minor units with a currency; never a float."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, get_currency_precision, get_currency_symbol

STARS = "XTR"


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
