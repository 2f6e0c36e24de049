"""Shared pieces of the admin chat tests (tests/handlers/test_admin_*.py)."""

from __future__ import annotations

import re

from tests.handlers.conftest import faster_clicks

ADMIN_ID = 999  # ADMIN_IDS of the test settings (tests/conftest.py)
INVITE_RE = re.compile(r"https://t\.me/prilavok_test_bot\?start=(inv_[A-Za-z0-9-]+)")

make_settings = faster_clicks("100/5seconds")
