"""A route table for JSON endpoints whose signatures are their documentation.

`@routes.endpoint("POST", "/cart/items", ...)` on `async def add(call: Call, body: AddToCart)
-> Cart` registers the aiohttp route *and* tells the OpenAPI builder the body, query, path
parameters and response model, read from the type hints: the document cannot drift from the
code. Like aiohttp's `RouteTableDef`, the table is filled at import and never changes after.

The wrapper turns request mistakes into `BadRequest`; `webapp.middlewares` answers every
refusal (`ApiError`, a service's `DomainError`) as `{"error": {...}}`.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import typing
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from html import escape
from typing import Any, ClassVar

from aiohttp import hdrs, web
from pydantic import BaseModel, ValidationError

from core.config import Settings
from core.errors import InvalidInput, NotFound
from core.i18n import gettext as _
from core.money import format_price
from core.problems import explain
from db.models import EventChannel, EventKind, User
from services.container import Services
from webapp.errors import ApiError, error_messages
from webapp.keys import LOCALE, SERVICES

# api.py imports this package's routes to register them, so read the key through the module
# at call time instead of importing the name while api.py is still being initialised.
from webapp.routes import api as tma_api
from webapp.routes.shop_api_models import MAX_ID, Money


class Binary(bytes):
    """A response that is not JSON: its bytes, sent with the subclass's media type (and
    documented as such)."""

    media_type: ClassVar[str]


class Png(Binary):
    """A PNG image."""

    media_type = "image/png"


Handler = Callable[..., Awaitable[BaseModel | Binary]]
CacheScope = Callable[[dict[str, Any]], Awaitable[str | None]]
"""What a cached endpoint's response depends on besides its arguments and language: given the
handler's arguments, the version of the data it reads (None: answer without the cache)."""

CATALOG_CACHE_CONTROL = "private, no-cache"
"""The Mini App may keep a catalogue response but asks each time (a 304 when nothing changed)."""
PERSONAL_CACHE_CONTROL = "no-store"
"""Carts, orders and payments are the person's own and change with every action."""
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True, slots=True)
class Header:
    """A request header an endpoint reads (documented as a parameter)."""

    name: str
    description: str
    required: bool = True
    pattern: str | None = None


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One operation: how it is routed and what the document says about it."""

    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    response: type[BaseModel] | type[Binary]
    status: int
    also: tuple[int, ...]
    errors: tuple[int, ...]
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    path_params: tuple[str, ...]
    headers: tuple[Header, ...]
    cache: CacheScope | None = None
    records: EventKind | None = None
    """The funnel step a successful call is (services.analytics)."""
    upload: str | None = None
    """The multipart form field of a file the handler streams itself (documented as the body)."""

    @property
    def operation_id(self) -> str:
        """The handler's name."""
        return self.handler.__name__

    @property
    def description(self) -> str:
        """The handler's docstring."""
        return inspect.getdoc(self.handler) or ""

    @property
    def aiohttp_path(self) -> str:
        """The path with numeric placeholders, e.g. `/orders/{order_id:\\d+}`."""
        return _PLACEHOLDER.sub(r"{\1:\\d+}", self.path)


@dataclass(slots=True)
class Call:
    """One authenticated API request, as handlers see it."""

    request: web.Request
    user: User
    services: Services
    locale: str
    status: int | None = None
    """Set to answer with another documented success status (e.g. 200 for a replay)."""

    @property
    def settings(self) -> Settings:
        """The process settings."""
        return self.services.settings

    def money(self, amount: int, currency: str) -> Money:
        """An amount with its currency, formatted for this request's language."""
        return Money(
            amount=amount, currency=currency, formatted=format_price(amount, currency, self.locale)
        )


class BadRequest(ApiError):
    """The request itself is wrong (not the domain): answered as 422 invalid_input."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(422, InvalidInput.code, message, field)


@dataclass
class RouteTable:
    """The endpoints of a JSON API, in declaration order."""

    endpoints: list[Endpoint] = field(default_factory=list)

    def __iter__(self) -> Iterator[Endpoint]:
        return iter(self.endpoints)

    def endpoint(
        self,
        method: str,
        path: str,
        *,
        tag: str,
        status: int = 200,
        also: tuple[int, ...] = (),
        errors: tuple[int, ...] = (),
        headers: tuple[Header, ...] = (),
        cache: CacheScope | None = None,
        records: EventKind | None = None,
        upload: str | None = None,
    ) -> Callable[[Handler], Handler]:
        """Declare a handler `(call: Call, [body: M], [query: Q], [<path param>: int]) -> R`.

        With `cache`, a GET whose response is the same for everyone (no per-person field) is
        answered from the read cache, keyed by its arguments, language and data version,
        with an ETag (304 for If-None-Match). With `records`, each successful call is noted as
        that step of the funnel for the admin's statistics."""

        def register(handler: Handler) -> Handler:
            endpoint = _describe(handler, method, path, tag, status, also, errors, headers)
            if cache is not None:
                if method != "GET":
                    raise TypeError(f"{handler.__name__}: only GET responses are cached")
                endpoint = dataclasses.replace(endpoint, cache=cache)
            if records is not None:
                endpoint = dataclasses.replace(endpoint, records=records)
            if upload is not None:
                endpoint = dataclasses.replace(endpoint, upload=upload)
            self.endpoints.append(endpoint)
            return handler

        return register

    def setup(self, app: web.Application) -> None:
        """Add every endpoint to the (sub-)application's router."""
        for endpoint in self.endpoints:
            app.router.add_route(endpoint.method, endpoint.aiohttp_path, _wrap(endpoint))


def _describe(
    handler: Handler,
    method: str,
    path: str,
    tag: str,
    status: int,
    also: tuple[int, ...],
    errors: tuple[int, ...],
    headers: tuple[Header, ...],
) -> Endpoint:
    hints = typing.get_type_hints(handler)
    placeholders = tuple(_PLACEHOLDER.findall(path))
    params = list(inspect.signature(handler).parameters)
    if not params or params[0] != "call":
        raise TypeError(f"{handler.__name__}: the first parameter must be `call: Call`")
    for name in params[1:]:
        if name not in ("body", "query") and (name not in placeholders or hints[name] is not int):
            raise TypeError(f"{handler.__name__}: `{name}` is not a body, query or path id")
    if set(placeholders) - set(params):
        raise TypeError(f"{handler.__name__}: path parameters {placeholders} not all taken")
    response = hints.get("return")
    if not (isinstance(response, type) and issubclass(response, (BaseModel, Binary))):
        raise TypeError(f"{handler.__name__}: must return a pydantic model or Binary")
    return Endpoint(
        method=method,
        path=path,
        handler=handler,
        summary=(inspect.getdoc(handler) or handler.__name__).splitlines()[0],
        tag=tag,
        response=response,
        status=status,
        also=also,
        errors=errors,
        body=hints.get("body") if "body" in params else None,
        query=hints.get("query") if "query" in params else None,
        path_params=placeholders,
        headers=headers,
    )


def _wrap(endpoint: Endpoint) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    if endpoint.records is None:
        return _answer(endpoint)
    answer, kind = _answer(endpoint), endpoint.records

    async def handle_and_record(request: web.Request) -> web.StreamResponse:
        response = await answer(request)  # a refusal raises: only successes are recorded
        ids = {name: request.match_info.get(name) for name in ("provider_id", "product_id")}
        body = request.get(RECORDED_BODY)
        request.config_dict[SERVICES].analytics.record(
            kind,
            EventChannel.app,
            user_id=request[tma_api.CURRENT_USER].id,
            provider_id=_int(ids["provider_id"]),
            product_id=_int(ids["product_id"]) or _int(getattr(body, "product_id", None)),
        )
        return response

    handle_and_record.__name__ = endpoint.operation_id
    return handle_and_record


RECORDED_BODY = web.RequestKey("recorded_body", BaseModel)
"""The validated body of a recorded call (for the product id of an added cart line)."""


def _int(value: object) -> int | None:
    try:
        return int(value) if value is not None else None  # type: ignore[call-overload]
    except ValueError:
        return None


def _answer(endpoint: Endpoint) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        # Refusals (ApiError, DomainError) are answered by webapp.middlewares.
        call = Call(
            request=request,
            user=request[tma_api.CURRENT_USER],
            services=request.config_dict[SERVICES],
            locale=request[LOCALE],
        )
        kwargs: dict[str, Any] = {name: _path_id(request, name) for name in endpoint.path_params}
        if endpoint.query is not None:
            kwargs["query"] = _validated(endpoint.query, dict(request.query), json=False)
        if endpoint.body is not None:
            kwargs["body"] = _validated(endpoint.body, await request.read(), json=True)
            request[RECORDED_BODY] = kwargs["body"]
        if endpoint.cache is not None:
            version = await endpoint.cache(kwargs)
            if version is not None:
                return await _cached(endpoint, call, kwargs, version)
        result = await endpoint.handler(call, **kwargs)
        if isinstance(result, Binary):
            return web.Response(
                body=bytes(result),
                status=call.status or endpoint.status,
                content_type=result.media_type,
                headers={hdrs.CACHE_CONTROL: PERSONAL_CACHE_CONTROL},
            )
        return web.Response(
            body=_json(result),
            status=call.status or endpoint.status,
            content_type="application/json",
            headers={hdrs.CACHE_CONTROL: PERSONAL_CACHE_CONTROL},
        )

    handle.__name__ = endpoint.operation_id
    return handle


def _json(result: BaseModel) -> bytes:
    # pydantic-core writes the bytes straight from the model: faster than a dict through
    # json or orjson, and the same document.
    return result.__pydantic_serializer__.to_json(result)


async def _cached(
    endpoint: Endpoint, call: Call, kwargs: dict[str, Any], version: str
) -> web.Response:
    """The response from the read cache, built (and kept) on a miss; 304 when the client's
    copy is current."""
    arguments = ";".join(
        f"{name}={value.model_dump_json() if isinstance(value, BaseModel) else value}"
        for name, value in sorted(kwargs.items())
    )
    key = f"{endpoint.operation_id}|{version}|{call.locale}|{arguments}"

    async def build() -> bytes:
        result = await endpoint.handler(call, **kwargs)
        assert isinstance(result, BaseModel)  # only JSON answers are cached
        return _json(result)

    entry = await call.services.read_cache.get_or_build(key, build)
    headers = {
        hdrs.ETAG: entry.etag,
        hdrs.CACHE_CONTROL: CATALOG_CACHE_CONTROL,
        hdrs.VARY: "Accept-Language",
    }
    if _matches(call.request.headers.get(hdrs.IF_NONE_MATCH), entry.etag):
        return web.Response(status=304, headers=headers)
    return web.Response(
        body=entry.body, status=endpoint.status, content_type="application/json", headers=headers
    )


def _matches(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match names this ETag (weak comparison, as RFC 9110 asks for GET) or is `*`."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False


def _path_id(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    # The length check first: int() refuses (ValueError) strings of thousands of digits.
    if len(raw) > len(str(MAX_ID)) or not 1 <= int(raw) <= MAX_ID:
        raise NotFound(entity=name)
    return int(raw)


def _validated(model: type[BaseModel], data: Any, *, json: bool) -> BaseModel:
    try:
        if json:
            return model.model_validate_json(data)
        return model.model_validate(data)
    except ValidationError as exc:
        raise _bad_request(exc) from None


def _bad_request(exc: ValidationError) -> BadRequest:
    """The first problem, named by its field (`items.0.quantity`), in the person's words."""
    error = exc.errors(include_url=False)[0]
    location = ".".join(str(part) for part in error["loc"])
    if error["type"] in ("json_invalid", "json_type", "model_type", "model_attributes_type"):
        return BadRequest(error_messages()["bad_request"], None)
    if error["type"] == "extra_forbidden":
        return BadRequest(_("Unknown field: {field}.").format(field=escape(location)), location)
    field = str(error["loc"][-1]) if error["loc"] else None
    return BadRequest(explain(InvalidInput(field=field)), location or None)
