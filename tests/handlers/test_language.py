"""/language: the choice is stored and used from the next update on."""

from __future__ import annotations

from db.models import User
from tests.handlers.conftest import Telegram


async def test_switch_to_english_and_back(telegram: Telegram) -> None:
    anna = telegram.user()
    await anna.send("/start")
    await anna.click("🌐 Язык")
    assert anna.last_message.text == "Выберите язык:"  # type: ignore[union-attr]
    await anna.click("🇬🇧 English")
    assert "Hello, Анна!" in (anna.last_message.text or "")  # type: ignore[union-attr]
    assert anna.callback_answers[-1].text == "Language changed."
    assert (await User.get(tg_id=anna.id)).locale == "en"

    replies = await anna.send("/help")
    assert "What I can do" in (replies[0].text or "")

    await anna.send("/language")
    await anna.click("✅ 🇬🇧 English")
    assert anna.callback_answers[-1].text == "This language is already on."
    await anna.click("🇷🇺 Русский")
    assert (await User.get(tg_id=anna.id)).locale == "ru"


async def test_forged_language_code_is_refused(telegram: Telegram) -> None:
    anna = telegram.user()
    await anna.send("/language")
    message = anna.last_message
    assert message is not None
    await telegram.emulator.feed(
        telegram.bot.token,
        {
            "callback_query": {
                "id": "forged-1",
                "from": {"id": anna.id, "is_bot": False, "first_name": "Анна"},
                "chat_instance": "x",
                "message": message.model_dump(mode="json", exclude_none=True),
                "data": "lng:xx",
            }
        },
    )
    await telegram.emulator.wait_idle()
    assert (await User.get(tg_id=anna.id)).locale is None
