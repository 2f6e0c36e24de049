"""Payments: invoices, the pre-checkout step, successful_payment and Stars refunds."""

from __future__ import annotations

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import LabeledPrice, Message, PreCheckoutQuery

from sandbox import SandboxTimings, TelegramEmulator


def shop_dispatcher(paid: list[str], *, accept: bool = True) -> Dispatcher:
    dp = Dispatcher()

    @dp.message(F.text == "/buy")
    async def buy(message: Message) -> None:
        await message.answer_invoice(
            title="Tea",
            description="Green tea, 100 g",
            payload="order-42",
            currency="XTR",
            prices=[LabeledPrice(label="Tea", amount=50)],
        )

    @dp.pre_checkout_query()
    async def pre_checkout(query: PreCheckoutQuery) -> None:
        if accept:
            await query.answer(ok=True)
        else:
            await query.answer(ok=False, error_message="Out of stock")

    @dp.message(F.successful_payment)
    async def paid_handler(message: Message) -> None:
        assert message.successful_payment is not None
        paid.append(message.successful_payment.telegram_payment_charge_id)
        await message.answer(f"Paid {message.successful_payment.total_amount} ⭐")

    return dp


async def test_stars_payment_and_refund(emulator: TelegramEmulator, bot: Bot, polling) -> None:
    paid: list[str] = []
    user = emulator.user(1, "Anna")
    async with polling(shop_dispatcher(paid), bot):
        [invoice] = await user.send("/buy")
        assert invoice.invoice is not None and invoice.invoice.total_amount == 50
        result = await user.pay(invoice)
        second = await user.pay(invoice)
    assert result.ok and [m.text for m in result.messages] == ["Paid 50 ⭐"]
    assert result.charge_id is not None and second.charge_id is not None
    assert paid == [result.charge_id, second.charge_id] and result.charge_id != second.charge_id

    assert await bot.refund_star_payment(1, result.charge_id)
    with pytest.raises(TelegramBadRequest, match="CHARGE_ALREADY_REFUNDED"):
        await bot.refund_star_payment(1, result.charge_id)
    with pytest.raises(TelegramBadRequest, match="CHARGE_ID_INVALID"):
        await bot.refund_star_payment(2, second.charge_id)
    refunds = [
        u["message"]["refunded_payment"]
        for u in emulator.bot().history.values()
        if "refunded_payment" in u.get("message", {})
    ]
    assert [r["telegram_payment_charge_id"] for r in refunds] == [result.charge_id]


async def test_declined_pre_checkout(emulator: TelegramEmulator, bot: Bot, polling) -> None:
    paid: list[str] = []
    user = emulator.user(1, "Anna")
    async with polling(shop_dispatcher(paid, accept=False), bot):
        [invoice] = await user.send("/buy")
        result = await user.pay(invoice)
    assert (result.status, result.error_message) == ("declined", "Out of stock")
    assert paid == []


async def test_unanswered_pre_checkout_times_out(start_sandbox) -> None:
    sandbox = await start_sandbox(timings=SandboxTimings(pre_checkout_timeout=0.3))
    emulator, bot = sandbox.emulator, sandbox.bot
    user = emulator.user(1, "Anna")
    await user.send("hi", wait=False)
    link = await bot.create_invoice_link(
        title="Lesson",
        description="60 min",
        payload="l-1",
        currency="XTR",
        prices=[LabeledPrice(label="L", amount=100)],
    )
    assert link.startswith("https://t.me/$")
    result = await user.pay(link)
    assert result.status == "timeout"
    query = (await bot.get_updates())[-1].pre_checkout_query
    assert query is not None and query.invoice_payload == "l-1" and query.total_amount == 100
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_pre_checkout_query(query.id, ok=True)


async def test_card_invoice_with_provider_token_and_link(
    emulator: TelegramEmulator, bot: Bot, polling
) -> None:
    paid: list[str] = []
    user = emulator.user(1, "Anna")
    async with polling(shop_dispatcher(paid), bot):
        await user.send("hi", wait=False)
        link = await bot.create_invoice_link(
            title="Box",
            description="Gift box",
            payload="box-1",
            currency="RUB",
            prices=[
                LabeledPrice(label="Box", amount=150000),
                LabeledPrice(label="Delivery", amount=30000),
            ],
            provider_token="381764678:TEST:123",
        )
        result = await user.pay(link)
    assert result.ok and result.messages[0].text == "Paid 180000 ⭐"


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"provider_token": "381764678:TEST:123"}, "provider_token must be empty"),
        (
            {"prices": [LabeledPrice(label="a", amount=1), LabeledPrice(label="b", amount=2)]},
            "STARS_INVOICE_INVALID",
        ),
        ({"currency": "RUB"}, "PAYMENT_PROVIDER_INVALID"),
        ({"payload": "p" * 129}, "INVOICE_PAYLOAD_INVALID"),
        ({"prices": [LabeledPrice(label="free", amount=0)]}, "CURRENCY_TOTAL_AMOUNT_INVALID"),
        ({"title": "t" * 33}, "invoice title"),
    ],
)
async def test_invalid_invoices(
    emulator: TelegramEmulator, bot: Bot, changes: dict, error: str
) -> None:
    await emulator.user(1, "Anna").send("hi", wait=False)
    invoice = {
        "title": "Tea",
        "description": "Green tea",
        "payload": "p",
        "currency": "XTR",
        "prices": [LabeledPrice(label="Tea", amount=5)],
    } | changes
    with pytest.raises(TelegramBadRequest, match=error):
        await bot.send_invoice(1, **invoice)
