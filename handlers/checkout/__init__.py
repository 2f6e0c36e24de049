"""Checkout as a conversation: pickup or delivery, consent, address, time slot, phone,
payment, comment, confirmation, and the order.

The service (`services.checkout`) decides what is offered and whether an answer fits; these
modules only render its options and send the answers. One module per step; `flow.advance()`
asks the next question. Each state has a valid-input handler and a wrong-input fallback;
/cancel (handlers.common) leaves the conversation at any point.
"""

from __future__ import annotations

from aiogram import F, Router

from handlers.checkout import address, confirm, contact, payment, promo, start
from handlers.checkout.refusals import RefusalMiddleware
from handlers.turn import with_turns


def create_router() -> Router:
    """The checkout conversation, its steps in one router."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.message.middleware(RefusalMiddleware())
    router.callback_query.middleware(RefusalMiddleware())
    with_turns(router)
    router.include_routers(
        start.create_router(),
        address.create_router(),
        contact.create_router(),
        payment.create_router(),
        promo.create_router(),
        confirm.create_router(),  # last: its fallback takes typing in states waiting for buttons
    )
    return router
