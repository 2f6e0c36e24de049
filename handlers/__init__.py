"""Chat handlers: one router per feature, built fresh for every dispatcher."""

from __future__ import annotations

from aiogram import Router

from handlers import (
    admin,
    broadcast_send,
    cart,
    catalog,
    checkout,
    common,
    customer_orders,
    design_templates,
    designs,
    fallback,
    homework_student,
    homework_tutor,
    language,
    loyalty,
    payments,
    privacy,
    profile,
    provider,
    provider_orders,
    provider_payouts,
    provider_pickup,
    reviews,
    search,
    start,
    support,
    support_faq,
    support_group,
    tutor_admin,
    tutor_admin_types,
    tutoring,
    tutoring_pay,
)


def get_routers() -> list[Router]:
    """Feature routers in registration order; the catch-all fallback must be last."""
    return [
        common.create_router(),  # /cancel and /help work in every state
        tutoring_pay.create_router(),  # before payments: takes tutoring invoices' updates
        payments.create_router(),  # Telegram's payment updates come in any state
        admin.create_invite_router(),  # before start: it takes /start inv_<code>
        tutoring.create_link_router(),  # before start: it takes /start tutor_<id>
        start.create_router(),
        broadcast_send.create_router(),  # the recipients' "Stop these messages", any state
        admin.create_router(),  # admins only; others fall through to the catch-alls
        language.create_router(),
        loyalty.create_router(),  # /card in any state
        privacy.create_router(),
        profile.create_router(),
        catalog.create_router(),
        cart.create_router(),  # /cart works in any state
        customer_orders.create_router(),  # /orders works in any state
        checkout.create_router(),
        designs.create_router(),  # custom products' pictures; keeps photos sent outside a flow
        design_templates.create_router(),  # sellers' templates of custom products
        provider.create_router(),  # /shop for owners of a provider
        provider_orders.create_router(),  # order pushes' buttons, rejection reasons
        provider_payouts.create_router(),  # /shop → balance and payout requests
        provider_pickup.create_router(),  # /shop → 🔑 Pickup code: hand over by the digits
        homework_student.create_router(),  # /homework, /materials, answers to homework
        homework_tutor.create_router(),  # /tutor_homework and its buttons, for tutors
        tutor_admin.create_router(),  # /tutor menu and its conversations, for tutors
        tutor_admin_types.create_router(),  # /tutor → lesson types
        tutor_admin.create_stale_router(),  # after both: /tutor buttons of a former tutor
        tutoring.create_router(),  # /tutors, /lessons, /availability and their buttons
        reviews.create_router(),  # rate a completed order, providers' replies, /reviews
        support_group.create_router(),  # the support group's messages; /tickets
        support_faq.create_router(),  # /faq for admins
        support.create_router(),  # before search: the question and the ticket's messages
        search.create_router(),  # just before fallback: any plain text outside a conversation
        fallback.create_router(),  # must be last: catches what nothing else handled
    ]
