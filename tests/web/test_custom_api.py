"""Custom products over HTTP: the template, uploading a picture, previews only for their owner,
the seller and admins, a picture sent in the chat, and the design going into the cart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PIL import Image

from db.models import CartItem, Design, Provider, ProviderKind, User
from services import custom_products, users
from services.users import TelegramProfile
from tests.services.custom_data import make_mug, picture, png_header_only
from tests.web.conftest import TG_USER, Web, sign_init_data, tamper, tma
from webapp.keys import BOT

OTHER_USER: dict[str, Any] = {**TG_USER, "id": 5550002, "first_name": "Boris", "username": "bo"}
SELLER: dict[str, Any] = {**TG_USER, "id": 5550003, "first_name": "Vera", "username": "vera"}


def headers(web: Web, user: dict[str, Any] = TG_USER) -> dict[str, str]:
    return {**tma(sign_init_data(web.settings.token, user=user)), "Accept-Language": "en"}


def form(data: bytes, name: str = "picture.png") -> aiohttp.FormData:
    body = aiohttp.FormData()
    body.add_field("file", data, filename=name, content_type="image/png")
    return body


async def open_mug_shop(web: Web) -> int:
    seller = await users.upsert_user(
        TelegramProfile(tg_id=SELLER["id"], first_name="Vera", last_name=None, username="vera")
    )
    shop = await Provider.create(
        slug="mugs", kind=ProviderKind.shop, name="Mugs", owner=seller, allow_cash=True
    )
    mug = await make_mug(shop, web.settings.data_path)
    return mug.id


async def upload(web: Web, product_id: int, data: bytes, user: dict[str, Any] = TG_USER) -> Any:
    return await web.client.post(
        f"/api/v1/products/{product_id}/designs", data=form(data), headers=headers(web, user)
    )


async def test_a_customer_uploads_a_picture_sees_previews_and_adds_the_mug(web: Web) -> None:
    mug_id = await open_mug_shop(web)

    template = await web.client.get(f"/api/v1/products/{mug_id}/template", headers=headers(web))
    assert template.status == 200
    body = await template.json()
    assert [image["name"] for image in body["images"]] == ["front", "back"]
    assert body["images"][0]["print_area"] == {"x": 216, "y": 150, "w": 352, "h": 340}
    base = await web.client.get(body["images"][0]["url"])
    assert base.status == 200 and base.content_type == "image/png"

    response = await upload(web, mug_id, picture())
    assert response.status == 201, await response.text()
    design = await response.json()
    assert [p["name"] for p in design["previews"]] == ["front", "back"]
    preview = await web.client.get(design["previews"][0]["url"], headers=headers(web))
    assert preview.status == 200 and preview.content_type == "image/jpeg"
    assert preview.headers["Cache-Control"] == "no-store"
    thumb = await web.client.get(design["previews"][1]["thumb_url"], headers=headers(web))
    assert thumb.status == 200
    again = await web.client.get(f"/api/v1/designs/{design['id']}", headers=headers(web))
    assert (await again.json())["previews"] == design["previews"]

    added = await web.client.post(
        "/api/v1/cart/items",
        json={"product_id": mug_id, "design_id": design["id"]},
        headers=headers(web),
    )
    assert added.status == 200, await added.text()
    assert (await added.json())["items"][0]["design_id"] == design["id"]
    person = await User.get(tg_id=TG_USER["id"])
    assert (await CartItem.get(user_id=person.id)).design_id == design["id"]
    # Nothing of the upload is left in the incoming folder.
    incoming = web.settings.data_path / "designs" / "incoming"
    assert list(incoming.iterdir()) == []


async def test_a_mug_without_a_picture_is_not_added(web: Web) -> None:
    mug_id = await open_mug_shop(web)

    response = await web.client.post(
        "/api/v1/cart/items", json={"product_id": mug_id}, headers=headers(web)
    )

    assert response.status == 422
    error = (await response.json())["error"]
    assert error["field"] == "design" and "Upload your picture" in error["message"]


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"GIF89a? no, just text pretending", 422, "upload_wrong_type"),
        (png_header_only(30000, 30000), 422, "upload_bomb"),
        (png_header_only(7000, 7000), 422, "upload_too_many_pixels"),
        (picture()[:150], 422, "upload_corrupt"),
    ],
    ids=["wrong-type", "bomb", "too-many-pixels", "truncated"],
)
async def test_bad_uploads_get_a_clear_error(web: Web, data: bytes, status: int, code: str) -> None:
    mug_id = await open_mug_shop(web)

    response = await upload(web, mug_id, data)

    assert response.status == status
    error = (await response.json())["error"]
    assert error["code"] == code and error["message"]
    assert await Design.all().count() == 0


async def test_a_file_over_the_limit_is_refused_while_it_streams(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    mug_id = await open_mug_shop(web)
    monkeypatch.setattr("services.design_images.MAX_UPLOAD_BYTES", 100_000)

    response = await upload(web, mug_id, b"\x89PNG" + b"0" * 300_000)

    assert response.status == 413
    assert (await response.json())["error"]["code"] == "upload_too_large"
    assert list((web.settings.data_path / "designs" / "incoming").iterdir()) == []


async def test_not_multipart_or_no_file_field_is_invalid_input(web: Web) -> None:
    mug_id = await open_mug_shop(web)
    path = f"/api/v1/products/{mug_id}/designs"

    as_json = await web.client.post(path, json={"file": "x"}, headers=headers(web))
    other_field = aiohttp.FormData()
    other_field.add_field("photo", picture(), filename="a.png")
    wrong_field = await web.client.post(path, data=other_field, headers=headers(web))

    for response in (as_json, wrong_field):
        assert response.status == 422
        assert (await response.json())["error"]["code"] == "invalid_input"


async def test_forged_init_data_uploads_nothing(web: Web) -> None:
    mug_id = await open_mug_shop(web)
    raw = sign_init_data(web.settings.token)
    forged = tamper(raw, user='{"id": 5550002, "first_name": "Boris"}')

    response = await web.client.post(
        f"/api/v1/products/{mug_id}/designs", data=form(picture()), headers=tma(forged)
    )

    assert response.status == 401
    assert await Design.all().count() == 0


async def test_someone_elses_design_is_not_found_but_the_seller_sees_it(web: Web) -> None:
    mug_id = await open_mug_shop(web)
    design = await (await upload(web, mug_id, picture())).json()
    preview_url = design["previews"][0]["url"]

    for path in (f"/api/v1/designs/{design['id']}", preview_url):
        response = await web.client.get(path, headers=headers(web, OTHER_USER))
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "not_found"
    seller_view = await web.client.get(preview_url, headers=headers(web, SELLER))
    assert seller_view.status == 200
    taken = await web.client.post(
        "/api/v1/cart/items",
        json={"product_id": mug_id, "design_id": design["id"]},
        headers=headers(web, OTHER_USER),
    )
    assert taken.status == 404


async def test_an_ordinary_product_has_no_template(web: Web) -> None:
    mug_id = await open_mug_shop(web)
    missing = await web.client.get("/api/v1/products/999999/template", headers=headers(web))
    assert missing.status == 404
    assert mug_id


async def test_a_picture_sent_in_the_chat_becomes_a_design(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    mug_id = await open_mug_shop(web)
    path = f"/api/v1/products/{mug_id}/designs/from-chat"

    none_yet = await web.client.post(path, json={}, headers=headers(web))
    assert none_yet.status == 422
    assert (await none_yet.json())["error"]["code"] == "upload_no_picture"

    person = await User.get(tg_id=TG_USER["id"])
    await custom_products.remember_chat_picture(person, "photo-file-id", "uniq-1", 2000)
    downloads: list[str] = []

    async def download(file_id: str, destination: Path, **_: Any) -> None:
        downloads.append(file_id)
        Path(destination).write_bytes(picture((300, 300)))

    bot = web.client.app[BOT]
    monkeypatch.setattr(bot, "download", download)

    response = await web.client.post(path, json={}, headers=headers(web))

    assert response.status == 201, await response.text()
    assert downloads == ["photo-file-id"]
    design = await Design.get(id=(await response.json())["id"])
    with Image.open(web.settings.data_path / design.original_path) as original:
        assert original.size == (300, 300)


async def exercise_custom_products(web: Web, contract: Any) -> None:
    """Every custom-product endpoint once, each answer checked by the OpenAPI contract test
    (tests/web/test_openapi.py) against the document."""
    mug_id = await open_mug_shop(web)

    async def json_call(
        method: str, template: str, path: str, user: dict[str, Any] = TG_USER, **kwargs: Any
    ) -> Any:
        response = await web.client.request(
            method, "/api/v1" + path, headers=headers(web, user), **kwargs
        )
        body = await response.json()
        contract.check(method, template, response.status, body)
        return body

    await json_call("GET", "/products/{product_id}/template", f"/products/{mug_id}/template")
    await json_call("GET", "/products/{product_id}/template", "/products/999999/template")
    uploads = "/products/{product_id}/designs"
    await json_call("POST", uploads, f"/products/{mug_id}/designs", data=form(b"not a picture"))
    design = await json_call("POST", uploads, f"/products/{mug_id}/designs", data=form(picture()))
    await json_call(
        "POST",
        "/products/{product_id}/designs/from-chat",
        f"/products/{mug_id}/designs/from-chat",
        json={},
    )
    await json_call("GET", "/designs/{design_id}", f"/designs/{design['id']}")
    await json_call("GET", "/designs/{design_id}", f"/designs/{design['id']}", OTHER_USER)
    preview = design["previews"][0]
    for template, url in (
        ("/designs/{design_id}/previews/{preview_id}", preview["url"]),
        ("/designs/{design_id}/previews/{preview_id}/thumb", preview["thumb_url"]),
    ):
        response = await web.client.get(url, headers=headers(web))
        contract.check_media("GET", template, response.status, response.content_type)
