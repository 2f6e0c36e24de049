"""/start, deep links, the main menu, /help, /cancel and the catch-alls."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup, Message

from db.models import Product, Provider, User
from tests.handlers.conftest import Telegram


def labels(message: Message) -> list[str]:
    markup = message.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup), f"no inline keyboard on {message.text!r}"
    return [button.text for row in markup.inline_keyboard for button in row]


async def test_start_greets_in_russian_with_the_main_menu(telegram: Telegram) -> None:
    anna = telegram.user()
    replies = await anna.send("/start")
    assert len(replies) == 1
    assert "Здравствуйте, Анна!" in (replies[0].text or "")
    menu = labels(replies[0])
    assert menu[0] == "🛍 Открыть магазин"
    assert {"👤 Профиль", "🌐 Язык", "❓ Помощь", "🔒 Конфиденциальность"} <= set(menu)
    button = replies[0].reply_markup.inline_keyboard[0][0]  # type: ignore[union-attr]
    assert button.web_app is not None and button.web_app.url == "https://bot.example.ru/app"
    user = await User.get(tg_id=anna.id)
    assert user.first_name == "Анна" and user.language_code == "ru"


async def test_english_client_gets_english(telegram: Telegram) -> None:
    replies = await telegram.user(2002, first_name="John", language_code="en").send("/start")
    assert "Hello, John!" in (replies[0].text or "")


async def test_unsupported_client_language_falls_back_to_russian(telegram: Telegram) -> None:
    replies = await telegram.user(2003, first_name="Hans", language_code="de").send("/start")
    assert "Здравствуйте, Hans!" in (replies[0].text or "")


async def test_names_are_escaped_in_html(telegram: Telegram) -> None:
    replies = await telegram.user(2004, first_name="<b>Eve</b>", language_code="en").send("/start")
    assert "Hello, <b>Eve</b>!" in (replies[0].text or "")


async def test_referral_link_credits_the_referrer(telegram: Telegram) -> None:
    await telegram.user(3001).send("/start")
    referrer = await User.get(tg_id=3001)
    await telegram.user(3002).send(f"/start ref_{referrer.pseudonym}")
    assert (await User.get(tg_id=3002)).referrer_id == referrer.id


async def test_product_and_provider_links(telegram: Telegram) -> None:
    shop = await Provider.create(slug="lavka", kind="shop", name="Лавка")
    product = await Product.create(provider=shop, sku="t1", title="Чайник", price=150000)
    anna = telegram.user()
    replies = await anna.send(f"/start p_{product.id}")
    assert "Чайник" in (replies[0].text or "") and "1\xa0500,00\xa0₽" in (replies[0].text or "")
    replies = await anna.send("/start s_lavka")
    assert "Добро пожаловать в <b>Лавка</b>" in (replies[0].html_text or "")


async def test_unknown_or_dead_payloads_are_harmless(telegram: Telegram) -> None:
    anna = telegram.user()
    for payload in ("p_424242", "s_nobody", "zzz", "ref_unknown"):
        replies = await anna.send(f"/start {payload}")
        assert len(replies) == 1 and "Здравствуйте" in (replies[0].text or "")
    assert "больше не действует" in ((await anna.send("/start p_1"))[0].text or "")


async def test_help_and_menu_navigation(telegram: Telegram) -> None:
    anna = telegram.user()
    await anna.send("/start")
    await anna.click("❓ Помощь")
    assert "Что я умею" in (anna.last_message.text or "")  # type: ignore[union-attr]
    await anna.click("⬅️ Меню")
    assert "Здравствуйте" in (anna.last_message.text or "")  # type: ignore[union-attr]
    replies = await anna.send("/help")
    assert "/delete_my_data" in (replies[0].text or "")


async def test_cancel_outside_and_inside_a_conversation(telegram: Telegram) -> None:
    anna = telegram.user()
    replies = await anna.send("/cancel")
    assert replies[0].text == "Нечего отменять."


async def test_unknown_text_and_unsupported_content(telegram: Telegram) -> None:
    anna = telegram.user()
    replies = await anna.send("как дела?")  # plain text is a catalog search
    assert "как дела?" in (replies[0].text or "") and len(replies) == 1
    replies = await anna.send("/nonexistent")
    assert "Не понял вас" in (replies[0].text or "")
    replies = await anna.send_location(55.75, 37.62)
    assert "не могу это использовать" in (replies[0].text or "")
