"""`python -m bot demo-data`: a demo shop and tutor, idempotent, with media on disk; and the
media service that stores uploaded photos."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from tortoise.backends.base.executor import EXECUTOR_CACHE

from bot.__main__ import _ownership_lines
from core.config import Settings
from core.money import STARS
from db.models import (
    Category,
    Product,
    ProductKind,
    ProductPhoto,
    Provider,
    ProviderKind,
    Role,
    User,
)
from services import catalog, custom_products, media, users
from services.demo import DemoOwnership, assign_demo_owner, load_demo_data

ROOT = Path(__file__).resolve().parents[1]

PAYMENT_SUBJECTS = {"commodity", "service", "intellectual_activity"}
PAYMENT_MODES = {"full_prepayment", "full_payment"}


@pytest.fixture
def data_dir(db: None, settings: Settings) -> Path:
    """DATA_DIR of a test whose database is migrated and connected."""
    return settings.data_path


async def table_sizes() -> tuple[int, int, int, int]:
    return (
        await Provider.all().count(),
        await Category.all().count(),
        await Product.all().count(),
        await ProductPhoto.all().count(),
    )


async def test_loading_twice_changes_nothing(data_dir: Path) -> None:
    first = await load_demo_data(data_dir)
    sizes = await table_sizes()
    stamps = await Product.all().order_by("id").values_list("id", "updated_at")

    second = await load_demo_data(data_dir)

    assert second == first
    assert await table_sizes() == sizes
    assert await Product.all().order_by("id").values_list("id", "updated_at") == stamps
    assert first == {"providers": 2, "categories": 3, "products": 16, "photos": 16, "models": 1}


async def test_demo_shop_has_a_catalogue_in_three_categories(data_dir: Path) -> None:
    await load_demo_data(data_dir)

    shop = await Provider.get(slug="demo-shop")
    assert shop.kind is ProviderKind.shop
    assert shop.legal_name and len(shop.inn) == 10 and shop.tax_system_code == 2
    categories = await Category.filter(provider=shop)
    assert len(categories) == 3
    products = await Product.filter(provider=shop).prefetch_related("category")
    physical = [p for p in products if p.kind is ProductKind.physical]
    assert len(physical) >= 12
    assert {p.category.id for p in products if p.category} == {c.id for c in categories}
    assert all(p.stock > 0 and p.price > 0 and p.currency == "RUB" for p in physical)
    [digital] = [p for p in products if p.kind is ProductKind.digital]
    assert digital.currency == STARS


async def test_demo_shop_offers_pickup_delivery_and_cash(data_dir: Path) -> None:
    await load_demo_data(data_dir)

    shop = await Provider.get(slug="demo-shop")

    assert shop.allow_pickup and shop.pickup_address
    assert shop.allow_delivery and shop.delivery_fee == 30000  # 300 ₽
    assert shop.allow_cash


async def test_demo_products_are_found_by_search(data_dir: Path) -> None:
    await load_demo_data(data_dir)

    found = await catalog.search("ЧЕРНЫЙ чай")
    by_description = await catalog.search("глазурь")

    assert [p.sku for p in found.items] == ["TEA-002"]
    assert {p.sku for p in by_description.items} == {"CER-001", "CER-003"}
    for product in await Product.all():
        assert product.search_text == catalog.normalize_search(
            f"{product.title} {product.description}"
        ), product.sku


async def test_a_demo_shop_of_an_older_loader_is_brought_up_to_date(data_dir: Path) -> None:
    await load_demo_data(data_dir)
    await Provider.filter(slug="demo-shop").update(
        allow_delivery=False, allow_cash=False, delivery_fee=0, pickup_address=""
    )
    await Product.all().update(search_text="")

    await load_demo_data(data_dir)

    shop = await Provider.get(slug="demo-shop")
    assert (shop.allow_delivery, shop.allow_cash, shop.delivery_fee) == (True, True, 30000)
    assert shop.pickup_address
    assert await Product.filter(search_text="").count() == 0
    assert await Provider.all().count() == 2 and await Product.all().count() == 16


async def test_demo_tutor_sells_two_lessons(data_dir: Path) -> None:
    await load_demo_data(data_dir)

    tutor = await Provider.get(slug="demo-tutor")
    lessons = await Product.filter(provider=tutor)
    assert tutor.kind is ProviderKind.tutor
    assert [p.kind for p in lessons] == [ProductKind.service, ProductKind.service]
    assert all(p.payment_subject == "service" for p in lessons)


async def test_every_product_has_receipt_data(data_dir: Path) -> None:
    await load_demo_data(data_dir)

    for product in await Product.all():
        assert product.vat_code in range(1, 12), product.sku
        assert product.payment_subject in PAYMENT_SUBJECTS, product.sku
        assert product.payment_mode in PAYMENT_MODES, product.sku


async def test_every_product_has_a_photo_and_thumbnail_on_disk(data_dir: Path) -> None:
    await load_demo_data(data_dir)

    for product in await Product.all():
        [photo] = await ProductPhoto.filter(product=product)
        full = data_dir / photo.path
        thumb = data_dir / photo.thumb_path
        assert not Path(photo.path).is_absolute()
        with Image.open(full) as image:
            assert image.format == "JPEG"
        with Image.open(thumb) as image:
            assert max(image.size) <= max(media.THUMBNAIL_SIZE)


async def test_lost_photo_files_are_redrawn(data_dir: Path) -> None:
    await load_demo_data(data_dir)
    photo = await ProductPhoto.all().first()
    assert photo is not None
    (data_dir / photo.path).unlink()

    await load_demo_data(data_dir)

    assert (data_dir / photo.path).is_file()
    assert await ProductPhoto.all().count() == 16


@pytest.fixture
def dialect_free_sql_cache() -> Iterator[None]:
    """Tortoise caches INSERT SQL per table name, not per dialect: after a SQLite test a
    PostgreSQL insert would reuse SQLite's SQL. Forget it before and after."""
    EXECUTOR_CACHE.clear()
    yield
    EXECUTOR_CACHE.clear()


@pytest.mark.postgres
@pytest.mark.usefixtures("dialect_free_sql_cache")
async def test_loading_twice_on_postgresql(pg_db: str, tmp_path: Path) -> None:
    first = await load_demo_data(tmp_path / "data")
    sizes = await table_sizes()

    assert await load_demo_data(tmp_path / "data") == first
    assert await table_sizes() == sizes


def read_glb(path: Path) -> tuple[dict[str, Any], bytes]:
    data = path.read_bytes()
    magic, version, length = struct.unpack_from("<4sII", data, 0)
    assert (magic, version, length) == (b"glTF", 2, len(data))
    json_length, json_type = struct.unpack_from("<I4s", data, 12)
    assert json_type == b"JSON" and json_length % 4 == 0
    document = json.loads(data[20 : 20 + json_length])
    offset = 20 + json_length
    bin_length, bin_type = struct.unpack_from("<I4s", data, offset)
    assert bin_type == b"BIN\0" and offset + 8 + bin_length == len(data)
    return document, data[offset + 8 :]


async def test_one_product_has_a_valid_glb_model(data_dir: Path) -> None:
    await load_demo_data(data_dir)

    [product] = await Product.exclude(model_path=None)
    assert product.model_path == "media/models/demo-cube.glb"
    document, binary = read_glb(data_dir / product.model_path)

    assert document["asset"] == {"version": "2.0", "generator": "Prilavok services.gltf"}
    assert document["buffers"] == [{"byteLength": len(binary)}]
    [mesh] = document["meshes"]
    [primitive] = mesh["primitives"]
    assert set(primitive["attributes"]) == {"POSITION", "NORMAL"}
    [material] = document["materials"]
    assert len(material["pbrMetallicRoughness"]["baseColorFactor"]) == 4
    accessors = document["accessors"]
    assert [a["count"] for a in accessors] == [24, 24, 36]


# The media service ------------------------------------------------------------------------


def jpeg_with_exif(size: tuple[int, int] = (1200, 800)) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0112] = 6  # Orientation: rotated 90°, so the stored photo must be upright
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


async def test_save_photo_stores_a_clean_upright_jpeg_and_thumbnail(tmp_path: Path) -> None:
    photo, thumb = await media.save_photo(jpeg_with_exif(), tmp_path / "photos")

    with Image.open(photo) as image:
        assert image.format == "JPEG"
        assert image.size == (800, 1200)
        assert not image.getexif()
    with Image.open(thumb) as image:
        assert image.size == (213, 320)


async def test_save_photo_rejects_bytes_that_are_not_an_image(tmp_path: Path) -> None:
    with pytest.raises(media.InvalidImage):
        await media.save_photo(b"%PDF-1.7 definitely not a picture", tmp_path / "photos")
    with pytest.raises(media.InvalidImage):
        await media.save_photo(b"", tmp_path / "photos")

    assert not (tmp_path / "photos").exists()


async def test_save_photo_rejects_too_many_pixels(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.new("1", (8000, 6000)).save(buffer, format="PNG")  # 48 MP, a few kilobytes

    with pytest.raises(media.InvalidImage, match="pixels"):
        await media.save_photo(buffer.getvalue(), tmp_path)


async def test_save_photo_rejects_oversized_files(tmp_path: Path) -> None:
    with pytest.raises(media.InvalidImage, match="bytes"):
        await media.save_photo(b"\xff" * (media.MAX_IMAGE_BYTES + 1), tmp_path)


async def test_make_thumbnail_keeps_the_aspect_ratio(tmp_path: Path) -> None:
    source = tmp_path / "wide.png"
    Image.new("RGBA", (1000, 500), (0, 0, 255, 128)).save(source)

    thumb = await media.make_thumbnail(source, tmp_path / "thumbs" / "wide.jpg", size=(100, 100))

    with Image.open(thumb) as image:
        assert (image.format, image.size) == ("JPEG", (100, 50))


async def demo_owners() -> dict[str, int | None]:
    providers = await Provider.filter(slug__startswith="demo-").prefetch_related("owner")
    return {p.slug: p.owner.tg_id if p.owner else None for p in providers}


async def test_the_first_admin_owns_the_demo_shop_and_tutor(data_dir: Path) -> None:
    await load_demo_data(data_dir)

    ownership = await assign_demo_owner([999, 1000])

    assert ownership.owners == {"demo-shop": 999, "demo-tutor": 999}
    assert ownership.changed == ("demo-shop", "demo-tutor")
    assert await demo_owners() == ownership.owners
    again = await assign_demo_owner([999, 1000])
    assert again.owners == ownership.owners and again.changed == ()


async def test_without_admin_ids_an_admin_by_role_owns_them(data_dir: Path) -> None:
    await load_demo_data(data_dir)
    await users.grant_role(555, Role.admin)

    ownership = await assign_demo_owner([])

    assert ownership.owners == {"demo-shop": 555, "demo-tutor": 555}


async def test_owner_flag_names_the_owner_even_over_an_earlier_one(data_dir: Path) -> None:
    await load_demo_data(data_dir)
    await assign_demo_owner([999])

    ownership = await assign_demo_owner([999], owner_tg_id=4242)

    assert ownership.owners == {"demo-shop": 4242, "demo-tutor": 4242}
    owner = await User.get(tg_id=4242)
    assert owner.role is Role.provider
    assert await assign_demo_owner([999]) == DemoOwnership(owners=ownership.owners, changed=())


async def test_with_nobody_to_own_them_the_demo_stays_unowned(data_dir: Path) -> None:
    await load_demo_data(data_dir)

    ownership = await assign_demo_owner([])

    assert ownership.owners == {"demo-shop": None, "demo-tutor": None}
    lines = _ownership_lines(ownership)
    assert all("no owner" in line and "--owner" in line for line in lines)


def test_demo_data_command_says_who_owns_the_demo(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite://{tmp_path}/demo.sqlite3",
        "DATA_DIR": str(tmp_path / "data"),
        "LOG_LEVEL": "WARNING",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "bot", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert run("migrate").returncode == 0
    done = run("demo-data", "--owner", "4242")

    assert done.returncode == 0, done.stderr
    assert "demo-shop: owned by Telegram id 4242 (set now)" in done.stdout
    assert "demo-tutor: owned by Telegram id 4242 (set now)" in done.stdout
    refused = run("demo-data", "--owner", "-5")
    assert refused.returncode == 2 and "not a Telegram user id" in refused.stderr


async def test_demo_shop_has_a_custom_mug_with_a_front_and_a_back(data_dir: Path) -> None:
    await load_demo_data(data_dir)
    mug = await Product.get(sku="CER-005")

    template = await custom_products.template_of(mug.id)

    images = custom_products.sorted_images(template)
    assert mug.kind is ProductKind.custom and [image.name for image in images] == [
        "спереди",
        "сзади",
    ]
    assert all((data_dir / image.path).is_file() for image in images)
    assert template.model_path and (data_dir / template.model_path).read_bytes()[:4] == b"glTF"
    version = template.version
    await load_demo_data(data_dir)  # a second run keeps the template as it is
    assert (await custom_products.template_of(mug.id)).version == version


async def test_demo_tutor_has_hours_lesson_types_and_free_times(data_dir: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from db.models import AvailabilityRule, LessonType, TutorProfile
    from services.tutoring import booking, purchases

    await load_demo_data(data_dir)
    await load_demo_data(data_dir)

    tutor = await TutorProfile.get(provider__slug="demo-tutor").prefetch_related("provider")
    types = await LessonType.filter(tutor_id=tutor.id).order_by("duration")
    assert [t.duration for t in types] == [60, 90]
    assert await AvailabilityRule.filter(tutor_id=tutor.id).count() == 10
    now = datetime.now(UTC)
    slots = await booking.free_slots(tutor, types[0], now, now + timedelta(days=8))
    assert slots and all(s >= now + timedelta(hours=12) for s in slots)
    offers = await purchases.offers(tutor)  # loaded twice: still two packages
    assert [(o.offer.lessons, o.offer.discount_percent, o.price) for o in offers] == [
        (4, 5, 4 * 190000),
        (8, 10, 8 * 180000),
    ]
