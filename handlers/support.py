"""Writing to support from the chat: the FAQ first, then a ticket relayed to the support group.

"✉️ Write to support" (main menu, or an order's card) asks for the question; the best FAQ
answers come back as buttons ("Did this help?" is recorded); "No, write to a person" opens a
ticket. While the person is in the ticket's conversation every message, photo or file is
copied to the ticket's topic or thread; a reply to an agent's answer goes there in any state.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import BaseFilter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from loguru import logger

from core.config import Settings
from core.errors import NotFound
from core.i18n import gettext as _
from db.models import Ticket, TicketDirection, TicketStatus, User
from handlers.support_desk import SupportDesk
from handlers.support_drafts import post_draft
from handlers.ui import edit_in_place
from keyboards import support as kb
from keyboards.support import CsatCB, SupportAction, SupportCB
from services import faq, support
from services.container import Services

QUESTION_MAX = 1000


class SupportStates(StatesGroup):
    """Describing the question (FAQ first), then writing in an open ticket."""

    question = State()
    chatting = State()


def sla(settings: Settings) -> timedelta:
    """How long a message may wait for an agent before the reminder."""
    return timedelta(minutes=settings.support_sla_minutes)


def chatting_text(ticket: Ticket, opened: bool) -> str:
    """What the person reads when their messages go to a ticket."""
    if opened:
        text = _("✅ Request #{id} is sent to support. The answer comes here, in this chat.")
    else:
        text = _("Your request #{id} is open.")
    return (
        text.format(id=ticket.id)
        + "\n"
        + _("Write more, send photos or files: everything goes to support. /cancel to stop.")
    )


async def start_support(
    callback: CallbackQuery,
    callback_data: SupportCB,
    state: FSMContext,
    user: User,
    settings: Settings,
) -> None:
    """ "✉️ Write to support": continue the open ticket, or ask for the question."""
    current = callback.message if isinstance(callback.message, Message) else None
    ticket = await support.active_ticket(user)
    if ticket is not None and settings.support_chat_id is not None:
        await state.set_state(SupportStates.chatting)
        await state.set_data({"ticket_id": ticket.id})
        if current is not None:
            await current.answer(chatting_text(ticket, False))
        return
    await state.set_state(SupportStates.question)
    await state.set_data({"order_id": callback_data.order_id or None})
    text = _("✉️ Describe your question in one message. I will look for a ready answer first.")
    if callback_data.order_id:
        text += "\n" + _("About order #{id}.").format(id=callback_data.order_id)
    if current is not None:
        await current.answer(text)


async def question(
    message: Message, state: FSMContext, user: User, services: Services, locale: str, bot: Bot
) -> None:
    """The question as text: offer the best FAQ answers, or open a ticket if none fits."""
    text = (message.text or "").strip()
    if len(text) > QUESTION_MAX:
        await message.answer(
            _("That is too long for a question: up to {max} characters, please.").format(
                max=QUESTION_MAX
            )
        )
        return
    found = await services.faq.search(text)
    if not found:
        await open_and_relay(message, state, user, services, locale, bot, subject=text)
        return
    await state.update_data(query=text, query_message_id=message.message_id)
    await message.answer(
        _("Maybe one of these answers helps:"),
        reply_markup=kb.faq_offers([entry for entry, _match in found], locale),
    )


async def question_media(
    message: Message, state: FSMContext, user: User, services: Services, locale: str, bot: Bot
) -> None:
    """A photo or a file as the question: straight to a person."""
    await open_and_relay(
        message, state, user, services, locale, bot, subject=message.caption or _("(a file)")
    )


async def question_unusable(message: Message) -> None:
    """A sticker, a location, ... as the question."""
    await message.answer(
        _("Please describe it in text, or send a photo or a file. /cancel to stop.")
    )


async def open_and_relay(
    message: Message,
    state: FSMContext,
    user: User,
    services: Services,
    locale: str,
    bot: Bot,
    *,
    subject: str,
) -> None:
    """Open a ticket (or take the open one) and relay this message to it."""
    settings = services.settings
    if settings.support_chat_id is None:
        await state.clear()
        await message.answer(
            _("Writing to support is not set up on this bot yet. Contact: {contact}").format(
                contact=escape(settings.payments_support_contact)
            )
        )
        return
    data = await state.get_data()
    ticket, opened = await support.open_ticket(
        user,
        locale=locale,
        subject=subject,
        support_chat_id=settings.support_chat_id,
        sla=sla(settings),
        order_id=data.get("order_id"),
    )
    desk = SupportDesk(bot, settings, services.i18n)
    if opened:
        if not await thread_or_apology(desk, ticket, user, state, message):
            return
    else:
        await support.user_wrote(ticket, sla(settings))
    await desk.relay_from_user(ticket, user, message)
    await state.set_state(SupportStates.chatting)
    await state.set_data({"ticket_id": ticket.id})
    await message.answer(chatting_text(ticket, opened))
    if opened:
        await post_draft(desk, ticket, services)


async def thread_or_apology(
    desk: SupportDesk, ticket: Ticket, user: User, state: FSMContext, message: Message
) -> bool:
    """Open the ticket's topic or thread; when the support group cannot be reached (the bot
    is not in it, a wrong SUPPORT_CHAT_ID), the ticket is closed unseen and the person told."""
    try:
        await desk.create_thread(ticket, user)
    except TelegramAPIError as exc:
        logger.error("Support group {} refused ticket {}: {}", desk.chat_id, ticket.id, exc)
        await support.close_ticket(ticket.id, None)
        await state.clear()
        await message.answer(_("Support cannot be reached right now. Please try again later."))
        return False
    return True


async def show_faq_answer(
    callback: CallbackQuery, callback_data: SupportCB, locale: str, callback_answer: CallbackAnswer
) -> None:
    """One offered answer, with "Did this help?"."""
    try:
        entry = await faq.get_entry(callback_data.entry_id)
    except NotFound:
        callback_answer.text = _("This answer has been removed.")
        return
    text = f"<b>{escape(entry.question(locale))}</b>\n\n{escape(entry.answer(locale))}\n\n" + _(
        "Did this help?"
    )
    if isinstance(callback.message, Message):
        await callback.message.answer(text, reply_markup=kb.did_it_help(entry.id))


async def helped(
    callback: CallbackQuery,
    callback_data: SupportCB,
    state: FSMContext,
    user: User,
    callback_answer: CallbackAnswer,
) -> None:
    """The answer helped: recorded once, the conversation ends."""
    data = await state.get_data()
    if not data.get("query"):
        callback_answer.text = _("Thank you, noted already.")
        return
    await faq.record_feedback(user, callback_data.entry_id, data["query"], helpful=True)
    await state.clear()
    current = callback.message if isinstance(callback.message, Message) else None
    if current is not None:
        await edit_in_place(current, (current.html_text or "") + "\n\n" + _("👍 Glad it helped!"))


async def to_a_person(
    callback: CallbackQuery,
    callback_data: SupportCB,
    state: FSMContext,
    user: User,
    services: Services,
    locale: str,
    bot: Bot,
    callback_answer: CallbackAnswer,
) -> None:
    """No answer helped: recorded, and the question goes to a person as a ticket."""
    data = await state.get_data()
    if not data.get("query") or not isinstance(callback.message, Message):
        callback_answer.text = _("This question is handled already.")
        return
    await faq.record_feedback(user, callback_data.entry_id or None, data["query"], helpful=False)
    settings = services.settings
    if settings.support_chat_id is None:
        await open_and_relay(
            callback.message, state, user, services, locale, bot, subject=data["query"]
        )
        return
    ticket, opened = await support.open_ticket(
        user,
        locale=locale,
        subject=data["query"],
        support_chat_id=settings.support_chat_id,
        sla=sla(settings),
        order_id=data.get("order_id"),
    )
    desk = SupportDesk(bot, settings, services.i18n)
    if opened:
        if not await thread_or_apology(desk, ticket, user, state, callback.message):
            return
    else:
        await support.user_wrote(ticket, sla(settings))
    copied = await bot.copy_message(
        desk.chat_id, callback.message.chat.id, data["query_message_id"], **desk.where(ticket)
    )
    await support.remember(
        ticket,
        TicketDirection.user,
        author=user,
        kind="text",
        text=data["query"],
        user_message_id=data["query_message_id"],
        group_message_id=copied.message_id,
    )
    await state.set_state(SupportStates.chatting)
    await state.set_data({"ticket_id": ticket.id})
    await callback.message.answer(chatting_text(ticket, opened))
    if opened:
        await post_draft(desk, ticket, services)


async def write_in_ticket(
    message: Message, state: FSMContext, user: User, services: Services, bot: Bot
) -> None:
    """A message while in the ticket's conversation: relayed (a closed ticket reopens)."""
    data = await state.get_data()
    ticket = await support.get_own_ticket(int(data["ticket_id"]), user)
    await relay(message, ticket, user, services, bot)


async def relay(message: Message, ticket: Ticket, user: User, services: Services, bot: Bot) -> None:
    """Relay one message of the person to their ticket."""
    if services.settings.support_chat_id is None:
        await message.answer(_("Writing to support is not set up on this bot yet."))
        return
    reopened = await support.user_wrote(ticket, sla(services.settings))
    desk = SupportDesk(bot, services.settings, services.i18n)
    if reopened:
        with desk.agents_language():
            await desk.notice(
                ticket,
                _("🔄 The customer wrote again: ticket #{id} is reopened.").format(id=ticket.id),
            )
        await message.answer(_("Your request #{id} is open again.").format(id=ticket.id))
    await desk.relay_from_user(ticket, user, message)


class RepliesToTicket(BaseFilter):
    """A message that replies to an agent's answer: passes `ticket` on."""

    async def __call__(self, message: Message, user: User | None = None) -> bool | dict[str, Any]:
        """The ticket the replied message was relayed for."""
        replied = message.reply_to_message
        if user is None or replied is None:
            return False
        ticket = await support.by_user_message(user, replied.message_id)
        return {"ticket": ticket} if ticket is not None else False


async def reply_to_agent(
    message: Message, ticket: Ticket, user: User, services: Services, bot: Bot
) -> None:
    """A Telegram reply to an agent's answer, outside the ticket's conversation."""
    await relay(message, ticket, user, services, bot)


async def reply_button(
    callback: CallbackQuery, callback_data: SupportCB, state: FSMContext, user: User
) -> None:
    """ "↩️ Reply" under an agent's answer: back into the ticket's conversation."""
    ticket = await support.get_own_ticket(callback_data.ticket_id, user)
    await state.set_state(SupportStates.chatting)
    await state.set_data({"ticket_id": ticket.id})
    if isinstance(callback.message, Message):
        await callback.message.answer(_("Type your reply to request #{id}.").format(id=ticket.id))


async def solved(
    callback: CallbackQuery,
    callback_data: SupportCB,
    state: FSMContext,
    user: User,
    services: Services,
    bot: Bot,
    callback_answer: CallbackAnswer,
) -> None:
    """ "✅ Problem solved": the person closes the ticket and is asked for a rating."""
    ticket = await support.get_own_ticket(callback_data.ticket_id, user)
    closed = await support.close_ticket(ticket.id, user)
    if closed is None:
        callback_answer.text = _("Request #{id} is closed already.").format(id=ticket.id)
        return
    if await state.get_state() == SupportStates.chatting.state:
        await state.clear()
    if services.settings.support_chat_id is not None:
        desk = SupportDesk(bot, services.settings, services.i18n)
        with services.i18n.context(), services.i18n.use_locale(services.settings.default_locale):
            await desk.notice(
                closed, _("✅ The customer closed ticket #{id}.").format(id=ticket.id)
            )
    if isinstance(callback.message, Message):
        await callback.message.answer(**ask_rating(closed))


def ask_rating(ticket: Ticket) -> dict[str, Any]:
    """The rating question sent once a ticket is closed."""
    return {
        "text": _("Request #{id} is closed. How would you rate our answer?").format(id=ticket.id),
        "reply_markup": kb.csat(ticket.id),
    }


async def rate(
    callback: CallbackQuery,
    callback_data: CsatCB,
    user: User,
    services: Services,
    bot: Bot,
    callback_answer: CallbackAnswer,
) -> None:
    """A rating, taken once; the agents see it in the ticket."""
    ticket = await support.get_own_ticket(callback_data.ticket_id, user)
    if ticket.status is not TicketStatus.closed or not await support.rate(
        ticket.id, user, callback_data.score
    ):
        callback_answer.text = _("You have already rated this request.")
        return
    current = callback.message if isinstance(callback.message, Message) else None
    await edit_in_place(
        current,
        _("Thank you! You rated request #{id}: {stars}").format(
            id=ticket.id, stars="⭐" * callback_data.score
        ),
    )
    if services.settings.support_chat_id is not None:
        desk = SupportDesk(bot, services.settings, services.i18n)
        with desk.agents_language():
            await desk.notice(
                ticket,
                _("⭐ The customer rated ticket #{id}: {score}/5").format(
                    id=ticket.id, score=callback_data.score
                ),
            )


def create_router() -> Router:
    """The person's side of support (private chats)."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.callback_query.register(start_support, SupportCB.filter(F.action == SupportAction.start))
    router.callback_query.register(show_faq_answer, SupportCB.filter(F.action == SupportAction.faq))
    router.callback_query.register(helped, SupportCB.filter(F.action == SupportAction.helped))
    router.callback_query.register(to_a_person, SupportCB.filter(F.action == SupportAction.human))
    router.callback_query.register(reply_button, SupportCB.filter(F.action == SupportAction.reply))
    router.callback_query.register(solved, SupportCB.filter(F.action == SupportAction.close))
    router.callback_query.register(rate, CsatCB.filter())
    router.message.register(question, SupportStates.question, F.text, ~F.text.startswith("/"))
    router.message.register(question_media, SupportStates.question, F.photo | F.document)
    router.message.register(question_unusable, SupportStates.question, ~F.text)
    router.message.register(write_in_ticket, SupportStates.chatting, ~F.text.startswith("/"))
    router.message.register(reply_to_agent, StateFilter(None), RepliesToTicket())
    return router
