"""The tutor's homework and materials: `/tutor_homework` (or the `/tutor` menu's button).

Assigning is a conversation: the student (a known one by button, or @username / Telegram id),
the task text, files (photos and documents within the limits), the due time in the bot's time
zone, an optional checklist, then a confirmation. Submissions are graded 1–5 or pass/fail with
an optional comment. Materials are a file or a link shared with one student or all of them.

Every button names its tutor provider and is re-checked against the person's ownership; what
the services refuse (a grade given twice, a homework deleted meanwhile) is told by
handlers.errors.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject
from aiogram.utils.callback_answer import CallbackAnswer

from core.config import Settings
from core.errors import DomainError
from core.i18n import gettext as _
from core.problems import explain
from db.models import GradeKind, HomeworkStatus, Provider, User
from handlers.homework_texts import card, due_text, file_of, send_files
from handlers.provider_kit import edit
from keyboards import homework as kb
from keyboards.homework import FAIL, PASS, TutorAction, TutorCB
from services import homework, materials
from services.events import ShopEvents
from services.homework import FileRef


class AssignHomework(StatesGroup):
    """The assign-homework conversation."""

    student = State()
    text = State()
    files = State()
    due = State()
    checklist = State()
    confirm = State()


class GradeComment(StatesGroup):
    """The optional comment after a grade button."""

    comment = State()


class ChangeDue(StatesGroup):
    """A new due time for an open homework."""

    due = State()


class ShareMaterial(StatesGroup):
    """Sharing a material: whom with, then the file or link."""

    student = State()
    content = State()


class TutorOwner(Filter):
    """Passes people who own a tutor provider and hands `tutors` to the handler."""

    async def __call__(self, event: TelegramObject, user: User | None = None) -> Any:
        """The owned tutor providers as handler data, or False."""
        if user is None:
            return False
        tutors = await homework.tutors_of(user)
        return {"tutors": tutors} if tutors else False


def _name(person: User) -> str:
    name = person.full_name or person.pseudonym
    return f"{name} (@{person.username})" if person.username else name


async def menu_screen(provider: Provider) -> tuple[str, InlineKeyboardMarkup]:
    """The homework menu of one tutor."""
    waiting = await homework.tutor_homework(provider, [HomeworkStatus.submitted])
    text = _("📚 <b>Homework and materials</b> · {tutor}").format(tutor=escape(provider.name))
    return text, kb.tutor_menu(provider.id, len(waiting))


async def tutor_homework_command(
    message: Message, tutors: list[Provider], state: FSMContext
) -> None:
    """/tutor_homework: the menu of the person's (first) tutor profile."""
    await state.clear()
    text, markup = await menu_screen(tutors[0])
    await message.answer(text, reply_markup=markup)


async def not_a_tutor(message: Message) -> None:
    """/tutor_homework from someone without a tutor profile."""
    await message.answer(_("Homework is for tutors. Ask the administrator to create your profile."))


async def menu_button(
    callback: CallbackQuery, callback_data: TutorCB, user: User, state: FSMContext
) -> None:
    """The menu (also "Back")."""
    await state.clear()
    provider = await homework.tutor_of(user, callback_data.provider_id)
    await edit(callback, *await menu_screen(provider))


# Assigning ----------------------------------------------------------------------------------


async def start_assign(
    callback: CallbackQuery, callback_data: TutorCB, user: User, state: FSMContext
) -> None:
    """Ask whom the homework is for."""
    provider = await homework.tutor_of(user, callback_data.provider_id)
    students = await homework.known_students(provider)
    await state.set_state(AssignHomework.student)
    await state.set_data({"provider_id": provider.id, "files": []})
    text = _(
        "Who is the homework for? Pick a student, or send their @username or Telegram id "
        "(they must have started the bot)."
    )
    if isinstance(callback.message, Message):
        await callback.message.answer(
            text, reply_markup=kb.pick_student(provider.id, [(s.id, _name(s)) for s in students])
        )


async def _ask_text(message: Message, state: FSMContext, student: User) -> None:
    await state.update_data(student_id=student.id)
    await state.set_state(AssignHomework.text)
    await message.answer(
        _("Homework for {student}. Send the task text.").format(student=escape(_name(student)))
    )


async def _typed_student(message: Message) -> User | None:
    """The person typed as @username or Telegram id; None (told why) keeps the question."""
    try:
        return await homework.find_student(message.text or "")
    except DomainError as error:
        await message.answer(explain(error) + "\n" + _("Send it again, or /cancel."))
        return None


async def student_typed(message: Message, state: FSMContext) -> None:
    """A student by @username or Telegram id."""
    if (student := await _typed_student(message)) is not None:
        await _ask_text(message, state, student)


async def student_picked(
    callback: CallbackQuery, callback_data: TutorCB, state: FSMContext
) -> None:
    """A known student's button, in the assign or the share conversation."""
    student = await homework.student_by_id(callback_data.id)
    if not isinstance(callback.message, Message):
        return
    current = await state.get_state()
    if current == AssignHomework.student.state:
        await _ask_text(callback.message, state, student)
    elif current == ShareMaterial.student.state:
        await _ask_material(callback.message, state, student)


async def text_given(message: Message, state: FSMContext) -> None:
    """The task text; then files."""
    text = (message.text or "").strip()
    if len(text) > homework.MAX_TEXT:
        await message.answer(
            _("That text is too long: at most {count} characters.").format(count=homework.MAX_TEXT)
        )
        return
    data = await state.update_data(text=text)
    await state.set_state(AssignHomework.files)
    await message.answer(
        _(
            "Attach files for the task: photos or documents, up to {count}, {size} MB each. "
            "Press “Next” when done (or if there are none)."
        ).format(count=homework.MAX_FILES, size=homework.MAX_FILE_SIZE // 2**20),
        reply_markup=kb.one_button(_("➡️ Next"), TutorAction.files_done, data["provider_id"]),
    )


async def text_wrong(message: Message) -> None:
    """Anything but text when the task text is expected."""
    await message.answer(_("Send the task text first; files come next. Or /cancel."))


async def file_given(message: Message, state: FSMContext) -> None:
    """A photo or document for the task, within the limits."""
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
    await state.update_data(files=files)
    await message.answer(
        _("File {count} added. Send more, or press “Next”.").format(count=len(files)),
        reply_markup=kb.one_button(_("➡️ Next"), TutorAction.files_done, data["provider_id"]),
    )


async def files_wrong(message: Message, state: FSMContext) -> None:
    """Text or anything else while files are expected."""
    data = await state.get_data()
    await message.answer(
        _("Send a photo or a document, or press “Next”."),
        reply_markup=kb.one_button(_("➡️ Next"), TutorAction.files_done, data["provider_id"]),
    )


async def files_done(
    callback: CallbackQuery, state: FSMContext, settings: Settings, callback_answer: CallbackAnswer
) -> None:
    """Ask for the due time."""
    if await state.get_state() != AssignHomework.files.state:
        callback_answer.text = _("This step is over. Start again from the menu.")
        return
    await state.set_state(AssignHomework.due)
    if isinstance(callback.message, Message):
        await callback.message.answer(
            _(
                "When is it due? Send a date and time like 25.12 18:00 or 25.12.2026 18:00 "
                "(time zone {zone}); a date alone means the end of that day."
            ).format(zone=settings.timezone)
        )


async def due_given(message: Message, state: FSMContext, settings: Settings) -> None:
    """The due time, validated; then the checklist."""
    due = homework.parse_due(message.text or "", ZoneInfo(settings.timezone))
    if due is None:
        await message.answer(
            _("I cannot read that date. Send it like 25.12 18:00 or 25.12.2026, or /cancel.")
        )
        return
    if due <= homework.utc_now():
        await message.answer(_("The due time must be in the future."))
        return
    data = await state.update_data(due_at=due.isoformat())
    await state.set_state(AssignHomework.checklist)
    await message.answer(
        _("Add a checklist: send the tasks, one per line. Or press “Skip”."),
        reply_markup=kb.one_button(_("Skip"), TutorAction.skip_checklist, data["provider_id"]),
    )


async def _confirm(message: Message, state: FSMContext, settings: Settings) -> None:
    data = await state.get_data()
    await state.set_state(AssignHomework.confirm)
    student = await homework.student_by_id(int(data["student_id"]))
    due = homework.parse_iso(data["due_at"])
    lines = [
        _("<b>Assign this homework?</b>"),
        _("Student: {student}").format(student=escape(_name(student))),
        _("Due: {due}").format(due=due_text(due, ZoneInfo(settings.timezone))),
        _("Files: {count}").format(count=len(data.get("files", []))),
        "",
        escape(str(data["text"])[:2500]),
    ]
    if data.get("checklist"):
        lines += [""] + [f"☐ {escape(task)}" for task in data["checklist"]]
    await message.answer(
        "\n".join(lines)[:4096],
        reply_markup=kb.one_button(_("✅ Assign"), TutorAction.confirm, int(data["provider_id"])),
    )


async def checklist_given(message: Message, state: FSMContext, settings: Settings) -> None:
    """The checklist, one task per line (checked by the service's limits)."""
    tasks = homework.checked_checklist((message.text or "").splitlines())
    await state.update_data(checklist=tasks)
    await _confirm(message, state, settings)


async def checklist_skipped(
    callback: CallbackQuery, state: FSMContext, settings: Settings, callback_answer: CallbackAnswer
) -> None:
    """No checklist."""
    if await state.get_state() != AssignHomework.checklist.state:
        callback_answer.text = _("This step is over. Start again from the menu.")
        return
    await state.update_data(checklist=[])
    if isinstance(callback.message, Message):
        await _confirm(callback.message, state, settings)


async def confirm_assign(
    callback: CallbackQuery,
    callback_data: TutorCB,
    user: User,
    state: FSMContext,
    shop_events: ShopEvents,
    callback_answer: CallbackAnswer,
) -> None:
    """Assign once: the conversation ends before the service is called, so a double click
    finds it over."""
    data = await state.get_data()
    if await state.get_state() != AssignHomework.confirm.state:
        callback_answer.text = _("This homework is already assigned, or the step is over.")
        callback_answer.show_alert = True
        return
    await state.clear()
    provider = await homework.tutor_of(user, callback_data.provider_id)
    student = await homework.student_by_id(int(data["student_id"]))
    hw = await homework.assign(
        provider,
        student,
        text=str(data["text"]),
        due_at=homework.parse_iso(data["due_at"]),
        files=[FileRef(**item) for item in data.get("files", [])],
        checklist=list(data.get("checklist", [])),
        actor=user,
        events=shop_events,
    )
    if isinstance(callback.message, Message):
        text, markup = await menu_screen(provider)
        await callback.message.answer(
            _("✅ Homework #{number} is assigned to {student}; they have been told.").format(
                number=hw.id, student=escape(_name(student))
            )
            + "\n\n"
            + text,
            reply_markup=markup,
        )


# Submissions and grades -------------------------------------------------------------------


async def _list(
    callback: CallbackQuery, provider: Provider, statuses: list[HomeworkStatus], title: str
) -> None:
    items = await homework.tutor_homework(provider, statuses)
    icons = {
        HomeworkStatus.open: "📝",
        HomeworkStatus.submitted: "📥",
        HomeworkStatus.graded: "🎓",
    }
    buttons = [
        (
            hw.id,
            f"{icons[hw.status]} #{hw.id} {kb.short(hw.student.full_name, 14)} · "
            f"{kb.short(hw.text, 18)}",
        )
        for hw in items
    ]
    text = title if items else title + "\n\n" + _("Nothing here yet.")
    await edit(callback, text, kb.homework_list(provider.id, buttons))


async def submissions(callback: CallbackQuery, callback_data: TutorCB, user: User) -> None:
    """Homework submitted and waiting for a grade."""
    provider = await homework.tutor_of(user, callback_data.provider_id)
    await _list(callback, provider, [HomeworkStatus.submitted], _("📥 <b>To grade</b>"))


async def all_homework(callback: CallbackQuery, callback_data: TutorCB, user: User) -> None:
    """The latest homework of every status."""
    provider = await homework.tutor_of(user, callback_data.provider_id)
    await _list(callback, provider, [], _("📋 <b>All homework</b>"))


async def open_homework(
    callback: CallbackQuery, callback_data: TutorCB, user: User, settings: Settings
) -> None:
    """A homework's card with the answer and, when submitted, the grade buttons."""
    provider = await homework.tutor_of(user, callback_data.provider_id)
    hw = await homework.tutor_homework_one(provider, callback_data.id)
    files = len(hw.files) + (len(hw.submission.files) if hw.submission else 0)
    markup = kb.tutor_card(
        provider.id,
        hw.id,
        files=files,
        gradable=hw.status is HomeworkStatus.submitted,
        movable=hw.status is HomeworkStatus.open,
    )
    text = card(hw, ZoneInfo(settings.timezone), who=_name(hw.student))
    if isinstance(callback.message, Message):
        await callback.message.answer(text, reply_markup=markup)


async def homework_files(callback: CallbackQuery, callback_data: TutorCB, user: User) -> None:
    """The task's files, then the answer's."""
    provider = await homework.tutor_of(user, callback_data.provider_id)
    hw = await homework.tutor_homework_one(provider, callback_data.id)
    if isinstance(callback.message, Message):
        await send_files(callback.message, hw.files)
        if hw.submission is not None and hw.submission.files:
            await callback.message.answer(_("The student's files:"))
            await send_files(callback.message, hw.submission.files)


async def grade_pressed(
    callback: CallbackQuery,
    callback_data: TutorCB,
    user: User,
    state: FSMContext,
    callback_answer: CallbackAnswer,
) -> None:
    """A grade button: ask for an optional comment (the grade is given after it)."""
    provider = await homework.tutor_of(user, callback_data.provider_id)
    hw = await homework.tutor_homework_one(provider, callback_data.id)
    if hw.status is not HomeworkStatus.submitted:
        callback_answer.text = explain(homework.NotSubmitted(status=str(hw.status)))
        callback_answer.show_alert = True
        return
    await state.set_state(GradeComment.comment)
    await state.set_data(
        {"provider_id": provider.id, "homework_id": hw.id, "value": callback_data.value}
    )
    if isinstance(callback.message, Message):
        await callback.message.answer(
            _("Add a comment for the student, or press “No comment”."),
            reply_markup=kb.one_button(_("No comment"), TutorAction.skip_comment, provider.id),
        )


async def _give_grade(
    message: Message, state: FSMContext, user: User, comment: str, events: ShopEvents
) -> None:
    data = await state.get_data()
    await state.clear()
    provider = await homework.tutor_of(user, int(data["provider_id"]))
    value = int(data["value"])
    if value in (PASS, FAIL):
        kind, score = GradeKind.pass_fail, int(value == PASS)
    else:
        kind, score = GradeKind.score, value
    hw = await homework.grade(
        provider,
        int(data["homework_id"]),
        kind=kind,
        score=score,
        comment=comment,
        actor=user,
        events=events,
    )
    await message.answer(
        _("🎓 Homework #{number} is graded; the student has been told.").format(number=hw.id),
        reply_markup=kb.one_button(_("⬅️ Back"), TutorAction.menu, provider.id),
    )


async def comment_given(
    message: Message, state: FSMContext, user: User, shop_events: ShopEvents
) -> None:
    """The comment, then the grade."""
    comment = (message.text or "").strip()
    if len(comment) > homework.MAX_COMMENT:
        await message.answer(
            _("That text is too long: at most {count} characters.").format(
                count=homework.MAX_COMMENT
            )
        )
        return
    await _give_grade(message, state, user, comment, shop_events)


async def comment_wrong(message: Message) -> None:
    """Anything but text as a comment."""
    await message.answer(_("Send the comment as text, or press “No comment”."))


async def comment_skipped(
    callback: CallbackQuery,
    state: FSMContext,
    user: User,
    shop_events: ShopEvents,
    callback_answer: CallbackAnswer,
) -> None:
    """Grade without a comment."""
    if await state.get_state() != GradeComment.comment.state:
        callback_answer.text = _("This step is over. Start again from the menu.")
        return
    if isinstance(callback.message, Message):
        await _give_grade(callback.message, state, user, "", shop_events)


async def ask_new_due(
    callback: CallbackQuery,
    callback_data: TutorCB,
    user: User,
    state: FSMContext,
    settings: Settings,
) -> None:
    """Ask for a new due time of an open homework."""
    provider = await homework.tutor_of(user, callback_data.provider_id)
    hw = await homework.tutor_homework_one(provider, callback_data.id)
    await state.set_state(ChangeDue.due)
    await state.set_data({"provider_id": provider.id, "homework_id": hw.id})
    if isinstance(callback.message, Message):
        await callback.message.answer(
            _(
                "Homework #{number} is due {due}. Send the new due time like 25.12 18:00 "
                "(time zone {zone}), or /cancel."
            ).format(
                number=hw.id,
                due=due_text(hw.due_at, ZoneInfo(settings.timezone)),
                zone=settings.timezone,
            )
        )


async def new_due_given(
    message: Message, state: FSMContext, user: User, settings: Settings
) -> None:
    """Move the due time; the reminders move with it."""
    zone = ZoneInfo(settings.timezone)
    due = homework.parse_due(message.text or "", zone)
    if due is None:
        await message.answer(
            _("I cannot read that date. Send it like 25.12 18:00 or 25.12.2026, or /cancel.")
        )
        return
    data = await state.get_data()
    provider = await homework.tutor_of(user, int(data["provider_id"]))
    hw = await homework.change_due(provider, int(data["homework_id"]), due)
    await state.clear()
    await message.answer(
        _("📅 Homework #{number} is now due {due}; the reminders moved with it.").format(
            number=hw.id, due=due_text(hw.due_at, zone)
        ),
        reply_markup=kb.one_button(_("⬅️ Back"), TutorAction.menu, provider.id),
    )


async def ask_delete(callback: CallbackQuery, callback_data: TutorCB, user: User) -> None:
    """Confirm deleting a homework."""
    provider = await homework.tutor_of(user, callback_data.provider_id)
    hw = await homework.tutor_homework_one(provider, callback_data.id)
    await edit(
        callback,
        _(
            "Delete homework #{number}? Its answer and grade go too; reminders are cancelled."
        ).format(number=hw.id),
        kb.confirm_delete(provider.id, hw.id),
    )


async def delete_homework(callback: CallbackQuery, callback_data: TutorCB, user: User) -> None:
    """Delete it (a second click finds it gone)."""
    provider = await homework.tutor_of(user, callback_data.provider_id)
    await homework.delete(provider, callback_data.id)
    text, markup = await menu_screen(provider)
    await edit(
        callback,
        _("🗑 Homework #{number} is deleted.").format(number=callback_data.id) + "\n\n" + text,
        markup,
    )


# Materials ----------------------------------------------------------------------------------


async def materials_list(callback: CallbackQuery, callback_data: TutorCB, user: User) -> None:
    """The tutor's materials."""
    provider = await homework.tutor_of(user, callback_data.provider_id)
    items = await materials.tutor_materials(provider)
    lines = [_("📚 <b>Materials</b>")]
    for material in items:
        whom = _name(material.student) if material.student else _("all students")
        lines.append(f"• {escape(material.title)} → {escape(whom)}")
    if not items:
        lines.append(_("Nothing shared yet."))
    buttons = [(material.id, material.title) for material in items]
    await edit(callback, "\n".join(lines)[:4096], kb.tutor_materials(provider.id, buttons))


async def start_share(
    callback: CallbackQuery, callback_data: TutorCB, user: User, state: FSMContext
) -> None:
    """Whom to share a material with."""
    provider = await homework.tutor_of(user, callback_data.provider_id)
    students = await homework.known_students(provider)
    await state.set_state(ShareMaterial.student)
    await state.set_data({"provider_id": provider.id})
    if isinstance(callback.message, Message):
        await callback.message.answer(
            _(
                "Share with whom? Pick a student or all of them, or send a student's "
                "@username or Telegram id."
            ),
            reply_markup=kb.pick_student(
                provider.id, [(s.id, _name(s)) for s in students], for_all=True
            ),
        )


async def _ask_material(message: Message, state: FSMContext, student: User | None) -> None:
    await state.update_data(student_id=student.id if student else None)
    await state.set_state(ShareMaterial.content)
    whom = escape(_name(student)) if student else _("all your students")
    await message.answer(
        _(
            "Sharing with {whom}. Send a document or a photo (a caption becomes its title), "
            "or a link (a title may follow it on the same line)."
        ).format(whom=whom)
    )


async def share_all(callback: CallbackQuery, state: FSMContext) -> None:
    """Share with every student."""
    if await state.get_state() == ShareMaterial.student.state and isinstance(
        callback.message, Message
    ):
        await _ask_material(callback.message, state, None)


async def share_student_typed(message: Message, state: FSMContext) -> None:
    """A student by @username or id."""
    if (student := await _typed_student(message)) is not None:
        await _ask_material(message, state, student)


async def material_given(
    message: Message, state: FSMContext, user: User, shop_events: ShopEvents
) -> None:
    """The file or the link; shared at once."""
    data = await state.get_data()
    provider = await homework.tutor_of(user, int(data["provider_id"]))
    student_id = data.get("student_id")
    student = await homework.student_by_id(int(student_id)) if student_id else None
    ref = file_of(message)
    if ref is not None:
        material = await materials.share(
            provider, student, title=message.caption or "", file=ref, events=shop_events
        )
    else:
        url, _space, title = (message.text or "").strip().partition(" ")
        material = await materials.share(
            provider, student, title=title, url=url, events=shop_events
        )
    await state.clear()
    await message.answer(
        _("📚 Shared: {title}.").format(title=escape(material.title)),
        reply_markup=kb.one_button(_("⬅️ Back"), TutorAction.materials, provider.id),
    )


async def material_wrong(message: Message) -> None:
    """Stickers, voice and the like."""
    await message.answer(_("Send a document, a photo or a link, or /cancel."))


async def unshare(callback: CallbackQuery, callback_data: TutorCB, user: User) -> None:
    """Stop sharing a material."""
    provider = await homework.tutor_of(user, callback_data.provider_id)
    await materials.remove(provider, callback_data.id)
    await materials_list(callback, callback_data, user)


def create_router() -> Router:
    """/tutor_homework and the tutor's homework buttons, for owners of a tutor profile."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    msg = router.message
    msg.register(tutor_homework_command, Command("tutor_homework"), TutorOwner())
    msg.register(not_a_tutor, Command("tutor_homework"))
    A, G, S = AssignHomework, GradeComment, ShareMaterial
    msg.register(student_typed, StateFilter(A.student), F.text)
    msg.register(text_given, StateFilter(A.text), F.text)
    msg.register(text_wrong, StateFilter(A.text))
    msg.register(file_given, StateFilter(A.files), F.document | F.photo)
    msg.register(files_wrong, StateFilter(A.files))
    msg.register(due_given, StateFilter(A.due), F.text)
    msg.register(checklist_given, StateFilter(A.checklist), F.text)
    msg.register(new_due_given, StateFilter(ChangeDue.due), F.text)
    msg.register(comment_given, StateFilter(G.comment), F.text)
    msg.register(comment_wrong, StateFilter(G.comment))
    msg.register(share_student_typed, StateFilter(S.student), F.text)
    msg.register(material_given, StateFilter(S.content), F.document | F.photo | F.text)
    msg.register(material_wrong, StateFilter(S.content))
    for state in (A.student, A.due, A.checklist, S.student, ChangeDue.due):
        msg.register(text_expected, StateFilter(state))
    cbq = router.callback_query
    cbq.filter(F.data.startswith("th:"), TutorOwner())
    actions: dict[TutorAction, Callable[..., Awaitable[None]]] = {
        TutorAction.menu: menu_button,
        TutorAction.assign: start_assign,
        TutorAction.pick: student_picked,
        TutorAction.files_done: files_done,
        TutorAction.skip_checklist: checklist_skipped,
        TutorAction.confirm: confirm_assign,
        TutorAction.submissions: submissions,
        TutorAction.all: all_homework,
        TutorAction.open: open_homework,
        TutorAction.files: homework_files,
        TutorAction.grade: grade_pressed,
        TutorAction.skip_comment: comment_skipped,
        TutorAction.delete: ask_delete,
        TutorAction.delete_yes: delete_homework,
        TutorAction.materials: materials_list,
        TutorAction.share: start_share,
        TutorAction.share_all: share_all,
        TutorAction.unshare: unshare,
        TutorAction.change_due: ask_new_due,
    }
    for action, handler in actions.items():
        cbq.register(handler, TutorCB.filter(F.action == action))
    return router


async def text_expected(message: Message) -> None:
    """A photo, sticker or voice where typed text is expected."""
    await message.answer(_("Please send text here, or /cancel."))
