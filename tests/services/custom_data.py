"""Builders for custom-product tests: a mug with a front and a back, pictures good and bad."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from PIL import Image

from db.models import Product, ProductKind, Provider
from services import custom_products
from services.catalog import ProductDraft, create_product
from services.design_images import DEMO_PRINT_AREA, draw_demo_base


def picture(
    size: tuple[int, int] = (400, 300),
    color: tuple[int, int, int] = (220, 40, 40),
    fmt: str = "PNG",
) -> bytes:
    """A plain picture in a format Pillow writes."""
    buffer = io.BytesIO()
    image = Image.new("RGB", size, color)
    # A band of another colour, so a fitted picture is not one flat colour.
    image.paste((20, 40, 220), (0, 0, size[0] // 2, size[1]))
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width × height in a few bytes (the pixel data is one empty row): how a
    decompression bomb or an oversized picture looks before decoding."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    """The bytes as an upload on disk."""
    path = tmp_path / name
    path.write_bytes(data)
    return path


async def make_mug(provider: Provider, data_dir: Path, *, title: str = "Mug") -> Product:
    """A custom mug with a front and a back base image (the demo's drawings)."""
    product = await create_product(
        provider, ProductDraft(title=title, price=90000, stock=20, kind=ProductKind.custom)
    )
    await custom_products.ensure_template(provider, product.id, watermark="SAMPLE")
    for side in ("front", "back"):
        await custom_products.add_base_image(
            provider,
            product.id,
            name=side,
            data=draw_demo_base(side),
            area=DEMO_PRINT_AREA,
            data_dir=data_dir,
        )
    return product
