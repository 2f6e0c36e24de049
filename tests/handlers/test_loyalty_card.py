"""/card in the chat: the member card as a QR code of the member id, with the points."""

from __future__ import annotations

from datetime import UTC, datetime

from db.models import LoyaltyCard, PointsLot, PointsLotKind, User
from services import ledger, loyalty
from tests.handlers.conftest import Telegram
from tests.web.test_pickup_and_profile_api import expected, modules


async def test_card_sends_a_qr_of_the_member_id_with_the_points(telegram: Telegram) -> None:
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    await ann.send("/start")
    person = await User.get(tg_id=ann.id)
    holder, issuer = await loyalty.points_account(person.id), await loyalty.issuer_account()
    await ledger.post(
        "points-earned-test",
        ledger.LedgerKind.points_earned,
        [ledger.Posting(issuer, -42), ledger.Posting(holder, 42)],
    )
    await PointsLot.create(
        user_id=person.id,
        kind=PointsLotKind.earned,
        points=42,
        remaining=42,
        expires_at=datetime(2099, 1, 2, 9, tzinfo=UTC),
    )

    replies = await ann.send("/card")
    again = await ann.send("/card")

    card = await LoyaltyCard.get(user_id=person.id)
    photo = replies[0]
    assert photo.photo, "the card is a photo"
    caption = photo.caption or ""
    assert f"Member card {card.member_id}" in caption
    assert "Points: 42" in caption and "42 of them expire on 02.01.2099" in caption
    assert (again[0].caption or "") == caption  # one card, whatever the number of requests
    assert await LoyaltyCard.filter(user_id=person.id).count() == 1
    data = await telegram.emulator.files.read(photo.photo[-1].file_id)
    assert modules(data) == expected(card.member_id)  # a scanner reads the member id
