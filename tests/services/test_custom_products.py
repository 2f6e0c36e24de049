"""Custom products: a customer's picture becomes previews on the template's base images, once per
picture and template version; every kind of bad upload is refused and leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from core.config import Settings
from core.errors import InvalidInput, NotFound, UploadRefused
from db.models import CartItem, Design, DesignPreview, DesignStatus, OrderItem, Role
from services import cart, custom_products, design_images, privacy
from services.checkout import CheckoutDraft, new_checkout_key, place_order
from services.design_images import PrintArea
from services.events import ShopEvents
from tests.services.custom_data import make_mug, picture, png_header_only, write
from tests.services.shop_data import RULES, make_product, make_provider, make_user

pytestmark = pytest.mark.usefixtures("db")


async def test_previews_fit_the_whole_picture_into_each_print_area(
    settings: Settings, tmp_path: Path
) -> None:
    shop = await make_provider()
    mug = await make_mug(shop, settings.data_path)
    customer = await make_user()
    upload = write(tmp_path, "upload.bin", picture((400, 100)))  # 4:1, wider than the area

    design = await custom_products.create_design(
        customer, mug.id, upload, data_dir=settings.data_path
    )

    previews = custom_products.previews_of(design)
    assert [p.name for p in previews] == ["front", "back"]
    assert design.status is DesignStatus.ready and design.original_format == "PNG"
    original = settings.data_path / design.original_path
    assert original.read_bytes() == upload.read_bytes()  # the seller gets the file as sent
    assert "media" not in design.original_path  # never under the public media folder
    with Image.open(settings.data_path / previews[0].path) as front:
        assert front.format == "JPEG" and front.size == (800, 600)
        area = design_images.DEMO_PRINT_AREA
        # contain: the picture spans the area's width, centred vertically with the mug around it
        middle_y = area.y + area.h // 2
        left = front.getpixel((area.x + 20, middle_y))
        right = front.getpixel((area.x + area.w - 20, middle_y))
        above = front.getpixel((area.x + area.w // 2, area.y + 10))
    assert isinstance(left, tuple) and isinstance(right, tuple) and isinstance(above, tuple)
    assert left[2] > 150 and left[0] < 120  # the blue half of the picture
    assert right[0] > 150 and right[2] < 120  # the red half
    assert min(above) > 180  # the white mug: the picture is not stretched or cropped to cover
    with Image.open(settings.data_path / previews[0].thumb_path) as thumb:
        assert max(thumb.size) <= 320


async def test_the_same_picture_on_the_same_template_is_composed_once(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await make_provider()
    mug = await make_mug(shop, settings.data_path)
    first, second = await make_user(), await make_user()
    data = picture()
    calls: list[Path] = []
    compose = design_images.compose_preview

    def counting(*args: object) -> None:
        calls.append(args[4])  # type: ignore[arg-type]
        compose(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(custom_products, "compose_preview", counting)
    one = await custom_products.create_design(
        first, mug.id, write(tmp_path, "a", data), data_dir=settings.data_path
    )
    two = await custom_products.create_design(
        second, mug.id, write(tmp_path, "b", data), data_dir=settings.data_path
    )

    assert len(calls) == 2  # front and back, for the first upload only
    assert [p.path for p in custom_products.previews_of(one)] == [
        p.path for p in custom_products.previews_of(two)
    ]
    # A new print area is a new template version: the previews are composed again.
    image = custom_products.sorted_images(await custom_products.template_of(mug.id))[0]
    await custom_products.add_base_image(
        shop,
        mug.id,
        name="side",
        data=design_images.draw_demo_base("front"),
        area=PrintArea(10, 10, 100, 100),
        data_dir=settings.data_path,
    )
    await custom_products.create_design(
        first, mug.id, write(tmp_path, "c", data), data_dir=settings.data_path
    )
    assert len(calls) == 5 and image.id


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"%PDF-1.4 this is not a picture at all", "upload_wrong_type"),
        (b"", "upload_empty"),
        (png_header_only(7000, 7000), "upload_too_many_pixels"),
        (png_header_only(30000, 30000), "upload_bomb"),
        (picture()[:200], "upload_corrupt"),
        (picture(fmt="GIF"), "upload_wrong_type"),
    ],
    ids=["text", "empty", "too-many-pixels", "bomb", "truncated", "gif"],
)
async def test_bad_uploads_are_refused_and_leave_nothing(
    settings: Settings, tmp_path: Path, data: bytes, code: str
) -> None:
    shop = await make_provider()
    mug = await make_mug(shop, settings.data_path)
    customer = await make_user()
    # The name says PNG: the content decides.
    upload = write(tmp_path, "picture.png", data)

    with pytest.raises(UploadRefused) as refused:
        await custom_products.create_design(customer, mug.id, upload, data_dir=settings.data_path)

    assert refused.value.code == code
    assert await Design.filter(user_id=customer.id).count() == 0
    assert not (settings.data_path / custom_products.DESIGNS_DIR).exists()


async def test_a_file_over_the_size_limit_is_refused(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await make_provider()
    mug = await make_mug(shop, settings.data_path)
    monkeypatch.setattr(design_images, "MAX_UPLOAD_BYTES", 1000)

    with pytest.raises(UploadRefused) as refused:
        await custom_products.create_design(
            await make_user(),
            mug.id,
            write(tmp_path, "big.png", picture((600, 600))),
            data_dir=settings.data_path,
        )

    assert refused.value.code == "upload_too_large" and refused.value.status == 413


async def test_a_design_goes_into_the_cart_and_the_order_keeps_it(
    settings: Settings, tmp_path: Path
) -> None:
    shop = await make_provider()
    mug = await make_mug(shop, settings.data_path)
    customer, stranger = await make_user(), await make_user()
    design = await custom_products.create_design(
        customer, mug.id, write(tmp_path, "p", picture()), data_dir=settings.data_path
    )

    with pytest.raises(InvalidInput) as missing:  # previews first, then the cart
        await cart.add(customer, mug.id)
    assert missing.value.details["field"] == "design"
    with pytest.raises(NotFound):  # someone else's design
        await cart.add(stranger, mug.id, design_id=design.id)
    tea = await make_product(shop, "Tea")
    with pytest.raises(InvalidInput):  # a product that takes no picture
        await cart.add(customer, tea.id, design_id=design.id)

    await cart.add(customer, mug.id, design_id=design.id)
    assert (await CartItem.get(user_id=customer.id)).design_id == design.id
    order = await place_order(
        customer,
        CheckoutDraft(fulfilment="pickup", payment_method="cash"),  # type: ignore[arg-type]
        settings=RULES,
        checkout_key=new_checkout_key(),
        events=ShopEvents(),
    )

    item = await OrderItem.get(order_id=order.id)
    assert item.design_id == design.id
    assert (await Design.get(id=design.id)).status is DesignStatus.ordered
    assert await DesignPreview.filter(design_id=design.id).count() == 2


async def test_only_the_owner_the_seller_and_admins_see_a_design(
    settings: Settings, tmp_path: Path
) -> None:
    seller = await make_user()
    shop = await make_provider(owner=seller)
    mug = await make_mug(shop, settings.data_path)
    customer, stranger, admin = await make_user(), await make_user(), await make_user(Role.admin)
    design = await custom_products.create_design(
        customer, mug.id, write(tmp_path, "p", picture()), data_dir=settings.data_path
    )

    for person in (customer, seller, admin):
        seen = await custom_products.viewable_design(person, design.id, [])
        assert seen.id == design.id
    with pytest.raises(NotFound):
        await custom_products.viewable_design(stranger, design.id, [])
    with pytest.raises(NotFound):
        await custom_products.customer_design(seller, design.id)


async def test_a_print_area_outside_the_base_image_is_refused(settings: Settings) -> None:
    shop = await make_provider()
    mug = await make_mug(shop, settings.data_path)

    with pytest.raises(InvalidInput) as refused:
        await custom_products.add_base_image(
            shop,
            mug.id,
            name="side",
            data=design_images.draw_demo_base("front"),
            area=PrintArea(700, 100, 200, 100),  # 700 + 200 > 800
            data_dir=settings.data_path,
        )

    assert refused.value.details == {"field": "print_area", "width": 800, "height": 600}
    assert custom_products.parse_print_area("10, 20 30 40") == PrintArea(10, 20, 30, 40)
    assert custom_products.parse_print_area("ten 20 30 40") is None


async def test_the_latest_chat_pictures_are_kept() -> None:
    person = await make_user()
    with pytest.raises(UploadRefused) as none:
        await custom_products.chat_picture(person)
    assert none.value.code == "upload_no_picture"

    for number in range(custom_products.CHAT_PICTURES_KEPT + 3):
        await custom_products.remember_chat_picture(person, f"file{number}", f"u{number}", 1000)

    kept = await custom_products.chat_pictures(person)
    assert len(kept) == custom_products.CHAT_PICTURES_KEPT
    assert (await custom_products.chat_picture(person)).file_id == f"file{len(kept) + 2}"


async def test_erasure_forgets_pictures_and_unordered_designs(
    settings: Settings, tmp_path: Path
) -> None:
    shop = await make_provider()
    mug = await make_mug(shop, settings.data_path)
    person = await make_user()
    kept = await custom_products.create_design(
        person, mug.id, write(tmp_path, "a", picture()), data_dir=settings.data_path
    )
    dropped = await custom_products.create_design(
        person, mug.id, write(tmp_path, "b", picture((50, 50))), data_dir=settings.data_path
    )
    await custom_products.mark_ordered([kept.id])
    await custom_products.remember_chat_picture(person, "file", "uniq", 10)

    exported = await privacy.export_user_data(person)
    await privacy.anonymize_user(person)

    assert [d["id"] for d in exported["designs"]] == [kept.id, dropped.id]
    assert await Design.filter(user_id=person.id).values_list("id", flat=True) == [kept.id]
    assert await custom_products.chat_pictures(person) == []
