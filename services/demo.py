"""The demo shop and demo tutor of `python -m bot demo-data`.

Idempotent: providers are matched by slug, categories by title, products by SKU, so a second
run changes nothing. Media files live under DATA_DIR/media and the database stores their paths
relative to DATA_DIR, so a data volume can move between machines.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from loguru import logger
from PIL import Image, ImageDraw, ImageFont

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
from services import admin, catalog_versions, faq
from services.catalog import normalize_search
from services.demo_custom import DEMO_CUSTOM_MUG_SKU, ensure_demo_template
from services.media import save_photo, write_demo_glb
from services.tutoring.demo import ensure_demo_tutoring

DEMO_MODEL = Path("media/models/demo-cube.glb")
DEMO_EBOOK = Path("media/digital/tea-recipes.pdf")
"""The demo digital good: a one-page PDF the bot sends the moment the order is paid."""
PHOTO_SIZE = 800
FONT_FILE = "DejaVuSans-Bold.ttf"  # has Cyrillic; Pillow's built-in font does not


class Shape(StrEnum):
    """The figure drawn on a demo photo, one per category."""

    circle = "circle"
    square = "square"
    triangle = "triangle"
    diamond = "diamond"


@dataclass(frozen=True, slots=True)
class DemoProduct:
    """One product of the demo catalogue; prices in minor units (kopecks, or Stars)."""

    sku: str
    title: str
    description: str
    price: int
    stock: int = 0
    kind: ProductKind = ProductKind.physical
    currency: str = "RUB"
    has_model: bool = False


@dataclass(frozen=True, slots=True)
class DemoCategory:
    """A category with the colour and shape of its products' pictures."""

    title: str
    color: tuple[int, int, int]
    shape: Shape
    products: tuple[DemoProduct, ...]


@dataclass(frozen=True, slots=True)
class DemoProvider:
    """A provider with its 54-FZ receipt data and catalogue."""

    slug: str
    kind: ProviderKind
    name: str
    description: str
    legal_name: str
    inn: str  # fictitious, with valid check digits so that receipt validators accept it
    tax_system_code: int  # 54-FZ: 2 = simplified (income), 6 = patent
    categories: tuple[DemoCategory, ...] = ()
    uncategorized: DemoCategory | None = None  # products with no category; its picture style
    allow_pickup: bool = True
    pickup_address: str = ""
    allow_delivery: bool = False
    delivery_fee: int = 0  # kopecks
    allow_cash: bool = False

    def options(self) -> dict[str, object]:
        """How customers may get and pay for orders (kept in sync on every run)."""
        return {
            "allow_pickup": self.allow_pickup,
            "pickup_address": self.pickup_address,
            "allow_delivery": self.allow_delivery,
            "delivery_fee": self.delivery_fee,
            "allow_cash": self.allow_cash,
        }


# 54-FZ receipt attributes by kind: (vat_code, payment_subject, payment_mode).
# Both demo providers are on simplified taxation, hence vat_code 1 ("without VAT").
RECEIPT_FIELDS: dict[ProductKind, tuple[int, str, str]] = {
    ProductKind.physical: (1, "commodity", "full_prepayment"),
    ProductKind.custom: (1, "commodity", "full_prepayment"),
    ProductKind.service: (1, "service", "full_prepayment"),
    # Delivered the moment it is paid, so the one receipt is the closing one.
    ProductKind.digital: (1, "intellectual_activity", "full_payment"),
}

TEA = DemoCategory(
    "Чай и травы",
    (46, 125, 50),
    Shape.circle,
    (
        DemoProduct(
            "TEA-001",
            "Иван-чай ферментированный, 100 г",
            "Листовой иван-чай из Карелии, собран и ферментирован вручную.",
            45000,
            40,
        ),
        DemoProduct(
            "TEA-002",
            "Чёрный чай с чабрецом, 75 г",
            "Крупнолистовой чай с горным чабрецом. Заваривать 4 минуты.",
            39000,
            25,
        ),
        DemoProduct(
            "TEA-003",
            "Травяной сбор «Алтайский», 50 г",
            "Душица, мята, зверобой и листья смородины без ароматизаторов.",
            52000,
            15,
        ),
        DemoProduct(
            "TEA-004",
            "Мёд липовый, 250 г",
            "Башкирский липовый мёд урожая этого года в стеклянной банке.",
            68000,
            20,
        ),
        DemoProduct(
            "TEA-DIGITAL-001",
            "Электронная книга «Чайные рецепты» (PDF)",
            "30 рецептов чайных напитков и десертов. Файл придёт в чат сразу после оплаты.",
            150,
            kind=ProductKind.digital,
            currency=STARS,  # digital goods are sold in Telegram Stars only
        ),
    ),
)

CERAMICS = DemoCategory(
    "Керамика",
    (191, 87, 54),
    Shape.square,
    (
        DemoProduct(
            "CER-001",
            "Кружка ручной работы «Северное сияние», 350 мл",
            "Каменная керамика, глазурь переливается от зелёного к синему.",
            145000,
            8,
        ),
        DemoProduct(
            "CER-002",
            "Чайник керамический, 800 мл",
            "Чайник с ситечком, подходит для зелёного и травяного чая.",
            320000,
            4,
        ),
        DemoProduct(
            "CER-003",
            "Пиалы «Лён», набор из 2 шт.",
            "Пиалы по 150 мл с матовой льняной глазурью.",
            98000,
            12,
        ),
        DemoProduct(
            "CER-004",
            "Тарелка декоративная «Гжель»",
            "Роспись кобальтом вручную, диаметр 24 см.",
            210000,
            5,
        ),
        DemoProduct(
            DEMO_CUSTOM_MUG_SKU,
            "Кружка с вашим рисунком, 330 мл",
            "Белая кружка с вашей картинкой: загрузите её и посмотрите превью спереди и сзади.",
            90000,
            kind=ProductKind.custom,
        ),
    ),
)

TOYS = DemoCategory(
    "Деревянные игрушки",
    (196, 146, 52),
    Shape.triangle,
    (
        DemoProduct(
            "TOY-001",
            "Кубик деревянный с гравировкой",
            "Кубик из бука 5 × 5 см с гравировкой имени. Покрутите его в 3D.",
            35000,
            30,
            has_model=True,
        ),
        DemoProduct(
            "TOY-002",
            "Пирамидка из берёзы",
            "Семь колец, покрытие — пищевое масло с воском.",
            89000,
            10,
        ),
        DemoProduct(
            "TOY-003",
            "Лошадка-качалка мини",
            "Настольная лошадка-качалка из сосны, высота 20 см.",
            240000,
            3,
        ),
        DemoProduct(
            "TOY-004",
            "Набор кубиков «Азбука», 12 шт.",
            "Кубики с буквами и картинками, безопасные краски на водной основе.",
            149000,
            7,
        ),
    ),
)

LESSONS = DemoCategory(
    "Уроки",
    (57, 73, 171),
    Shape.diamond,
    (
        DemoProduct(
            "LESSON-30",
            "Пробный урок английского, 30 минут",
            "Знакомство, определение уровня и план занятий. Онлайн, длительность 30 минут.",
            50000,
            kind=ProductKind.service,
        ),
        DemoProduct(
            "LESSON-60",
            "Урок английского, 60 минут",
            "Разговорная практика и грамматика по вашему плану. Онлайн, длительность 60 минут.",
            180000,
            kind=ProductKind.service,
        ),
    ),
)

DEMO_PROVIDERS = (
    DemoProvider(
        slug="demo-shop",
        kind=ProviderKind.shop,
        name="Демо-лавка «Прилавок»",
        description="Чай, керамика и деревянные игрушки от мастеров. Демонстрационный магазин.",
        legal_name="ООО «Демо Прилавок»",
        inn="7700000009",
        tax_system_code=2,
        categories=(TEA, CERAMICS, TOYS),
        pickup_address="Москва, ул. Мясницкая, д. 24, пункт выдачи «Прилавок»",
        allow_delivery=True,
        delivery_fee=30000,
        allow_cash=True,
    ),
    DemoProvider(
        slug="demo-tutor",
        kind=ProviderKind.tutor,
        name="Анна Смирнова — английский язык",
        description="Преподаватель английского, 8 лет опыта. Демонстрационный профиль.",
        legal_name="ИП Смирнова Анна Сергеевна",
        inn="770000000082",
        tax_system_code=6,
        uncategorized=LESSONS,
    ),
)


def _initials(title: str) -> str:
    words = re.findall(r"[^\W\d_]+", title)
    return "".join(word[0] for word in words[:2]).upper()


def _font(size: int) -> ImageFont.FreeTypeFont | None:
    try:
        return ImageFont.truetype(FONT_FILE, size)
    except OSError:
        return None  # no Cyrillic font installed: the picture shows the shape alone


def _draw_photo(initials: str, color: tuple[int, int, int], shape: Shape) -> bytes:
    """A PNG: a coloured square with a lighter figure and the product's initials."""
    image = Image.new("RGB", (PHOTO_SIZE, PHOTO_SIZE), color)
    draw = ImageDraw.Draw(image)
    light = tuple(min(255, channel + 70) for channel in color)
    low, high, mid = PHOTO_SIZE * 0.18, PHOTO_SIZE * 0.82, PHOTO_SIZE / 2
    if shape is Shape.circle:
        draw.ellipse((low, low, high, high), fill=light)
    elif shape is Shape.square:
        draw.rounded_rectangle((low, low, high, high), radius=PHOTO_SIZE // 12, fill=light)
    elif shape is Shape.triangle:
        draw.polygon([(mid, low), (high, high), (low, high)], fill=light)
    else:
        draw.polygon([(mid, low), (high, mid), (mid, high), (low, mid)], fill=light)
    font = _font(PHOTO_SIZE // 5)
    if font is not None and initials:
        ink = tuple(channel // 2 for channel in color)
        draw.text((mid, mid * 1.08), initials, font=font, fill=ink, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _write_ebook(path: Path, title: str) -> None:
    """A one-page PDF (an A5 page drawn with Pillow) standing in for the demo e-book."""
    page = Image.new("RGB", (874, 1240), (250, 246, 238))
    draw = ImageDraw.Draw(page)
    font = _font(44)
    if font is not None:
        draw.multiline_text((80, 120), title.replace(" (", "\n("), font=font, fill=(60, 40, 20))
    path.parent.mkdir(parents=True, exist_ok=True)
    page.save(path, format="PDF", resolution=150.0)


async def _ensure_digital_file(product: Product, data_dir: Path) -> None:
    """Attach the demo PDF to a digital product that has nothing attached."""
    if product.digital_file_id or product.digital_url:
        return
    path = data_dir / DEMO_EBOOK
    if not await asyncio.to_thread(path.is_file):
        await asyncio.to_thread(_write_ebook, path, product.title)
    if product.digital_path != DEMO_EBOOK.as_posix():
        product.digital_path = DEMO_EBOOK.as_posix()
        product.digital_file_name = "tea-recipes.pdf"
        await product.save(update_fields=["digital_path", "digital_file_name"])


def _files_present(data_dir: Path, photo: ProductPhoto) -> bool:
    return (data_dir / photo.path).is_file() and (data_dir / photo.thumb_path).is_file()


async def _ensure_photo(
    product: Product, category: DemoCategory, directory: Path, data_dir: Path
) -> None:
    """One photo per demo product; files are redrawn if the volume lost them."""
    photo = await ProductPhoto.filter(product=product).order_by("position").first()
    if photo is not None and await asyncio.to_thread(_files_present, data_dir, photo):
        return
    png = await asyncio.to_thread(
        _draw_photo, _initials(product.title), category.color, category.shape
    )
    full, thumb = await save_photo(png, directory)
    path = full.relative_to(data_dir).as_posix()
    thumb_path = thumb.relative_to(data_dir).as_posix()
    if photo is None:
        await ProductPhoto.create(product=product, path=path, thumb_path=thumb_path, position=0)
    elif (photo.path, photo.thumb_path) != (path, thumb_path):
        photo.path, photo.thumb_path = path, thumb_path
        await photo.save(update_fields=["path", "thumb_path"])


async def _ensure_products(
    provider: Provider,
    category: Category | None,
    spec: DemoCategory,
    data_dir: Path,
    counts: Counter[str],
) -> None:
    directory = data_dir / "media" / "products" / provider.slug
    for item in spec.products:
        vat_code, payment_subject, payment_mode = RECEIPT_FIELDS[item.kind]
        product, created = await Product.get_or_create(
            provider=provider,
            sku=item.sku,
            defaults={
                "category": category,
                "kind": item.kind,
                "title": item.title,
                "description": item.description,
                "price": item.price,
                "currency": item.currency,
                "stock": item.stock,
                "search_text": normalize_search(f"{item.title} {item.description}"),
                "model_path": DEMO_MODEL.as_posix() if item.has_model else None,
                "vat_code": vat_code,
                "payment_subject": payment_subject,
                "payment_mode": payment_mode,
            },
        )
        counts["products_created"] += created
        counts["products"] += 1
        # Rows of older versions of this loader have no search text: fill what is missing.
        search_text = normalize_search(f"{product.title} {product.description}")
        if product.search_text != search_text:
            product.search_text = search_text
            await product.save(update_fields=["search_text"])
        await _ensure_photo(product, spec, directory, data_dir)
        counts["photos"] += 1
        if item.kind is ProductKind.digital:
            await _ensure_digital_file(product, data_dir)
            counts["digital_files"] += 1
        if item.kind is ProductKind.custom:
            await ensure_demo_template(provider, product, data_dir)
        if item.has_model:
            model = data_dir / DEMO_MODEL
            if not await asyncio.to_thread(model.is_file):
                await asyncio.to_thread(write_demo_glb, model)
            counts["models"] += 1


async def _ensure_provider(spec: DemoProvider, data_dir: Path, counts: Counter[str]) -> None:
    provider, created = await Provider.get_or_create(
        slug=spec.slug,
        defaults={
            "kind": spec.kind,
            "name": spec.name,
            "description": spec.description,
            "legal_name": spec.legal_name,
            "inn": spec.inn,
            "tax_system_code": spec.tax_system_code,
            **spec.options(),
        },
    )
    changed = {k: v for k, v in spec.options().items() if getattr(provider, k) != v}
    if changed:
        provider.update_from_dict(changed)
        await provider.save(update_fields=list(changed))
    counts["providers"] += 1
    counts["providers_created"] += created
    for position, category_spec in enumerate(spec.categories):
        category, _ = await Category.get_or_create(
            provider=provider, title=category_spec.title, defaults={"position": position}
        )
        counts["categories"] += 1
        await _ensure_products(provider, category, category_spec, data_dir, counts)
    if spec.uncategorized is not None:
        await _ensure_products(provider, None, spec.uncategorized, data_dir, counts)
    await catalog_versions.bump([provider.id])  # a running app shows the demo as loaded now


async def load_demo_data(data_dir: Path) -> dict[str, int]:
    """Create the demo shop and tutor if missing; the counts of the demo set (same every run)."""
    counts: Counter[str] = Counter()
    for spec in DEMO_PROVIDERS:
        await _ensure_provider(spec, data_dir, counts)
    await ensure_demo_tutoring()
    await faq.ensure_demo_faq()
    logger.info(
        "Demo data: {} providers and {} products created, the rest were already there",
        counts["providers_created"],
        counts["products_created"],
    )
    return {key: counts[key] for key in ("providers", "categories", "products", "photos", "models")}


@dataclass(frozen=True, slots=True)
class DemoOwnership:
    """Who owns each demo provider after `demo-data`, and which got that owner just now."""

    owners: dict[str, int | None]
    """Demo provider's slug → its owner's Telegram id (None: nobody, so no one hears of orders)."""
    changed: tuple[str, ...]


async def _first_admin(admin_ids: list[int]) -> User | None:
    if admin_ids:
        return await admin.user_by_tg_id(admin_ids[0])
    return await User.filter(role=Role.admin, tg_id__not_isnull=True).order_by("id").first()


async def assign_demo_owner(admin_ids: list[int], owner_tg_id: int | None = None) -> DemoOwnership:
    """Give the demo providers an owner, so their orders reach someone: the person named by
    `owner_tg_id` (who then owns them even if someone else did), else the first admin (ADMIN_IDS,
    then admins by role) for demo providers that have no owner."""
    slugs = [spec.slug for spec in DEMO_PROVIDERS]
    owner = await admin.user_by_tg_id(owner_tg_id) if owner_tg_id else await _first_admin(admin_ids)
    changed = []
    rows = await Provider.filter(slug__in=slugs).order_by("id").values("id", "slug", "owner_id")
    for row in rows:
        if owner is None or row["owner_id"] == owner.id:
            continue
        if row["owner_id"] is not None and owner_tg_id is None:
            continue  # an owner someone chose stays; only --owner replaces it
        await admin.set_owner(row["id"], owner, actor=None)
        changed.append(row["slug"])
    owners: dict[str, int | None] = {}
    for provider in await Provider.filter(slug__in=slugs).order_by("id").prefetch_related("owner"):
        owners[provider.slug] = provider.owner.tg_id if provider.owner is not None else None
    return DemoOwnership(owners=owners, changed=tuple(changed))
