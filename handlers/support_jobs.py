"""The support SLA reminder: a job due when a person's message has waited too long."""

from __future__ import annotations

from datetime import timedelta

from aiogram import Bot

from core.i18n import gettext as _
from db.models import Job
from handlers.support_desk import SupportDesk
from services import support
from services.container import Services
from services.jobs import JobKind, JobPolicy, JobRunner

SLA_POLICY = JobPolicy(first_backoff=timedelta(minutes=1), at_most_once=True)
"""A reminder: never twice; a runner that died after claiming it leaves it missed."""


class SlaReminder:
    """Tells the agents, in the ticket's topic or thread, that a message waits too long."""

    def __init__(self, bot: Bot, services: Services) -> None:
        self._bot = bot
        self._services = services

    async def __call__(self, job: Job) -> None:
        """The job's handler: nothing when an agent answered or the ticket closed meanwhile."""
        settings = self._services.settings
        ticket = await support.still_waiting(int(job.payload["ticket_id"]))
        if ticket is None or settings.support_chat_id is None or ticket.waiting_since is None:
            return
        desk = SupportDesk(self._bot, settings, self._services.i18n)
        minutes = int((job.due_at - ticket.waiting_since).total_seconds() // 60)
        with desk.agents_language():
            text = _("⏰ Ticket #{id} waits for an answer for {minutes} min.").format(
                id=ticket.id, minutes=max(minutes, settings.support_sla_minutes)
            )
            await desk.notice(ticket, text)


def register_support_jobs(runner: JobRunner, bot: Bot, services: Services) -> None:
    """The support jobs that send through the bot."""
    runner.register(JobKind.support_sla, SlaReminder(bot, services), SLA_POLICY)
