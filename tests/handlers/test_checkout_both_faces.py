"""One checkout service under both faces: the same bad draft gets the same refusal.

Ann checks out in the chat (driven through the emulator); Anna sends the same draft to the
JSON API of the same app. The chat's answer must be the API's `message` for the same code:
both come from the service's domain error explained by core.problems.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from db.models import ConsentKind, Order, Product, Provider, User
from keyboards.shop import CheckoutAction, CheckoutCB
from sandbox import SandboxUser
from services import consent
from services.checkout import Slot
from services.checkout import slots as delivery
from tests.handlers.conftest import Telegram, labels, text_of
from tests.handlers.customer_data import (
    make_product,
    make_settings,
    make_shop,
    open_cart_with,
    relaxed_flood,
)
from tests.web.conftest import TG_USER, LiveMiniApp

__all__ = ["make_settings", "relaxed_flood"]  # fixtures: fast clicks, more messages per second
pytestmark = pytest.mark.usefixtures("relaxed_flood")


class MiniApp(LiveMiniApp):
    """Anna's Mini App on the app the chat runs in."""

    def __init__(self, telegram: Telegram) -> None:
        super().__init__(telegram.app_url, telegram.settings.token)
        self.telegram = telegram
        self.keys = 0

    async def agree(self) -> None:
        """Anna has consented to the processing of personal data (in the bot's profile)."""
        await self.call("GET", "/cart")  # signs her in
        anna = await User.get(tg_id=TG_USER["id"])
        version = self.telegram.settings.privacy_policy_version
        await consent.record(anna, ConsentKind.personal_data, granted=True, version=version)

    async def check_out(self, product: Product, **draft: Any) -> tuple[int, Any]:
        """Put the product in the cart and send the draft."""
        status, _ = await self.call("POST", "/cart/items", {"product_id": product.id})
        assert status == 200
        self.keys += 1
        body = {"fulfilment": "pickup", "payment_method": "cash", **draft}
        return await self.call(
            "POST", "/checkout", body, **{"Idempotency-Key": f"both-faces-{self.keys:04d}"}
        )

    async def deliver(
        self,
        product: Product,
        slot_id: str,
        address: str = "Lenina 5",
        phone: str = "+79990001122",
    ) -> tuple[int, Any]:
        """Check out a delivery of `product` in that slot, for cash."""
        return await self.check_out(
            product, fulfilment="delivery", address=address, phone=phone, delivery_slot=slot_id
        )

    async def slot_id(self, product: Product, label: str) -> str:
        """The id of the delivery slot the options for a cart of `product` call `label`."""
        await self.call("POST", "/cart/items", {"product_id": product.id})
        status, options = await self.call("GET", "/checkout/options")
        assert status == 200, options
        return next(slot["id"] for slot in options["delivery_slots"] if slot["label"] == label)


def refusal(answer: Any, code: str, field: str) -> str:
    """The API's error of this code and field; its message."""
    assert set(answer) == {"error"}, answer
    assert (answer["error"]["code"], answer["error"].get("field")) == (code, field), answer
    return str(answer["error"]["message"])


async def forge_click(user: SandboxUser, data: str) -> None:
    """Press a button of an old keyboard (callback data the bot no longer offers)."""
    snapshot = user.last_message
    assert snapshot is not None
    button = InlineKeyboardButton(text="old button", callback_data=data)
    markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
    await user.click("old button", snapshot.model_copy(update={"reply_markup": markup}))


async def delivery_shop() -> tuple[Provider, Product]:
    shop = await make_shop(allow_delivery=True, allow_cash=True, delivery_fee=30000)
    return shop, await make_product(shop, "Green tea", 15000, stock=10)


async def to_the_address(telegram: Telegram, tea: Product) -> SandboxUser:
    """Ann chooses delivery and consents: the bot waits for the address."""
    ann = await open_cart_with(telegram, tea)
    await ann.click("✅ Checkout")
    await ann.click("🚚 Delivery")
    replies = await ann.click("✅ I agree")
    assert "Where should we deliver?" in text_of(replies[-1])
    return ann


async def one_place_a_slot(
    telegram: Telegram, monkeypatch: pytest.MonkeyPatch
) -> tuple[SandboxUser, Product, MiniApp, str]:
    """Delivery slots take one order each. Anna has consented in the Mini App and knows the id
    of tomorrow morning's slot; Ann has typed her address in the chat and sees the slots."""
    monkeypatch.setattr(delivery, "SLOT_CAPACITY", 1)
    _, tea = await delivery_shop()
    app = MiniApp(telegram)
    await app.agree()
    morning = await app.slot_id(tea, "Tomorrow 10–14")
    ann = await to_the_address(telegram, tea)
    await ann.send("Lenina 5, flat 3")
    return ann, tea, app, morning


async def test_a_short_address_and_a_bad_phone(telegram: Telegram) -> None:
    _, tea = await delivery_shop()
    app = MiniApp(telegram)
    await app.agree()
    evening = await app.slot_id(tea, "Tomorrow 18–22")
    ann = await to_the_address(telegram, tea)

    chat_says = text_of((await ann.send("Mir"))[0])
    status, answer = await app.deliver(tea, evening, address="Mir")
    assert status == 422
    assert chat_says == refusal(answer, "invalid_input", "address")
    assert "too short" in chat_says

    await ann.send("Lenina 5, flat 3")
    replies = await ann.click("Tomorrow 18–22")
    assert "The courier needs your phone number" in text_of(replies[-1])
    chat_says = text_of((await ann.send("call me"))[0])
    status, answer = await app.deliver(tea, evening, phone="call me")
    assert status == 422
    assert chat_says == refusal(answer, "invalid_input", "phone")
    assert "does not look like a phone number" in chat_says

    replies = await ann.send("8 (999) 123-45-67")  # the question stayed: a good number now
    assert "📱 Phone: +79991234567" in text_of(replies[0])
    status, order = await app.deliver(tea, evening, phone="8 (999) 123-45-67")
    assert status == 201, order
    assert order["phone"] == "+79991234567"  # the same E.164 form in both faces
    assert await Order.filter(phone="+79991234567").count() == 1


async def test_a_slot_that_started_or_filled_up(
    telegram: Telegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann, tea, app, morning = await one_place_a_slot(telegram, monkeypatch)
    zone = ZoneInfo(telegram.settings.timezone)
    yesterday = datetime.now(UTC).astimezone(zone).date() - timedelta(days=1)
    started = Slot.on(yesterday, 10, 14, zone).id

    await forge_click(ann, CheckoutCB(action=CheckoutAction.slot, value=started).pack())
    chat_says = ann.callback_answers[-1].text
    status, answer = await app.deliver(tea, started)
    assert status == 422
    assert chat_says == refusal(answer, "invalid_input", "delivery_slot")
    assert chat_says == "This time has already passed. Please choose another one."
    assert "When should we deliver?" in text_of(ann.last_message)  # the slots again

    status, order = await app.deliver(tea, morning)
    assert status == 201, order  # Anna takes the last place of tomorrow morning
    assert "Tomorrow 10–14" in labels(ann.last_message)  # Ann's screen is older
    await ann.click("Tomorrow 10–14")
    chat_says = ann.callback_answers[-1].text
    status, answer = await app.deliver(tea, morning)
    assert status == 422
    assert chat_says == refusal(answer, "invalid_input", "delivery_slot")
    assert chat_says == "This time is fully booked. Please choose another one."
    assert "Tomorrow 10–14" not in labels(ann.last_message)
    assert await Order.all().count() == 1


async def test_a_payment_method_the_shop_stopped_taking(telegram: Telegram) -> None:
    shop = await make_shop(allow_cash=True, allow_delivery=False)
    tea = await make_product(shop, "Green tea", 15000)
    app = MiniApp(telegram)
    ann = await open_cart_with(telegram, tea)
    replies = await ann.click("✅ Checkout")
    assert text_of(replies[0]) == "How will you pay?"
    await Provider.filter(id=shop.id).update(allow_cash=False)  # meanwhile, in the admin's chat

    await ann.click("💵 Cash on receipt")
    chat_says = ann.callback_answers[-1].text
    status, answer = await app.check_out(tea, payment_method="cash")

    assert status == 409  # the body is well-formed; the shop's state refuses it
    assert chat_says == refusal(answer, "invalid_input", "payment_method")
    assert ann.callback_answers[-1].show_alert
    assert text_of(ann.last_message) == "How will you pay?"  # still the question
    assert not await Order.exists()


async def test_online_payment_when_no_channel_takes_it(
    telegram: Telegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await make_shop(allow_cash=True, allow_delivery=False)
    tea = await make_product(shop, "Green tea", 15000)
    app = MiniApp(telegram)
    ann = await open_cart_with(telegram, tea)
    await ann.click("✅ Checkout")
    monkeypatch.setattr(telegram.settings, "telegram_payments_provider_token", None)

    await ann.click("💳 Pay online")
    chat_says = ann.callback_answers[-1].text
    status, answer = await app.check_out(tea, payment_method="online")

    assert status == 409
    assert chat_says == refusal(answer, "payment_channel_unavailable", "payment_method")
    assert chat_says == "Online payment is not available right now."
    assert not await Order.exists()


async def test_a_slot_booked_up_before_placing_asks_for_another(
    telegram: Telegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann, tea, app, morning = await one_place_a_slot(telegram, monkeypatch)
    await ann.click("Tomorrow 10–14")
    await ann.share_contact(phone="+7 999 123-45-67")
    await ann.click("💵 Cash on receipt")
    confirmation = (await ann.click("Skip"))[0]
    assert "10:00–14:00" in text_of(confirmation)
    status, _ = await app.deliver(tea, morning)
    assert status == 201  # Anna takes the last place while Ann reads her confirmation

    replies = await ann.click("✅ Place order")
    assert ann.callback_answers[-1].text == "This time is fully booked. Please choose another one."
    question = text_of(replies[-1])
    assert "fully booked" in question and "When should we deliver?" in question
    assert "Tomorrow 10–14" not in labels(replies[-1])
    replies = await ann.click("Tomorrow 14–18")
    assert "14:00–18:00" in text_of(replies[-1])  # the rest of the answers are kept
    assert "Lenina 5, flat 3" in text_of(replies[-1])
    await ann.click("✅ Place order")
    order = await Order.get(customer__tg_id=ann.id)
    assert order.delivery_slot is not None and order.delivery_slot.endswith("14:00–18:00")
    assert (order.phone, order.address) == ("+79991234567", "Lenina 5, flat 3")
