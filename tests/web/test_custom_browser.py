"""The demo mug with the customer's picture in headless Chromium, in a light and a dark theme:
open the custom product, upload a picture, see the previews, then add it to the cart with the
MainButton (which appears only once previews are shown). Screenshots go to
`tests/artifacts/mini-app/custom-<theme>/`; any console error or failed request fails it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from db.models import CartItem, Design, Product, User
from services.demo_custom import DEMO_CUSTOM_MUG_SKU
from tests.web.conftest import TG_USER, Web, sign_init_data
from tests.web.test_mini_app_browser import (  # noqa: F401  (fixtures used by name)
    ARTIFACTS,
    PHONE,
    THEMES,
    Watched,
    browser,
    demo_web,
    launch_hash,
    pytestmark,
)


def cat_picture() -> bytes:
    image = Image.new("RGB", (600, 450), (240, 200, 60))
    image.paste((30, 90, 200), (150, 100, 450, 350))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("theme", ["light", "dark"])
async def test_a_customer_previews_a_picture_on_the_mug_and_adds_it(
    demo_web: Web,  # noqa: F811
    browser: Any,  # noqa: F811
    theme: str,
) -> None:
    from playwright.async_api import expect

    mug = await Product.get(sku=DEMO_CUSTOM_MUG_SKU)
    init_data = sign_init_data(demo_web.settings.token, user={**TG_USER, "language_code": "en"})
    url = str(demo_web.client.make_url("/app")) + "?lang=en"
    context = await browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = await context.new_page()
    watched = Watched(page, ARTIFACTS / f"custom-{theme}")

    await page.goto(url + launch_hash(init_data, THEMES[theme], f"product_{mug.id}"))
    texts = await watched.texts()
    await expect(page.get_by_role("heading", name=mug.title)).to_be_visible()
    await expect(page.get_by_role("heading", name=texts["custom_title"])).to_be_visible()
    assert (await watched.main_button())["visible"] is False  # no picture, no "Add to cart"
    await watched.shot("custom-product")

    await page.locator("#design-file").set_input_files(
        files=[{"name": "cat.png", "mimeType": "image/png", "buffer": cat_picture()}]
    )
    previews = page.locator("#design-previews img")
    await expect(previews).to_have_count(2)
    await page.wait_for_function(
        "[...document.querySelectorAll('#design-previews img')]"
        ".every((img) => img.complete && img.naturalWidth > 0)"
    )
    await expect(previews.first).to_have_attribute(
        "alt", texts["custom_preview_alt"].format(name="спереди")
    )
    # The 3D mug, painted with the front preview (model-viewer's createTexture).
    await page.wait_for_function(
        "document.querySelector('#design-model')?.dataset.textured === 'true'", timeout=30_000
    )
    await previews.first.scroll_into_view_if_needed()
    button = await watched.main_button()
    assert button["visible"] is True
    assert button["text"].startswith(texts["add_to_cart"].split("{price}")[0])
    await watched.shot("previews")

    await watched.press_main_button()
    await expect(page.locator("#toast")).to_contain_text(texts["added_to_cart"])
    await watched.shot("added")

    person = await User.get(tg_id=TG_USER["id"])
    design = await Design.get(user_id=person.id)
    item = await CartItem.get(user_id=person.id)
    assert (item.product_id, item.design_id) == (mug.id, design.id)
    await context.close()
    assert watched.problems == []
