"""Delivery slots: the windows of today and tomorrow in the shop's time zone (`TIMEZONE`).

A slot is offered while it has not started and the provider has fewer than `SLOT_CAPACITY`
live delivery orders in it. The order keeps the slot as people read it (`Slot.stored`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.i18n import gettext as _
from db.models import Fulfilment, Order, OrderStatus

SLOT_HOURS = ((10, 14), (14, 18), (18, 22))
"""Delivery windows of a day, local hours."""
SLOT_DAYS = 2
"""Today and tomorrow."""
SLOT_CAPACITY = 10
"""Live delivery orders one provider takes in one window."""
_ID_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})$")
_NOT_LIVE = (OrderStatus.cancelled, OrderStatus.refunded)


@dataclass(frozen=True, slots=True)
class Slot:
    """A delivery window on a day, in the shop's time zone."""

    starts_at: datetime
    ends_at: datetime

    @classmethod
    def on(cls, day: date, start: int, end: int, zone: ZoneInfo) -> Slot:
        """The window `start`–`end` o'clock of `day`."""
        return cls(
            datetime.combine(day, time(start), tzinfo=zone),
            datetime.combine(day, time(end), tzinfo=zone),
        )

    @property
    def id(self) -> str:
        """Stable and compact (callback data, the API): 2025052110."""
        return f"{self.starts_at:%Y%m%d%H}"

    @property
    def stored(self) -> str:
        """How the order keeps it: 21.05.2025 10:00–14:00."""
        return f"{self.starts_at:%d.%m.%Y %H:%M}–{self.ends_at:%H:%M}"

    def label(self, now: datetime) -> str:
        """ "Today 14–18" / "Tomorrow 10–14", in the current locale."""
        hours = f"{self.starts_at.hour}–{self.ends_at.hour}"
        today = now.astimezone(self.starts_at.tzinfo).date()
        day = self.starts_at.date()
        if day == today:
            return _("Today {hours}").format(hours=hours)
        if day == today + timedelta(days=1):
            return _("Tomorrow {hours}").format(hours=hours)
        return f"{day:%d.%m} {hours}"


def delivery_slots(now: datetime, timezone: str) -> list[Slot]:
    """Today's and tomorrow's windows that have not started yet."""
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    slots = []
    for offset in range(SLOT_DAYS):
        day = local_now.date() + timedelta(days=offset)
        for start, end in SLOT_HOURS:
            slot = Slot.on(day, start, end, zone)
            if slot.starts_at > local_now:
                slots.append(slot)
    return slots


def slot_by_id(slot_id: str, timezone: str) -> Slot | None:
    """The window an id names, started or not; None if no window has that id."""
    match = _ID_RE.match(slot_id)
    if match is None:
        return None
    year, month, day, hour = (int(part) for part in match.groups())
    end = dict(SLOT_HOURS).get(hour)
    try:
        return Slot.on(date(year, month, day), hour, end, ZoneInfo(timezone)) if end else None
    except ValueError:  # 20250231…
        return None


async def booked(provider_id: int, slots: list[Slot]) -> Counter[str]:
    """How many live delivery orders the provider has in each of these slots (by id)."""
    by_text = {slot.stored: slot.id for slot in slots}
    taken = (
        await Order.filter(
            provider_id=provider_id,
            fulfilment=Fulfilment.delivery,
            delivery_slot__in=list(by_text),
        )
        .exclude(status__in=_NOT_LIVE)
        .values_list("delivery_slot", flat=True)
    )
    return Counter(by_text[str(text)] for text in taken)
