"""Request bodies as Lunary's server reads them: koa-bodyparser (co-body) in front of every route.

- A JSON Content-Type (``application/json`` and the few other types koa-bodyparser lists) is
  parsed in strict mode: an empty body is ``{}``; a body that does not start with ``{`` or ``[``
  is 400 "invalid JSON, only supports object and array"; a body ``JSON.parse`` refuses is 400
  with the parser's message.
- ``application/x-www-form-urlencoded`` is parsed as a form (string values).
- Anything else, or no Content-Type at all (``text/plain`` included), is not read: ``{}``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

import orjson

from draftmock.vendors.lunary.errors import LunaryError

# koa-bodyparser's default ``extendTypes.json``.
JSON_TYPES = frozenset(
    {
        "application/json",
        "application/json-patch+json",
        "application/vnd.api+json",
        "application/csp-report",
        "application/scim+json",
    }
)
FORM_TYPE = "application/x-www-form-urlencoded"
STRICT = re.compile(rb"^[\x20\x09\x0a\x0d]*[\[{]")


class BodyParseError(LunaryError):
    """co-body's error: status 400, its message as the body's ``message``."""


def read_body(media_type: str | None, raw: bytes) -> Any:
    if media_type in JSON_TYPES:
        return _json(raw)
    if media_type == FORM_TYPE:
        return _form(raw)
    return {}


def _json(raw: bytes) -> Any:
    if not raw:
        return {}
    if not STRICT.match(raw):
        raise BodyParseError("invalid JSON, only supports object and array")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise BodyParseError(f"JSON Parse error: {_reason(error, raw)}") from None


def _reason(error: orjson.JSONDecodeError, raw: bytes) -> str:
    """JavaScriptCore's words (Lunary runs on Bun) for the usual mistakes; its generic one else."""
    message = error.msg
    rest = raw[error.pos :].strip()
    if not rest:
        quotes = len(re.findall(rb'(?<!\\)"', raw))
        return "Unterminated string" if quotes % 2 else "Unexpected EOF"
    word = re.match(rb"[A-Za-z_$][A-Za-z0-9_$]*", rest)
    if word is not None:
        return f'Unexpected identifier "{word.group().decode("ascii")}"'
    if "string key" in message or "trailing comma" in message:
        return "Property name must be a string literal"
    if "expected ':'" in message:
        return "Expected ':' before value in object property definition"
    if "expected ',' or ']'" in message:
        return "Expected ']'"
    if "expected ',' or '}'" in message:
        return "Expected '}'"
    return "Unable to parse JSON string"


def _form(raw: bytes) -> dict[str, Any]:
    """qs's flat case: repeated names become lists (nested ``a[b]`` names are kept as written)."""
    body: dict[str, Any] = {}
    for name, value in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True):
        if name in body:
            previous = body[name]
            body[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            body[name] = value
    return body
