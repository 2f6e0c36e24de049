"""Payouts in chat: the seller asks in /shop, an admin approves or rejects in /admin, the seller
is told; /settlement sends the report as a CSV document."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from db.models import Payout, PayoutStatus, Provider, ProviderKind, User
from sandbox import SandboxUser
from services import catalog, ledger, payouts
from tests.handlers.admin_support import ADMIN_ID, make_settings
from tests.handlers.conftest import Telegram, labels, text_of
from tests.services.payouts_data import LedgerClock, credit_sale
from tests.services.shop_data import make_provider

__all__ = ["make_settings"]  # the fixture override: a generous throttle for fast clicking

NO_MONEY = "There is no money on the balance to pay out."


def bot_texts(user: SandboxUser) -> list[str]:
    return [m.text or "" for m in user.messages if m.from_user is not None and m.from_user.is_bot]


async def seller_with_money(
    telegram: Telegram, net: int = 9000, tg_id: int = 2001
) -> tuple[SandboxUser, Provider]:
    """Sam owns a bakery whose customers paid `net` kopecks after the commission."""
    seller = telegram.user(tg_id, first_name="Sam", language_code="en")
    await seller.send("/start")
    owner = await User.get(tg_id=tg_id)
    provider = await catalog.create_provider(
        ProviderKind.shop, "Sam's Bakery", f"bakery-{tg_id}", actor=owner, owner=owner
    )
    await credit_sale(provider, net + net // 9, net // 9)
    return seller, provider


async def open_balance(seller: SandboxUser) -> Message:
    await seller.send("/shop")
    replies = await seller.click("💰 Balance and payouts")
    return replies[0]


async def admin_opens_the_request(telegram: Telegram, payout: Payout) -> SandboxUser:
    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    await root.send("/admin")
    await root.click("💸 Payouts")
    await root.click(f"#{payout.id} 90.00\xa0₽ · Sam's Bakery")
    return root


async def test_the_seller_requests_a_payout_and_the_admin_approves_it(telegram: Telegram) -> None:
    seller, provider = await seller_with_money(telegram)

    screen = await open_balance(seller)
    assert "Balance and payouts · Sam's Bakery" in text_of(screen)
    assert "Available: 90.00\xa0₽" in text_of(screen) and "On hold" not in text_of(screen)
    assert labels(screen) == ["Request a payout of 90.00\xa0₽", "⬅️ Shop"]
    confirm = (await seller.click("Request a payout of 90.00\xa0₽"))[0]
    assert "Request a payout of 90.00\xa0₽ from Sam's Bakery?" in text_of(confirm)
    assert labels(confirm) == ["✅ Request 90.00\xa0₽", "⬅️ Back"]

    await seller.click("✅ Request 90.00\xa0₽", confirm)
    payout = await Payout.get(provider_id=provider.id)
    assert seller.callback_answers[-1].text == (
        f"Payout request #{payout.id} for 90.00\xa0₽ is sent."
    )
    screen_now = next(m for m in seller.messages if m.message_id == confirm.message_id)
    text = text_of(screen_now)
    assert "Available: 0.00\xa0₽" in text
    assert "On hold in requested payouts: 90.00\xa0₽" in text
    assert f"#{payout.id} · " in text and "90.00\xa0₽ · ⏳ waiting for the platform" in text
    assert labels(screen_now) == ["⬅️ Shop"]
    assert f"💸 Payout request #{payout.id} for 90.00\xa0₽ is sent to the platform." in (
        bot_texts(seller)
    )

    # The same confirmation pressed again (a double click): refused, nothing more is held.
    await seller.click("✅ Request 90.00\xa0₽", confirm)
    assert seller.callback_answers[-1].text == NO_MONEY
    assert seller.callback_answers[-1].show_alert
    assert await Payout.all().count() == 1

    root = await admin_opens_the_request(telegram, payout)
    card = root.last_message
    assert f"Payout #{payout.id} · waiting for a decision" in text_of(card)
    assert f"Shop: Sam's Bakery (#{provider.id})" in text_of(card)
    assert "Amount: 90.00\xa0₽" in text_of(card) and "by Sam" in text_of(card)
    assert labels(card) == ["✅ Approve", "❌ Reject", "⬅️ Payouts"]
    assert card is not None
    await root.click("✅ Approve")
    assert "Type the reference of the bank transfer" in text_of(root.last_message)
    replies = await root.send("PP 000123")
    assert text_of(replies[0]).startswith(
        f"✅ Payout #{payout.id} of 90.00\xa0₽ approved; the shop is told."
    )
    assert "No requests are waiting." in text_of(replies[0])

    stored = await Payout.get(id=payout.id)
    admin = await User.get(tg_id=ADMIN_ID)
    assert stored.status is PayoutStatus.approved
    assert (stored.reference, stored.decided_by_id) == ("PP 000123", admin.id)
    assert await payouts.balances(provider.id) == [payouts.Balance("RUB", 0, 0)]
    assert bot_texts(seller)[-1] == (
        f"✅ Payout #{payout.id} for 90.00\xa0₽ is approved and on its way.\n"
        "Transfer reference: PP 000123"
    )

    # The card the admin had open is stale now: refused, and shown as it is.
    await root.click("✅ Approve", card)
    assert root.callback_answers[-1].text == "This payout has already been approved."
    assert root.callback_answers[-1].show_alert
    refreshed = next(m for m in root.messages if m.message_id == card.message_id)
    assert "approved" in text_of(refreshed) and "Transfer reference: PP 000123" in text_of(
        refreshed
    )
    assert labels(refreshed) == ["⬅️ Payouts"]
    assert (await ledger.verify()).ok


async def test_the_admin_rejects_with_a_reason_and_the_money_comes_back(
    telegram: Telegram,
) -> None:
    seller, provider = await seller_with_money(telegram)
    owner = await User.get(tg_id=seller.id)
    payout = await payouts.request_payout(
        provider, owner, telegram.services.shop_events, currency="RUB"
    )

    root = await admin_opens_the_request(telegram, payout)
    await root.click("❌ Reject")
    assert "Type the reason" in text_of(root.last_message)
    replies = await root.send_photo(b"not a reason")
    assert text_of(replies[0]) == "Please type it as text, or /cancel."
    replies = await root.send("/cancel")
    assert text_of(replies[0]) == "Cancelled."
    replies = await root.send("Wrong bank details")  # no longer a reason: nothing happens
    assert (await Payout.get(id=payout.id)).status is PayoutStatus.requested

    await root.click("💸 Payouts", await admin_menu(root))
    await root.click(f"#{payout.id} 90.00\xa0₽ · Sam's Bakery")
    await root.click("❌ Reject")
    replies = await root.send("Wrong   bank details")
    assert text_of(replies[0]).startswith(
        f"❌ Payout #{payout.id} of 90.00\xa0₽ rejected; the money is back on the shop's balance."
    )

    stored = await Payout.get(id=payout.id)
    assert stored.status is PayoutStatus.rejected and stored.reason == "Wrong bank details"
    assert bot_texts(seller)[-1] == (
        f"❌ Payout #{payout.id} for 90.00\xa0₽ was rejected; the money is back on your "
        "balance.\nReason: Wrong bank details"
    )
    screen = await open_balance(seller)
    assert "Available: 90.00\xa0₽" in text_of(screen)
    assert "90.00\xa0₽ · ❌ rejected" in text_of(screen)
    assert labels(screen) == ["Request a payout of 90.00\xa0₽", "⬅️ Shop"]


async def admin_menu(root: SandboxUser) -> Message:
    replies = await root.send("/admin")
    return replies[0]


async def test_approval_without_a_reference_and_a_balance_that_changed(
    telegram: Telegram,
) -> None:
    seller, provider = await seller_with_money(telegram)
    owner = await User.get(tg_id=seller.id)
    screen = await open_balance(seller)
    confirm = (await seller.click("Request a payout of 90.00\xa0₽", screen))[0]
    # Meanwhile half of it is requested elsewhere (e.g. the Mini App).
    await payouts.request_payout(
        provider, owner, telegram.services.shop_events, currency="RUB", amount=4500
    )
    await seller.click("✅ Request 90.00\xa0₽", confirm)
    assert seller.callback_answers[-1].text == (
        "There is not enough money on the balance for this."
    )
    refreshed = next(m for m in seller.messages if m.message_id == confirm.message_id)
    assert "Available: 45.00\xa0₽" in text_of(refreshed)
    assert "On hold in requested payouts: 45.00\xa0₽" in text_of(refreshed)
    assert await Payout.all().count() == 1

    payout = await Payout.get(provider_id=provider.id)
    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    await root.send("/admin")
    await root.click("💸 Payouts")
    await root.click(f"#{payout.id} 45.00\xa0₽ · Sam's Bakery")
    prompt = (await root.click("✅ Approve"))[0]
    replies = await root.click("✅ Approve without a reference", prompt)
    assert f"Payout #{payout.id} of 45.00\xa0₽ approved" in text_of(replies[0])
    stored = await Payout.get(id=payout.id)
    assert stored.status is PayoutStatus.approved and stored.reference == ""
    assert bot_texts(seller)[-1] == (
        f"✅ Payout #{payout.id} for 45.00\xa0₽ is approved and on its way."
    )
    # The same button again: acted once.
    await root.click("✅ Approve without a reference", prompt)
    assert root.callback_answers[-1].text == "This payout has already been approved."


async def test_someone_elses_shop_and_forged_buttons_are_refused(telegram: Telegram) -> None:
    seller, _provider = await seller_with_money(telegram)
    stranger_shop = await make_provider(name="Other")
    await credit_sale(stranger_shop, 10000, 1000)
    await open_balance(seller)
    snapshot = seller.last_message
    assert snapshot is not None
    for data in (
        f"vb:s:{stranger_shop.id}::0",
        f"vb:c:{stranger_shop.id}:RUB:9000",
    ):
        button = InlineKeyboardButton(text="forged", callback_data=data)
        markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
        await seller.click("forged", snapshot.model_copy(update={"reply_markup": markup}))
        assert seller.callback_answers[-1].text == "Not found. It may have been removed."
    assert not await Payout.exists()
    assert await payouts.available_balance(stranger_shop.id, "RUB") == 9000


async def test_settlement_arrives_as_a_csv_document(
    telegram: Telegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = LedgerClock(monkeypatch)
    clock.set(datetime(2025, 3, 10, 9, 0, tzinfo=UTC))
    shop = await make_provider(name="Lavka", slug="lavka")
    await credit_sale(shop, 10000, 1000, order_id=42)
    clock.set(datetime(2025, 4, 2, 9, 0, tzinfo=UTC))
    await credit_sale(shop, 5000, 500, order_id=43)

    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    for command in (
        "/settlement",
        f"/settlement {shop.id}",
        f"/settlement {shop.id} 2025-13",
        f"/settlement {shop.id} 2025-03-31 2025-03-01",
        f"/settlement {shop.id} 01.03.2025 31.03.2025",
    ):
        replies = await root.send(command)
        assert text_of(replies[0]).startswith("Usage: /settlement SHOP FROM TO"), command
    replies = await root.send("/settlement nosuch 2025-03")
    assert text_of(replies[0]).startswith("Shop “nosuch” not found.")

    for command in (f"/settlement {shop.id} 2025-03", "/settlement lavka 2025-03-01 2025-03-31"):
        replies = await root.send(command)
        document = replies[0].document
        assert document is not None, command
        assert document.file_name == "lavka-settlement-2025-03-01-2025-03-31.csv"
        assert text_of(replies[0]) == (
            "Settlement of Lavka from 2025-03-01 to 2025-03-31 (Europe/Moscow)."
        )
        buffer = io.BytesIO()
        await telegram.bot.download(document.file_id, destination=buffer)
        data = buffer.getvalue()
        assert data.startswith(b"\xef\xbb\xbf")
        lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
        header = lines[0]
        rows = [dict(zip(header, line, strict=True)) for line in lines[1 : lines.index([])]]
        assert [(r["date"], r["kind"], r["order"], r["gross"], r["net"]) for r in rows] == [
            ("2025-03-10 12:00:00", "payment", "42", "100,00", "90,00")
        ]
        totals = lines[lines.index([]) + 1 :]
        assert totals[1] == ["RUB", "0,00", "100,00", "10,00", "0,00", "0,00", "0,00", "90,00"]

    # Not an admin: the command does not exist for them.
    seller = telegram.user(2002, first_name="Sam", language_code="en")
    replies = await seller.send(f"/settlement {shop.id} 2025-03")
    assert replies[0].document is None
    assert "Usage" not in text_of(replies[0])


async def test_admins_are_told_of_a_payout_request_and_open_it_from_the_push(
    telegram: Telegram,
) -> None:
    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    await root.send("/start")
    seller, provider = await seller_with_money(telegram)

    await open_balance(seller)
    confirm = (await seller.click("Request a payout of 90.00\xa0₽"))[0]
    await seller.click("✅ Request 90.00\xa0₽", confirm)

    payout = await Payout.get(provider_id=provider.id)
    push = root.last_message
    assert text_of(push) == (
        f"💸 Sam's Bakery requests payout #{payout.id} of 90.00\xa0₽. It waits in /admin → Payouts."
    )
    replies = await root.click("💸 Open the request", push)
    assert f"Payout #{payout.id} · waiting for a decision" in text_of(replies[0])
    assert labels(replies[0]) == ["✅ Approve", "❌ Reject", "⬅️ Payouts"]
    assert "requests payout" not in " ".join(bot_texts(seller))
