"""The admin panel (/admin) and the provider-invite deep link.

Only admins reach the panel: the filter sits on the router, and everybody else falls through to
the catch-alls, which answer as for any unknown command (the panel is not revealed).
"""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from core.errors import NotFound
from core.i18n import gettext as _
from db.models import User
from handlers import (
    admin_broadcast,
    admin_csv,
    admin_insights,
    admin_moderation,
    admin_orders,
    admin_payouts,
    admin_promo,
    admin_providers,
    admin_refunds,
)
from handlers.admin_common import IsAdmin, show
from keyboards import admin as kb
from keyboards.admin import AdminAction, AdminCB
from services import catalog
from services.deeplinks import DeepLinkKind, parse_payload

INVITE_PAYLOAD = r"^inv_[A-Za-z0-9-]{1,60}$"


def menu_text() -> str:
    """The admin menu's heading."""
    return _("<b>Admin panel</b>\n\nChoose a section:")


async def admin_menu(message: Message, state: FSMContext) -> None:
    """/admin: the menu; it also leaves any admin conversation."""
    await state.clear()
    await message.answer(menu_text(), reply_markup=kb.menu())


async def admin_menu_button(callback: CallbackQuery, state: FSMContext) -> None:
    """Back to the admin menu from any admin screen."""
    await state.clear()
    await show(callback, menu_text(), kb.menu())


async def accept_invite(
    message: Message, command: CommandObject, state: FSMContext, user: User
) -> None:
    """/start inv_<code>: the first person to open it becomes the provider's owner."""
    await state.clear()
    link = parse_payload(command.args)
    if link is None or link.kind is not DeepLinkKind.invite:
        raise NotFound(entity="invite")  # told as "no longer valid" by handlers.errors
    provider = await catalog.accept_invite(link.value, user)
    await message.answer(
        _("You now manage <b>{shop}</b>. Send /shop.").format(shop=escape(provider.name))
    )


def create_invite_router() -> Router:
    """Must come before the /start router: invite payloads are handled here, not there."""
    router = Router(name=__name__ + ".invite")
    router.message.filter(F.chat.type == "private")
    router.message.register(
        accept_invite, CommandStart(deep_link=True, magic=F.args.regexp(INVITE_PAYLOAD))
    )
    return router


def create_router() -> Router:
    """The admin panel: every handler below is for admins only."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private", IsAdmin())
    router.callback_query.filter(IsAdmin())
    router.message.register(admin_menu, Command("admin"))
    router.callback_query.register(admin_menu_button, AdminCB.filter(F.action == AdminAction.menu))
    router.include_routers(
        admin_providers.create_router(),
        admin_moderation.create_router(),
        admin_orders.create_router(),
        admin_csv.create_router(),
        admin_refunds.create_router(),
        admin_payouts.create_router(),
        admin_insights.create_router(),
        admin_broadcast.create_router(),
        admin_promo.create_router(),
    )
    return router
