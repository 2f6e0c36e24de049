"""The running process freezes its start-up objects and collects garbage less often."""

from __future__ import annotations

import gc

from bot.runner import GC_THRESHOLDS, settle_garbage_collector


def test_start_up_objects_are_frozen_and_collections_are_rarer() -> None:
    before = gc.get_threshold()
    try:
        settle_garbage_collector()

        assert gc.get_threshold() == GC_THRESHOLDS
        assert GC_THRESHOLDS[0] > before[0]
        assert gc.get_freeze_count() > 10_000  # modules, models, translations: out of sight
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
