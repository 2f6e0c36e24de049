"""The demo shop's custom product: a mug with a front and a back drawn with Pillow at load time
(no binary files in the repository), each with a print area for the customer's picture, and a
3D mug (a GLB written with the standard library) that the Mini App paints the preview on."""

from __future__ import annotations

import asyncio
import json
import math
import struct
from pathlib import Path

from db.models import Product, Provider
from services import custom_products
from services.design_images import DEMO_PRINT_AREA, draw_demo_base, write_file

DEMO_CUSTOM_MUG_SKU = "CER-005"
DEMO_WATERMARK = "ПРИЛАВОК · ОБРАЗЕЦ"
DEMO_SIDES = (("спереди", "front"), ("сзади", "back"))
"""(the base image's name customers see, which drawing)."""


async def ensure_demo_template(provider: Provider, product: Product, data_dir: Path) -> None:
    """Give the demo mug its template once; a later run leaves it as it is, unless the volume
    lost the base images (they are drawn again, at the same content-hash paths)."""
    template = await custom_products.ensure_template(provider, product.id, watermark=DEMO_WATERMARK)
    model = data_dir / DEMO_MUG_MODEL
    if not await asyncio.to_thread(model.is_file):
        await asyncio.to_thread(write_file, model, build_mug_glb())
    if template.model_path != DEMO_MUG_MODEL.as_posix():
        template.model_path = DEMO_MUG_MODEL.as_posix()
        await template.save(update_fields=["model_path", "updated_at"])
    images = await template.images.all()
    if images:
        for image in images:
            path = data_dir / image.path
            if not await asyncio.to_thread(path.is_file):
                kind = dict(DEMO_SIDES).get(image.name, "front")
                data = await asyncio.to_thread(draw_demo_base, kind)
                await asyncio.to_thread(write_file, path, data)
        return
    for name, kind in DEMO_SIDES:
        data = await asyncio.to_thread(draw_demo_base, kind)
        await custom_products.add_base_image(
            provider, product.id, name=name, data=data, area=DEMO_PRINT_AREA, data_dir=data_dir
        )


DEMO_MUG_MODEL = Path("media/models/demo-mug.glb")
_FLOAT, _UNSIGNED_SHORT, _ARRAY_BUFFER, _ELEMENT_ARRAY_BUFFER = 5126, 5123, 34962, 34963


def build_mug_glb(segments: int = 48, radius: float = 0.4, height: float = 0.9) -> bytes:
    """A GLB of an open white cylinder (the mug's body) with texture coordinates that wrap a
    picture once around it: what the Mini App paints the front preview on."""
    positions: list[float] = []
    normals: list[float] = []
    uvs: list[float] = []
    for column in range(segments + 1):  # one extra column: the picture's seam needs its own UVs
        angle = 2 * math.pi * column / segments
        x, z = math.cos(angle), math.sin(angle)
        for row, y in ((0, -height / 2), (1, height / 2)):
            positions += [radius * x, y, radius * z]
            normals += [x, 0.0, z]
            uvs += [1 - column / segments, 1.0 - row]
    indices: list[int] = []
    for column in range(segments):
        bottom, top = column * 2, column * 2 + 1
        indices += [bottom, top, bottom + 2, top, top + 2, bottom + 2]
    chunks = [
        struct.pack(f"<{len(positions)}f", *positions),
        struct.pack(f"<{len(normals)}f", *normals),
        struct.pack(f"<{len(uvs)}f", *uvs),
        struct.pack(f"<{len(indices)}H", *indices),
    ]
    chunks[3] += b"\0" * (-len(chunks[3]) % 4)
    offsets = [sum(len(chunk) for chunk in chunks[:number]) for number in range(len(chunks))]
    count = len(positions) // 3
    document = {
        "asset": {"version": "2.0", "generator": "Prilavok services.demo_custom"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0, "name": "DemoMug"}],
        "meshes": [
            {
                "primitives": [
                    {
                        "attributes": {"POSITION": 0, "NORMAL": 1, "TEXCOORD_0": 2},
                        "indices": 3,
                        "material": 0,
                    }
                ]
            }
        ],
        "materials": [
            {
                "name": "Print",
                "doubleSided": True,
                "pbrMetallicRoughness": {"metallicFactor": 0.0, "roughnessFactor": 0.5},
            }
        ],
        "buffers": [{"byteLength": sum(len(chunk) for chunk in chunks)}],
        "bufferViews": [
            {
                "buffer": 0,
                "byteOffset": offsets[number],
                "byteLength": len(chunk),
                "target": _ELEMENT_ARRAY_BUFFER if number == 3 else _ARRAY_BUFFER,
            }
            for number, chunk in enumerate(chunks)
        ],
        "accessors": [
            {
                "bufferView": 0,
                "componentType": _FLOAT,
                "count": count,
                "type": "VEC3",
                "min": [-radius, -height / 2, -radius],
                "max": [radius, height / 2, radius],
            },
            {"bufferView": 1, "componentType": _FLOAT, "count": count, "type": "VEC3"},
            {"bufferView": 2, "componentType": _FLOAT, "count": count, "type": "VEC2"},
            {
                "bufferView": 3,
                "componentType": _UNSIGNED_SHORT,
                "count": len(indices),
                "type": "SCALAR",
            },
        ],
    }
    binary = b"".join(chunks)
    text = json.dumps(document, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 4)
    body = struct.pack("<II", len(text), 0x4E4F534A) + text
    body += struct.pack("<II", len(binary), 0x004E4942) + binary
    return struct.pack("<III", 0x46546C67, 2, 12 + len(body)) + body
