"""Getting updates to bots: getUpdates long polling or webhook POSTs, and "settling".

Settling answers "has the bot finished handling this update?" from the outside, the only
place a Telegram server can see: the update was taken (fetched by getUpdates, or its
webhook request answered) and then the bot made no Bot API call for a quiet period.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from sandbox.common import JsonDict, clone
from sandbox.errors import ApiError
from sandbox.limits import SandboxTimings
from sandbox.params import Upload, read_form
from sandbox.state import BotState, UpdateRecord, WebhookConfig

logger = logging.getLogger(__name__)

Executor = Callable[[BotState, str, dict[str, Any], dict[str, Upload]], Awaitable[Any]]
"""Runs a Bot API method on a bot's behalf (for methods returned in a webhook reply)."""

WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLLING_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


class Delivery:
    """Queues updates per bot and hands them over by polling or webhook."""

    def __init__(self, timings: SandboxTimings, execute: Executor) -> None:
        self._timings = timings
        self._execute = execute
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._session: aiohttp.ClientSession | None = None
        self.closing = False

    def enqueue(self, bot: BotState, update: JsonDict, *, redelivery: bool = False) -> UpdateRecord:
        """Queue an update; one the bot's allowed_updates exclude is dropped, as by Telegram."""
        record = UpdateRecord(clone(update), redelivery=redelivery)
        if not bot.accepts(record.kind):
            record.finish("dropped")
            return record
        bot.pending.append(record)
        self._notify(bot)
        return record

    async def get_updates(
        self, bot: BotState, offset: int | None, limit: int, poll_seconds: float
    ) -> list[JsonDict]:
        """getUpdates: confirm by offset, then return pending updates or wait for one."""
        if bot.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        self._confirm(bot, offset)
        bot.poll_generation += 1
        generation = bot.poll_generation
        self._notify(bot)  # an older long poll still waiting now ends with 409
        loop = asyncio.get_running_loop()
        deadline = loop.time() + poll_seconds
        while not bot.pending and not self.closing:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            try:
                await asyncio.wait_for(bot.new_update.wait(), remaining)
            except TimeoutError:
                break
            if bot.poll_generation != generation:
                raise ApiError(409, POLLING_CONFLICT)
            if bot.webhook is not None:
                raise ApiError(409, WEBHOOK_CONFLICT)
        batch = bot.pending[: max(1, min(limit, 100))]
        for record in batch:
            record.returned = True
            record.finish("fetched")
        if batch:
            bot.activity.last = loop.time()
        return [clone(record.update) for record in batch]

    def set_webhook(self, bot: BotState, config: WebhookConfig, drop_pending: bool) -> None:
        """Start delivering to `config.url` (replacing any earlier webhook)."""
        self._stop_worker(bot)
        if drop_pending:
            self.drop_pending(bot)
        bot.webhook = config
        self._notify(bot)
        self._workers[bot.token] = asyncio.create_task(
            self._webhook_worker(bot, config), name=f"sandbox-webhook-{bot.id}"
        )

    def delete_webhook(self, bot: BotState, drop_pending: bool) -> None:
        """Stop webhook delivery; updates wait for getUpdates again."""
        self._stop_worker(bot)
        bot.webhook = None
        if drop_pending:
            self.drop_pending(bot)

    def drop_pending(self, bot: BotState) -> None:
        """Forget every update the bot has not taken yet."""
        for record in bot.pending:
            record.finish("dropped")
        bot.pending.clear()

    async def settle(
        self, bot: BotState, records: list[UpdateRecord], within: float | None = None
    ) -> None:
        """Wait until the bot took these updates and then stopped calling the API."""
        loop = asyncio.get_running_loop()
        limit = self._timings.settle_timeout if within is None else within
        deadline = loop.time() + limit
        for record in records:
            try:
                await asyncio.wait_for(record.done.wait(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise AssertionError(
                    f"bot @{bot.username} did not take update {record.update_id} "
                    f"({record.kind}) within {limit:g} s: is it polling, or is its webhook set?"
                ) from None
        if records and all(record.outcome == "dropped" for record in records):
            return
        await self.quiet(bot, deadline)

    async def quiet(self, bot: BotState, deadline: float) -> None:
        """Wait until the bot has made no Bot API call for `settle_quiet` seconds."""
        loop = asyncio.get_running_loop()
        quiet = self._timings.settle_quiet
        while True:
            idle = loop.time() - bot.activity.last
            if bot.activity.in_flight == 0 and idle >= quiet:
                return
            if loop.time() > deadline:
                raise AssertionError(f"bot @{bot.username} kept calling the Bot API")
            await asyncio.sleep(max(quiet - idle, 0.01))

    async def close(self) -> None:
        """Stop webhook workers, end long polls, close the HTTP client."""
        self.closing = True
        for task in self._workers.values():
            task.cancel()
        await asyncio.gather(*self._workers.values(), return_exceptions=True)
        self._workers.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def wake(self, bot: BotState) -> None:
        """End a waiting long poll (on shutdown)."""
        self._notify(bot)

    @staticmethod
    def _notify(bot: BotState) -> None:
        event, bot.new_update = bot.new_update, asyncio.Event()
        event.set()

    @staticmethod
    def _confirm(bot: BotState, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset < 0:
            forgotten, bot.pending = bot.pending[:offset], bot.pending[offset:]
        else:
            forgotten = [
                record
                for record in bot.pending
                # a redelivered update is kept until the bot has actually seen it
                if record.update_id < offset and (record.returned or not record.redelivery)
            ]
            bot.pending = [record for record in bot.pending if record not in forgotten]
        for record in forgotten:
            record.finish("dropped")

    def _stop_worker(self, bot: BotState) -> None:
        task = self._workers.pop(bot.token, None)
        if task is not None:
            task.cancel()

    async def _webhook_worker(self, bot: BotState, config: WebhookConfig) -> None:
        while bot.webhook is config and not self.closing:
            if not bot.pending:
                await bot.new_update.wait()
                continue
            record = bot.pending[0]
            delivered = await self._post(bot, config, record)
            if record in bot.pending:
                bot.pending.remove(record)
            record.finish("delivered" if delivered else "failed")

    async def _post(self, bot: BotState, config: WebhookConfig, record: UpdateRecord) -> bool:
        headers = {}
        if config.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = config.secret_token
        timeout = aiohttp.ClientTimeout(total=self._timings.webhook_timeout)
        attempts = max(1, self._timings.webhook_attempts)
        for attempt in range(attempts):
            try:
                async with self.client().post(
                    config.url, json=record.update, headers=headers, timeout=timeout
                ) as response:
                    if 200 <= response.status < 300:
                        reply = await _read_reply(response)
                        bot.activity.last = asyncio.get_running_loop().time()
                        if reply is not None:
                            await self._execute(bot, *reply)
                        return True
                    error = f"Wrong response from the webhook: {response.status} {response.reason}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = f"Connection failed: {exc or type(exc).__name__}"
            config.last_error_date = int(time.time())
            config.last_error_message = error
            logger.info("webhook delivery of update %s failed: %s", record.update_id, error)
            if attempt + 1 < attempts:
                await asyncio.sleep(self._timings.webhook_retry_delay)
        return False

    def client(self) -> aiohttp.ClientSession:
        """The HTTP client for webhooks and file URLs, created on first use."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session


async def _read_reply(
    response: aiohttp.ClientResponse,
) -> tuple[str, dict[str, Any], dict[str, Upload]] | None:
    """A Bot API call written into the webhook response, as Telegram allows."""
    if response.content_type.startswith("multipart/"):
        fields, uploads = await read_form(
            aiohttp.MultipartReader(response.headers, response.content)
        )
    elif response.content_type == "application/json":
        try:
            body = await response.json()
        except ValueError:
            return None
        if not isinstance(body, dict):
            return None
        fields, uploads = body, {}
    else:
        return None
    method = fields.pop("method", None)
    if not isinstance(method, str) or not method:
        return None
    return method, fields, uploads
