"""The student's homework: `/homework` lists it, a card opens it, an answer (text and files) is
collected and sent once; grades and materials shared with the student.

A double click on "Send" or a stale card is refused by services.homework (already submitted,
no longer exists) and told by handlers.errors.
"""

from __future__ import annotations

from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from core.config import Settings
from core.errors import DomainError
from core.i18n import gettext as _
from core.problems import explain
from db.models import HomeworkStatus, MaterialKind, User
from handlers.homework_texts import card, due_text, file_of, send_files
from handlers.provider_kit import edit
from keyboards import homework as kb
from keyboards.homework import StudentAction, StudentCB
from services import homework, materials
from services.events import ShopEvents
from services.homework import FileRef

SHOWN_GRADED = 5


class Answer(StatesGroup):
    """Collecting an answer to a homework."""

    collecting = State()


async def list_screen(student: User, zone: ZoneInfo) -> tuple[str, InlineKeyboardMarkup]:
    """Open homework first, then waiting, then the latest graded."""
    items = await homework.student_homework(student)
    open_ = [hw for hw in items if hw.status is HomeworkStatus.open]
    waiting = [hw for hw in items if hw.status is HomeworkStatus.submitted]
    graded = [hw for hw in items if hw.status is HomeworkStatus.graded][-SHOWN_GRADED:]
    if not items:
        return _("📝 You have no homework yet."), kb.student_list([])
    lines = [_("📝 <b>My homework</b>")]
    buttons = []
    for hw in open_:
        buttons.append((hw.id, f"📝 {kb.short(hw.text)} · {due_text(hw.due_at, zone)[:5]}"))
    for hw in waiting:
        buttons.append((hw.id, f"⏳ {kb.short(hw.text)}"))
    for hw in graded:
        buttons.append((hw.id, f"🎓 {kb.short(hw.text)}"))
    lines.append(
        _("Open: {open} · waiting for a grade: {waiting} · graded: {graded}").format(
            open=len(open_), waiting=len(waiting), graded=len(graded)
        )
    )
    return "\n".join(lines), kb.student_list(buttons)


async def homework_command(
    message: Message, user: User, settings: Settings, state: FSMContext
) -> None:
    """/homework: the list."""
    await state.clear()
    text, markup = await list_screen(user, ZoneInfo(settings.timezone))
    await message.answer(text, reply_markup=markup)


async def list_button(
    callback: CallbackQuery, user: User, settings: Settings, state: FSMContext
) -> None:
    """Back to the list."""
    await state.clear()
    await edit(callback, *await list_screen(user, ZoneInfo(settings.timezone)))


async def open_card(
    callback: CallbackQuery, callback_data: StudentCB, user: User, settings: Settings
) -> None:
    """One homework's card."""
    hw = await homework.student_homework_one(user, callback_data.id)
    text = card(hw, ZoneInfo(settings.timezone), who=hw.provider.name)
    markup = kb.student_card(hw.id, files=len(hw.files), open_=hw.status is HomeworkStatus.open)
    if isinstance(callback.message, Message):  # a new message: the list or notice stays
        await callback.message.answer(text, reply_markup=markup)


async def files_button(callback: CallbackQuery, callback_data: StudentCB, user: User) -> None:
    """Send the homework's files."""
    hw = await homework.student_homework_one(user, callback_data.id)
    if isinstance(callback.message, Message):
        await send_files(callback.message, hw.files)


async def start_answer(
    callback: CallbackQuery,
    callback_data: StudentCB,
    user: User,
    state: FSMContext,
    callback_answer: CallbackAnswer,
) -> None:
    """Begin collecting an answer to an open homework."""
    hw = await homework.student_homework_one(user, callback_data.id)
    if hw.status is not HomeworkStatus.open:
        callback_answer.text = explain(homework.AlreadySubmitted())
        callback_answer.show_alert = True
        return
    await state.set_state(Answer.collecting)
    await state.set_data({"homework_id": hw.id, "text": "", "files": []})
    if isinstance(callback.message, Message):
        await callback.message.answer(
            _(
                "Send your answer: text, photos or documents (up to {count} files, {size} MB "
                "each). Then press “Send for review”. /cancel to stop."
            ).format(count=homework.MAX_FILES, size=homework.MAX_FILE_SIZE // 2**20),
            reply_markup=kb.send_submission(hw.id),
        )


async def answer_text(message: Message, state: FSMContext) -> None:
    """Text of the answer (a second text is added to the first)."""
    data = await state.get_data()
    text = "\n".join(part for part in (data.get("text", ""), message.text or "") if part)
    if len(text) > homework.MAX_TEXT:
        await message.answer(
            _("That text is too long: at most {count} characters.").format(count=homework.MAX_TEXT)
        )
        return
    await state.update_data(text=text)
    await message.answer(
        _("Text saved. Add files, or press “Send for review”."),
        reply_markup=kb.send_submission(int(data["homework_id"])),
    )


async def answer_file(message: Message, state: FSMContext) -> None:
    """A photo or document of the answer, checked against the limits."""
    data = await state.get_data()
    ref = file_of(message)
    assert ref is not None
    files = list(data.get("files", []))
    try:
        homework.check_file(ref, len(files))
    except DomainError as error:
        await message.answer(explain(error))
        return
    files.append(ref.as_json())
    update: dict[str, Any] = {"files": files}
    if message.caption:
        update["text"] = "\n".join(p for p in (data.get("text", ""), message.caption) if p)
    await state.update_data(**update)
    await message.answer(
        _("File {count} added. Send more, or press “Send for review”.").format(count=len(files)),
        reply_markup=kb.send_submission(int(data["homework_id"])),
    )


async def answer_wrong(message: Message) -> None:
    """Stickers, voice, locations while an answer is collected."""
    await message.answer(_("Send text, a photo or a document for your answer, or /cancel."))


async def send_answer(
    callback: CallbackQuery,
    callback_data: StudentCB,
    user: User,
    state: FSMContext,
    shop_events: ShopEvents,
    callback_answer: CallbackAnswer,
) -> None:
    """Submit what was collected, once."""
    data = await state.get_data()
    if await state.get_state() != Answer.collecting.state or data.get("homework_id") != (
        callback_data.id
    ):
        # A stale button: the answer was sent already, or belongs to another homework.
        hw = await homework.student_homework_one(user, callback_data.id)
        callback_answer.text = (
            explain(homework.AlreadySubmitted())
            if hw.status is not HomeworkStatus.open
            else _("Press “Submit” on the homework first.")
        )
        callback_answer.show_alert = True
        return
    text = str(data.get("text", ""))
    files = [FileRef(**item) for item in data.get("files", [])]
    if not text.strip() and not files:
        callback_answer.text = _("Send your answer first: text or files.")
        callback_answer.show_alert = True
        return
    await state.clear()
    hw = await homework.submit(user, callback_data.id, text=text, files=files, events=shop_events)
    if isinstance(callback.message, Message):
        await callback.message.answer(
            _("✅ Sent for review: {title}. You will get a message when it is graded.").format(
                title=escape(kb.short(hw.text, 60))
            )
        )


async def materials_list(student: User) -> tuple[str, InlineKeyboardMarkup]:
    """Materials shared with the person, as buttons."""
    items = await materials.materials_for(student)
    text = (
        _("📚 <b>Materials</b>: press one to open it.")
        if items
        else _("📚 No materials have been shared with you yet.")
    )
    buttons = [(m.id, f"{'🔗' if m.kind is MaterialKind.link else '📄'} {m.title}") for m in items]
    return text, kb.student_materials(buttons)


async def materials_screen(callback: CallbackQuery, user: User) -> None:
    """The materials button of /homework."""
    await edit(callback, *await materials_list(user))


async def materials_command(message: Message, user: User) -> None:
    """/materials."""
    text, markup = await materials_list(user)
    await message.answer(text, reply_markup=markup)


async def open_material(callback: CallbackQuery, callback_data: StudentCB, user: User) -> None:
    """Send one material: the file, or the link."""
    material = await materials.material_for(user, callback_data.id)
    if not isinstance(callback.message, Message):
        return
    title = escape(material.title)
    if material.kind is MaterialKind.link and material.url:
        await callback.message.answer(f"🔗 {title}\n{escape(material.url)}")
    elif material.kind is MaterialKind.photo and material.file_id:
        await callback.message.answer_photo(material.file_id, caption=title[:1024])
    elif material.file_id:
        await callback.message.answer_document(material.file_id, caption=title[:1024])


def create_router() -> Router:
    """/homework, /materials and the student's buttons."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    msg, cbq = router.message, router.callback_query
    msg.register(homework_command, Command("homework"))
    msg.register(materials_command, Command("materials"))
    msg.register(answer_text, StateFilter(Answer.collecting), F.text)
    msg.register(answer_file, StateFilter(Answer.collecting), F.document | F.photo)
    msg.register(answer_wrong, StateFilter(Answer.collecting))
    cbq.register(list_button, StudentCB.filter(F.action == StudentAction.list))
    cbq.register(open_card, StudentCB.filter(F.action == StudentAction.open))
    cbq.register(files_button, StudentCB.filter(F.action == StudentAction.files))
    cbq.register(start_answer, StudentCB.filter(F.action == StudentAction.submit))
    cbq.register(send_answer, StudentCB.filter(F.action == StudentAction.send))
    cbq.register(materials_screen, StudentCB.filter(F.action == StudentAction.materials))
    cbq.register(open_material, StudentCB.filter(F.action == StudentAction.material))
    return router
