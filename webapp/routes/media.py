"""Product photos, thumbnails and 3D models from `<data dir>/media`, and nothing else.

Public (an `<img>` or `<model-viewer>` cannot send the Mini App's Authorization header); photo
file names are content hashes, so knowing a URL reveals nothing that was not shown.
"""

from __future__ import annotations

import asyncio
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from aiohttp import web

from webapp.keys import SERVICES

MEDIA_PREFIX = "/media/"
MEDIA_DIR = "media"
CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".glb": "model/gltf-binary",
    ".gltf": "model/gltf+json",
}
"""The only kinds of file served; anything else under media/ stays private."""
CACHE_CONTROL = "public, max-age=86400"


def media_url(stored_path: str | None) -> str | None:
    """The URL of a file stored relative to the data dir (e.g. `media/products/x.jpg`)."""
    if not stored_path:
        return None
    parts = PurePosixPath(stored_path).parts
    if len(parts) < 2 or parts[0] != MEDIA_DIR:
        return None
    return MEDIA_PREFIX + quote("/".join(parts[1:]))


def resolve_media(root: Path, relative: str) -> Path | None:
    """The file under `root` that `relative` names, or None if it escapes, hides or is not served.

    Resolving follows symlinks, so a link pointing out of `root` is refused too.
    """
    if not relative or "\\" in relative or "\x00" in relative:
        return None
    parts = PurePosixPath(relative).parts
    if any(part in ("..", ".") or part.startswith(".") for part in parts):
        return None
    if PurePosixPath(relative).suffix.lower() not in CONTENT_TYPES:
        return None
    base = root.resolve()
    target = (base / relative).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        return None
    return target


async def serve_media(request: web.Request) -> web.StreamResponse:
    """GET /media/{path}: a photo, thumbnail or model, or 404."""
    root = request.app[SERVICES].settings.data_path / MEDIA_DIR
    target = await asyncio.to_thread(resolve_media, root, request.match_info["path"])
    if target is None:
        raise web.HTTPNotFound()
    return web.FileResponse(
        target,
        headers={
            "Content-Type": CONTENT_TYPES[target.suffix.lower()],
            "Cache-Control": CACHE_CONTROL,
            "X-Content-Type-Options": "nosniff",
        },
    )


def setup(app: web.Application) -> None:
    """Register GET /media/{path}."""
    app.router.add_get(MEDIA_PREFIX + "{path:.+}", serve_media, name="media")
