"""Sending broadcasts (the `broadcast.send` job), their live progress, and the recipients'
"Stop these messages" button.

The job sends for a slice of time and then hands itself back to the runner, so a long
broadcast neither holds a job lease for minutes nor keeps other deferred effects waiting; each
slice claims rows in batches and sends them concurrently, every send waiting for its slot of
the one send pace (`services.send_pacer`).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from aiogram import Bot, Router
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from loguru import logger

from core.config import Settings
from core.i18n import gettext as _
from core.i18n import pick_locale
from db.models import Broadcast, BroadcastRecipient, BroadcastState, Job, RecipientState, User
from handlers.ui import not_modified
from keyboards import broadcast as kb
from services import broadcasts, jobs, users
from services.broadcasts import Content
from services.container import Services
from services.jobs import JobKind, JobPolicy, JobRunner
from services.send_pacer import slot_taken

SLICE = timedelta(seconds=20)
PROGRESS_EVERY = timedelta(seconds=3)
LANES = 2
OTHERS_WAIT = timedelta(seconds=5)
"""Another sender holds the last rows: look again this soon (it reports the end if it can)."""
BROADCAST_POLICY = JobPolicy(
    first_backoff=timedelta(seconds=10),
    max_backoff=timedelta(minutes=5),
    lease=timedelta(minutes=2),
)
"""Idempotent per row (rows are claimed, and a row is sent at most once), so a slice whose
runner died simply runs again."""


class BroadcastSender:
    """Sends a broadcast's due rows, shows progress, reports the end."""

    def __init__(self, bot: Bot, services: Services, *, slice_: timedelta = SLICE) -> None:
        self._bot = bot
        self._services = services
        self._settings = services.settings
        self._pacer = services.send_pacer
        self._slice = slice_
        self.runner: JobRunner | None = None
        """The runner this sender's job is registered with (whose other jobs go first)."""

    async def __call__(self, job: Job) -> None:
        """The job's handler: slice after slice while rows are due and no other deferred
        effect waits for the runner; else `jobs.Retry` to come again for the rest."""
        while True:
            try:
                await self.run(int(job.payload["broadcast_id"]))
                return
            except jobs.Retry as retry:
                due_now = retry.delay is not None and retry.delay <= timedelta(0)
                kinds = self.runner.kinds if self.runner else [str(JobKind.broadcast)]
                if not (due_now and await broadcasts.keep_job(job, BROADCAST_POLICY.lease, kinds)):
                    raise

    async def run(self, broadcast_id: int) -> None:
        """Send for one slice, then come again (Retry) while rows wait."""
        broadcast = await broadcasts.start(broadcast_id)
        if broadcast is None:
            return
        await broadcasts.recover(broadcast_id)
        deadline = time.monotonic() + self._slice.total_seconds()
        rate = self._pacer.paid_rate if broadcast.paid else self._pacer.rate
        batch = max(4, int(rate) // LANES)
        await asyncio.gather(*(self._lane(broadcast, batch, deadline) for _ in range(LANES)))
        if await self._cancelled(broadcast_id):
            return
        due = await broadcasts.next_due(broadcast_id)
        if due is not None:
            await self._progress(broadcast, force=True)
            wait = max(timedelta(0), due - datetime.now(UTC))
            raise jobs.Retry("rows wait", delay=min(wait, timedelta(hours=1)))
        if await broadcasts.in_flight(broadcast_id):
            raise jobs.Retry("another sender holds rows", delay=OTHERS_WAIT)
        if await broadcasts.finish(broadcast_id):
            await self.report(await broadcasts.get(broadcast_id))

    async def _lane(self, broadcast: Broadcast, batch: int, deadline: float) -> None:
        """Claim a batch, send it, again; while one lane is between batches (claiming,
        recording) the other keeps the send pace busy."""
        while not await self._cancelled(broadcast.id):
            _, rows = await broadcasts.claim(broadcast.id, limit=batch)
            if not rows:
                return
            await self._send_batch(broadcast, rows)
            await self._progress(broadcast)
            if time.monotonic() >= deadline:
                return

    async def _cancelled(self, broadcast_id: int) -> bool:
        broadcast = await Broadcast.get_or_none(id=broadcast_id)
        return broadcast is None or broadcast.state is BroadcastState.cancelled

    async def _send_batch(self, broadcast: Broadcast, rows: list[BroadcastRecipient]) -> None:
        unwanted = await broadcasts.unwanted(rows)
        for row in rows:
            if row.id in unwanted:
                await broadcasts.mark(row.id, RecipientState.skipped, error="no longer reachable")
        await asyncio.gather(
            *(self._send_one(broadcast, row) for row in rows if row.id not in unwanted)
        )

    async def _send_one(self, broadcast: Broadcast, row: BroadcastRecipient) -> None:
        assert row.claim is not None
        await self._pacer.acquire(row.chat_id, paid=broadcast.paid)
        if not await broadcasts.mark_sending(row.id, row.claim):
            return  # cancelled, or taken by another sender after a long wait
        token = slot_taken.set(True)
        try:
            message = await self.send(broadcast, row.chat_id, row.locale)
        except TelegramForbiddenError as exc:
            await broadcasts.mark(row.id, RecipientState.blocked, error=exc.message)
            await users.mark_bot_blocked(row.chat_id)
        except TelegramRetryAfter as exc:  # known not delivered: its turn comes again
            due = datetime.now(UTC) + timedelta(seconds=exc.retry_after)
            await broadcasts.put_back(row.id, due)
        except TelegramAPIError as exc:
            await broadcasts.mark(row.id, RecipientState.failed, error=exc.message)
        except Exception as exc:  # a network error: it may have arrived; never twice
            logger.opt(exception=exc).warning("Broadcast {} copy {} failed", broadcast.id, row.id)
            await broadcasts.mark(row.id, RecipientState.failed, error=f"{type(exc).__name__}")
        else:
            await broadcasts.mark(row.id, RecipientState.sent, message_id=message.message_id)
        finally:
            slot_taken.reset(token)

    async def send(self, broadcast: Broadcast, chat_id: int, locale: str) -> Message:
        """One copy, with the opt-out button in the recipient's language."""
        i18n = self._services.i18n
        with i18n.context(), i18n.use_locale(locale):
            return await send_copy(self._bot, chat_id, content_of(broadcast), paid=broadcast.paid)

    async def _progress(self, broadcast: Broadcast, *, force: bool = False) -> None:
        if broadcast.progress_message_id is None or broadcast.progress_chat_id is None:
            return
        if not await broadcasts.progress_due(
            broadcast.id, timedelta(0) if force else PROGRESS_EVERY
        ):
            return
        counts = await broadcasts.counts(broadcast.id)
        i18n, locale = self._services.i18n, await self._author_locale(broadcast)
        with i18n.context(), i18n.use_locale(locale):
            text = progress_text(broadcast, counts)
            keyboard = kb.progress(broadcast.id)
        await self._edit(broadcast, text, keyboard)

    async def report(self, broadcast: Broadcast) -> None:
        """The final report, in place of the progress message (or as a new message)."""
        counts = await broadcasts.counts(broadcast.id)
        i18n, locale = self._services.i18n, await self._author_locale(broadcast)
        with i18n.context(), i18n.use_locale(locale):
            text = report_text(broadcast, counts)
        if broadcast.progress_message_id is not None:
            await self._edit(broadcast, text, None)
            return
        author = await User.get_or_none(id=broadcast.author_id) if broadcast.author_id else None
        if author is not None and author.tg_id is not None:
            try:
                await self._bot.send_message(author.tg_id, text)
            except TelegramAPIError as exc:
                logger.warning("Broadcast {} report not sent: {}", broadcast.id, exc)

    async def _edit(self, broadcast: Broadcast, text: str, keyboard: object) -> None:
        assert broadcast.progress_chat_id is not None and broadcast.progress_message_id is not None
        try:
            await self._bot.edit_message_text(
                text=text,
                chat_id=broadcast.progress_chat_id,
                message_id=broadcast.progress_message_id,
                reply_markup=keyboard,  # type: ignore[arg-type]
            )
        except TelegramBadRequest as exc:
            if not not_modified(exc):
                logger.warning("Broadcast {} progress not shown: {}", broadcast.id, exc)
        except TelegramAPIError as exc:
            logger.warning("Broadcast {} progress not shown: {}", broadcast.id, exc)

    async def _author_locale(self, broadcast: Broadcast) -> str:
        author = await User.get_or_none(id=broadcast.author_id) if broadcast.author_id else None
        return pick_locale(
            author.locale if author else None,
            author.language_code if author else None,
            default=self._settings.default_locale,
        )


def content_of(broadcast: Broadcast) -> Content:
    """What a stored broadcast says."""
    return Content(
        text=broadcast.text,
        photo_file_id=broadcast.photo_file_id,
        buttons=tuple((str(label), str(url)) for label, url in broadcast.buttons),
    )


async def send_copy(bot: Bot, chat_id: int, content: Content, *, paid: bool) -> Message:
    """The text (or photo and caption), its URL buttons and the opt-out button (labelled in
    the current locale); a preview is the same call to the admin's chat."""
    keyboard = kb.broadcast_keyboard(content.buttons)
    allow_paid = True if paid else None
    if content.photo_file_id:
        return await bot.send_photo(
            chat_id,
            content.photo_file_id,
            caption=content.text,
            reply_markup=keyboard,
            allow_paid_broadcast=allow_paid,
        )
    return await bot.send_message(
        chat_id, content.text, reply_markup=keyboard, allow_paid_broadcast=allow_paid
    )


def progress_text(broadcast: Broadcast, counts: dict[RecipientState, int]) -> str:
    """The live progress line."""
    done = sum(counts[s] for s in RecipientState if s is not RecipientState.pending)
    waiting = counts[RecipientState.pending]
    text = _(
        "📣 <b>Broadcast #{id}</b>: sending…\n"
        "Done {done} of {total}: sent {sent}, blocked {blocked}, failed {failed}."
    ).format(
        id=broadcast.id,
        done=done,
        total=broadcast.total,
        sent=counts[RecipientState.sent],
        blocked=counts[RecipientState.blocked],
        failed=counts[RecipientState.failed],
    )
    if waiting:
        text += "\n" + _("Waiting (quiet hours or their turn): {count}.").format(count=waiting)
    return text


def report_text(broadcast: Broadcast, counts: dict[RecipientState, int]) -> str:
    """The final report: what happened to every copy, and how long it took."""
    if broadcast.state is BroadcastState.cancelled:
        head = _("⏹ <b>Broadcast #{id}</b> was cancelled.").format(id=broadcast.id)
    else:
        head = _("✅ <b>Broadcast #{id}</b> finished.").format(id=broadcast.id)
    started = broadcast.started_at or broadcast.created_at
    finished = broadcast.finished_at or datetime.now(UTC)
    seconds = max(0, int((finished - started).total_seconds()))
    lines = [
        head,
        _("Sent: {count}").format(count=counts[RecipientState.sent]),
        _("Blocked the bot: {count}").format(count=counts[RecipientState.blocked]),
        _("Failed: {count}").format(count=counts[RecipientState.failed]),
        _("Skipped (opted out since): {count}").format(count=counts[RecipientState.skipped]),
    ]
    if counts[RecipientState.cancelled]:
        lines.append(
            _("Not sent (cancelled): {count}").format(count=counts[RecipientState.cancelled])
        )
    lines.append(
        _("Duration: {minutes} min {seconds} s").format(minutes=seconds // 60, seconds=seconds % 60)
    )
    return "\n".join(lines)


def register_broadcast_jobs(runner: JobRunner, bot: Bot, services: Services) -> BroadcastSender:
    """The `broadcast.send` job kind on this process's runner."""
    sender = BroadcastSender(bot, services)
    runner.register(JobKind.broadcast, sender, BROADCAST_POLICY)
    sender.runner = runner
    return sender


# The recipients' button ------------------------------------------------------------------------


async def stop_messages(
    callback: CallbackQuery, user: User, settings: Settings, callback_answer: CallbackAnswer
) -> None:
    """ "Stop these messages": marketing consent withdrawn; /privacy turns it on again."""
    await broadcasts.opt_out(user, settings.privacy_policy_version)
    callback_answer.text = _(
        "Done: no more broadcasts for you. You can turn them on again in /privacy."
    )
    callback_answer.show_alert = True
    message = callback.message
    if isinstance(message, Message) and message.reply_markup is not None:
        rows = [
            row
            for row in message.reply_markup.inline_keyboard
            if not any(button.callback_data == kb.StopCB().pack() for button in row)
        ]
        try:
            await message.edit_reply_markup(
                reply_markup=InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
            )
        except TelegramBadRequest as exc:
            if not not_modified(exc):
                raise


def create_router() -> Router:
    """The opt-out button, for everyone (in any state)."""
    router = Router(name=__name__)
    router.callback_query.register(stop_messages, kb.StopCB.filter())
    return router
