"""QR codes as PNG images: black modules on white with the standard quiet zone, so any phone
camera or scanner reads them from a screen."""

from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M

BOX_SIZE = 10
"""Pixels per module: a 6-digit code (21×21 modules, 4 of quiet zone) is 290 px wide."""
QUIET_ZONE = 4
"""Modules of white around the code, as ISO/IEC 18004 asks."""


def qr_png(text: str) -> bytes:
    """A QR code of `text` as PNG bytes (CPU work: call it in a thread)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=BOX_SIZE, border=QUIET_ZONE)
    code.add_data(text)
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
