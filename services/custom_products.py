"""Custom products: templates, the customers' designs and their previews.

A design is the customer's picture for a custom product. Its original is kept under DATA_DIR
by content hash (never under the public media folder); its previews are composed per base image
of the product's template and cached by (picture hash, template, template version, base image):
the same picture on the same template is composed once, whoever uploads it again.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from tortoise.transactions import in_transaction

from core.errors import InvalidInput, NotFound, UploadRefused
from db.models import (
    ChatPicture,
    Design,
    DesignPreview,
    DesignStatus,
    Product,
    ProductKind,
    ProductTemplate,
    Provider,
    TemplateImage,
    User,
)
from services import catalog_versions
from services.catalog import get_visible_product
from services.design_images import (
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_PIXELS,
    PictureInfo,
    PrintArea,
    compose_preview,
    inspect_bytes,
    inspect_upload,
    write_file,
)
from services.users import is_admin

DESIGNS_DIR = "designs"
"""Under DATA_DIR: originals and previews, served only to their owner and the shop's staff."""
TEMPLATES_DIR = "media/templates"
"""Under DATA_DIR: base images of templates (public, like product photos)."""
PREVIEW_TIME_BUDGET = 20.0
"""Seconds the previews of one upload may take before the customer is asked for a smaller one."""
CHAT_PICTURES_KEPT = 10
"""Pictures sent to the bot kept per person (older ones are forgotten)."""
MAX_TEMPLATE_IMAGES = 4
MAX_NAME = 32
MAX_WATERMARK = 64


@dataclass(frozen=True, slots=True)
class UploadLimits:
    """What an upload may be, for the clients to say before sending."""

    max_bytes: int = MAX_UPLOAD_BYTES
    max_pixels: int = MAX_UPLOAD_PIXELS
    formats: tuple[str, ...] = ("image/jpeg", "image/png", "image/webp")


LIMITS = UploadLimits()


# Templates --------------------------------------------------------------------------------


async def template_of(product_id: int) -> ProductTemplate:
    """The template of a visible custom product with its base images in order, or NotFound."""
    product = await get_visible_product(product_id)
    template = await _template_with_images(product)
    if template is None:
        raise NotFound(entity="template")
    return template


async def has_template(product: Product) -> bool:
    """The product is custom and has a template with at least one base image."""
    if product.kind is not ProductKind.custom:
        return False
    return await TemplateImage.filter(template__product_id=product.id).exists()


async def _template_with_images(product: Product) -> ProductTemplate | None:
    if product.kind is not ProductKind.custom:
        return None
    template = await ProductTemplate.get_or_none(product_id=product.id).prefetch_related("images")
    if template is None or not list(template.images):
        return None
    return template


def sorted_images(template: ProductTemplate) -> list[TemplateImage]:
    """The base images of a template (prefetched) in their order."""
    return sorted(template.images, key=lambda image: (image.position, image.id))


async def ensure_template(
    provider: Provider, product_id: int, *, watermark: str | None = None
) -> ProductTemplate:
    """The provider's custom product's template, created when missing; the product becomes
    custom. `watermark` (when given) replaces the text printed over previews."""
    product = await Product.get_or_none(id=product_id, provider_id=provider.id)
    if product is None:
        raise NotFound(entity="product")
    if watermark is not None:
        watermark = " ".join(watermark.split())
        if len(watermark) > MAX_WATERMARK:
            raise InvalidInput(field="watermark", max=MAX_WATERMARK)
    existing = await ProductTemplate.get_or_none(product_id=product.id)
    unchanged = watermark is None or (existing is not None and existing.watermark == watermark)
    if existing is not None and product.kind is ProductKind.custom and unchanged:
        return existing  # nothing changes: no new version, no catalogue bump
    async with in_transaction():
        if product.kind is not ProductKind.custom:
            product.kind = ProductKind.custom
            await product.save(update_fields=["kind", "updated_at"])
        template, _ = await ProductTemplate.get_or_create(
            product_id=product.id, defaults={"watermark": watermark or provider.name[:64]}
        )
        if watermark is not None and watermark != template.watermark:
            template.watermark = watermark
            template.version += 1
            await template.save(update_fields=["watermark", "version", "updated_at"])
        await catalog_versions.bump([provider.id])
    return template


async def add_base_image(
    provider: Provider,
    product_id: int,
    *,
    name: str,
    data: bytes,
    area: PrintArea,
    data_dir: Path,
) -> TemplateImage:
    """Add a base image (a side of the product) with its print area to the product's template.

    The picture is checked like a customer's upload; the area must lie within it."""
    name = " ".join(name.split())
    if not 1 <= len(name) <= MAX_NAME:
        raise InvalidInput(field="name", min=1, max=MAX_NAME)
    info = await asyncio.to_thread(inspect_bytes, data)
    width, height = info.width, info.height
    check_print_area(area, width, height)
    template = await ensure_template(provider, product_id)
    if await TemplateImage.filter(template_id=template.id).count() >= MAX_TEMPLATE_IMAGES:
        raise InvalidInput(field="template_images", max=MAX_TEMPLATE_IMAGES)
    digest = hashlib.sha256(data).hexdigest()[:24]
    relative = f"{TEMPLATES_DIR}/{digest}.{info.extension}"
    await asyncio.to_thread(write_file, data_dir / relative, data)
    async with in_transaction():
        position = await TemplateImage.filter(template_id=template.id).count()
        image = await TemplateImage.create(
            template_id=template.id,
            name=name,
            position=position,
            path=relative,
            width=width,
            height=height,
            print_x=area.x,
            print_y=area.y,
            print_w=area.w,
            print_h=area.h,
        )
        await ProductTemplate.filter(id=template.id).update(version=template.version + 1)
        await catalog_versions.bump([provider.id])
    return image


def check_print_area(area: PrintArea, width: int, height: int) -> None:
    """InvalidInput unless the area is non-empty and lies within a width × height image."""
    if not area.fits(width, height):
        raise InvalidInput(field="print_area", width=width, height=height)


def parse_print_area(text: str) -> PrintArea | None:
    """Four whole numbers "x y w h" (commas or spaces between), or None."""
    parts = text.replace(",", " ").replace(";", " ").split()
    if len(parts) != 4 or not all(part.isdigit() and len(part) <= 6 for part in parts):
        return None
    x, y, w, h = (int(part) for part in parts)
    return PrintArea(x, y, w, h)


def area_of(image: TemplateImage) -> PrintArea:
    """A base image's print area."""
    return PrintArea(image.print_x, image.print_y, image.print_w, image.print_h)


# Designs ----------------------------------------------------------------------------------


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _preview_paths(digest: str, template: ProductTemplate, image: TemplateImage) -> tuple[str, str]:
    key = f"{digest}-t{template.id}v{template.version}-i{image.id}"
    stem = f"{DESIGNS_DIR}/previews/{digest[:2]}/{key}"
    return f"{stem}.jpg", f"{stem}.thumb.jpg"


def _store_and_compose(
    upload: Path, data_dir: Path, template: ProductTemplate, images: list[TemplateImage]
) -> tuple[PictureInfo, str, str, list[tuple[TemplateImage, str, str]]]:
    """Everything blocking of one upload: check, hash, keep the original, compose what the
    cache lacks. Returns (info, hash, original path, [(image, preview, thumb)])."""
    info = inspect_upload(upload)
    digest = _hash_file(upload)
    original = f"{DESIGNS_DIR}/originals/{digest[:2]}/{digest}.{info.extension}"
    target = data_dir / original
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(upload, target)
    previews = []
    for image in images:
        preview, thumb = _preview_paths(digest, template, image)
        if not ((data_dir / preview).exists() and (data_dir / thumb).exists()):
            compose_preview(
                data_dir / image.path,
                area_of(image),
                target,
                template.watermark,
                data_dir / preview,
                data_dir / thumb,
            )
        previews.append((image, preview, thumb))
    return info, digest, original, previews


async def create_design(user: User, product_id: int, upload: Path, *, data_dir: Path) -> Design:
    """The customer's picture (a file already on disk) checked, kept and previewed on every base
    image of the product's template; UploadRefused when the file is not a picture we take."""
    template = await template_of(product_id)
    images = sorted_images(template)
    try:
        info, digest, original, previews = await asyncio.wait_for(
            asyncio.to_thread(_store_and_compose, upload, data_dir, template, images),
            timeout=PREVIEW_TIME_BUDGET,
        )
    except TimeoutError as exc:
        raise UploadRefused("too_slow") from exc
    async with in_transaction():
        design = await Design.create(
            user_id=user.id,
            product_id=template.product_id,
            content_hash=digest,
            original_path=original,
            original_format=info.format,
            width=info.width,
            height=info.height,
            template_version=template.version,
        )
        await DesignPreview.bulk_create(
            [
                DesignPreview(
                    design_id=design.id,
                    image_id=image.id,
                    name=image.name,
                    position=position,
                    path=preview,
                    thumb_path=thumb,
                )
                for position, (image, preview, thumb) in enumerate(previews)
            ]
        )
    return await design_with_previews(design.id)


async def design_with_previews(design_id: int) -> Design:
    """A design with its previews (in order) and product prefetched."""
    return await Design.get(id=design_id).prefetch_related("previews", "product__provider")


def previews_of(design: Design) -> list[DesignPreview]:
    """A design's previews (prefetched) in order."""
    return sorted(design.previews, key=lambda preview: (preview.position, preview.id))


async def customer_design(user: User, design_id: int) -> Design:
    """One of the person's designs, or NotFound (another person's design is not revealed)."""
    design = await Design.get_or_none(id=design_id, user_id=user.id)
    if design is None:
        raise NotFound(entity="design")
    return await design_with_previews(design.id)


async def viewable_design(user: User, design_id: int, admin_ids: list[int]) -> Design:
    """A design its owner, the seller of its product or an admin may see, or NotFound."""
    design = await Design.get_or_none(id=design_id).prefetch_related("product__provider")
    if design is None:
        raise NotFound(entity="design")
    if (
        design.user_id != user.id
        and design.product.provider.owner_id != user.id  # type: ignore[attr-defined]
        and not is_admin(user, admin_ids)
    ):
        raise NotFound(entity="design")
    return await design_with_previews(design.id)


async def design_for_cart(user: User, product: Product, design_id: int | None) -> int | None:
    """The design to put into the cart with `product`: one of the person's designs of this
    product; a custom product with a template needs one, others take none (InvalidInput)."""
    needs = await has_template(product)
    if design_id is None:
        if needs:
            raise InvalidInput(field="design", reason="missing")
        return None
    if not needs:
        raise InvalidInput(field="design", reason="not_taken")
    design = await Design.get_or_none(id=design_id, user_id=user.id, product_id=product.id)
    if design is None:
        raise NotFound(entity="design")
    return design.id


async def mark_ordered(design_ids: list[int]) -> None:
    """The designs went into an order: kept with it for the seller."""
    if design_ids:
        await Design.filter(id__in=design_ids).update(status=DesignStatus.ordered)


# Pictures sent in the chat ----------------------------------------------------------------


async def remember_chat_picture(
    user: User, file_id: str, file_unique_id: str, file_size: int | None
) -> ChatPicture:
    """Keep a picture the person sent the bot (the latest CHAT_PICTURES_KEPT of them)."""
    existing = await ChatPicture.get_or_none(user_id=user.id, file_unique_id=file_unique_id)
    if existing is not None:
        await existing.delete()
    picture = await ChatPicture.create(
        user_id=user.id, file_id=file_id, file_unique_id=file_unique_id, file_size=file_size
    )
    keep = (
        await ChatPicture.filter(user_id=user.id)
        .order_by("-id")
        .limit(CHAT_PICTURES_KEPT)
        .values_list("id", flat=True)
    )
    await ChatPicture.filter(user_id=user.id).exclude(id__in=list(keep)).delete()
    return picture


async def chat_picture(user: User, picture_id: int | None = None) -> ChatPicture:
    """One of the pictures the person sent the bot (the latest when no id is given); refused
    with `upload_no_picture` when there is none."""
    query = ChatPicture.filter(user_id=user.id)
    if picture_id is not None:
        query = query.filter(id=picture_id)
    picture = await query.order_by("-id").first()
    if picture is None:
        if picture_id is not None:
            raise NotFound(entity="chat_picture")
        raise UploadRefused("no_picture")
    if picture.file_size is not None and picture.file_size > MAX_UPLOAD_BYTES:
        raise UploadRefused("too_large", max_bytes=MAX_UPLOAD_BYTES)
    return picture


async def chat_pictures(user: User) -> list[ChatPicture]:
    """The pictures the person sent the bot, newest first."""
    return list(await ChatPicture.filter(user_id=user.id).order_by("-id"))


# Personal data ----------------------------------------------------------------------------


async def export_designs(user: User) -> list[dict[str, object]]:
    """The person's designs for /my_data (what was uploaded, when, for which product)."""
    designs = await Design.filter(user_id=user.id).order_by("id")
    return [
        {
            "id": design.id,
            "product_id": design.product_id,
            "status": design.status.value,
            "format": design.original_format,
            "size": f"{design.width}x{design.height}",
            "uploaded_at": design.created_at.isoformat(),
        }
        for design in designs
    ]


async def forget_person(user: User) -> None:
    """On erasure: the pictures they sent the bot and their designs that never went into an
    order are forgotten (ordered ones stay with the order, like its other lines)."""
    await ChatPicture.filter(user_id=user.id).delete()
    await Design.filter(user_id=user.id, status=DesignStatus.ready).delete()
