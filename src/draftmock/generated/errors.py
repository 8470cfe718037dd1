"""Errors in the envelope each operation documents.

A rejection answers the first status the operation documents among those asked for (exact
codes first, then ``4XX``, then ``default``), with a body generated from that response's schema
and the reason written into its message-like field when the schema allows it. Only when the
operation documents none of them does the mock answer its own ``application/problem+json``,
marked with ``X-Draftmock-Error`` as every refusal of the mock itself is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from draftmock.generated.negotiation import negotiate
from draftmock.generated.shapes import (
    MediaSlot,
    concrete_media,
    deref,
    object_view,
    ordered_media,
    ref_pointer,
    response_slot,
)
from draftmock.generated.values import Values
from draftmock.spec.media import render
from draftmock.spec.schema import Violation
from draftmock.spec.xml import schema_node
from draftmock.vendors._kit import Reply

# The header the server's response check lets through: a reply of the mock itself, not of the API.
MOCK_ERROR_HEADER = "x-draftmock-error"
_MESSAGE_FIELDS: tuple[str, ...] = (
    "message",
    "detail",
    "details",
    "error_description",
    "description",
    "title",
)
_MESSAGE_FIELDS += ("error", "msg", "reason", "errorMessage", "error_message")
_STATUS_FIELDS = ("status", "statusCode", "status_code", "code", "httpStatus")
_CODE_FIELDS = ("code", "error", "type", "reason", "error_code", "errorCode", "kind")
_TITLES = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 409: "Conflict"}
# Words an error-code enum uses for a status ("not_found", "NotFound", "NOT_FOUND").
_CODE_WORDS = {
    400: ("badrequest", "invalid", "validation"),
    401: ("unauthorized", "unauthenticated", "authentication"),
    403: ("forbidden", "permission", "denied"),
    404: ("notfound", "missing", "nosuch"),
    409: ("conflict", "alreadyexists", "exists"),
    422: ("validation", "unprocessable", "invalid"),
    429: ("ratelimit", "toomanyrequests", "throttl"),
}


def error_slot(
    values: Values, op_pointer: str, responses: dict[str, Any], statuses: Sequence[int]
) -> tuple[int, MediaSlot] | None:
    """The documented response for the first of ``statuses`` the operation covers."""
    keys = {str(k).upper(): str(k) for k in responses}
    for status in statuses:
        if str(status) in keys:
            slot = response_slot(values.document, op_pointer, keys[str(status)])
            if slot is not None:
                return status, slot
    for status in statuses:
        for wildcard in (f"{str(status)[0]}XX", "DEFAULT"):
            if wildcard in keys:
                slot = response_slot(values.document, op_pointer, keys[wildcard])
                if slot is not None:
                    return status, slot
    return _named_slot(values, op_pointer, responses, statuses)


def _named_slot(
    values: Values, op_pointer: str, responses: dict[str, Any], statuses: Sequence[int]
) -> tuple[int, MediaSlot] | None:
    """A documented client error of another code whose description or schema names the case:
    documents converted from AWS' models give each exception a code of its own (``480:
    InvalidArgumentException``, ``482: ResourceNotFoundException``)."""
    for status in statuses:
        words = _CODE_WORDS.get(status, ())
        for key, response in responses.items():
            code = str(key)
            if not (code.isdigit() and code.startswith("4")) or int(code) in statuses:
                continue
            if any(word in _response_words(values, response) for word in words):
                slot = response_slot(values.document, op_pointer, code)
                if slot is not None:
                    return int(code), slot
    return None


def _response_words(values: Values, response: Any) -> str:
    """A response's description and its schemas' names, lower case, letters and digits only."""
    text = ""
    if isinstance(response, dict) and isinstance(response.get("$ref"), str):
        text += response["$ref"].rsplit("/", 1)[-1]
        response = deref(values.document, ref_pointer(response["$ref"]))[1]
    if not isinstance(response, dict):
        return ""
    text += str(response.get("description", ""))
    for media in (response.get("content") or {}).values():
        schema = media.get("schema") if isinstance(media, dict) else None
        if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            text += " " + schema["$ref"].rsplit("/", 1)[-1]
    return "".join(c for c in text.lower() if c.isalnum())


def documents_any(responses: dict[str, Any], statuses: Sequence[int]) -> bool:
    """Whether the operation documents one of ``statuses`` by its code, its class (``4XX``) or
    ``default``."""
    keys = {str(k).upper() for k in responses}
    return any(str(s) in keys or f"{str(s)[0]}XX" in keys or "DEFAULT" in keys for s in statuses)


def error_reply(
    values: Values,
    op_pointer: str,
    responses: dict[str, Any],
    statuses: Sequence[int],
    message: str,
    rng: Any,
    *,
    accept: str | None = None,
) -> Reply | None:
    """The documented error for the first of ``statuses``, or None if none is documented; in
    the documented media type ``accept`` prefers, as a success is (one admitting none of them
    gets the first: an error is still an answer, never turned into a 406)."""
    found = error_slot(values, op_pointer, responses, statuses)
    if found is None:
        return None
    status, slot = found
    if accept and slot.media_type is not None:
        _, response = deref(values.document, slot.pointer)
        content = response.get("content") if isinstance(response, dict) else None
        chosen = negotiate(ordered_media(content), accept) if isinstance(content, dict) else None
        if chosen is not None and chosen != slot.media_type:
            slot = response_slot(values.document, op_pointer, slot.status, media=chosen) or slot
    headers = required_headers(values, slot, rng)
    if slot.media_type is None:
        return Reply(status, None, headers)
    media = concrete_media(slot.media_type)
    if slot.schema is None:
        return Reply(status, _encoded(values, {"message": message}, media, None), headers, media)
    body = values.generate(slot.schema, rng)
    worded = _with_message(values, slot.schema, body, message, status)
    return Reply(status, _encoded(values, worded, media, slot.schema), headers, media)


def _encoded(values: Values, value: Any, media: str, schema: str | None) -> Any:
    """An error body in its media type: JSON as it is, XML written from its schema, YAML."""
    return render(values.document, schema_node(values.document, schema), value, media)


def problem(status: int, message: str, violations: Sequence[Violation] = ()) -> Reply:
    """The mock's own error, for an operation that documents none for this case."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": message,
    }
    if violations:
        body["errors"] = [
            {"location": ".".join(str(p) for p in v.loc), "message": v.message} for v in violations
        ]
    return Reply(status, body, {MOCK_ERROR_HEADER: message[:500]}, "application/problem+json")


def required_headers(values: Values, slot: MediaSlot, rng: Any) -> dict[str, str]:
    headers: dict[str, str] = {}
    document = values.document
    for name, pointer in slot.headers.items():
        final, header = deref(document, pointer)
        if not isinstance(header, dict) or not header.get("required"):
            continue
        if "schema" in header:
            value = values.generate(f"{final}/schema", rng, name=name)
        else:
            value = "draftmock"
        headers[name.lower()] = _header_text(value)
    return headers


def _header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_header_text(v) for v in value)
    return "" if value is None else str(value)


def _named(names: Sequence[str], properties: Any) -> str | None:
    """The first of ``names`` among ``properties``, matched regardless of case (AWS' ``Message``)."""
    by_lower = {str(p).lower(): str(p) for p in properties}
    for name in names:
        if name in properties:
            return name
        if name.lower() in by_lower:
            return by_lower[name.lower()]
    return None


def _with_message(values: Values, schema: str, body: Any, message: str, status: int) -> Any:
    """``body`` with the reason and status written into fields meant for them, if it stays
    valid; otherwise ``body`` as generated."""
    if not isinstance(body, dict):
        return body
    view = object_view(values.document, schema)
    if view is None:
        return body
    candidate = dict(body)
    name = _named(_MESSAGE_FIELDS, view.properties)
    if name is not None:
        inner = object_view(values.document, view.properties[name])
        if inner is not None and isinstance(candidate.get(name), dict):
            nested = dict(candidate[name])
            sub = _named(_MESSAGE_FIELDS, inner.properties)
            if sub is not None:
                nested[sub] = message
            candidate[name] = nested
        else:
            candidate[name] = message
    if not values.valid(schema, candidate):
        candidate = dict(body)
    for name in _CODE_FIELDS:
        pointer = view.properties.get(name)
        _, node = deref(values.document, pointer) if pointer else ("", None)
        if isinstance(node, dict) and isinstance(node.get("enum"), list):
            words = _CODE_WORDS.get(status, ())
            fitting = [
                option
                for option in node["enum"]
                if isinstance(option, str)
                and any(w in "".join(c for c in option.lower() if c.isalnum()) for w in words)
            ]
            if fitting and values.valid(schema, {**candidate, name: fitting[0]}):
                candidate = {**candidate, name: fitting[0]}
    for name in _STATUS_FIELDS:
        if name in view.properties:
            previous = candidate.get(name)
            attempt = {**candidate, name: str(status) if isinstance(previous, str) else status}
            if values.valid(schema, attempt):
                candidate = attempt
    return candidate
