"""The order's pickup QR code (GET /orders/{id}/pickup-qr) and the profile (GET/PATCH /me).

The QR code holds the order's six-digit pickup code, the same digits the screen prints under
it: a seller who scans it reads what a customer without a working camera would say aloud.
"""

from __future__ import annotations

import io
from typing import Any

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

from db.models import ActorRole, Order, OrderStatus, User
from services import consent, orders
from tests.web.conftest import TG_USER, Web, sign_init_data, tamper, tma
from tests.web.test_shop_api import OTHER_USER, Customer, open_shop

QUIET_ZONE = 4


async def placed_order(web: Web, ann: Customer) -> dict[str, Any]:
    shop = await open_shop(web)
    assert (await ann.add(shop.bread))[0] == 200
    status, order = await ann.checkout()
    assert status == 201, order
    return order


async def move(web: Web, order_id: int, *statuses: OrderStatus) -> None:
    order = await Order.get(id=order_id)
    for status in statuses:
        await orders.transition(
            order_id,
            status,
            role=ActorRole.provider,
            actor=None,
            events=web.services.shop_events,
            provider_id=order.provider_id,  # type: ignore[attr-defined]
            cash_received=status is OrderStatus.completed,  # a cash order, paid at hand-over
        )


READY = (OrderStatus.accepted, OrderStatus.in_work, OrderStatus.ready_for_pickup)


async def qr(web: Web, ann: Customer, order_id: int) -> tuple[int, str, bytes]:
    response = await web.client.get(f"/api/v1/orders/{order_id}/pickup-qr", headers=ann.headers)
    return response.status, response.content_type, await response.read()


def modules(png: bytes) -> list[list[bool]]:
    """The dark (True) and light modules of a QR image, quiet zone included, read from the
    centre of each module; the module size is the image width over the matrix size."""
    image = Image.open(io.BytesIO(png)).convert("L")
    width, height = image.size
    assert width == height
    size = None
    for version in range(1, 11):
        count = 17 + 4 * version + 2 * QUIET_ZONE
        if width % count == 0:
            size = count
            break
    assert size is not None, width
    box = width // size
    return [
        [image.getpixel((x * box + box // 2, y * box + box // 2)) < 128 for x in range(size)]  # type: ignore[operator]
        for y in range(size)
    ]


def expected(text: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(text)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


async def test_an_order_ready_for_pickup_has_a_qr_code_of_its_pickup_code(web: Web) -> None:
    ann = Customer(web)
    order = await placed_order(web, ann)
    await move(web, order["id"], *READY)

    status, content_type, png = await qr(web, ann, order["id"])

    assert (status, content_type) == (200, "image/png")
    grid = modules(png)
    assert grid == expected(order["pickup_code"])
    assert grid != expected(f"{(int(order['pickup_code']) + 1) % 10**6:06d}")
    # Black on white with a quiet zone: the border rows and columns are all light.
    for edge in (*grid[:QUIET_ZONE], *grid[-QUIET_ZONE:]):
        assert not any(edge)
    assert not any(row[0] or row[-1] for row in grid)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert {colour for _, colour in image.getcolors() or []} == {(0, 0, 0), (255, 255, 255)}


async def test_the_qr_code_waits_until_the_order_is_ready_and_ends_with_it(web: Web) -> None:
    ann = Customer(web, lang="ru")
    order = await placed_order(web, ann)
    await move(web, order["id"], OrderStatus.accepted)

    response = await web.client.get(f"/api/v1/orders/{order['id']}/pickup-qr", headers=ann.headers)

    assert response.status == 409
    error = (await response.json())["error"]
    assert error["code"] == "not_ready_for_pickup"
    assert "готов" in error["message"]
    await move(web, order["id"], OrderStatus.in_work, OrderStatus.ready_for_pickup)
    assert (await qr(web, ann, order["id"]))[0] == 200
    await move(web, order["id"], OrderStatus.completed)
    assert (await qr(web, ann, order["id"]))[0] == 409


async def test_another_persons_order_has_no_qr_code_for_you(web: Web) -> None:
    ann = Customer(web)
    order = await placed_order(web, ann)
    await move(web, order["id"], *READY)
    bob = Customer(web, OTHER_USER)

    response = await web.client.get(f"/api/v1/orders/{order['id']}/pickup-qr", headers=bob.headers)

    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"
    missing = await web.client.get("/api/v1/orders/999999/pickup-qr", headers=ann.headers)
    assert missing.status == 404


async def test_forged_init_data_gets_no_qr_code(web: Web) -> None:
    ann = Customer(web)
    order = await placed_order(web, ann)
    await move(web, order["id"], *READY)
    forged = tamper(sign_init_data(web.settings.token), auth_date="1")

    response = await web.client.get(f"/api/v1/orders/{order['id']}/pickup-qr", headers=tma(forged))

    assert response.status == 401
    assert response.content_type == "application/json"


async def test_the_person_changes_their_language(web: Web) -> None:
    ann = Customer(web)

    status, me = await ann.request("PATCH", "/me", body={"locale": "ru"})

    assert status == 200, me
    assert me["locale"] == "ru"
    assert (await User.get(tg_id=TG_USER["id"])).locale == "ru"
    assert (await ann.get("/me"))[1]["locale"] == "ru"  # the user cache heard of it
    assert (await ann.request("PATCH", "/me", body={"locale": "en"}))[1]["locale"] == "en"


async def test_an_unknown_language_is_refused(web: Web) -> None:
    ann = Customer(web)

    status, body = await ann.request("PATCH", "/me", body={"locale": "de"})

    assert status == 422
    assert (body["error"]["code"], body["error"]["field"]) == ("invalid_input", "locale")
    status, body = await ann.request("PATCH", "/me", body={"locale": "ru", "role": "admin"})
    assert status == 422
    assert (await User.get(tg_id=TG_USER["id"])).locale != "ru"


async def test_the_profile_says_whether_personal_data_consent_is_given(web: Web) -> None:
    ann = Customer(web)
    assert (await ann.get("/me"))[1]["consent"] is False

    await consent.grant(await ann.user(), web.settings.privacy_policy_version)

    assert (await ann.get("/me"))[1]["consent"] is True
    await consent.withdraw(await ann.user(), web.settings.privacy_policy_version)
    assert (await ann.get("/me"))[1]["consent"] is False
