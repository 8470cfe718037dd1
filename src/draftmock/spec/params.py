"""Turning raw request strings (path, query, header values) into typed values.

Only what OpenAPI's default serialisation needs: ``style: simple`` for path and header,
``style: form`` (exploded or comma-joined) for query. Values that do not parse are left as
strings so the schema validator reports them with the vendor's wording.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from draftmock.spec.schema import SchemaValidator

_TRUE = {"true", "1"}
_FALSE = {"false", "0"}


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    location: str  # "path" | "query" | "header" | "cookie"
    required: bool
    kind: str  # primary JSON type of the schema: "string", "integer", "array", ...
    item_kind: str
    explode: bool
    validator: SchemaValidator
    has_default: bool
    default: Any
    structured: bool = False  # in the query, an object or an array of them: no standard form
    style: str = ""  # "form", "deepObject", ... as the document says (empty: the default)
    single: str | None = None  # the one value the schema admits (``const`` or a one-member enum)

    @property
    def key(self) -> str:
        return self.name.lower() if self.location == "header" else self.name


def primary_type(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        return str(kinds[0]) if kinds else "null"
    if isinstance(kind, str):
        return kind
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, ()):
            if isinstance(sub, dict) and sub.get("type") not in (None, "null"):
                return primary_type(sub)
    if schema.get("enum"):
        first = schema["enum"][0]
        return "integer" if isinstance(first, int) else "string"
    return "string"


def single_value(schema: dict[str, Any]) -> str | None:
    """The one value ``schema`` admits, as it is written in a request; None when it admits more."""
    if "const" in schema:
        value = schema["const"]
    elif isinstance(schema.get("enum"), list) and len(schema["enum"]) == 1:
        value = schema["enum"][0]
    else:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if isinstance(value, (dict, list)) or value is None else str(value)


def coerce_scalar(text: str, kind: str) -> Any:
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            return text
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() and "." not in text else number
    if kind == "boolean":
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        return text
    if kind == "null" and text in ("", "null"):
        return None
    return text


def coerce(param: Parameter, values: list[str]) -> Any:
    """The typed value of ``param`` given every raw occurrence of it in the request."""
    if param.kind == "array":
        if param.explode and param.location == "query":
            raw = values
        else:
            raw = [piece for value in values for piece in value.split(",")]
        return [coerce_scalar(v, param.item_kind) for v in raw]
    return coerce_scalar(values[-1], param.kind)
