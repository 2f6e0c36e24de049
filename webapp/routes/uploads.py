"""Picture uploads of the JSON API: the multipart field `file` streamed to the incoming folder
in chunks (never read whole into memory), refused once it is over the limit."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

from aiohttp import BodyPartReader, web

from core.errors import UploadRefused
from core.i18n import gettext as _
from services import design_images
from webapp.routes.shop_api_kit import BadRequest, Call

UPLOAD_FIELD = "file"
CHUNK = 64 * 1024
INCOMING_DIR = "designs/incoming"


def incoming_path(call: Call) -> Path:
    """A fresh file name in the incoming folder for an upload (deleted once handled)."""
    directory = call.settings.data_path / INCOMING_DIR
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{secrets.token_hex(16)}.upload"


async def receive_upload(request: web.Request, target: Path) -> None:
    """Stream the form field `file` to `target` in chunks, refusing it once it is too large."""
    if not request.content_type.startswith("multipart/"):
        raise BadRequest(_("Send the picture as multipart/form-data in the field “file”."), "file")
    try:
        reader = await request.multipart()
        part = await reader.next()
        while part is not None and not (
            isinstance(part, BodyPartReader) and part.name == UPLOAD_FIELD
        ):
            part = await reader.next()
    except (ValueError, AssertionError, RuntimeError) as exc:
        raise BadRequest(_("The request is malformed."), "file") from exc
    if part is None:
        raise BadRequest(_("Send the picture as multipart/form-data in the field “file”."), "file")
    limit = design_images.MAX_UPLOAD_BYTES
    received = 0
    file = await asyncio.to_thread(target.open, "wb")
    try:
        while chunk := await part.read_chunk(CHUNK):
            received += len(chunk)
            if received > limit:
                raise UploadRefused("too_large", max_bytes=limit)
            await asyncio.to_thread(file.write, chunk)
    except ValueError as exc:  # a broken multipart stream
        raise BadRequest(_("The request is malformed."), "file") from exc
    finally:
        await asyncio.to_thread(file.close)
