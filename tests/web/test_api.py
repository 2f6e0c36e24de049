"""The Mini App's JSON API: initData sign-in, the current user, JSON errors."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from core.i18n import LOCALES_DIR
from db.models import User
from services import users
from tests.web.conftest import (
    TG_USER,
    MakeWeb,
    Web,
    fields_of,
    russian_catalogue,
    sign_init_data,
    tamper,
    tma,
)
from webapp import MAX_REQUEST_SIZE

OTHER_TOKEN = "987654321:ANOTHER-bot-token-signed-this"
INVALID_RU = "Данные для входа недействительны."


async def get_me(web: Web, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    response = await web.client.get("/api/v1/me", headers=headers)
    return response.status, await response.json()


def assert_error(body: dict[str, object], code: str) -> str:
    """The error shape every API failure shares; returns the message."""
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error, dict)
    assert set(error) == {"code", "message"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error["message"]


# --- Signed in ------------------------------------------------------------------------------


async def test_valid_init_data_returns_the_person_and_stores_them(web: Web) -> None:
    status, body = await get_me(web, tma(sign_init_data(web.settings.token)))

    assert status == 200
    user = await User.get(tg_id=TG_USER["id"])
    assert body == {
        "id": user.pseudonym,
        "telegram_id": TG_USER["id"],
        "first_name": "Анна",
        "last_name": "Смирнова",
        "username": "anna_s",
        "locale": "en",
        "role": "customer",
        "has_phone": False,
        "consent": False,
        "is_staff": False,
    }
    assert user.language_code == "en"
    assert user.last_seen_at is not None


async def test_the_next_sign_in_refreshes_the_same_person(web: Web) -> None:
    await get_me(web, tma(sign_init_data(web.settings.token)))
    renamed = {**TG_USER, "first_name": "Аня", "username": "anya"}

    status, body = await get_me(web, tma(sign_init_data(web.settings.token, user=renamed)))

    assert status == 200
    assert (body["first_name"], body["username"]) == ("Аня", "anya")
    assert await User.filter(tg_id=TG_USER["id"]).count() == 1
    assert (await User.get(tg_id=TG_USER["id"])).first_name == "Аня"


async def test_a_banned_person_is_refused(web: Web) -> None:
    await get_me(web, tma(sign_init_data(web.settings.token)))
    # Through the service: it drops the person from the user cache (a ban written straight
    # into the database would take effect when the cache entry expires).
    assert await users.set_banned(TG_USER["id"], True)

    status, body = await get_me(web, tma(sign_init_data(web.settings.token)))

    assert status == 403
    assert_error(body, "banned")


# --- Refused ------------------------------------------------------------------------------


def _bad_headers(token: str, max_age: int) -> dict[str, dict[str, str]]:
    good = sign_init_data(token)
    good_hash = fields_of(good)["hash"]
    flipped_hash = good_hash[:-1] + ("0" if good_hash[-1] != "0" else "1")
    someone_else = json.dumps({**TG_USER, "id": 1}, ensure_ascii=False)
    return {
        "missing header": {},
        "wrong scheme": {"Authorization": f"Bearer {good}"},
        "empty tma": {"Authorization": "tma "},
        "tampered hash": tma(tamper(good, hash=flipped_hash)),
        "tampered field": tma(tamper(good, user=someone_else)),
        "older than the limit": tma(sign_init_data(token, auth_date=time.time() - max_age - 60)),
        "an hour ahead": tma(sign_init_data(token, auth_date=time.time() + 3600)),
        "another bot's token": tma(sign_init_data(OTHER_TOKEN)),
        "no hash": tma(urlencode({k: v for k, v in fields_of(good).items() if k != "hash"})),
        "no user": tma(sign_init_data(token, user=None)),
    }


REFUSALS = {
    "missing header": "auth_missing",
    "wrong scheme": "auth_scheme",
    "empty tma": "auth_scheme",
    "tampered hash": "auth_invalid",
    "tampered field": "auth_invalid",
    "older than the limit": "auth_expired",
    "an hour ahead": "auth_future",
    "another bot's token": "auth_invalid",
    "no hash": "auth_invalid",
    "no user": "auth_no_user",
}


@pytest.mark.parametrize(("case", "code"), REFUSALS.items(), ids=list(REFUSALS))
async def test_bad_init_data_is_refused_and_stores_nobody(web: Web, case: str, code: str) -> None:
    headers = _bad_headers(web.settings.token, web.settings.init_data_max_age)[case]

    status, body = await get_me(web, headers)

    assert status == 401
    assert_error(body, code)
    assert await User.all().count() == 0


async def test_the_age_limit_follows_init_data_max_age(make_web: MakeWeb) -> None:
    web = await make_web(init_data_max_age=3600)
    token = web.settings.token

    fresh, _ = await get_me(web, tma(sign_init_data(token, auth_date=time.time() - 3500)))
    stale, body = await get_me(web, tma(sign_init_data(token, auth_date=time.time() - 3700)))

    assert (fresh, stale) == (200, 401)
    assert_error(body, "auth_expired")


# --- Errors in the person's language -------------------------------------------------------


async def test_error_messages_follow_accept_language(make_web: MakeWeb, tmp_path: Path) -> None:
    web = await make_web(
        i18n=russian_catalogue(tmp_path, "The sign-in data is not valid.", INVALID_RU),
        default_locale="en",
    )
    forged = tma(sign_init_data(OTHER_TOKEN))

    _, english = await get_me(web, {**forged, "Accept-Language": "en-GB,en;q=0.9"})
    _, russian = await get_me(web, {**forged, "Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"})
    chosen = await web.client.get("/api/v1/me?lang=ru", headers={**forged, "Accept-Language": "en"})

    assert assert_error(english, "auth_invalid") == "The sign-in data is not valid."
    assert assert_error(russian, "auth_invalid") == INVALID_RU
    assert assert_error(await chosen.json(), "auth_invalid") == INVALID_RU, "?lang= wins"


@pytest.mark.skipif(
    not (LOCALES_DIR / "ru" / "LC_MESSAGES" / "messages.mo").exists(),
    reason="no compiled Russian catalogue (make translations)",
)
async def test_the_shipped_catalogue_translates_api_errors(web: Web) -> None:
    forged = tma(sign_init_data(OTHER_TOKEN))

    _, english = await get_me(web, {**forged, "Accept-Language": "en"})
    _, russian = await get_me(web, {**forged, "Accept-Language": "ru"})

    assert assert_error(russian, "auth_invalid") != assert_error(english, "auth_invalid")


# --- Routing --------------------------------------------------------------------------------


async def test_an_unknown_api_path_is_a_json_404(web: Web) -> None:
    response = await web.client.get("/api/v1/nope", headers=tma(sign_init_data(web.settings.token)))

    assert response.status == 404
    assert response.content_type == "application/json"
    assert_error(await response.json(), "not_found")


async def test_a_wrong_method_is_a_json_405_that_names_the_allowed_ones(web: Web) -> None:
    signed = tma(sign_init_data(web.settings.token))

    response = await web.client.post("/api/v1/me", headers=signed)

    assert response.status == 405
    assert_error(await response.json(), "method_not_allowed")
    assert response.headers["Allow"] == "GET,HEAD,PATCH"  # RFC 9110, 15.5.6
    response = await web.client.put("/api/v1/cart/items/1", headers=signed)
    assert response.status == 405
    assert set(response.headers["Allow"].split(",")) == {"PATCH", "DELETE"}


async def test_a_body_over_the_size_limit_is_a_json_413(web: Web) -> None:
    headers = {**tma(sign_init_data(web.settings.token)), "Content-Type": "application/json"}
    too_large = b" " * (MAX_REQUEST_SIZE + 1)

    response = await web.client.post("/api/v1/cart/items", data=too_large, headers=headers)

    assert response.status == 413
    assert response.content_type == "application/json"
    assert_error(await response.json(), "request_too_large")
