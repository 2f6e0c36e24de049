"""Paying in chat: Telegram invoices (roubles), Stars, /refund, /terms.

The customer places an order through the real conversation, chooses how to pay and pays in the
emulator (pre-checkout answered by the bot, then successful_payment); the database and the
ledger are checked after every step.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from core.money import STARS
from db.models import (
    ActorRole,
    Fulfilment,
    Job,
    LedgerTransaction,
    Order,
    OrderStatus,
    Payment,
    PaymentChannel,
    PaymentMethod,
    Product,
    ProductKind,
    Refund,
)
from services import ledger, orders
from services.jobs import JobKind
from tests.handlers.conftest import Telegram, labels, text_of
from tests.handlers.customer_data import (
    make_product,
    make_settings,
    make_shop,
    open_cart_with,
    relaxed_flood,
)
from tests.web.conftest import sign_init_data, tma

__all__ = ["make_settings", "relaxed_flood"]
pytestmark = pytest.mark.usefixtures("relaxed_flood")

ADMIN = 999


async def green_tea() -> Product:
    """Green tea at 150 ₽ (five in stock) in a shop that takes online payment for pickup only."""
    shop = await make_shop(allow_cash=False, allow_delivery=False)
    return await make_product(shop, "Green tea", 15000, stock=5)


async def tea_ebook() -> Product:
    """A tea e-book for 250 Stars in a shop that takes online payment only."""
    shop = await make_shop(allow_cash=False, allow_delivery=False)
    return await make_product(
        shop, "Tea e-book", 250, stock=0, kind=ProductKind.digital, currency=STARS
    )


async def place_pickup_order(telegram: Telegram, product: Any) -> Any:
    """Ann orders one product for pickup, online, and sees the ways to pay."""
    ann = await open_cart_with(telegram, product)
    await ann.click("✅ Checkout")
    await ann.click("Skip")
    replies = await ann.click("✅ Place order")
    assert "choose how to pay below" in text_of(replies[0])
    return ann


async def test_pay_in_telegram_marks_the_order_paid_once(telegram: Telegram) -> None:
    ann = await place_pickup_order(telegram, await green_tea())
    assert labels(ann.last_message) == [
        "💳 Pay in Telegram",
        "📦 Open the order",
        "📱 Open the order in the app",
    ]

    replies = await ann.click("💳 Pay in Telegram")
    invoice = replies[0]
    assert invoice.invoice is not None and invoice.invoice.total_amount == 15000
    assert invoice.invoice.currency == "RUB"
    await ann.click("💳 Pay in Telegram")  # a double click sends no second invoice
    (sent,) = telegram.emulator.calls_to("sendInvoice")
    receipt = json.loads(sent.params["provider_data"])["receipt"]  # 54-FZ for the provider
    assert receipt["items"][0]["amount"] == {"value": "150.00", "currency": "RUB"}
    assert str(sent.params["need_email"]).lower() == "true"

    result = await ann.pay(invoice)

    assert result.ok, result
    order = await Order.get(customer__tg_id=ann.id)
    assert order.status is OrderStatus.paid
    assert any("Payment for order #" in text_of(m) for m in ann.messages[-3:])
    payment = await Payment.get(order_id=order.id)
    assert payment.channel is PaymentChannel.telegram and payment.external_id == result.charge_id

    # Telegram delivers the successful_payment update again: nothing more happens
    update_id = max(telegram.emulator.bot(telegram.bot.token).history)
    await telegram.emulator.redeliver(telegram.bot.token, update_id)
    await telegram.emulator.wait_idle()
    assert await LedgerTransaction.all().count() == 1
    assert await Payment.filter(order_id=order.id).count() == 1
    assert (await ledger.verify()).ok


async def test_pre_checkout_for_a_product_taken_off_sale_is_declined(telegram: Telegram) -> None:
    tea = await green_tea()
    ann = await place_pickup_order(telegram, tea)
    invoice = (await ann.click("💳 Pay in Telegram"))[0]
    tea.is_blocked = True
    await tea.save()

    result = await ann.pay(invoice)

    assert result.status == "declined"
    assert result.error_message == "“Green tea” is no longer sold. The order cannot be paid."
    order = await Order.get(customer__tg_id=ann.id)
    assert order.status is OrderStatus.pending_payment
    assert await LedgerTransaction.all().count() == 0


async def test_a_digital_product_is_paid_in_stars_and_refunded_by_the_admin(
    telegram: Telegram,
) -> None:
    ebook = await tea_ebook()
    ann = await place_pickup_order(telegram, ebook)
    assert labels(ann.last_message) == [
        "⭐ Pay with Stars",
        "📦 Open the order",
        "📱 Open the order in the app",
    ]
    invoice = (await ann.click("⭐ Pay with Stars"))[0]
    assert invoice.invoice is not None and invoice.invoice.currency == STARS

    result = await ann.pay(invoice)
    assert result.ok
    order = await Order.get(customer__tg_id=ann.id)
    assert order.status is OrderStatus.paid

    admin = telegram.user(ADMIN, first_name="Admin", language_code="en")
    replies = await admin.send(f"/refund {order.id} 100 changed my mind")
    assert "Telegram refunds Stars payments only in full." not in text_of(replies[0])
    replies = await admin.click("↩️ Refund ⭐ 100")
    assert text_of(replies[0]) == "Telegram refunds Stars payments only in full."
    replies = await admin.send(f"/refund {order.id}")
    assert f"Refund ⭐ 250 of order #{order.id}?" in text_of(replies[0])
    confirm = replies[0]
    replies = await admin.click("↩️ Refund ⭐ 250", confirm)
    assert f"⭐ 250 refunded for order #{order.id}" in text_of(replies[0])
    await admin.click("↩️ Refund ⭐ 250", confirm)  # a stale second press refunds nothing

    assert len(telegram.emulator.calls_to("refundStarPayment")) == 1
    assert await Refund.all().count() == 1
    await order.refresh_from_db()
    assert order.status is OrderStatus.refunded
    [stars_back] = [text_of(m) for m in ann.messages[-3:] if "Telegram Stars balance" in text_of(m)]
    assert stars_back == f"↩️ ⭐ 250 for order #{order.id} is back on your Telegram Stars balance."
    assert "bank" not in stars_back.lower() and "card" not in stars_back.lower()
    assert (await ledger.verify()).ok


async def test_a_paid_e_book_comes_to_the_chat_at_once_and_once(telegram: Telegram) -> None:
    ebook = await tea_ebook()
    book = telegram.settings.data_path / "media" / "digital" / "tea.pdf"
    book.parent.mkdir(parents=True, exist_ok=True)
    book.write_bytes(b"%PDF-1.4 tea recipes")
    ebook.digital_path, ebook.digital_file_name = "media/digital/tea.pdf", "Tea recipes.pdf"
    await ebook.save()
    ann = await place_pickup_order(telegram, ebook)
    invoice = (await ann.click("⭐ Pay with Stars"))[0]

    assert (await ann.pay(invoice)).ok

    [document] = [m for m in ann.messages if m.document is not None]
    assert document.document is not None and document.document.file_name == "Tea recipes.pdf"
    order = await Order.get(customer__tg_id=ann.id)
    assert text_of(document) == f"📥 “Tea e-book” from order #{order.id}"
    await ebook.refresh_from_db()
    assert ebook.digital_file_id == document.document.file_id  # next time by Telegram's copy
    # Telegram delivers successful_payment again: no second copy
    update_id = max(telegram.emulator.bot(telegram.bot.token).history)
    await telegram.emulator.redeliver(telegram.bot.token, update_id)
    await telegram.emulator.wait_idle()
    assert len([m for m in ann.messages if m.document is not None]) == 1


async def test_the_files_of_a_paid_order_are_sent_again_from_my_orders_once_per_click(
    telegram: Telegram,
) -> None:
    ebook = await tea_ebook()
    shop = await ebook.provider
    ebook.digital_url = "https://example.org/tea.pdf"
    await ebook.save()
    ann = await place_pickup_order(telegram, ebook)
    assert (await ann.pay((await ann.click("⭐ Pay with Stars"))[0])).ok
    order = await Order.get(customer__tg_id=ann.id)

    def links() -> int:
        return len([m for m in ann.messages if "https://example.org/tea.pdf" in text_of(m)])

    assert links() == 1
    await ann.send("/orders")
    [line] = [label for label in labels(ann.last_message) if label.startswith(f"#{order.id} ")]
    await ann.click(line)
    await ann.click("📥 Send my files again")  # within a minute of the delivery
    assert ann.callback_answers[-1].text == "They are on their way or were just sent: look above."
    assert links() == 1

    async def a_while_later() -> None:
        await Job.filter(kind=JobKind.deliver_digital).update(
            finished_at=datetime.now(UTC) - timedelta(minutes=2)
        )

    await a_while_later()
    await ann.send("/orders")
    [line] = [label for label in labels(ann.last_message) if label.startswith(f"#{order.id} ")]
    await ann.click(line)
    await ann.click("📥 Send my files again")
    assert ann.callback_answers[-1].text == "📥 Sending them to this chat."
    assert links() == 2
    await ann.click("📥 Send my files again")  # a second click within the minute
    assert ann.callback_answers[-1].text == "They are on their way or were just sent: look above."
    assert links() == 2

    # The Mini App asks the same service: nothing twice within the minute, then once more.
    api = telegram.app_url + f"/api/v1/orders/{order.id}/files"
    user = {"id": ann.id, "first_name": "Ann", "language_code": "en"}
    headers = {**tma(sign_init_data(telegram.settings.token, user=user)), "Accept-Language": "en"}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.post(api) as response:
            assert response.status == 409
            assert (await response.json())["error"]["code"] == "already_sent"
        await a_while_later()
        async with session.post(api) as response:
            assert response.status == 202
            assert (await response.json())["can_resend_files"] is True
        await telegram.emulator.wait_idle()
        assert links() == 3
        other = await make_product(shop, "Green tea", 15000)
        cash = await Order.create(
            customer_id=order.customer_id,  # type: ignore[attr-defined]
            provider=shop,
            status=OrderStatus.placed,
            fulfilment=Fulfilment.pickup,
            payment_method=PaymentMethod.cash,
            currency="RUB",
            total=other.price,
            items_total=other.price,
            checkout_key="resend-test-cash",
            pickup_code="1234",
        )
        async with session.post(telegram.app_url + f"/api/v1/orders/{cash.id}/files") as response:
            assert response.status == 409
            assert (await response.json())["error"]["code"] == "nothing_to_send"


async def test_stars_paid_for_an_order_cancelled_meanwhile_come_back_with_a_reason(
    telegram: Telegram,
) -> None:
    ebook = await tea_ebook()
    ann = await place_pickup_order(telegram, ebook)
    invoice = (await ann.click("⭐ Pay with Stars"))[0]
    order = await Order.get(customer__tg_id=ann.id)

    async def cancel_in_the_meantime() -> None:
        await orders.transition(
            order.id,
            OrderStatus.cancelled,
            role=ActorRole.admin,
            actor=None,
            events=telegram.services.shop_events,
            reason="out of stock",
        )

    result = await ann.pay(invoice, meanwhile=cancel_in_the_meantime)

    assert result.ok  # Telegram took the Stars
    [refund_call] = telegram.emulator.calls_to("refundStarPayment")
    assert refund_call.params["telegram_payment_charge_id"] == result.charge_id
    told = [text_of(m) for m in ann.messages if "arrived after the order" in text_of(m)]
    assert told == [
        f"Your payment for order #{order.id} arrived after the order had been closed, so we "
        f"returned it.\n↩️ ⭐ 250 for order #{order.id} is back on your Telegram Stars balance."
    ]
    await order.refresh_from_db()
    assert order.status is OrderStatus.cancelled
    assert not [m for m in ann.messages if m.document is not None]  # nothing delivered
    assert await Refund.all().count() == 1


async def test_refund_command_explains_bad_input(telegram: Telegram) -> None:
    admin = telegram.user(ADMIN, first_name="Admin", language_code="en")
    assert text_of((await admin.send("/refund"))[0]).startswith("Usage: /refund")
    assert text_of((await admin.send("/refund 424242"))[0]) == "There is no order #424242."
    ann = await place_pickup_order(telegram, await green_tea())
    order = await Order.get(customer__tg_id=ann.id)
    replies = await admin.send(f"/refund {order.id}")
    assert text_of(replies[0]) == f"Nothing is left to refund for order #{order.id}."
    await ann.pay((await ann.click("💳 Pay in Telegram"))[0])
    replies = await admin.send(f"/refund {order.id} 1x")
    assert text_of(replies[0]).startswith("That amount is not valid.")
    replies = await admin.send(f"/refund {order.id} 200")
    assert text_of(replies[0]).startswith("That is more than is left to refund")
    # a customer cannot refund
    replies = await ann.send(f"/refund {order.id}")
    assert "Refund" not in text_of(replies[0])

    # no YooKassa here: the bot cannot refund a Telegram Payments charge, the admin records
    # the refund made in the provider's dashboard
    await admin.send(f"/refund {order.id} 50 broken")
    replies = await admin.click("↩️ Refund 50.00\xa0₽")
    assert "refund it in the payment provider's dashboard" in text_of(replies[0])
    replies = await admin.click("📝 I refunded it in the provider's dashboard: record it")
    assert "50.00\xa0₽ refunded for order" in text_of(replies[0])
    payment = await Payment.get(order_id=order.id)
    assert payment.refunded_amount == 5000
    assert (await ledger.verify()).ok


async def test_terms_and_paysupport(telegram: Telegram) -> None:
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    assert "Terms of sale" in text_of((await ann.send("/terms"))[0])
    support = text_of((await ann.send("/paysupport"))[0])
    assert telegram.settings.payments_support_contact in support
    assert telegram.settings.operator_contact not in support
