"""Values of 54-FZ receipts as YooKassa names them: VAT codes, payment subjects and modes.

Shared by the receipt builders (services) and the texts that explain them (both faces).
"""

from __future__ import annotations

from typing import NamedTuple


class VatCode(NamedTuple):
    """One of YooKassa's vat_code values: `rate` as shown (None: no VAT), `name` as on receipts."""

    code: int
    rate: str | None
    name: str


VAT_CODES: dict[int, VatCode] = {
    vat.code: vat
    for vat in (
        VatCode(1, None, "Без НДС"),
        VatCode(2, "0%", "НДС 0%"),
        VatCode(3, "10%", "НДС 10%"),
        VatCode(4, "20%", "НДС 20%"),
        VatCode(5, "10/110", "НДС по расчётной ставке 10/110"),
        VatCode(6, "20/120", "НДС по расчётной ставке 20/120"),
        VatCode(7, "5%", "НДС 5%"),
        VatCode(8, "7%", "НДС 7%"),
        VatCode(9, "5/105", "НДС по расчётной ставке 5/105"),
        VatCode(10, "7/107", "НДС по расчётной ставке 7/107"),
        VatCode(11, "22%", "НДС 22%"),
        VatCode(12, "22/122", "НДС по расчётной ставке 22/122"),
    )
}
"""YooKassa's vat_code values (yookassa.ru/developers/54fz/parameters-values). Since 1 January
2026 the main rate is 22% (code 11) and the calculated one 22/122 (code 12); 4 and 6 (20%,
20/120) remain valid codes for corrections of earlier sales."""

PAYMENT_SUBJECTS = frozenset(
    {
        "commodity",
        "excise",
        "job",
        "service",
        "gambling_bet",
        "gambling_prize",
        "lottery",
        "lottery_prize",
        "intellectual_activity",
        "payment",
        "agent_commission",
        "property_right",
        "non_operating_gain",
        "insurance_premium",
        "sales_tax",
        "resort_fee",
        "composite",
        "another",
        "marked",
        "non_marked",
    }
)
"""YooKassa's payment_subject values (признак предмета расчёта)."""

PAYMENT_MODES = frozenset(
    {
        "full_prepayment",
        "partial_prepayment",
        "advance",
        "full_payment",
        "partial_payment",
        "credit",
        "credit_payment",
    }
)
"""YooKassa's payment_mode values (признак способа расчёта)."""

PREPAYMENT_MODES = frozenset({"full_prepayment", "partial_prepayment", "advance"})
"""Modes of lines paid before they are handed over: they need a closing receipt later."""

CLOSING_MODE = "full_payment"
RECEIPT_FIELDS = frozenset({"vat_code", "payment_subject", "payment_mode"})
