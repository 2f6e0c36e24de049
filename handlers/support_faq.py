"""/faq for admins: list, add (question and answer in Russian, then in English), edit one text,
delete after a confirmation. Every text is validated by services.faq; a photo or a sticker
where text is expected is refused and asked again.
"""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from core.errors import InvalidInput, NotFound
from core.i18n import gettext as _
from db.models import FaqEntry
from handlers.admin_common import IsAdmin, show
from keyboards import support as kb
from keyboards.support import FaqAction, FaqAdminCB
from services import faq

ADD_STEPS = ("question_ru", "answer_ru", "question_en", "answer_en")


class FaqStates(StatesGroup):
    """Typing the texts of a new entry, or the new text of one field."""

    adding = State()
    editing = State()


def prompt(field: str) -> str:
    """What to type for a field."""
    return {
        "question_ru": _("Type the question in Russian (up to {max} characters)."),
        "answer_ru": _("Type the answer in Russian (up to {max} characters)."),
        "question_en": _("Type the question in English (up to {max} characters)."),
        "answer_en": _("Type the answer in English (up to {max} characters)."),
    }[field].format(max=faq.QUESTION_MAX if field.startswith("question") else faq.ANSWER_MAX)


def list_text(entries: list[FaqEntry]) -> str:
    """The /faq screen's heading."""
    if not entries:
        return _("<b>FAQ</b>\n\nNo questions yet. Add the first one.")
    return _("<b>FAQ</b>: {count} questions. Choose one to edit or delete.").format(
        count=len(entries)
    )


def entry_text(entry: FaqEntry) -> str:
    """One entry in both languages."""
    return (
        f"<b>#{entry.id}</b>\n\n🇷🇺 <b>{escape(entry.question_ru)}</b>\n{escape(entry.answer_ru)}"
        f"\n\n🇬🇧 <b>{escape(entry.question_en)}</b>\n{escape(entry.answer_en)}"
    )


async def faq_command(message: Message, state: FSMContext, locale: str) -> None:
    """/faq: every entry, and "Add"."""
    await state.clear()
    entries = await faq.list_entries()
    await message.answer(list_text(entries), reply_markup=kb.faq_list(entries, locale))


async def faq_list(callback: CallbackQuery, state: FSMContext, locale: str) -> None:
    """Back to the list."""
    await state.clear()
    entries = await faq.list_entries()
    await show(callback, list_text(entries), kb.faq_list(entries, locale))


async def faq_show(
    callback: CallbackQuery,
    callback_data: FaqAdminCB,
    state: FSMContext,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    """One entry with its actions (a deleted one: the list again)."""
    await state.clear()
    try:
        entry = await faq.get_entry(callback_data.entry_id)
    except NotFound:
        callback_answer.text = _("This question has been deleted.")
        await faq_list(callback, state, locale)
        return
    await show(callback, entry_text(entry), kb.faq_entry(entry.id))


async def faq_add(callback: CallbackQuery, state: FSMContext) -> None:
    """ "Add": ask the four texts one by one."""
    await state.set_state(FaqStates.adding)
    await state.set_data({"values": {}})
    if isinstance(callback.message, Message):
        await callback.message.answer(prompt(ADD_STEPS[0]) + "\n" + _("/cancel to stop."))


async def adding(message: Message, state: FSMContext, locale: str) -> None:
    """One text of a new entry; the last one saves it."""
    values: dict[str, str] = (await state.get_data()).get("values", {})
    field = next(step for step in ADD_STEPS if step not in values)
    try:
        values[field] = faq.clean_text(field, message.text)
    except InvalidInput:
        await message.answer(_("That does not fit.") + " " + prompt(field))
        return
    if len(values) < len(ADD_STEPS):
        await state.update_data(values=values)
        await message.answer(prompt(ADD_STEPS[len(values)]))
        return
    entry = await faq.add_entry(**values)
    await state.clear()
    await message.answer(
        _("✅ Question #{id} is added.").format(id=entry.id) + "\n\n" + entry_text(entry),
        reply_markup=kb.faq_entry(entry.id),
    )


async def faq_edit(callback: CallbackQuery, callback_data: FaqAdminCB, state: FSMContext) -> None:
    """Edit one text: ask for it."""
    entry = await faq.get_entry(callback_data.entry_id)
    if callback_data.field not in faq.FIELDS:
        raise NotFound(entity="faq")
    await state.set_state(FaqStates.editing)
    await state.set_data({"entry_id": entry.id, "field": callback_data.field})
    if isinstance(callback.message, Message):
        await callback.message.answer(prompt(callback_data.field) + "\n" + _("/cancel to stop."))


async def editing(message: Message, state: FSMContext) -> None:
    """The new text of the field being edited."""
    data = await state.get_data()
    try:
        entry = await faq.edit_entry(int(data["entry_id"]), str(data["field"]), message.text or "")
    except InvalidInput:
        await message.answer(_("That does not fit.") + " " + prompt(str(data["field"])))
        return
    await state.clear()
    await message.answer(
        _("✅ Saved.") + "\n\n" + entry_text(entry), reply_markup=kb.faq_entry(entry.id)
    )


async def not_text(message: Message) -> None:
    """A photo, a sticker, ... where a text is expected."""
    await message.answer(_("Please type it as text, or /cancel."))


async def faq_delete(callback: CallbackQuery, callback_data: FaqAdminCB) -> None:
    """Ask before deleting."""
    entry = await faq.get_entry(callback_data.entry_id)
    await show(
        callback,
        _("Delete question #{id}?").format(id=entry.id) + "\n\n" + entry_text(entry),
        kb.faq_delete(entry.id),
    )


async def faq_confirm_delete(
    callback: CallbackQuery,
    callback_data: FaqAdminCB,
    state: FSMContext,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    """Delete (once: a second click is told so)."""
    if await faq.delete_entry(callback_data.entry_id):
        callback_answer.text = _("Question #{id} is deleted.").format(id=callback_data.entry_id)
    else:
        callback_answer.text = _("This question has been deleted.")
    await faq_list(callback, state, locale)


def create_router() -> Router:
    """/faq: admins only."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private", IsAdmin())
    router.callback_query.filter(IsAdmin())
    router.message.register(faq_command, Command("faq"))
    router.message.register(adding, FaqStates.adding, F.text, ~F.text.startswith("/"))
    router.message.register(editing, FaqStates.editing, F.text, ~F.text.startswith("/"))
    router.message.register(not_text, FaqStates.adding, ~F.text)
    router.message.register(not_text, FaqStates.editing, ~F.text)
    router.callback_query.register(faq_list, FaqAdminCB.filter(F.action == FaqAction.list))
    router.callback_query.register(faq_show, FaqAdminCB.filter(F.action == FaqAction.show))
    router.callback_query.register(faq_add, FaqAdminCB.filter(F.action == FaqAction.add))
    router.callback_query.register(faq_edit, FaqAdminCB.filter(F.action == FaqAction.edit))
    router.callback_query.register(faq_delete, FaqAdminCB.filter(F.action == FaqAction.delete))
    router.callback_query.register(
        faq_confirm_delete, FaqAdminCB.filter(F.action == FaqAction.confirm_delete)
    )
    return router
