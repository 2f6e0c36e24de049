"""Forum topics in the emulator: createForumTopic, sending into a topic, users writing there."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest

from sandbox import TelegramEmulator


async def test_topics_are_created_and_messages_go_into_them(
    bot: Bot, emulator: TelegramEmulator
) -> None:
    anna = emulator.user(user_id=1001, first_name="Anna")
    forum = emulator.group(-1001, "Desk", members=[anna], forum=True)
    plain = emulator.group(-1002, "Plain", members=[anna])

    assert (await bot.get_chat(-1001)).is_forum
    assert not (await bot.get_chat(-1002)).is_forum
    topic = await bot.create_forum_topic(-1001, "#1 Anna")
    assert topic.name == "#1 Anna" and forum.topics == {topic.message_thread_id: "#1 Anna"}
    sent = await bot.send_message(-1001, "hello", message_thread_id=topic.message_thread_id)
    assert sent.message_thread_id == topic.message_thread_id and sent.is_topic_message
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(-1001, "lost", message_thread_id=999)
    with pytest.raises(TelegramBadRequest, match="not a forum"):
        await bot.create_forum_topic(-1002, "no")
    assert await bot.close_forum_topic(-1001, topic.message_thread_id)
    assert await bot.reopen_forum_topic(-1001, topic.message_thread_id)

    await anna.in_group(forum).send("from Anna", thread_id=topic.message_thread_id, wait=False)
    texts = [m.text for m in forum.in_topic(topic.message_thread_id) if m.text]
    assert texts == ["hello", "from Anna"]
    copied = await bot.copy_message(
        -1001, -1001, sent.message_id, message_thread_id=topic.message_thread_id
    )
    assert forum.in_topic(topic.message_thread_id)[-1].message_id == copied.message_id
    with pytest.raises(AssertionError):
        await anna.in_group(plain).send("x", thread_id=1, wait=False)
