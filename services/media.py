"""Product media on disk: photos re-encoded as clean JPEGs with thumbnails, and 3D models.

Pillow is synchronous, so every image operation runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from services.gltf import write_atomically, write_demo_glb

__all__ = [
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "THUMBNAIL_SIZE",
    "InvalidImage",
    "make_thumbnail",
    "save_photo",
    "write_demo_glb",
]

MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
THUMBNAIL_SIZE = (320, 320)
JPEG_QUALITY = 85
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "MPO"})


class InvalidImage(ValueError):
    """The bytes are not an image we accept: not a picture, too large, or damaged."""


def _open_checked(source: io.BytesIO | Path) -> Image.Image:
    """Open an image, refusing unknown formats and pixel bombs before decoding the pixels."""
    try:
        image = Image.open(source)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as exc:
        raise InvalidImage("not an image") from exc
    width, height = image.size
    if image.format not in ACCEPTED_FORMATS:
        image.close()
        raise InvalidImage(f"unsupported image format: {image.format}")
    if width * height > MAX_IMAGE_PIXELS:
        image.close()
        raise InvalidImage(f"image is {width}x{height}, over {MAX_IMAGE_PIXELS} pixels")
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as exc:
        image.close()
        raise InvalidImage("damaged image") from exc
    return image


def _clean_rgb(image: Image.Image) -> Image.Image:
    """Upright RGB pixels only: orientation applied, alpha on white, EXIF and ICC left behind."""
    upright = ImageOps.exif_transpose(image)
    if upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    ):
        rgba = upright.convert("RGBA")
        clean = Image.new("RGB", rgba.size, (255, 255, 255))
        clean.paste(rgba, mask=rgba.getchannel("A"))
        return clean
    # A fresh image carries no metadata at all, whatever the source had in `info`.
    clean = Image.new("RGB", upright.size)
    clean.paste(upright.convert("RGB"))
    return clean


def _jpeg_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def _thumbnail_sync(src: Path, dest: Path, size: tuple[int, int]) -> Path:
    with _open_checked(src) as image:
        thumb = _clean_rgb(image)
    thumb.thumbnail(size, Image.Resampling.LANCZOS)
    write_atomically(dest, _jpeg_bytes(thumb))
    return dest


def _save_photo_sync(data: bytes, directory: Path) -> tuple[Path, Path]:
    with _open_checked(io.BytesIO(data)) as image:
        clean = _clean_rgb(image)
    photo_bytes = _jpeg_bytes(clean)
    # Named by content: the same picture saved twice is one file, and names leak nothing.
    name = hashlib.sha256(photo_bytes).hexdigest()[:24]
    photo = directory / f"{name}.jpg"
    thumb = directory / f"{name}.thumb.jpg"
    write_atomically(photo, photo_bytes)
    clean.thumbnail(THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
    write_atomically(thumb, _jpeg_bytes(clean))
    return photo, thumb


async def make_thumbnail(src: Path, dest: Path, size: tuple[int, int] = THUMBNAIL_SIZE) -> Path:
    """Write a JPEG thumbnail of `src` that fits in `size`, keeping the aspect ratio."""
    return await asyncio.to_thread(_thumbnail_sync, src, dest, size)


async def save_photo(data: bytes, directory: Path) -> tuple[Path, Path]:
    """Validate uploaded bytes and store them as a clean JPEG plus thumbnail: (photo, thumb)."""
    if not data:
        raise InvalidImage("empty file")
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidImage(f"file is {len(data)} bytes, over {MAX_IMAGE_BYTES}")
    return await asyncio.to_thread(_save_photo_sync, data, directory)
