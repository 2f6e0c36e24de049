"""Custom products in the JSON API: a product's template, the person's designs and previews.

Registered on the shop API's route table (so they are in its OpenAPI document). Uploads are
streamed to disk in chunks, never read whole into memory; previews are served only to the
design's owner, the seller of its product and admins (404 to everyone else).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from aiogram.exceptions import TelegramAPIError
from pydantic import Field

from core.i18n import gettext as _
from db.models import Design, DesignStatus
from services import custom_products
from webapp.keys import BOT
from webapp.routes.media import media_url
from webapp.routes.shop_api import routes
from webapp.routes.shop_api_kit import ApiError, Binary, Call
from webapp.routes.shop_api_models import OptionalId, RequestBody, ResponseBody
from webapp.routes.uploads import UPLOAD_FIELD, incoming_path, receive_upload

API_PREFIX = "/api/v1"


class Jpeg(Binary):
    """A JPEG image."""

    media_type: ClassVar[str] = "image/jpeg"


class PrintAreaOut(ResponseBody):
    """Where the picture goes on a base image, in its pixels."""

    x: int
    y: int
    w: int
    h: int


class TemplateImageOut(ResponseBody):
    """One base image of a template (a side of the product)."""

    id: int
    name: str
    width: int
    height: int
    print_area: PrintAreaOut
    url: str | None


class UploadLimitsOut(ResponseBody):
    """What an upload may be."""

    max_bytes: int
    max_pixels: int
    formats: list[str] = Field(description="Detected from the content, not the file name.")


class TemplateOut(ResponseBody):
    """How a custom product is previewed."""

    product_id: int
    watermark: str
    images: list[TemplateImageOut]
    model_url: str | None = Field(
        description="A GLB whose first material takes the front preview as its texture."
    )
    limits: UploadLimitsOut


class PreviewOut(ResponseBody):
    """The design on one base image (the URLs need the Authorization header)."""

    id: int
    name: str
    url: str
    thumb_url: str


class DesignOut(ResponseBody):
    """The person's picture for a custom product, with its previews."""

    id: int
    product_id: int
    status: DesignStatus
    width: int
    height: int
    created_at: datetime
    previews: list[PreviewOut]


class FromChat(RequestBody):
    """Which picture sent to the bot to use."""

    picture_id: OptionalId = Field(
        default=None, description="Unset: the latest picture sent to the bot."
    )


def _design_out(design: Design) -> DesignOut:
    base = f"{API_PREFIX}/designs/{design.id}/previews"
    return DesignOut(
        id=design.id,
        product_id=design.product_id,
        status=design.status,
        width=design.width,
        height=design.height,
        created_at=design.created_at,
        previews=[
            PreviewOut(
                id=preview.id,
                name=preview.name,
                url=f"{base}/{preview.id}",
                thumb_url=f"{base}/{preview.id}/thumb",
            )
            for preview in custom_products.previews_of(design)
        ],
    )


@routes.endpoint("GET", "/products/{product_id}/template", tag="catalog", errors=(404,))
async def get_template(call: Call, product_id: int) -> TemplateOut:
    """A custom product's template: base images with print areas, the 3D model, upload limits.

    404 for a product that is not custom or has no template yet.
    """
    template = await custom_products.template_of(product_id)
    limits = custom_products.LIMITS
    return TemplateOut(
        product_id=template.product_id,
        watermark=template.watermark,
        images=[
            TemplateImageOut(
                id=image.id,
                name=image.name,
                width=image.width,
                height=image.height,
                print_area=PrintAreaOut(
                    x=image.print_x, y=image.print_y, w=image.print_w, h=image.print_h
                ),
                url=media_url(image.path),
            )
            for image in custom_products.sorted_images(template)
        ],
        model_url=media_url(template.model_path),
        limits=UploadLimitsOut(
            max_bytes=limits.max_bytes, max_pixels=limits.max_pixels, formats=list(limits.formats)
        ),
    )


async def _design_from(call: Call, product_id: int, upload: Path) -> DesignOut:
    try:
        design = await custom_products.create_design(
            call.user, product_id, upload, data_dir=call.settings.data_path
        )
    finally:
        await asyncio.to_thread(upload.unlink, missing_ok=True)
    call.status = 201
    return _design_out(design)


@routes.endpoint(
    "POST",
    "/products/{product_id}/designs",
    tag="cart",
    status=201,
    errors=(404, 413, 422),
    upload=UPLOAD_FIELD,
)
async def upload_design(call: Call, product_id: int) -> DesignOut:
    """Upload a picture for a custom product (multipart field `file`): previews on every base
    image of its template (201).

    The type comes from the content (JPEG, PNG, WebP), not the name. Refused with 413
    `upload_too_large`, or 422 `upload_wrong_type`, `upload_too_many_pixels`, `upload_bomb`
    (a file that claims an enormous size), `upload_corrupt`, `upload_empty`, `upload_too_slow`.
    """
    await custom_products.template_of(product_id)  # 404 before reading a byte
    upload = incoming_path(call)
    try:
        await receive_upload(call.request, upload)
    except BaseException:
        await asyncio.to_thread(upload.unlink, missing_ok=True)
        raise
    return await _design_from(call, product_id, upload)


@routes.endpoint(
    "POST", "/products/{product_id}/designs/from-chat", tag="cart", status=201, errors=(404, 409)
)
async def design_from_chat(call: Call, product_id: int, body: FromChat) -> DesignOut:
    """Use a picture the person sent to the bot in the chat (the latest, or `picture_id`) (201).

    422 `upload_no_picture` when they have sent none; the same checks as an upload apply.
    """
    await custom_products.template_of(product_id)
    picture = await custom_products.chat_picture(call.user, body.picture_id)
    upload = incoming_path(call)
    try:
        await call.request.config_dict[BOT].download(picture.file_id, destination=upload)
    except TelegramAPIError as exc:
        await asyncio.to_thread(upload.unlink, missing_ok=True)
        raise ApiError(
            409,
            "chat_picture_unavailable",
            _("Telegram no longer has this picture. Please send it to the bot again."),
        ) from exc
    return await _design_from(call, product_id, upload)


@routes.endpoint("GET", "/designs/{design_id}", tag="cart", errors=(404,))
async def get_design(call: Call, design_id: int) -> DesignOut:
    """One of the person's designs with its previews (others' designs are 404)."""
    return _design_out(await custom_products.customer_design(call.user, design_id))


async def _preview_file(call: Call, design_id: int, preview_id: int, *, thumb: bool) -> Jpeg:
    design = await custom_products.viewable_design(call.user, design_id, call.settings.admin_ids)
    for preview in custom_products.previews_of(design):
        if preview.id == preview_id:
            path = call.settings.data_path / (preview.thumb_path if thumb else preview.path)
            return Jpeg(await asyncio.to_thread(path.read_bytes))
    raise ApiError(404, "not_found", _("Not found."))


@routes.endpoint("GET", "/designs/{design_id}/previews/{preview_id}", tag="cart", errors=(404,))
async def get_preview(call: Call, design_id: int, preview_id: int) -> Jpeg:
    """A preview image (JPEG) of a design: for its owner, the product's seller and admins."""
    return await _preview_file(call, design_id, preview_id, thumb=False)


@routes.endpoint(
    "GET", "/designs/{design_id}/previews/{preview_id}/thumb", tag="cart", errors=(404,)
)
async def get_preview_thumb(call: Call, design_id: int, preview_id: int) -> Jpeg:
    """A preview's thumbnail (JPEG, at most 320 px): for the same people as the preview."""
    return await _preview_file(call, design_id, preview_id, thumb=True)
