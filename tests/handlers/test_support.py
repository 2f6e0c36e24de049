"""Support through the fake Telegram: the FAQ first, then a ticket relayed to the support group
(a forum: one topic per ticket; a plain group: reply threads), answers back, refusals of
non-agents, closing with a rating, the SLA reminder when the clock moves, and /faq."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from db.models import (
    FaqEntry,
    FaqFeedback,
    Job,
    JobState,
    Role,
    Ticket,
    TicketMessage,
    TicketStatus,
    User,
)
from sandbox import SandboxGroup
from services import faq, users
from tests.handlers.admin_support import ADMIN_ID, make_settings
from tests.handlers.conftest import Telegram, labels, text_of
from tests.handlers.customer_data import make_product, make_shop
from tests.handlers.test_customer_orders import place

__all__ = ["make_settings"]

SUPPORT_CHAT = -1001234567890
AGENT_ID = 777
STRANGER_ID = 778
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


@pytest.fixture
def telegram_settings() -> dict[str, Any]:
    return {"support_chat_id": SUPPORT_CHAT, "support_sla_minutes": 30}


async def delivery_faq() -> FaqEntry:
    await faq.add_entry(
        "Как сменить язык бота?",
        "Команда /language.",
        "How do I switch the language?",
        "The /language command.",
    )
    return await faq.add_entry(
        "Сколько стоит доставка?",
        "Стоимость доставки задаёт магазин, она видна в корзине.",
        "How much is delivery?",
        "Each shop sets its delivery fee; you see it in the cart.",
    )


def group_with_people(telegram: Telegram, *, forum: bool) -> tuple[SandboxGroup, Any, Any]:
    agent = telegram.user(AGENT_ID, first_name="Agent", language_code="en")
    stranger = telegram.user(STRANGER_ID, first_name="Stranger", language_code="en")
    group = telegram.emulator.group(SUPPORT_CHAT, "Support", members=[agent, stranger], forum=forum)
    return group, agent.in_group(group), stranger.in_group(group)


async def test_faq_first_then_a_ticket_in_a_forum_topic_answered_closed_and_rated(
    telegram: Telegram,
) -> None:
    entry = await delivery_faq()
    group, agent, stranger = group_with_people(telegram, forum=True)
    await users.grant_role(AGENT_ID, Role.support)
    anna = telegram.user(1001, first_name="Anna", language_code="en")
    await anna.send("/start")

    await anna.click("✉️ Write to support")
    assert "Describe your question" in text_of(anna.last_message)
    replies = await anna.send("what is the price of delivery?")
    offer = replies[-1]
    assert text_of(offer) == "Maybe one of these answers helps:"
    assert labels(offer)[0] == "How much is delivery?"
    assert labels(offer)[-1] == "✍️ No, write to a person"

    await anna.click("How much is delivery?", offer)
    assert "Each shop sets its delivery fee" in text_of(anna.last_message)
    assert "Did this help?" in text_of(anna.last_message)
    await anna.click("✍️ No, write to a person")
    assert await FaqFeedback.filter(entry_id=entry.id, helpful=False).count() == 1
    ticket = await Ticket.get(user__tg_id=1001)
    assert ticket.status is TicketStatus.open and ticket.thread_id is not None
    assert f"Request #{ticket.id} is sent to support" in text_of(anna.last_message)
    assert group.topics[ticket.thread_id].startswith(f"#{ticket.id} Anna")
    topic = group.in_topic(ticket.thread_id)
    header = next(m for m in topic if m.text and "Обращение №" in m.text)  # agents: ru
    assert "Язык: en" in header.text  # type: ignore[operator]
    assert topic[-1].text == "what is the price of delivery?"
    assert await Job.filter(key=f"support.sla:{ticket.id}", state=JobState.pending).exists()

    # More messages, a photo and a file, go to the same topic.
    await anna.send("I live far away")
    await anna.send_photo(PNG, caption="my address")
    await anna.send_document(b"%PDF-1.4", "receipt.pdf")
    topic = group.in_topic(ticket.thread_id)
    assert topic[-3].text == "I live far away"
    assert topic[-2].photo and topic[-2].caption == "my address"
    assert topic[-1].document and topic[-1].document.file_name == "receipt.pdf"
    assert await TicketMessage.filter(ticket_id=ticket.id, direction="user").count() == 4

    # /tickets in the agent's private chat lists it as waiting for an agent.
    listing = (await telegram.user(AGENT_ID, language_code="en").send("/tickets"))[-1]
    assert "Open tickets: 1" in text_of(listing)
    assert f"#{ticket.id} · 🟡 waits for an agent · Anna · " in text_of(listing)

    # Someone in the group who is not an agent: refused, nothing reaches Anna.
    before = len(anna.messages)
    await stranger.send("I can help!", thread_id=ticket.thread_id)
    assert "Only support agents answer tickets" in text_of(group.last_message)  # in their language
    assert len(anna.messages) == before

    # The agent answers in the topic: Anna gets it, with Reply and Problem solved.
    await agent.send("Delivery to you costs 300 ₽.", thread_id=ticket.thread_id)
    answer = anna.last_message
    assert text_of(answer) == "Delivery to you costs 300 ₽."
    assert labels(answer) == ["↩️ Reply", "✅ Problem solved"]
    assert (await Ticket.get(id=ticket.id)).status is TicketStatus.waiting_user
    assert await Job.filter(key=f"support.sla:{ticket.id}", state=JobState.cancelled).exists()
    await agent.send_photo(PNG, caption="the map", thread_id=ticket.thread_id)
    assert anna.last_message is not None and anna.last_message.photo

    # The agent closes; Anna rates once.
    await agent.send("/close", thread_id=ticket.thread_id)
    assert (await Ticket.get(id=ticket.id)).status is TicketStatus.closed
    assert labels(anna.last_message) == ["⭐", "⭐⭐", "⭐⭐⭐", "⭐⭐⭐⭐", "⭐⭐⭐⭐⭐"]
    rating = anna.last_message
    await anna.click("⭐⭐⭐⭐", rating)
    await anna.click("⭐", rating)  # a second press of the stale keyboard
    assert anna.callback_answers[-1].text == "You have already rated this request."
    assert (await Ticket.get(id=ticket.id)).csat == 4
    assert "Клиент оценил обращение" in text_of(group.last_message)

    # A new message to the closed ticket (Anna is still in its conversation) reopens it.
    await anna.send("One more question")
    assert f"request #{ticket.id} is open again" in text_of(anna.last_message)
    assert (await Ticket.get(id=ticket.id)).status is TicketStatus.open
    assert group.in_topic(ticket.thread_id)[-1].text == "One more question"


async def test_reply_threads_in_a_plain_group_and_the_sla_reminder(telegram: Telegram) -> None:
    group, agent, stranger = group_with_people(telegram, forum=False)
    await users.grant_role(AGENT_ID, Role.support)
    boris = telegram.user(1002, first_name="Boris", language_code="ru")
    await boris.send("/start")
    await boris.click("✉️ Написать в поддержку")
    await boris.send("Где мой заказ? Жду уже неделю")  # no FAQ: straight to a person
    ticket = await Ticket.get(user__tg_id=1002)
    assert ticket.header_message_id is not None and ticket.thread_id is None
    relayed = group.messages[-1]
    assert relayed.text == "Где мой заказ? Жду уже неделю"
    assert relayed.reply_to_message is not None
    assert relayed.reply_to_message.message_id == ticket.header_message_id

    # The clock moves past the SLA: the agents are reminded once, under the ticket.
    runner = telegram.services.jobs
    await runner.run_due(now=datetime.now(UTC) + timedelta(minutes=10))
    assert group.messages[-1].message_id == relayed.message_id  # not yet
    await runner.run_due(now=datetime.now(UTC) + timedelta(minutes=31))
    reminder = group.last_message
    assert reminder is not None and f"Обращение №{ticket.id} ждёт ответа" in text_of(reminder)
    assert reminder.reply_to_message is not None
    await runner.run_due(now=datetime.now(UTC) + timedelta(minutes=90))
    assert group.last_message == reminder  # once

    # A non-agent's reply is refused; the agent's reply reaches Boris.
    await stranger.send("hm", reply_to=relayed.message_id)
    assert "Only support agents answer tickets" in text_of(group.last_message)  # in their language
    await agent.send("Ваш заказ в пути.", reply_to=relayed.message_id)
    answer = boris.last_message
    assert text_of(answer) == "Ваш заказ в пути."
    # Boris leaves the conversation, then replies to the answer: it still goes to the ticket.
    await boris.send("/cancel")
    await boris.send("Спасибо!", reply_to=answer.message_id)  # type: ignore[union-attr]
    assert group.messages[-1].text == "Спасибо!"
    assert (await Ticket.get(id=ticket.id)).status is TicketStatus.open

    # Boris closes it himself and rates it.
    await boris.click("✅ Проблема решена", answer)
    assert (await Ticket.get(id=ticket.id)).status is TicketStatus.closed
    await boris.click("⭐⭐⭐⭐⭐")
    assert (await Ticket.get(id=ticket.id)).csat == 5

    # /tickets: agents only.
    agent_chat = telegram.user(AGENT_ID, language_code="en")
    replies = await agent_chat.send("/tickets")
    assert "No open tickets" in text_of(replies[-1])
    replies = await telegram.user(STRANGER_ID, language_code="en").send("/tickets")
    assert "did not understand" in text_of(replies[-1])


async def test_admin_keeps_the_faq_in_chat(telegram: Telegram) -> None:
    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    await root.send("/start")
    replies = await root.send("/faq")
    assert "No questions yet" in text_of(replies[-1])
    await root.click("➕ Add a question")
    assert "question in Russian" in text_of(root.last_message)
    replies = await root.send_photo(PNG)
    assert text_of(replies[-1]) == "Please type it as text, or /cancel."
    replies = await root.send("Сколько стоит доставка?")
    assert "answer in Russian" in text_of(replies[-1])
    replies = await root.send("x" * 1501)
    assert text_of(replies[-1]).startswith("That does not fit.")
    await root.send("Зависит от магазина.")
    await root.send("How much is delivery?")
    replies = await root.send("It depends on the shop.")
    entry = await FaqEntry.get()
    assert f"Question #{entry.id} is added" in text_of(replies[-1])
    assert entry.answer_en == "It depends on the shop."

    await root.click("✏️ Answer (en)")
    await root.send("Each shop sets its own fee.")
    assert (await FaqEntry.get(id=entry.id)).answer_en == "Each shop sets its own fee."
    await root.click("🗑 Delete")
    screen = root.last_message
    await root.click("🗑 Yes, delete", screen)
    await root.click("🗑 Yes, delete", screen)  # a double click
    assert root.callback_answers[-1].text == "This question has been deleted."
    assert await FaqEntry.all().count() == 0

    # Not an admin: /faq is not revealed.
    replies = await telegram.user(1003, first_name="Eve").send("/faq")
    assert "No questions" not in text_of(replies[-1])


async def test_writing_about_an_order_carries_it_to_the_agents(telegram: Telegram) -> None:
    group, _agent, _stranger = group_with_people(telegram, forum=False)
    ann = telegram.user(1004, first_name="Ann", language_code="en")
    await ann.send("/start")
    tea = await make_product(await make_shop(), "Green tea", 15000, stock=10)
    order = await place(await User.get(tg_id=1004), tea, 2)

    replies = await ann.click("📦 My orders")
    await ann.click(labels(replies[0])[0])
    replies = await ann.click("✉️ Write to support")
    assert f"About order #{order.id}." in text_of(replies[-1])
    await ann.send_document(b"%PDF-1.4", "check.pdf", caption="wrong item")  # no FAQ: a file
    ticket = await Ticket.get(user__tg_id=1004)
    assert ticket.order_id == order.id and ticket.subject == "wrong item"  # type: ignore[attr-defined]
    assert [o["id"] for o in ticket.context["orders"]] == [order.id]
    header = next(m for m in group.messages if m.message_id == ticket.header_message_id)
    assert f"По заказу №{order.id}" in text_of(header) and f"#{order.id} · " in text_of(header)
    relayed = group.messages[-1]
    assert relayed.document is not None and relayed.document.file_name == "check.pdf"
    assert relayed.reply_to_message is not None
    assert relayed.reply_to_message.message_id == ticket.header_message_id


async def test_an_unreachable_support_group_is_told_and_nothing_is_left_open(
    telegram: Telegram,
) -> None:
    # SUPPORT_CHAT_ID names a group the bot is not in (no emulator group created).
    lena = telegram.user(1005, first_name="Lena", language_code="en")
    await lena.send("/start")
    await lena.click("✉️ Write to support")
    replies = await lena.send("Nobody answers my calls")
    assert text_of(replies[-1]) == "Support cannot be reached right now. Please try again later."
    ticket = await Ticket.get(user__tg_id=1005)
    assert ticket.status is TicketStatus.closed
    assert await Job.filter(key=f"support.sla:{ticket.id}", state=JobState.pending).count() == 0
    replies = await lena.send("hello?")  # out of the conversation: plain text searches again
    assert "Support cannot be reached" not in text_of(replies[-1])


async def test_an_faq_answer_that_helped_is_recorded_once_and_opens_no_ticket(
    telegram: Telegram,
) -> None:
    entry = await delivery_faq()
    mia = telegram.user(1006, first_name="Мия")
    await mia.send("/start")
    await mia.click("✉️ Написать в поддержку")
    replies = await mia.send("доствка платная?")  # a typo
    assert labels(replies[-1])[0] == "Сколько стоит доставка?"
    await mia.click("Сколько стоит доставка?")
    answer = mia.last_message
    assert "Стоимость доставки задаёт магазин" in text_of(answer)
    await mia.click("👍 Да, спасибо", answer)
    assert "👍 Рады, что помогло!" in text_of(mia.last_message)
    await mia.click("👍 Да, спасибо", answer)  # a double click
    assert mia.callback_answers[-1].text == "Спасибо, уже отмечено."
    rows = await FaqFeedback.all().values_list("entry_id", "helpful", "query")
    assert rows == [(entry.id, True, "доствка платная?")]
    assert not await Ticket.exists()
