"""Turning a Bot API request into a validated aiogram method object.

aiogram (like most clients) posts multipart/form-data: scalars arrive as strings, objects
as JSON strings and files as `attach://name` references to other parts. The emulator
decodes the strings by the target field's type and validates with aiogram's own models,
so "what aiogram can send" and "what the emulator accepts" cannot drift apart.
"""

from __future__ import annotations

import functools
import json
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiogram import methods as aiogram_methods
from aiogram.client.default import Default
from aiogram.methods.base import TelegramMethod
from pydantic import ValidationError

from sandbox.errors import bad_request

_MISSING_MESSAGES = {
    "text": "message text is empty",
    "chat_id": "chat_id is empty",
    "message_id": "message identifier is not specified",
}


@dataclass(frozen=True)
class Upload:
    """A file that came in a multipart request."""

    filename: str
    content_type: str | None
    data: bytes


async def read_form(reader: aiohttp.MultipartReader) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Read multipart/form-data: text fields, and file parts under `attach://<field>`."""
    fields: dict[str, Any] = {}
    uploads: dict[str, Upload] = {}
    while (part := await reader.next()) is not None:
        if not isinstance(part, aiohttp.BodyPartReader) or not part.name:
            continue
        if part.filename is None:
            fields[part.name] = await part.text()
            continue
        uploads[part.name] = Upload(
            filename=part.filename,
            content_type=part.headers.get(aiohttp.hdrs.CONTENT_TYPE),
            data=bytes(await part.read()),
        )
    text = "\n".join(str(value) for value in fields.values())
    for name in uploads:
        if f"attach://{name}" not in text:
            # a file posted straight into a parameter (photo=<file>) is its own attachment
            fields.setdefault(name, f"attach://{name}")
    return fields, uploads


@functools.cache
def aiogram_method_models() -> Mapping[str, type[TelegramMethod[Any]]]:
    """Every Bot API method aiogram knows, by lower-cased name (Telegram ignores case)."""
    models: dict[str, type[TelegramMethod[Any]]] = {}
    for name in aiogram_methods.__all__:
        candidate = getattr(aiogram_methods, name)
        if not (isinstance(candidate, type) and issubclass(candidate, TelegramMethod)):
            continue
        api_name = candidate.__dict__.get("__api_method__")
        if isinstance(api_name, str):
            models[api_name.lower()] = candidate
    return types.MappingProxyType(models)


def validate_call(model: type[TelegramMethod[Any]], raw: Mapping[str, Any]) -> Any:
    """Decode form values and validate them with aiogram's model; 400 on failure."""
    try:
        method = model.model_validate(decode_params(model, raw))
    except ValidationError as exc:
        raise bad_request(_describe(exc)) from exc
    for name in type(method).model_fields:
        # A Default is aiogram's "use the bot's default"; the client resolves it before
        # sending, so one left here means the parameter was simply not sent.
        if isinstance(getattr(method, name), Default):
            setattr(method, name, None)
    return method


def decode_params(model: type[TelegramMethod[Any]], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Parse JSON-encoded form values, except for fields that are plain strings."""
    decoded: dict[str, Any] = {}
    for key, value in raw.items():
        field = model.model_fields.get(key)
        if isinstance(value, str) and not (field and _is_text(field.annotation)):
            decoded[key] = _maybe_json(value)
        else:
            decoded[key] = value
    return decoded


def _is_text(annotation: Any) -> bool:
    """Whether a field holds only text, so "123" or "true" must stay a string."""
    members = typing.get_args(annotation) if _is_union(annotation) else (annotation,)
    meaningful = [m for m in members if m not in (type(None), Default)]
    return bool(meaningful) and all(
        m is str
        or (
            typing.get_origin(m) is typing.Literal
            and all(isinstance(v, str) for v in typing.get_args(m))
        )
        for m in meaningful
    )


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _maybe_json(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    location = [str(part) for part in error["loc"]]
    field = location[0] if location else "parameters"
    if error["type"] == "missing" and len(location) == 1:
        return _MISSING_MESSAGES.get(field, f'parameter "{field}" is required')
    return f'invalid parameter "{field}": {error["msg"]}'
