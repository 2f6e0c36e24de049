"""Pictures of custom products with Pillow: checking an upload, composing previews, thumbnails.

Every function here is synchronous and blocking: services call them in `asyncio.to_thread`.

The customer's picture is fitted into the print area with **contain** (scaled to fit inside,
centred, never cropped): what they see is all that gets printed, so a face or a signature at
the edge of their picture is never cut off without them noticing. Cover would fill the area
but silently crop; a seller who wants a full bleed can draw a print area of the picture's shape.
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from core.errors import UploadRefused

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
"""The largest file taken, checked while it streams to disk."""
MAX_UPLOAD_PIXELS = 36_000_000
"""The largest picture taken (6000 × 6000), checked from the header before any pixel is decoded.
Far above this, Pillow's own guard (Image.MAX_IMAGE_PIXELS, twice of which raises
DecompressionBombError) refuses files that claim a huge size in a few bytes."""
ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "MPO": "jpg"}
"""What Pillow detected from the content (never the file's name) → the stored extension."""
PREVIEW_MAX_SIDE = 1200
"""A preview is at most this many pixels on its longer side (the base image is scaled down)."""
THUMB_SIZE = (320, 320)
JPEG_QUALITY = 85
WATERMARK_ALPHA = 70
WATERMARK_FONT = "DejaVuSans-Bold.ttf"


@dataclass(frozen=True, slots=True)
class PictureInfo:
    """What an accepted upload is."""

    format: str
    extension: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class PrintArea:
    """Where on a base image the picture goes, in the base image's pixels."""

    x: int
    y: int
    w: int
    h: int

    def fits(self, width: int, height: int) -> bool:
        """The area is non-empty and lies within an image of this size."""
        return (
            self.w > 0
            and self.h > 0
            and self.x >= 0
            and self.y >= 0
            and self.x + self.w <= width
            and self.y + self.h <= height
        )


def inspect_upload(path: Path) -> PictureInfo:
    """Check a stored upload by its content: an accepted format, within the pixel limit, not a
    decompression bomb, and decodable to the last byte; UploadRefused says what is wrong."""
    size = path.stat().st_size
    if size == 0:
        raise UploadRefused("empty")
    if size > MAX_UPLOAD_BYTES:
        raise UploadRefused("too_large", max_bytes=MAX_UPLOAD_BYTES)
    try:
        image = Image.open(path)
    except Image.DecompressionBombError as exc:
        raise UploadRefused("bomb") from exc
    except UnidentifiedImageError as exc:
        raise UploadRefused("wrong_type") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise UploadRefused("corrupt") from exc
    with image:
        if image.format not in ACCEPTED_FORMATS:
            raise UploadRefused("wrong_type", format=image.format or "")
        width, height = image.size
        if width * height > MAX_UPLOAD_PIXELS:
            raise UploadRefused("too_many_pixels", max_pixels=MAX_UPLOAD_PIXELS)
        try:
            image.load()
        except Image.DecompressionBombError as exc:
            raise UploadRefused("bomb") from exc
        except (OSError, SyntaxError, ValueError) as exc:
            raise UploadRefused("corrupt") from exc
        return PictureInfo(image.format, ACCEPTED_FORMATS[image.format], width, height)


def inspect_bytes(data: bytes) -> PictureInfo:
    """A seller's base image checked like an upload."""
    with tempfile.NamedTemporaryFile(suffix=".upload") as file:
        file.write(data)
        file.flush()
        return inspect_upload(Path(file.name))


def _upright_rgba(path: Path) -> Image.Image:
    with Image.open(path) as image:
        upright = ImageOps.exif_transpose(image)
        return upright.convert("RGBA")


def _fit_contain(picture: Image.Image, width: int, height: int) -> Image.Image:
    """The picture scaled to fit inside width × height (aspect kept), on a transparent canvas."""
    fitted = ImageOps.contain(picture, (max(1, width), max(1, height)), Image.Resampling.LANCZOS)
    canvas = Image.new("RGBA", (max(1, width), max(1, height)), (0, 0, 0, 0))
    canvas.paste(fitted, ((canvas.width - fitted.width) // 2, (canvas.height - fitted.height) // 2))
    return canvas


def _watermark_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu (it has Cyrillic) where installed, else Pillow's own font."""
    try:
        return ImageFont.truetype(WATERMARK_FONT, size)
    except OSError:
        return ImageFont.load_default(size=size)


def _watermark(image: Image.Image, text: str) -> Image.Image:
    """The text tiled diagonally across the image, light enough to see the product through."""
    if not text:
        return image
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    font_size = max(12, image.width // 18)
    font = _watermark_font(font_size)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    step_x = int(right - left) + font_size * 2
    step_y = int(bottom - top) + font_size * 3
    for row, y in enumerate(range(-image.height, image.height * 2, step_y)):
        offset = (row % 2) * step_x // 2
        for x in range(-image.width + offset, image.width * 2, step_x):
            draw.text((x, y), text, font=font, fill=(255, 255, 255, WATERMARK_ALPHA))
            draw.text((x + 1, y + 1), text, font=font, fill=(0, 0, 0, WATERMARK_ALPHA // 2))
    rotated = layer.rotate(30, resample=Image.Resampling.BICUBIC)
    return Image.alpha_composite(image, rotated)


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def write_file(path: Path, data: bytes) -> None:
    """Write all of `data` or nothing (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def compose_preview(
    base: Path,
    area: PrintArea,
    picture: Path,
    watermark: str,
    preview: Path,
    thumb: Path,
) -> None:
    """The picture fitted (contain) into the base image's print area, watermarked, written as
    a JPEG preview of at most PREVIEW_MAX_SIDE pixels and a THUMB_SIZE thumbnail."""
    with Image.open(base) as opened:
        canvas = opened.convert("RGBA")
    scale = min(1.0, PREVIEW_MAX_SIDE / max(canvas.size))
    if scale < 1.0:
        canvas = canvas.resize(
            (round(canvas.width * scale), round(canvas.height * scale)), Image.Resampling.LANCZOS
        )
    box = (round(area.x * scale), round(area.y * scale))
    size = (round(area.w * scale), round(area.h * scale))
    design = _upright_rgba(picture)
    # Shrink a big picture once, cheaply, before the careful resampling of _fit_contain.
    design.thumbnail((size[0] * 2, size[1] * 2), Image.Resampling.BILINEAR)
    fitted = _fit_contain(design, *size)
    canvas.alpha_composite(fitted, box)
    composed = _watermark(canvas, watermark)
    write_file(preview, _jpeg(composed))
    small = composed.copy()
    small.thumbnail(THUMB_SIZE, Image.Resampling.LANCZOS)
    write_file(thumb, _jpeg(small))


def draw_demo_base(kind: str, size: tuple[int, int] = (800, 600)) -> bytes:
    """A plain drawn mug (front or back) as PNG bytes, for the demo shop's template."""
    image = Image.new("RGB", size, (236, 239, 244))
    draw = ImageDraw.Draw(image)
    width, height = size
    body = (width * 0.22, height * 0.12, width * 0.72, height * 0.9)
    handle = (width * 0.64, height * 0.3, width * 0.88, height * 0.68)
    if kind == "back":
        handle = (width * 0.06, height * 0.3, width * 0.3, height * 0.68)
    draw.ellipse(handle, outline=(170, 176, 186), width=max(8, width // 40))
    draw.rounded_rectangle(body, radius=width // 30, fill=(255, 255, 255), outline=(170, 176, 186))
    rim = (body[0], body[1] - height * 0.04, body[2], body[1] + height * 0.04)
    draw.ellipse(rim, fill=(214, 218, 226))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


DEMO_PRINT_AREA = PrintArea(x=216, y=150, w=352, h=340)
"""Where the demo mug's picture goes on the 800 × 600 drawings of draw_demo_base."""
