"""Chat handlers: one router per feature, built fresh for every dispatcher."""

from __future__ import annotations

from aiogram import Router

from handlers import common, fallback, language, privacy, profile, start


def get_routers() -> list[Router]:
    """Feature routers in registration order; the catch-all fallback must be last."""
    return [
        common.create_router(),  # /cancel and /help work in every state
        start.create_router(),
        language.create_router(),
        privacy.create_router(),
        profile.create_router(),
        fallback.create_router(),  # must be last: catches what nothing else handled
    ]
