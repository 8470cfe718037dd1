"""Reading a document's raw shapes by JSON pointer: responses, media types, object views.

Every node is addressed by its pointer in the (bundled) document, so a validator can be built
for any sub-schema exactly as the document means it. Nothing here mutates the document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from draftmock.spec.document import Document, escape, lookup
from draftmock.spec.media import is_json as is_json  # read from here by the generated tier

_MAX_HOPS = 32


def deref(document: Document, pointer: str) -> tuple[str, Any]:
    """The node at ``pointer``, following local ``$ref``s; returns its final pointer too."""
    try:
        node = lookup(document.raw, pointer) if pointer else document.raw
    except (KeyError, IndexError, ValueError, TypeError):
        return pointer, None
    hops = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and hops < _MAX_HOPS:
        ref = node["$ref"]
        if not ref.startswith("#"):
            return pointer, None
        pointer = ref_pointer(ref)
        try:
            node = lookup(document.raw, pointer) if pointer else document.raw
        except (KeyError, IndexError, ValueError, TypeError):
            return pointer, None
        hops += 1
    return pointer, node


def ref_pointer(ref: str) -> str:
    """The JSON pointer a local ``$ref`` names: its fragment percent-decoded (RFC 6901 §6,
    ``%7B`` for ``{``)."""
    return unquote(ref[1:])


def join(pointer: str, *parts: str | int) -> str:
    return pointer + "".join(f"/{escape(str(part))}" for part in parts)


def pick_media(content: dict[str, Any]) -> str | None:
    """The media type to answer with: JSON first, then anything else the response declares."""
    if not content:
        return None
    for candidate in content:
        if candidate.lower().split(";")[0].strip() == "application/json":
            return str(candidate)
    for candidate in content:
        if is_json(candidate) and "*" not in candidate:
            return str(candidate)
    for candidate in content:
        if "*" in candidate:
            return str(candidate)
    return str(next(iter(content)))


def ordered_media(content: dict[str, Any]) -> list[str]:
    """The media types a response declares, in the order the server prefers them (as
    ``pick_media``): ``application/json``, other JSON, wildcards, then the rest as declared."""

    def rank(media: str) -> int:
        plain = media.lower().split(";")[0].strip()
        if plain == "application/json":
            return 0
        if is_json(media) and "*" not in media:
            return 1
        return 2 if "*" in media else 3

    return sorted((str(m) for m in content), key=rank)


def concrete_media(declared: str) -> str:
    """What goes in ``Content-Type`` for a declared (possibly wildcard) media type."""
    main, _, sub = declared.split(";")[0].strip().partition("/")
    if main == "*":
        return "application/json"
    if sub == "*":
        return {"application": "application/json", "text": "text/plain"}.get(
            main, f"{main}/octet-stream"
        )
    return declared


@dataclass(frozen=True)
class ObjectView:
    """An object schema with its ``allOf`` parts merged: property -> pointer, required names."""

    properties: dict[str, str] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    closed: bool = False  # additionalProperties: false somewhere along the merge


def object_view(document: Document, pointer: str, depth: int = 0) -> ObjectView | None:
    """The object ``pointer`` describes, or None if it is not (clearly) an object."""
    pointer, node = deref(document, pointer)
    if not isinstance(node, dict) or depth > 8:
        return None
    properties: dict[str, str] = {}
    required: set[str] = set()
    closed = node.get("additionalProperties") is False
    is_object = node.get("type") == "object" or "properties" in node
    if isinstance(node.get("type"), list) and "object" in node["type"]:
        is_object = True
    for name in node.get("properties") or {}:
        properties[str(name)] = join(pointer, "properties", name)
    required.update(str(r) for r in node.get("required") or [] if isinstance(r, str))
    for index, _ in enumerate(node.get("allOf") or []):
        part = object_view(document, join(pointer, "allOf", index), depth + 1)
        if part is None:
            continue
        is_object = True
        for name, sub in part.properties.items():
            properties.setdefault(name, sub)
        required |= part.required
        closed = closed or part.closed
    if not is_object:
        return None
    return ObjectView(properties, frozenset(required), closed)


def schema_type(document: Document, pointer: str) -> str | None:
    """The primary JSON type a schema declares (following ``$ref`` and ``allOf``)."""
    pointer, node = deref(document, pointer)
    if not isinstance(node, dict):
        return None
    kind = node.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if kinds else None
    if isinstance(kind, str):
        return kind
    if "properties" in node:
        return "object"
    if "items" in node:
        return "array"
    for index, _ in enumerate(node.get("allOf") or []):
        found = schema_type(document, join(pointer, "allOf", index))
        if found:
            return found
    return None


def flag(document: Document, pointer: str, name: str) -> bool:
    """Whether the schema at ``pointer`` (or one of its ``allOf`` parts) sets ``name: true``."""
    pointer, node = deref(document, pointer)
    if not isinstance(node, dict):
        return False
    if node.get(name) is True:
        return True
    return any(
        flag(document, join(pointer, "allOf", i), name) for i, _ in enumerate(node.get("allOf", []))
    )


def string_format(document: Document, pointer: str) -> str | None:
    _, node = deref(document, pointer)
    if isinstance(node, dict) and isinstance(node.get("format"), str):
        return str(node["format"])
    return None


@dataclass(frozen=True)
class MediaSlot:
    """One documented response (or request body) of an operation, chosen media type."""

    status: str  # "201", "4XX", "default"
    pointer: str  # of the response object (after $ref)
    media_type: str | None  # as declared; None: no body
    schema: str | None  # pointer of its schema, if any
    headers: dict[str, str]  # header name -> pointer of the header object
    examples: tuple[Any, ...] = ()  # the media type's own examples, in document order


def response_slot(
    document: Document, op_pointer: str, status: str, media: str | None = None
) -> MediaSlot | None:
    """The documented response ``status`` of an operation, in ``media`` (one of its documented
    media types) or the one the server prefers (``pick_media``)."""
    _, responses = deref(document, join(op_pointer, "responses"))
    if not isinstance(responses, dict):
        return None
    key = next((k for k in responses if str(k).upper() == status.upper()), None)
    if key is None:
        return None
    pointer, response = deref(document, join(op_pointer, "responses", key))
    if not isinstance(response, dict):
        return None
    content = response.get("content") or {}
    if media is None or not isinstance(content, dict) or media not in content:
        media = pick_media(content) if isinstance(content, dict) else None
    schema = None
    if media is not None and isinstance(content[media], dict) and "schema" in content[media]:
        schema = join(pointer, "content", media, "schema")
    headers = {
        str(name): join(pointer, "headers", name) for name in (response.get("headers") or {})
    }
    examples: list[Any] = []
    if media is not None and isinstance(content[media], dict):
        declared = content[media]
        if "example" in declared:
            examples.append(declared["example"])
        for name in declared.get("examples") or {}:
            _, example = deref(document, join(pointer, "content", media, "examples", name))
            if isinstance(example, dict) and "value" in example:
                examples.append(example["value"])
    return MediaSlot(status, pointer, media, schema, headers, tuple(examples))


def request_schema(document: Document, op_pointer: str) -> str | None:
    """The pointer of the operation's JSON request-body schema, if it has one."""
    pointer, body = deref(document, join(op_pointer, "requestBody"))
    if not isinstance(body, dict):
        return None
    content = body.get("content") or {}
    media = pick_media(content) if isinstance(content, dict) else None
    if media is None or not isinstance(content[media], dict) or "schema" not in content[media]:
        return None
    return join(pointer, "content", media, "schema")


def documented(responses: dict[str, Any], status: int) -> str | None:
    """The response key that documents ``status`` (exact, then ``4XX``, then ``default``)."""
    keys = {str(k).upper(): str(k) for k in responses}
    code = str(status)
    for candidate in (code, f"{code[0]}XX", "DEFAULT"):
        if candidate in keys:
            return keys[candidate]
    return None
