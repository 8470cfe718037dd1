"""Example values for a schema: the document's own examples first, generated ones otherwise.

Used where the mock answers from the contract alone (``Prefer: code=...``, injected faults):
a generated value is always checked against its schema by the caller.
"""

from __future__ import annotations

from typing import Any

from draftmock.spec.document import Document

_FORMATS = {
    "date-time": "2026-01-01T00:00:00Z",
    "date": "2026-01-01",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "int64": None,
    "int32": None,
}


def generate(document: Document, schema: Any, depth: int = 0) -> Any:
    schema = document.resolve(schema)
    if not isinstance(schema, dict) or depth > 12:
        return None
    for key in ("const", "default", "example"):
        if key in schema:
            return schema[key]
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = generate(document, part, depth + 1)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            return generate(document, schema[key][0], depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    if kind == "object":
        properties = schema.get("properties", {})
        required = schema.get("required", [])
        value = {name: generate(document, properties.get(name, {}), depth + 1) for name in required}
        for name, sub in properties.items():
            if name not in value and depth < 2:
                value[name] = generate(document, sub, depth + 1)
        return value
    if kind == "array":
        count = max(1, int(schema.get("minItems", 1))) if "items" in schema else 0
        return [generate(document, schema.get("items", {}), depth + 1) for _ in range(count)]
    if kind == "integer":
        return (
            int(schema.get("minimum", 1))
            if "exclusiveMinimum" not in schema
            else 1 + int(schema["exclusiveMinimum"])
        )
    if kind == "number":
        return float(schema.get("minimum", 1.0))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    text = _FORMATS.get(str(schema.get("format"))) or "string"
    minimum = int(schema.get("minLength", 0))
    if len(text) < minimum:
        text = text + "x" * (minimum - len(text))
    if "maxLength" in schema:
        text = text[: int(schema["maxLength"])]
    return text
