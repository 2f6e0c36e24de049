"""The OpenAPI 3.1 document of /api/v1, generated from the route table and pydantic models.

OpenAPI 3.1 schemas are JSON Schema 2020-12, which is what pydantic emits, so the models'
schemas go into `components/schemas` unchanged and the operations reference them.
"""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from webapp.routes.shop_api_kit import Binary, Endpoint
from webapp.routes.shop_api_models import MAX_ID, ErrorBody, Me

OPENAPI_VERSION = "3.1.0"
SERVER = "/api/v1"
REF = "#/components/schemas/{model}"
SECURITY_SCHEME = "tma"
Mode = Literal["validation", "serialization"]

AUTH_DESCRIPTION = (
    "Telegram Mini App sign-in: the header `Authorization: tma <initData>` carries the raw "
    "`Telegram.WebApp.initData` string; the server checks its signature with the bot token and "
    "the age of `auth_date`."
)
ERROR_DESCRIPTION = (
    'Every error is `{"error": {"code", "message"}}` (plus `field` where an input is to blame). '
    "`message` is localized by `?lang=` or `Accept-Language` and HTML-escaped. A method a path "
    "does not take is 405 `method_not_allowed` with the `Allow` header."
)
COMMON_ERRORS = {
    401: "Missing, forged or stale initData (`auth_*` codes).",
    403: "Blocked account (`banned`), `consent_required`, or `not_staff` (seller mode).",
    404: "Not found, or not yours to see (`not_found`).",
    409: (
        "A well-formed request the current state refuses (`sold_out`, `cart_changed`, "
        "`illegal_transition`, `payment_channel_unavailable`, ...)."
    ),
    413: "The body is larger than the server takes (`request_too_large`).",
    422: "Malformed JSON, wrong types, unknown fields or out-of-range values (`invalid_input`).",
    500: "A bug on our side (`internal`).",
    503: "Telegram did not answer or refused; try again later (`share_unavailable`).",
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", ()))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": {k: v for k, v in prop.items() if k != "title"},
        }
        for name, prop in schema["properties"].items()
    ]


def _parameters(endpoint: Endpoint) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        }
        for name in endpoint.path_params
    ]
    if endpoint.query is not None:
        parameters += _query_parameters(endpoint.query)
    for header in endpoint.headers:
        schema: dict[str, Any] = {"type": "string"}
        if header.pattern:
            schema["pattern"] = header.pattern
        parameters.append(
            {
                "name": header.name,
                "in": "header",
                "required": header.required,
                "description": header.description,
                "schema": schema,
            }
        )
    return parameters


def _error(status: int) -> dict[str, str]:
    return {"$ref": f"#/components/responses/Error{status}"}


def _error_responses() -> dict[str, Any]:
    return {
        f"Error{status}": {"description": description, "content": _json(_ref(ErrorBody))}
        for status, description in COMMON_ERRORS.items()
    }


def _content(response: type[BaseModel] | type[Binary]) -> dict[str, Any]:
    if issubclass(response, Binary):
        media = response.media_type
        return {media: {"schema": {"type": "string", "contentMediaType": media}}}
    return _json(_ref(response))


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    success = {
        "description": HTTPStatus(endpoint.status).phrase,
        "content": _content(endpoint.response),
    }
    responses: dict[str, Any] = {str(endpoint.status): success}
    for status in endpoint.also:
        responses[str(status)] = {**success, "description": HTTPStatus(status).phrase}
    errors = {401, 403, 500, *endpoint.errors}
    if not errors <= COMMON_ERRORS.keys():
        raise ValueError(f"{endpoint.operation_id}: error statuses {errors} lack a description")
    if endpoint.body or endpoint.query or endpoint.headers:
        errors.add(422)
    if endpoint.body:
        errors.add(413)
    if endpoint.path_params:
        errors.add(404)
    for status in sorted(errors):
        responses[str(status)] = _error(status)
    operation: dict[str, Any] = {
        "operationId": endpoint.operation_id,
        "summary": endpoint.summary,
        "tags": [endpoint.tag],
        "responses": responses,
    }
    details = endpoint.description.partition("\n\n")[2]
    if details:
        operation["description"] = details
    parameters = _parameters(endpoint)
    if parameters:
        operation["parameters"] = parameters
    if endpoint.body is not None:
        operation["requestBody"] = {"required": True, "content": _json(_ref(endpoint.body))}
    if endpoint.upload is not None:
        operation["requestBody"] = _upload_body(endpoint.upload)
    return operation


def _upload_body(field: str) -> dict[str, Any]:
    """A file sent as one multipart form field (streamed to disk by the handler)."""
    schema = {
        "type": "object",
        "required": [field],
        "properties": {field: {"type": "string", "contentMediaType": "application/octet-stream"}},
    }
    return {"required": True, "content": {"multipart/form-data": {"schema": schema}}}


def _extra_paths() -> dict[str, dict[str, Any]]:
    """Operations routed outside the shop's route table."""
    return {
        "/me": {
            "get": {
                "operationId": "me",
                "summary": "The signed-in person's profile.",
                "tags": ["account"],
                "responses": {
                    "200": {"description": "OK", "content": _json(_ref(Me))},
                    "401": _error(401),
                    "403": _error(403),
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi_document",
                "summary": "This document.",
                "tags": ["meta"],
                "security": [],
                "responses": {
                    "200": {"description": "OK", "content": _json({"type": "object"})},
                },
            }
        },
    }


def _models(endpoints: list[Endpoint]) -> list[tuple[type[BaseModel], Mode]]:
    models: dict[type[BaseModel], Mode] = {ErrorBody: "serialization", Me: "serialization"}
    for endpoint in endpoints:
        if issubclass(endpoint.response, BaseModel):
            models[endpoint.response] = "serialization"
        if endpoint.body is not None:
            models[endpoint.body] = "validation"
    return list(models.items())


def build_openapi(routes: Iterable[Endpoint]) -> dict[str, Any]:
    """The whole document (a plain dict, ready for `json.dumps`)."""
    endpoints = list(routes)
    _, definitions = models_json_schema(_models(endpoints), ref_template=REF)
    paths = _extra_paths()
    for endpoint in endpoints:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Prilavok Mini App API",
            "version": "1",
            "description": ERROR_DESCRIPTION,
        },
        "servers": [{"url": SERVER}],
        "security": [{SECURITY_SCHEME: []}],
        "tags": [
            {"name": "catalog", "description": "Storefronts, products, search."},
            {"name": "cart", "description": "The one cart, shared with the chat."},
            {"name": "orders", "description": "Checkout and the person's orders."},
            {"name": "account", "description": "The signed-in person."},
            {"name": "seller", "description": "Seller mode: a shop's staff and their orders."},
            {"name": "homework", "description": "Homework, materials and achievements."},
            {"name": "tutoring", "description": "Tutors, free times and bookings."},
            {"name": "loyalty", "description": "Member card, points, reviews and referrals."},
            {"name": "meta", "description": "About the API."},
        ],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": definitions.get("$defs", {}),
            "responses": _error_responses(),
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": AUTH_DESCRIPTION,
                }
            },
        },
    }
