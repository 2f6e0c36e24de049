"""Tutoring: availability, race-proof booking, lesson money and reminders.

`booking` holds the use cases; `availability` the pure slot engine; `money` the ledger side of
packages and lessons; `reminders` the job rows of lesson reminders.
"""

from services.tutoring.booking import held_lesson_times

__all__ = ["held_lesson_times"]
