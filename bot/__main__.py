"""`python -m bot [run|migrate|demo-data|create-admin TG_ID|ledger verify]`: the entry point."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from loguru import logger

from bot.logs import setup_logging
from core.config import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from services.demo import DemoOwnership

EXIT_CONFIG_ERROR = 2
EXIT_LEDGER_BROKEN = 1


def _telegram_id(text: str) -> int:
    """A Telegram user id for argparse: a positive whole number."""
    if not text.isdigit() or not 0 < int(text) < 2**52:
        raise argparse.ArgumentTypeError(f"not a Telegram user id: {text!r}")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Prilavok bot and server")
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="start the bot and the HTTP server (default)")
    run.add_argument(
        "--no-migrate",
        action="store_true",
        help="do not apply pending migrations first (replicas behind a load balancer)",
    )
    commands.add_parser("migrate", help="apply pending database migrations")
    demo = commands.add_parser(
        "demo-data",
        help="load a demo shop and a demo tutor (idempotent), owned by the first admin",
    )
    demo.add_argument(
        "--owner",
        type=_telegram_id,
        metavar="TG_ID",
        help="Telegram id of the person who owns the demo shop and tutor (default: first admin)",
    )
    admin = commands.add_parser("create-admin", help="grant the admin role to a Telegram id")
    admin.add_argument("tg_id", type=int, help="Telegram user id")
    ledger = commands.add_parser("ledger", help="ledger maintenance")
    ledger_commands = ledger.add_subparsers(dest="ledger_command", required=True)
    ledger_commands.add_parser("verify", help="recompute the hash chain and the balances")
    return parser


async def _run(settings: Settings, migrate: bool) -> None:
    from bot.runner import serve
    from db import apply_migrations

    if migrate:
        await apply_migrations(settings.database_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(settings, stop)


async def _migrate(settings: Settings) -> None:
    from db import apply_migrations

    await apply_migrations(settings.database_url)


async def _verify_ledger(settings: Settings) -> int:
    from db import close_db, init_db
    from services import ledger

    await init_db(settings.database_url)
    try:
        report = await ledger.verify()
    finally:
        await close_db()
    if report.ok:
        print(f"Ledger OK: {report.entries} entries in {report.transactions} transactions")
        return 0
    where = f" at entry {report.broken_entry_id}" if report.broken_entry_id else ""
    print(f"Ledger BROKEN{where}: {report.problem}", file=sys.stderr)
    return EXIT_LEDGER_BROKEN


def _ownership_lines(ownership: DemoOwnership) -> list[str]:
    lines = []
    for slug, tg_id in ownership.owners.items():
        if tg_id is None:
            lines.append(
                f"{slug}: no owner, so its orders notify nobody. Run `demo-data --owner "
                "<telegram id>` or add yourself with `create-admin <telegram id>` first."
            )
        else:
            now = " (set now)" if slug in ownership.changed else ""
            lines.append(f"{slug}: owned by Telegram id {tg_id}{now}; /shop manages it")
    return lines


async def _with_db(
    settings: Settings, command: str, tg_id: int | None, owner: int | None = None
) -> None:
    from db import close_db, init_db
    from db.models import Role
    from services import demo, users

    await init_db(settings.database_url)
    try:
        if command == "demo-data":
            summary = await demo.load_demo_data(settings.data_path)
            logger.info("Demo data ready: {}", summary)
            ownership = await demo.assign_demo_owner(settings.admin_ids, owner)
            for line in _ownership_lines(ownership):
                print(line)
        elif tg_id is not None:
            await users.grant_role(tg_id, Role.admin)
            logger.info("User {} is now an admin", tg_id)
    finally:
        await close_db()


def _operator_identity_ready(settings: Settings) -> bool:
    """Warn about the placeholder operator; refuse it in webhook (production) mode."""
    placeholders = settings.placeholder_operator_settings
    if not placeholders:
        return True
    names = ", ".join(placeholders)
    if settings.use_webhook:
        print(
            f"Configuration error: {names} still hold the placeholders; webhook (production) "
            "mode needs the personal-data operator's real identity: set them in .env",
            file=sys.stderr,
        )
        return False
    logger.warning(
        "{} still hold the placeholders: /privacy and the Mini App show a made-up operator. "
        "Set them in .env before real people use the bot",
        names,
    )
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, load settings, run the command; exit code 2 on bad config."""
    args = _parser().parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    setup_logging(settings.log_level, settings.log_format, settings.secret_values)
    if command == "run":
        if not _operator_identity_ready(settings):
            return EXIT_CONFIG_ERROR
        asyncio.run(_run(settings, migrate=not getattr(args, "no_migrate", False)))
    elif command == "migrate":
        asyncio.run(_migrate(settings))
    elif command == "ledger":
        return asyncio.run(_verify_ledger(settings))
    else:
        tg_id, owner = getattr(args, "tg_id", None), getattr(args, "owner", None)
        asyncio.run(_with_db(settings, command, tg_id, owner))
    return 0


if __name__ == "__main__":
    sys.exit(main())
