"""Typed aiohttp application keys."""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from aiohttp import web

from services.container import Services

SERVICES = web.AppKey("services", Services)
LOCALE = web.RequestKey("locale", str)
BOT = web.AppKey("bot", Bot)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
