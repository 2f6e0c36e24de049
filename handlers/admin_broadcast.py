"""Admin: /broadcast — compose (text or photo with caption, URL buttons), choose a segment, see
the count and a preview, then send now or at a time; cancel from the progress message.

The conversation keeps the draft in FSM data under a random key; every button carries the
key's first 8 characters, so a button of a draft that was sent or discarded is stale, and a
double click on "Send" writes one broadcast (the key is unique on the broadcast row).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from core.i18n import gettext as _
from handlers.broadcast_send import report_text, send_copy
from handlers.turn import Turn, with_turns
from keyboards import broadcast as kb
from keyboards.admin import AdminAction, AdminCB
from keyboards.broadcast import ComposeAction, ComposeCB, ProgressCB
from services import broadcasts
from services.broadcasts import Audience, Content, Segment

MAX_BUTTON_LABEL = 40
BUTTON_LINE = re.compile(r"^(?P<label>.+?)\s+[-—|]\s+(?P<url>https?://\S+)$")
TIME_FORMATS = ("%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M", "%d.%m %H:%M", "%H:%M")


class BroadcastStates(StatesGroup):
    """Composing a broadcast."""

    text = State()
    buttons = State()
    segment = State()
    when = State()


# Composing -------------------------------------------------------------------------------------


async def start_from_menu(callback: CallbackQuery, turn: Turn) -> None:
    """Admin menu → Broadcast: the same as /broadcast."""
    if isinstance(callback.message, Message):
        await start(callback.message, turn)


async def start(message: Message, turn: Turn) -> None:
    """/broadcast: a new draft; the text comes first."""
    await turn.state.clear()
    await turn.state.set_state(BroadcastStates.text)
    await turn.state.update_data(draft=broadcasts.new_draft_key())
    await message.answer(
        _(
            "<b>New broadcast</b>\n\nSend the message: text (bold, italic and links are kept), "
            "or a photo with a caption.\n\n/cancel — stop."
        )
    )


async def got_text(message: Message, turn: Turn) -> None:
    """The text of the broadcast."""
    if not (message.text or "").strip():
        await message.answer(_("The message is empty. Send the text of the broadcast."))
        return
    await _content_done(message, turn, text=message.html_text, photo=None)


async def got_photo(message: Message, turn: Turn) -> None:
    """A photo with its caption."""
    assert message.photo
    if not (message.caption or "").strip():
        await message.answer(_("A photo needs a caption: send it again with the text."))
        return
    await _content_done(message, turn, text=message.html_text, photo=message.photo[-1].file_id)


async def _content_done(message: Message, turn: Turn, *, text: str, photo: str | None) -> None:
    await turn.state.update_data(text=text, photo=photo, buttons=[])
    await turn.state.set_state(BroadcastStates.buttons)
    draft = (await turn.state.get_data())["draft"]
    await message.answer(
        _(
            "Now the link buttons, one a line, as <code>Label - https://link</code>, "
            "up to {max}. Or press “No buttons”."
        ).format(max=broadcasts.MAX_BUTTONS),
        reply_markup=kb.skip_buttons(draft[:8]),
    )


async def text_wrong_input(message: Message) -> None:
    """A sticker, a file, a voice message instead of the text."""
    await message.answer(_("Send the broadcast as text, or as a photo with a caption."))


async def got_buttons(message: Message, turn: Turn) -> None:
    """URL buttons, one a line."""
    lines = [line.strip() for line in (message.text or "").splitlines() if line.strip()]
    buttons: list[list[str]] = []
    for number, line in enumerate(lines, start=1):
        match = BUTTON_LINE.match(line)
        if match is None or len(match["label"]) > MAX_BUTTON_LABEL:
            await message.answer(
                _(
                    "Line {number} is not “Label - https://link” (a label up to {max} "
                    "characters). Send the buttons again."
                ).format(number=number, max=MAX_BUTTON_LABEL)
            )
            return
        buttons.append([match["label"], match["url"]])
    if len(buttons) > broadcasts.MAX_BUTTONS:
        await message.answer(
            _("At most {max} buttons. Send them again.").format(max=broadcasts.MAX_BUTTONS)
        )
        return
    await turn.state.update_data(buttons=buttons)
    await _to_segment(turn, new_message=message)


async def buttons_wrong_input(message: Message) -> None:
    """A photo or a file while buttons are asked for."""
    await message.answer(_("Send the buttons as text, or press “No buttons”."))


async def _to_segment(turn: Turn, *, new_message: Message | None = None) -> None:
    await turn.state.set_state(BroadcastStates.segment)
    data = await turn.state.get_data()
    segment = Segment.from_dict(data.get("segment"))
    text = await segment_text(segment, turn)
    keyboard = kb.segment_screen(data["draft"][:8], segment)
    if new_message is not None:
        await new_message.answer(text, reply_markup=keyboard)
    else:
        await turn.edit(text, keyboard)


async def segment_text(segment: Segment, turn: Turn) -> str:
    """Who the broadcast reaches and how many they are."""
    reached = await broadcasts.count(segment, turn.settings)
    audience = kb.audience_label(segment)
    if segment.provider_id is not None and segment.audience is not Audience.all:
        provider = await broadcasts.provider_name(segment.provider_id)
        audience += f": {escape(provider)}"
    return _(
        "<b>New broadcast: who gets it</b>\n\n"
        "{audience}\n"
        "Recipients now: <b>{count}</b> (people who opted out of broadcasts or blocked the bot "
        "are not counted; quiet hours {quiet} move a copy to the morning).\n\n"
        "Change the segment with the buttons, look at a preview, then send."
    ).format(audience=audience, count=reached, quiet=turn.settings.quiet_hours or "—")


# The segment screen's buttons --------------------------------------------------------------------


async def _draft(
    callback_data: ComposeCB, turn: Turn, callback_answer: CallbackAnswer
) -> dict[str, Any] | None:
    """The draft this button belongs to, or None (and an alert) when it is gone."""
    data = await turn.state.get_data()
    draft = data.get("draft")
    if not draft or draft[:8] != callback_data.draft or "text" not in data:
        callback_answer.text = _(
            "This draft was sent or discarded already. /broadcast starts anew."
        )
        callback_answer.show_alert = True
        return None
    return data


async def on_compose(
    callback: CallbackQuery,
    callback_data: ComposeCB,
    turn: Turn,
    bot: Bot,
    callback_answer: CallbackAnswer,
) -> None:
    """Every composer button: check the draft is still open, then do what it says."""
    data = await _draft(callback_data, turn, callback_answer)
    if data is None:
        return
    action = callback_data.action
    segment = Segment.from_dict(data.get("segment"))
    if action is ComposeAction.skip_buttons:
        await _to_segment(turn, new_message=None)
    elif action is ComposeAction.audience:
        await _next_audience(turn, data, segment, callback_answer)
    elif action is ComposeAction.provider:
        await _save(turn, replace(segment, provider_id=int(callback_data.value or 0)))
    elif action in (ComposeAction.locale, ComposeAction.active, ComposeAction.cart):
        await _save(turn, _switched(segment, action))
    elif action is ComposeAction.back:
        await _to_segment(turn)
    elif action is ComposeAction.preview:
        await send_copy(bot, turn.chat_id, _content(data), paid=False)
        callback_answer.text = _("The preview is below.")
    elif action is ComposeAction.send:
        await _create(turn, data, segment, callback_answer, scheduled_at=None)
    elif action is ComposeAction.schedule:
        await turn.state.set_state(BroadcastStates.when)
        await turn.edit(
            _(
                "When? Send the date and time ({zone}) like <code>2026-12-24 10:00</code>, "
                "<code>24.12 10:00</code> or just <code>10:00</code> (today, or tomorrow if it "
                "has passed)."
            ).format(zone=escape(_zone(turn).key)),
            kb.back_to_segment(data["draft"][:8]),
        )
    elif action is ComposeAction.drop:
        await turn.state.clear()
        await turn.edit(_("The draft is discarded."))


async def _next_audience(
    turn: Turn, data: dict[str, Any], segment: Segment, callback_answer: CallbackAnswer
) -> None:
    order = [Audience.all, Audience.provider, Audience.tutor]
    following = order[(order.index(segment.audience) + 1) % len(order)]
    if following is Audience.all:
        await _save(turn, replace(segment, audience=following, provider_id=None))
        return
    providers = await broadcasts.providers_for(following)
    no_shops = not providers and following is Audience.provider
    if no_shops:
        following = Audience.tutor
        providers = await broadcasts.providers_for(following)
    if not providers:
        callback_answer.text = (
            _("There are no shops or tutors yet.") if no_shops else _("There are no tutors yet.")
        )
        await _save(turn, replace(segment, audience=Audience.all, provider_id=None))
        return
    await turn.state.update_data(
        segment={**segment.to_dict(), "audience": following, "provider_id": None}
    )
    prompt = (
        _("Whose customers get the broadcast?")
        if following is Audience.provider
        else _("Whose students get the broadcast?")
    )
    await turn.edit(prompt, kb.provider_choice(data["draft"][:8], providers))


def _switched(segment: Segment, action: ComposeAction) -> Segment:
    values = segment.to_dict()
    if action is ComposeAction.locale:
        choices = kb.LOCALE_CHOICES
        values["locale"] = choices[(choices.index(segment.locale) + 1) % len(choices)]
    elif action is ComposeAction.active:
        days = kb.ACTIVE_CHOICES
        values["active_days"] = days[(days.index(segment.active_days) + 1) % len(days)]
    else:
        values["unpaid_cart"] = not segment.unpaid_cart
    return Segment.from_dict(values)


async def _save(turn: Turn, segment: Segment) -> None:
    await turn.state.update_data(segment=segment.to_dict())
    await _to_segment(turn)


def _content(data: dict[str, Any]) -> Content:
    return Content(
        text=str(data["text"]),
        photo_file_id=data.get("photo"),
        buttons=tuple((str(label), str(url)) for label, url in data.get("buttons") or []),
    )


async def _create(
    turn: Turn,
    data: dict[str, Any],
    segment: Segment,
    callback_answer: CallbackAnswer | None,
    *,
    scheduled_at: datetime | None,
    reply_to: Message | None = None,
) -> None:
    if not await broadcasts.count(segment, turn.settings):
        text = _("Nobody is in this segment: change it before sending.")
        if callback_answer is not None:
            callback_answer.text = text
            callback_answer.show_alert = True
        elif reply_to is not None:
            await turn.state.set_state(BroadcastStates.segment)
            await reply_to.answer(text)
        return
    await turn.state.clear()
    broadcast = await broadcasts.create(
        author=turn.user,
        draft_key=data["draft"],
        content=_content(data),
        segment=segment,
        settings=turn.settings,
        scheduled_at=scheduled_at,
    )
    if scheduled_at is None:
        text = _("📣 <b>Broadcast #{id}</b> to {count} people starts within seconds.").format(
            id=broadcast.id, count=broadcast.total
        )
    else:
        text = _("🗓 <b>Broadcast #{id}</b> to {count} people is scheduled for {when}.").format(
            id=broadcast.id,
            count=broadcast.total,
            when=scheduled_at.astimezone(_zone(turn)).strftime("%Y-%m-%d %H:%M"),
        )
    keyboard = kb.progress(broadcast.id)
    if reply_to is not None:
        shown = await reply_to.answer(text, reply_markup=keyboard)
    else:
        assert turn.current is not None
        await turn.edit(text, keyboard)
        shown = turn.current
    await broadcasts.set_progress_message(broadcast.id, shown.chat.id, shown.message_id)


def _zone(turn: Turn) -> ZoneInfo:
    return broadcasts.zone_of(turn.user, turn.settings)


async def got_time(message: Message, turn: Turn) -> None:
    """The time to send at, in the admin's zone."""
    when = parse_time(message.text or "", _zone(turn), now=datetime.now(UTC))
    if when is None:
        await message.answer(
            _("I could not read that time. Send it like 2026-12-24 10:00, 24.12 10:00 or 10:00.")
        )
        return
    if when <= datetime.now(UTC):
        await message.answer(_("That time has passed. Send a time in the future."))
        return
    data = await turn.state.get_data()
    segment = Segment.from_dict(data.get("segment"))
    await _create(turn, data, segment, None, scheduled_at=when, reply_to=message)


async def time_wrong_input(message: Message) -> None:
    """Not text while a time is asked for."""
    await message.answer(_("Send the time as text, like 10:00, or /cancel."))


def parse_time(text: str, zone: ZoneInfo, *, now: datetime) -> datetime | None:
    """A typed date and time in `zone`, as UTC; a bare time is today's, or tomorrow's once
    passed; a date without a year is this year's."""
    text = " ".join(text.split())
    local_now = now.astimezone(zone)
    for pattern in TIME_FORMATS:
        try:
            parsed = datetime.strptime(text, pattern)
        except ValueError:
            continue
        if pattern == "%H:%M":
            moment = local_now.replace(
                hour=parsed.hour, minute=parsed.minute, second=0, microsecond=0
            )
            if moment <= local_now:
                moment += timedelta(days=1)
        else:
            year = parsed.year if "%Y" in pattern else local_now.year
            moment = parsed.replace(year=year, tzinfo=zone)
        return moment.replace(tzinfo=zone).astimezone(UTC)
    return None


# The progress message ---------------------------------------------------------------------------


async def cancel_broadcast(
    callback: CallbackQuery,
    callback_data: ProgressCB,
    turn: Turn,
    callback_answer: CallbackAnswer,
) -> None:
    """⏹ on the progress message: copies not yet sent are cancelled; the report shows."""
    if not await broadcasts.cancel(callback_data.broadcast_id):
        callback_answer.text = _("This broadcast has ended already.")
        return
    callback_answer.text = _("Cancelled.")
    broadcast = await broadcasts.get(callback_data.broadcast_id)
    counts = await broadcasts.counts(broadcast.id)
    await turn.edit(report_text(broadcast, counts))


async def segment_wrong_input(message: Message) -> None:
    """Typing while the segment is chosen with buttons."""
    await message.answer(_("Choose with the buttons above, or /cancel."))


def create_router() -> Router:
    """/broadcast (under the admin router's filter)."""
    router = with_turns(Router(name=__name__))
    router.message.register(start, Command("broadcast"))
    router.callback_query.register(
        start_from_menu, AdminCB.filter(F.action == AdminAction.broadcast)
    )
    text = StateFilter(BroadcastStates.text)
    router.message.register(got_text, text, F.text)
    router.message.register(got_photo, text, F.photo)
    router.message.register(text_wrong_input, text)
    router.message.register(got_buttons, StateFilter(BroadcastStates.buttons), F.text)
    router.message.register(buttons_wrong_input, StateFilter(BroadcastStates.buttons))
    router.message.register(segment_wrong_input, StateFilter(BroadcastStates.segment))
    router.message.register(got_time, StateFilter(BroadcastStates.when), F.text)
    router.message.register(time_wrong_input, StateFilter(BroadcastStates.when))
    router.callback_query.register(on_compose, ComposeCB.filter())
    router.callback_query.register(cancel_broadcast, ProgressCB.filter())
    return router
