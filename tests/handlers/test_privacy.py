"""152-FZ: /privacy, consent before the phone, /my_data export, /delete_my_data erasure."""

from __future__ import annotations

import json

from db.models import AuditLog, Consent, ConsentKind, User
from sandbox import SandboxUser
from tests.handlers.conftest import Telegram


async def asked_for_phone(telegram: Telegram) -> SandboxUser:
    """Anna opens her profile and presses "Set the phone" (the consent is asked first)."""
    anna = telegram.user()
    await anna.send("/start")
    await anna.click("👤 Профиль")
    await anna.click("📱 Указать телефон")
    return anna


async def test_privacy_shows_the_operator(telegram: Telegram) -> None:
    replies = await telegram.user().send("/privacy")
    text = replies[0].text or ""
    assert telegram.settings.operator_legal_name in text
    assert telegram.settings.operator_inn in text
    assert telegram.settings.privacy_policy_url in text


async def test_phone_is_asked_only_after_consent(telegram: Telegram) -> None:
    anna = telegram.user()
    await anna.send("/start")
    await anna.click("👤 Профиль")
    assert "Телефон: не указан" in (anna.last_message.text or "")  # type: ignore[union-attr]
    replies = await anna.click("📱 Указать телефон")
    assert "Согласие на обработку персональных данных" in (replies[-1].text or "")
    assert anna.reply_keyboard == []  # nothing asked before consent

    replies = await anna.click("✅ Согласен(на)")
    assert any("Нажмите кнопку ниже" in (m.text or "") for m in replies)
    consent = await Consent.get(user__tg_id=anna.id, kind=ConsentKind.personal_data)
    assert consent.granted and consent.version == telegram.settings.privacy_policy_version

    replies = await anna.send("не номер")
    assert "не похоже на номер" in (replies[0].text or "")
    replies = await anna.send_photo(b"not really a photo but bytes")
    assert "Жду ваш номер" in (replies[0].text or "")
    await anna.press("📱 Отправить мой номер")
    assert (await User.get(tg_id=anna.id)).phone is not None


async def test_typed_phone_is_normalized(telegram: Telegram) -> None:
    anna = await asked_for_phone(telegram)
    await anna.click("✅ Согласен(на)")
    await anna.send("8 (999) 123-45-67")
    assert (await User.get(tg_id=anna.id)).phone == "+79991234567"


async def test_declined_consent_asks_nothing(telegram: Telegram) -> None:
    anna = await asked_for_phone(telegram)
    replies = await anna.click("✖️ Отказаться")
    assert "не будем запрашивать" in (replies[-1].text or "")
    replies = await anna.send("+79991234567")
    assert "+79991234567" in (replies[0].text or "")  # no conversation waits: a search
    assert (await User.get(tg_id=anna.id)).phone is None


async def test_someone_elses_contact_is_refused(telegram: Telegram) -> None:
    anna = await asked_for_phone(telegram)
    await anna.click("✅ Согласен(на)")
    replies = await anna.share_contact(phone="+70000000000", user_id=5555)
    assert "свой собственный номер" in (replies[0].text or "")
    assert (await User.get(tg_id=anna.id)).phone is None


async def test_cancel_leaves_the_phone_conversation(telegram: Telegram) -> None:
    anna = await asked_for_phone(telegram)
    await anna.click("✅ Согласен(на)")
    replies = await anna.press("Отмена")
    assert replies[0].text == "Отменено."
    replies = await anna.send("+79991234567")
    assert "Сохранено" not in (replies[0].text or "")
    assert (await User.get(tg_id=anna.id)).phone is None


async def test_marketing_is_a_separate_switch(telegram: Telegram) -> None:
    anna = telegram.user()
    await anna.send("/start")
    await anna.click("👤 Профиль")
    await anna.click("🔔 Получать новости и предложения")
    assert anna.callback_answers[-1].text == "Вы будете получать новости и предложения."
    marketing = await Consent.get(user__tg_id=anna.id, kind=ConsentKind.marketing)
    assert marketing.granted
    assert not await Consent.exists(user__tg_id=anna.id, kind=ConsentKind.personal_data)
    await anna.click("🔕 Не получать новости и предложения")
    assert await Consent.filter(user__tg_id=anna.id, kind=ConsentKind.marketing).count() == 2


async def test_consent_button_of_an_old_policy_is_stale(telegram: Telegram) -> None:
    anna = await asked_for_phone(telegram)
    telegram.settings.privacy_policy_version = "2"
    await anna.click("✅ Согласен(на)")
    assert "устарела" in (anna.callback_answers[-1].text or "")
    assert not await Consent.exists(user__tg_id=anna.id)


async def test_my_data_is_a_json_document(telegram: Telegram) -> None:
    anna = telegram.user()
    replies = await anna.send("/my_data")
    document = replies[0].document
    assert document is not None and (document.file_name or "").endswith(".json")
    data = json.loads(await telegram.emulator.download(telegram.bot.token, document.file_id))
    assert data["profile"]["telegram_id"] == anna.id
    assert data["profile"]["first_name"] == "Анна"


async def test_delete_my_data_after_confirmation(telegram: Telegram) -> None:
    anna = telegram.user()
    await anna.send("/start")
    user = await User.get(tg_id=anna.id)
    await anna.send("/delete_my_data")
    await anna.click("Отмена")
    assert (await User.get(id=user.id)).tg_id == anna.id

    await anna.send("/delete_my_data")
    confirmation = anna.last_message
    await anna.click("🗑 Да, удалить")
    erased = await User.get(id=user.id)
    assert erased.tg_id is None and erased.first_name == "" and erased.is_anonymized
    assert await AuditLog.exists(action="privacy.erase", target=f"user:{user.id}")

    # The same button again belongs to the erased account: it must not erase the new one.
    await anna.click("🗑 Да, удалить", message=confirmation)
    assert "устарела" in (anna.callback_answers[-1].text or "")
    newcomer = await User.get(tg_id=anna.id)
    assert newcomer.id != user.id and not newcomer.is_anonymized


async def test_consent_names_the_operator_without_declining_the_name(telegram: Telegram) -> None:
    anna = telegram.user()
    await anna.send("/start")
    await anna.click("👤 Профиль")
    replies = await anna.click("📱 Указать телефон")
    text = replies[-1].text or ""
    name = telegram.settings.operator_legal_name  # "ИП Иванов Иван Иванович", nominative
    assert "Чтобы продолжить, нам нужен ваш номер телефона или адрес." in text
    assert f"Оператор: {name}, ИНН {telegram.settings.operator_inn}." in text
    assert text.count(name) == 1  # only after "Оператор:", where no case is needed


async def test_consent_is_withdrawn_and_given_again_in_privacy(telegram: Telegram) -> None:
    anna = await asked_for_phone(telegram)
    await anna.click("✅ Согласен(на)")
    await anna.send("+79991234567")
    assert (await User.get(tg_id=anna.id)).phone == "+79991234567"

    replies = await anna.send("/privacy")
    assert "✅ Вы дали согласие" in (replies[0].text or "")
    replies = await anna.click("🚫 Отозвать согласие", replies[0])
    text = replies[0].text or ""
    assert text.startswith("Согласие отозвано: телефон из профиля удалён.")
    assert "Вы не давали согласия" in text
    user = await User.get(tg_id=anna.id)
    assert user.phone is None
    assert not (await Consent.filter(user=user).order_by("-id").first()).granted  # type: ignore[union-attr]

    replies = await anna.click("✅ Дать согласие", replies[0])
    assert "Согласие на обработку персональных данных" in (replies[0].text or "")
    await anna.click("✅ Согласен(на)", replies[0])
    latest = await Consent.filter(user=user, kind=ConsentKind.personal_data).order_by("-id").first()
    assert latest is not None and latest.granted
    replies = await anna.send("/privacy")
    assert "🚫 Отозвать согласие" in [
        b.text
        for row in replies[0].reply_markup.inline_keyboard  # type: ignore[union-attr]
        for b in row
    ]
