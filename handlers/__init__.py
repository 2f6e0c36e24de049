"""Chat handlers: one router per feature, built fresh for every dispatcher."""

from __future__ import annotations

from aiogram import Router

from handlers import (
    admin,
    cart,
    catalog,
    checkout,
    common,
    customer_orders,
    fallback,
    language,
    loyalty,
    payments,
    privacy,
    profile,
    provider,
    provider_orders,
    provider_payouts,
    search,
    start,
)


def get_routers() -> list[Router]:
    """Feature routers in registration order; the catch-all fallback must be last."""
    return [
        common.create_router(),  # /cancel and /help work in every state
        payments.create_router(),  # Telegram's payment updates come in any state
        admin.create_invite_router(),  # before start: it takes /start inv_<code>
        start.create_router(),
        admin.create_router(),  # admins only; others fall through to the catch-alls
        language.create_router(),
        loyalty.create_router(),  # /card in any state
        privacy.create_router(),
        profile.create_router(),
        catalog.create_router(),
        cart.create_router(),  # /cart works in any state
        customer_orders.create_router(),  # /orders works in any state
        checkout.create_router(),
        provider.create_router(),  # /shop for owners of a provider
        provider_orders.create_router(),  # order pushes' buttons, rejection reasons
        provider_payouts.create_router(),  # /shop → balance and payout requests
        search.create_router(),  # just before fallback: any plain text outside a conversation
        fallback.create_router(),  # must be last: catches what nothing else handled
    ]
