"""The demo shop's custom product: a mug with a front and a back drawn with Pillow at load time
(no binary files in the repository), each with a print area for the customer's picture."""

from __future__ import annotations

import asyncio
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
