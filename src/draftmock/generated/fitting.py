"""Shaping a stored record to the schema of the response it goes out in."""

from __future__ import annotations

from typing import Any

from draftmock.generated.shapes import object_view, schema_type
from draftmock.generated.values import Values


def fit(values: Values, schema: str, record: dict[str, Any], rng: Any) -> Any:
    """``record`` shaped to the schema: as it is, projected onto the schema's members, or inside
    a generated envelope. None if it fits in none of these ways."""
    if values.valid(schema, record):
        return record
    document = values.document
    view = object_view(document, schema)
    if view is None:
        return None
    projected = {k: v for k, v in record.items() if k in view.properties or not view.closed}
    if projected != record and values.valid(schema, projected):
        return projected
    generated = values.generate(schema, rng)
    if isinstance(generated, dict):
        filled = {**generated, **projected}
        if values.valid(schema, filled):
            return filled
        for name, pointer in view.properties.items():
            if schema_type(document, pointer) != "object":
                continue
            inner = fit(values, pointer, record, rng)
            if inner is not None:
                envelope = {**generated, name: inner}
                if values.valid(schema, envelope):
                    return envelope
    return None
