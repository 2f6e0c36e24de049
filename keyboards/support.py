"""Callback data and keyboards of support: FAQ answers, tickets, the rating, /faq for admins."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from core.i18n import gettext as _
from core.texts import shorten
from db.models import FaqEntry


class SupportAction(StrEnum):
    """What a support button does."""

    start = "st"
    """Write to support (from the menu, or from an order with `order_id`)."""
    faq = "faq"
    """Show one offered FAQ answer."""
    helped = "ok"
    """The FAQ answer helped."""
    human = "hu"
    """None of the answers helped: open a ticket."""
    reply = "re"
    """Write to the ticket again (under an agent's answer)."""
    close = "cl"
    """The person says the problem is solved."""


class SupportCB(CallbackData, prefix="sp"):
    """A support button; ids are 0 when not needed."""

    action: SupportAction
    entry_id: int = 0
    ticket_id: int = 0
    order_id: int = 0


class CsatCB(CallbackData, prefix="cs"):
    """A rating of a closed ticket, 1 to 5."""

    ticket_id: int
    score: int


class FaqAction(StrEnum):
    """What an admin does in /faq."""

    list = "ls"
    add = "add"
    show = "sh"
    edit = "ed"
    delete = "del"
    confirm_delete = "cd"


class FaqAdminCB(CallbackData, prefix="fq"):
    """An admin's /faq button; `field` is one of services.faq.FIELDS for an edit."""

    action: FaqAction
    entry_id: int = 0
    field: str = ""


def support_entry(order_id: int = 0) -> InlineKeyboardButton:
    """ "✉️ Write to support" (about an order when `order_id` is given)."""
    return InlineKeyboardButton(
        text=_("✉️ Write to support"),
        callback_data=SupportCB(action=SupportAction.start, order_id=order_id).pack(),
    )


def faq_offers(entries: list[FaqEntry], locale: str) -> InlineKeyboardMarkup:
    """The best FAQ answers as buttons, then "write to a person"."""
    builder = InlineKeyboardBuilder()
    for entry in entries:
        builder.button(
            text=shorten(entry.question(locale), 60),
            callback_data=SupportCB(action=SupportAction.faq, entry_id=entry.id),
        )
    builder.button(
        text=_("✍️ No, write to a person"), callback_data=SupportCB(action=SupportAction.human)
    )
    builder.adjust(1)
    return builder.as_markup()


def did_it_help(entry_id: int) -> InlineKeyboardMarkup:
    """ "Did this help?" under one FAQ answer."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("👍 Yes, thanks"),
        callback_data=SupportCB(action=SupportAction.helped, entry_id=entry_id),
    )
    builder.button(
        text=_("✍️ No, write to a person"),
        callback_data=SupportCB(action=SupportAction.human, entry_id=entry_id),
    )
    builder.adjust(1)
    return builder.as_markup()


def agent_answer(ticket_id: int) -> InlineKeyboardMarkup:
    """Under an agent's answer in the person's chat: write back, or it is solved."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("↩️ Reply"), callback_data=SupportCB(action=SupportAction.reply, ticket_id=ticket_id)
    )
    builder.button(
        text=_("✅ Problem solved"),
        callback_data=SupportCB(action=SupportAction.close, ticket_id=ticket_id),
    )
    builder.adjust(2)
    return builder.as_markup()


def csat(ticket_id: int) -> InlineKeyboardMarkup:
    """Rate the answer from 1 to 5."""
    builder = InlineKeyboardBuilder()
    for score in range(1, 6):
        builder.button(text="⭐" * score, callback_data=CsatCB(ticket_id=ticket_id, score=score))
    builder.adjust(1)
    return builder.as_markup()


def faq_list(entries: list[FaqEntry], locale: str) -> InlineKeyboardMarkup:
    """/faq: every entry, then "Add"."""
    builder = InlineKeyboardBuilder()
    for entry in entries:
        builder.button(
            text=f"#{entry.id} " + shorten(entry.question(locale), 50),
            callback_data=FaqAdminCB(action=FaqAction.show, entry_id=entry.id),
        )
    builder.button(text=_("➕ Add a question"), callback_data=FaqAdminCB(action=FaqAction.add))
    builder.adjust(1)
    return builder.as_markup()


def faq_entry(entry_id: int) -> InlineKeyboardMarkup:
    """One entry: edit each text, delete, back."""
    builder = InlineKeyboardBuilder()
    names = {
        "question_ru": _("✏️ Question (ru)"),
        "answer_ru": _("✏️ Answer (ru)"),
        "question_en": _("✏️ Question (en)"),
        "answer_en": _("✏️ Answer (en)"),
    }
    for field, text in names.items():
        builder.button(
            text=text,
            callback_data=FaqAdminCB(action=FaqAction.edit, entry_id=entry_id, field=field),
        )
    builder.button(
        text=_("🗑 Delete"), callback_data=FaqAdminCB(action=FaqAction.delete, entry_id=entry_id)
    )
    builder.button(text=_("⬅️ FAQ"), callback_data=FaqAdminCB(action=FaqAction.list))
    builder.adjust(2, 2, 1, 1)
    return builder.as_markup()


def faq_delete(entry_id: int) -> InlineKeyboardMarkup:
    """Confirm a deletion."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("🗑 Yes, delete"),
        callback_data=FaqAdminCB(action=FaqAction.confirm_delete, entry_id=entry_id),
    )
    builder.button(
        text=_("⬅️ Back"), callback_data=FaqAdminCB(action=FaqAction.show, entry_id=entry_id)
    )
    builder.adjust(2)
    return builder.as_markup()
