"""getMe and getting updates: getUpdates and webhooks."""

from __future__ import annotations

import re
from types import MappingProxyType
from urllib.parse import urlsplit

from aiogram import methods as m

from sandbox.common import JsonDict
from sandbox.errors import bad_request
from sandbox.keyboards import is_local_host
from sandbox.methods.base import CallContext, MethodSpec
from sandbox.state import WebhookConfig

_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


async def get_me(ctx: CallContext, call: m.GetMe) -> JsonDict:
    """getMe."""
    return ctx.bot.user


async def log_out(ctx: CallContext, call: m.LogOut | m.Close) -> bool:
    """logOut / close: nothing to do for a local server."""
    return True


async def get_updates(ctx: CallContext, call: m.GetUpdates) -> list[JsonDict]:
    """getUpdates: long polling with offset / limit / timeout / allowed_updates."""
    if call.allowed_updates is not None:
        ctx.bot.allowed_updates = list(call.allowed_updates)
    limit = call.limit if call.limit is not None else 100
    timeout = max(0, call.timeout or 0)
    return await ctx.emulator.delivery.get_updates(ctx.bot, call.offset, limit, timeout)


async def set_webhook(ctx: CallContext, call: m.SetWebhook) -> bool:
    """setWebhook (an empty url removes the webhook, as in Telegram)."""
    delivery = ctx.emulator.delivery
    if not call.url:
        delivery.delete_webhook(ctx.bot, bool(call.drop_pending_updates))
        return True
    parts = urlsplit(call.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("bad webhook: Failed to resolve host: Name or service not known")
    if parts.scheme == "http" and not is_local_host(parts.hostname):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if call.secret_token is not None and not _SECRET_TOKEN.fullmatch(call.secret_token):
        raise bad_request("secret token contains unallowed characters")
    max_connections = call.max_connections or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    if call.allowed_updates is not None:
        ctx.bot.allowed_updates = list(call.allowed_updates)
    config = WebhookConfig(
        url=call.url,
        secret_token=call.secret_token,
        max_connections=max_connections,
        allowed_updates=ctx.bot.allowed_updates,
    )
    delivery.set_webhook(ctx.bot, config, bool(call.drop_pending_updates))
    return True


async def delete_webhook(ctx: CallContext, call: m.DeleteWebhook) -> bool:
    """deleteWebhook."""
    ctx.emulator.delivery.delete_webhook(ctx.bot, bool(call.drop_pending_updates))
    return True


async def get_webhook_info(ctx: CallContext, call: m.GetWebhookInfo) -> JsonDict:
    """getWebhookInfo."""
    webhook = ctx.bot.webhook
    info: JsonDict = {
        "url": webhook.url if webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(ctx.bot.pending),
    }
    if webhook is not None:
        info["max_connections"] = webhook.max_connections
        if ctx.bot.allowed_updates:
            info["allowed_updates"] = ctx.bot.allowed_updates
        if webhook.last_error_date is not None:
            info["last_error_date"] = webhook.last_error_date
            info["last_error_message"] = webhook.last_error_message
    return info


METHODS = MappingProxyType(
    {
        "getMe": MethodSpec(get_me),
        "logOut": MethodSpec(log_out),
        "close": MethodSpec(log_out),
        "getUpdates": MethodSpec(get_updates),
        "setWebhook": MethodSpec(set_webhook),
        "deleteWebhook": MethodSpec(delete_webhook),
        "getWebhookInfo": MethodSpec(get_webhook_info),
    }
)
