"""/promo in the admin's chat: create, list and switch off codes; bad descriptions refused."""

from __future__ import annotations

from db.models import PromoCode, PromoKind
from tests.handlers.admin_support import ADMIN_ID, make_settings
from tests.handlers.conftest import Telegram, text_of
from tests.services.shop_data import make_provider

__all__ = ["make_settings"]  # fixture: faster clicks


async def test_an_admin_creates_lists_and_switches_off_codes(telegram: Telegram) -> None:
    shop = await make_provider()
    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")

    replies = await root.send(f"/promo add spring10 10% min=500 limit=100 shop={shop.id} first")
    assert "Promo code created:" in text_of(replies[0])
    assert "SPRING10 −10%" in text_of(replies[0]) and "used 0/100" in text_of(replies[0])
    code = await PromoCode.get(code="SPRING10")
    assert (code.kind, code.value, code.min_order, code.total_limit) == (
        PromoKind.percent,
        10,
        50000,
        100,
    )
    assert code.provider_id == shop.id and code.first_order_only and code.per_user_limit == 1

    replies = await root.send("/promo add SPRING10 5%")  # the same code again
    assert text_of(replies[0]) == "A promo code SPRING10 already exists."
    replies = await root.send("/promo add WINTER 10% to=tomorrow")
    assert text_of(replies[0]).startswith("I could not understand “to=tomorrow”.")
    replies = await root.send("/promo add WINTER 10% shop=99999")
    assert text_of(replies[0]) == "There is no shop with id 99999."
    replies = await root.send("/promo add W 10%")
    assert "3 to 32 Latin letters" in text_of(replies[0])
    assert await PromoCode.all().count() == 1

    replies = await root.send("/promo")
    assert "Promo codes" in text_of(replies[0]) and "SPRING10" in text_of(replies[0])
    replies = await root.send("/promo off spring10")
    assert "Promo code switched off:" in text_of(replies[0]) and "off" in text_of(replies[0])
    assert not (await PromoCode.get(code="SPRING10")).active
    replies = await root.send("/promo off NOSUCH")
    assert text_of(replies[0]) == "Not found. It may have been removed."


async def test_promo_is_for_admins_only(telegram: Telegram) -> None:
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    replies = await ann.send("/promo add FREE 50%")
    assert "Promo code created" not in " ".join(text_of(r) for r in replies)
    assert not await PromoCode.exists()
