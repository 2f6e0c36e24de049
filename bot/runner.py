"""Start the one process: HTTP server, then polling or webhook; stop cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import gc

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError
from aiohttp import web
from loguru import logger

from bot.factory import build_services, create_bot, create_dispatcher, wire
from bot.scheduler import create_scheduler
from core.config import SUPPORTED_LOCALES, Settings
from handlers.commands import bot_commands, customer_commands, menu_button
from services import catalog, users
from services.container import Services
from webapp import create_app

SANDBOX_BOT_USERNAME = "prilavok_sandbox_bot"
SHUTDOWN_GRACE_SECONDS = 5.0
"""How long a stopping server waits for requests still running (aiohttp waits 60 s by default).
Long polls (the sandbox page's) are ended on shutdown; a webhook Telegram or YooKassa does not
see answered is delivered again, so nothing is lost by not waiting longer."""


async def configure_bot(bot: Bot, services: Services) -> None:
    """Customers' commands per language, the menu button in the default language for every
    chat, the description with the policy; each staff member's own commands and button are
    queued (the chat.setup job)."""
    settings, i18n = services.settings, services.i18n
    for locale in SUPPORTED_LOCALES:
        with i18n.context(), i18n.use_locale(locale):
            commands = bot_commands(customer_commands())
            description = i18n.gettext(
                "Shop, custom products and lessons inside Telegram. Privacy policy: {url}"
            ).format(url=settings.privacy_policy_url)
        language = None if locale == settings.default_locale else locale
        await bot.set_my_commands(commands, language_code=language)
        if language is None:
            await bot.set_my_commands(commands, language_code=locale)
        current = await bot.get_my_description(language_code=language)
        if current.description != description:
            await bot.set_my_description(description, language_code=language)
    if settings.mini_app_available:
        with i18n.context(), i18n.use_locale(settings.default_locale):
            button = menu_button(settings)
        await bot.set_chat_menu_button(menu_button=button)
    # Each staff member's own commands: jobs, so many sellers never hold up the start and a
    # failed call is retried (ADMIN_IDS may have changed since the last start).
    for person in await users.staff(settings.admin_ids):
        await users.refresh_chat(person)


def _sandbox_app(settings: Settings) -> web.Application:
    """The Bot API emulator and its chat page, for running without a real token."""
    from sandbox import FloodLimits, TelegramEmulator, create_emulator_app

    files = settings.data_path / "sandbox"
    emulator = TelegramEmulator(
        flood=FloodLimits(enabled=True), files_dir=files, state_file=files / "state.json"
    )
    emulator.register_bot(settings.token, username=SANDBOX_BOT_USERNAME, first_name="Prilavok")
    return create_emulator_app(emulator)


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Run until `stop` is set: the server listens first, then updates start to flow."""
    services = build_services(settings)
    bot = create_bot(settings, services.metrics)
    dp = create_dispatcher(services)
    wire(services, bot, dp)
    sandbox = _sandbox_app(settings) if settings.sandbox else None
    app = create_app(services, bot, dp, sandbox=sandbox)
    runner = web.AppRunner(
        app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_GRACE_SECONDS
    )
    await runner.setup()  # Tortoise starts here, in the main task, before the site listens
    site = web.TCPSite(runner, settings.http_host, settings.http_port)
    await site.start()
    logger.info(
        "Listening on {} ({} mode{})",
        settings.local_base_url,
        "webhook" if settings.use_webhook else "polling",
        ", sandbox at /sandbox" if settings.sandbox else "",
    )
    await _suggest_demo_data()
    scheduler = create_scheduler(services)
    scheduler.start()  # jobs use the database, which is up now that the site listens
    settle_garbage_collector()
    try:
        await _receive_updates(bot, dp, services, stop)
    finally:
        scheduler.shutdown(wait=False)
        await runner.cleanup()
        await bot.session.close()
        await services.close()


GC_THRESHOLDS = (50_000, 20, 100)
"""Python's default (2 000 allocations) runs a collection every few requests, and the full ones
walk every object the process has: at 64 concurrent readers of the catalogue they made the
99th percentile ~180 ms against a median of ~16 ms (measured with `make bench`'s load; with
these thresholds and the start-up objects frozen: p99 ~20 ms)."""


def settle_garbage_collector() -> None:
    """Once everything is built: move the start-up objects (modules, models, routers,
    translations) out of the collector's sight, and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


async def _suggest_demo_data() -> None:
    """A fresh database has nothing to buy: say how to load the demo shop and tutor."""
    if not await catalog.has_providers():
        logger.info(
            "The database has no shops or tutors yet. Load a demo shop and a demo tutor with "
            "`make demo-data` (or `.venv/bin/python -m bot demo-data`); the bot keeps running"
        )


async def _receive_updates(
    bot: Bot, dp: Dispatcher, services: Services, stop: asyncio.Event
) -> None:
    settings = services.settings
    try:
        await configure_bot(bot, services)
    except TelegramAPIError as exc:
        logger.warning("Could not set commands or menu button: {}", exc)
    if settings.use_webhook:
        assert settings.webhook_secret is not None
        await bot.set_webhook(
            settings.webhook_url,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=dp.resolve_used_update_types(),
        )
        logger.info("Webhook set to {}", settings.webhook_url)
        await stop.wait()
        return
    await bot.delete_webhook(drop_pending_updates=False)
    polling = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, close_bot_session=False)
    )
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({polling, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if not polling.done():
        with contextlib.suppress(RuntimeError):
            await dp.stop_polling()
        await polling
    stopped.cancel()
