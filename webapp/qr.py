"""QR codes as PNG images (the drawing lives in services.qr_codes: the chat draws them too)."""

from services.qr_codes import BOX_SIZE, QUIET_ZONE, qr_png

__all__ = ["BOX_SIZE", "QUIET_ZONE", "qr_png"]
