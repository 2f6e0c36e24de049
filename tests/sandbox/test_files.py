"""Photos and documents: uploads, photo sizes, getFile, downloads and file_id reuse."""

from __future__ import annotations

import io

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, InputMediaPhoto, MediaUnion, Message

from sandbox import ApiError, TelegramEmulator


async def download(bot: Bot, file_id: str) -> bytes:
    buffer = io.BytesIO()
    await bot.download(file_id, destination=buffer)
    return buffer.getvalue()


async def test_user_photo_reaches_the_bot_and_downloads(
    emulator: TelegramEmulator, bot: Bot, polling, make_png
) -> None:
    dp = Dispatcher()
    received: list[bytes] = []

    @dp.message(F.photo)
    async def photo(message: Message, bot: Bot) -> None:
        assert message.photo is not None
        received.append(await download(bot, message.photo[-1].file_id))
        sizes = [(size.width, size.height) for size in message.photo]
        await message.answer(f"sizes {sizes}, caption {message.caption}")

    data = make_png(1000, 500)
    user = emulator.user(1, "Anna")
    async with polling(dp, bot):
        replies = await user.send_photo(data, caption="my cat")
    assert received == [data]  # the largest size is the original
    assert replies[0].text == (
        "sizes [(90, 45), (320, 160), (800, 400), (1000, 500)], caption my cat"
    )


async def test_bot_upload_get_file_and_resend(
    emulator: TelegramEmulator, bot: Bot, make_png
) -> None:
    await emulator.user(1, "Anna").send("hi", wait=False)
    data = make_png(200, 100)
    sent = await bot.send_photo(1, BufferedInputFile(data, "small.png"), caption="<b>pic</b>")
    assert sent.photo is not None and [(p.width, p.height) for p in sent.photo] == [
        (90, 45),
        (200, 100),
    ]
    assert sent.caption_entities is not None and sent.caption_entities[0].type == "bold"
    largest = sent.photo[-1]
    file = await bot.get_file(largest.file_id)
    assert file.file_path and file.file_size == len(data)
    assert await download(bot, largest.file_id) == data

    again = await bot.send_photo(1, largest.file_id)
    assert again.photo is not None
    assert [p.file_unique_id for p in again.photo] == [p.file_unique_id for p in sent.photo]

    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_photo(1, "AgACnot-a-real-id")
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(1, BufferedInputFile(b"not an image", "x.png"))


async def test_documents(emulator: TelegramEmulator, bot: Bot) -> None:
    await emulator.user(1, "Anna").send("hi", wait=False)
    sent = await bot.send_document(1, BufferedInputFile(b"%PDF-1.4 fake", "invoice.pdf"))
    document = sent.document
    assert document is not None
    assert (document.file_name, document.mime_type) == ("invoice.pdf", "application/pdf")
    assert await download(bot, document.file_id) == b"%PDF-1.4 fake"
    with pytest.raises(TelegramBadRequest, match="can't use file of type Document as Photo"):
        await bot.send_photo(1, document.file_id)
    resent = await bot.send_document(1, document.file_id, caption="again")
    assert resent.document is not None and resent.document.file_id == document.file_id


async def test_user_document(emulator: TelegramEmulator, bot: Bot) -> None:
    user = emulator.user(1, "Anna")
    await user.send_document(b"a,b\n1,2\n", "table.csv", caption="data", wait=False)
    update = (await bot.get_updates())[-1]
    assert update.message is not None and update.message.document is not None
    assert update.message.document.mime_type == "text/csv"
    assert await download(bot, update.message.document.file_id) == b"a,b\n1,2\n"


async def test_media_group(emulator: TelegramEmulator, bot: Bot, make_png) -> None:
    await emulator.user(1, "Anna").send("hi", wait=False)
    album: list[MediaUnion] = [
        InputMediaPhoto(media=BufferedInputFile(make_png(color=c), f"{c}.png"), caption=c)
        for c in ("red", "green")
    ]
    messages = await bot.send_media_group(1, album)
    assert [m.caption for m in messages] == ["red", "green"]
    assert len({m.media_group_id for m in messages}) == 1
    with pytest.raises(TelegramBadRequest, match="2-10"):
        await bot.send_media_group(1, album[:1])


async def test_file_route_checks_the_token(
    api_base: str, emulator: TelegramEmulator, bot: Bot
) -> None:
    import aiohttp

    await emulator.user(1, "Anna").send("hi", wait=False)
    sent = await bot.send_document(1, BufferedInputFile(b"secret", "s.txt"))
    assert sent.document is not None
    path = (await bot.get_file(sent.document.file_id)).file_path
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{api_base}/file/bot1:WRONG/{path}") as response:
            assert response.status == 401
        async with http.get(f"{api_base}/file/bot{bot.token}/../../etc/passwd") as response:
            assert response.status == 404


async def test_emulator_download_and_lenient_user_photos(
    emulator: TelegramEmulator, bot: Bot
) -> None:
    user = emulator.user(1, "Anna")
    await user.send_photo(b"not an image, but a test may send it", wait=False)
    photo = user.messages[-1].photo
    assert photo is not None and len(photo) == 3  # placeholder sizes
    sent = await bot.send_document(1, BufferedInputFile(b'{"a": 1}', "data.json"))
    assert sent.document is not None
    assert await emulator.download(bot.token, sent.document.file_id) == b'{"a": 1}'
    with pytest.raises(ApiError, match="invalid file_id"):
        await emulator.download(bot.token, "nope")
