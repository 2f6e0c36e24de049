"""Cross-cutting behaviour: repeated updates, floods, errors, bans, metrics."""

from __future__ import annotations

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from db.models import User
from handlers import customer_orders
from keyboards.shop import OrdersAction, OrdersCB
from sandbox import SandboxUser
from services import onboarding
from tests.handlers.conftest import Telegram


async def test_a_redelivered_update_is_handled_once(telegram: Telegram) -> None:
    anna = telegram.user()
    await anna.send("/start")
    before = len(anna.messages)
    last_update = max(telegram.emulator.bot().history)
    await telegram.emulator.redeliver(telegram.bot.token, last_update)
    await telegram.emulator.wait_idle()
    assert len(anna.messages) == before
    assert telegram.services.metrics.duplicate_updates._value.get() == 1


@pytest.fixture
def strict_throttle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three messages a minute, so a flood is quick to provoke."""
    monkeypatch.setenv("THROTTLE_RATE", "3/minute")


async def test_a_flood_gets_one_notice_then_silence(
    strict_throttle: None, telegram: Telegram
) -> None:
    anna = telegram.user()
    for _ in range(3):
        assert len(await anna.send("привет")) == 1
    notice = await anna.send("привет")
    assert [m.text for m in notice] == [
        "Слишком много сообщений сразу. Подождите несколько секунд."
    ]
    assert await anna.send("привет") == []
    assert await anna.send("/start") == []


async def test_a_failing_handler_apologises_and_alerts_admins(
    telegram: Telegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = telegram.user(999, first_name="Admin", language_code="en")
    await admin.send("/start")

    async def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(onboarding, "start", broken)
    replies = await telegram.user().send("/start")
    assert len(replies) == 1
    assert "Извините, у нас что-то пошло не так. Код обращения:" in (replies[0].text or "")
    code = (replies[0].text or "").rsplit(" ", 1)[-1]
    alert = admin.last_message
    assert alert is not None and "RuntimeError" in (alert.text or "") and code in (alert.text or "")

    # A second failure within a minute does not alert again.
    await telegram.user(1002).send("/start")
    assert admin.last_message is not None
    assert admin.last_message.message_id == alert.message_id


async def test_banned_people_are_ignored(telegram: Telegram) -> None:
    anna = telegram.user()
    await anna.send("/start")
    await User.filter(tg_id=anna.id).update(is_banned=True)
    assert await anna.send("/start") == []


async def test_metrics_count_updates_and_api_calls(telegram: Telegram) -> None:
    await telegram.user().send("/start")
    metrics = telegram.services.metrics.render().decode()
    assert 'prilavok_updates_total{type="message"} 1.0' in metrics
    assert 'prilavok_bot_api_calls_total{method="sendMessage"}' in metrics
    assert "prilavok_update_handling_seconds_count" in metrics
    assert 'prilavok_handler_seconds_count{handler="handlers.start.start"} 1.0' in metrics


async def test_an_album_counts_once_against_the_flood_limit(
    strict_throttle: None, telegram: Telegram
) -> None:
    anna = telegram.user()
    await anna.send("привет")
    photo = {"file_id": "album-photo", "file_unique_id": "u1", "width": 10, "height": 10}
    for _ in range(4):
        replies = await anna.send_content({"photo": [photo], "media_group_id": "album-1"})
        assert replies and "Слишком много" not in (replies[0].text or "")
    # Two counted so far (the text and the album); the third is the last one allowed.
    assert "Слишком много" not in ((await anna.send("ещё"))[0].text or "")
    notice = await anna.send("и ещё")
    assert notice and "Слишком много" in (notice[0].text or "")


async def press_forged(person: SandboxUser, callback_data: str) -> list[Message]:
    """Press a button whose callback data the person made up (a stale or forged button)."""
    snapshot = person.last_message
    assert snapshot is not None
    button = InlineKeyboardButton(text="forged", callback_data=callback_data)
    markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
    return await person.click("forged", snapshot.model_copy(update={"reply_markup": markup}))


async def test_a_refused_button_gets_one_alert_in_the_persons_language(
    telegram: Telegram,
) -> None:
    admin = telegram.user(999, first_name="Admin", language_code="en")
    await admin.send("/start")
    anna = telegram.user(language_code="en")
    await anna.send("/start")
    admin_messages = len(admin.messages)

    replies = await press_forged(anna, OrdersCB(action=OrdersAction.open, order_id=424242).pack())

    # Answered by handlers.errors alone: the alert is the query's one answer (the emulator,
    # like Telegram, refuses a second), nothing is sent, nobody is alarmed.
    [answer] = anna.callback_answers
    assert answer.text == "Not found. It may have been removed."
    assert answer.show_alert
    assert replies == []
    assert len(admin.messages) == admin_messages

    ru = telegram.user(1002, first_name="Ира", language_code="ru")
    await ru.send("/start")
    await press_forged(ru, OrdersCB(action=OrdersAction.open, order_id=424242).pack())
    assert ru.callback_answers[-1].text == "Не найдено. Возможно, это удалили."


async def test_a_button_whose_handler_fails_stops_spinning_and_apologises(
    telegram: Telegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    anna = telegram.user(language_code="en")
    await anna.send("/start")

    async def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(customer_orders, "order_screen", broken)
    replies = await press_forged(anna, OrdersCB(action=OrdersAction.open, order_id=1).pack())

    [answer] = anna.callback_answers
    assert not answer.show_alert
    assert len(replies) == 1
    assert "Sorry, something went wrong on our side. Reference code:" in (replies[0].text or "")
