"""Shaping a stored record to the schema of the response it goes out in."""

from __future__ import annotations

from typing import Any

from draftmock.generated.shapes import object_view, schema_type
from draftmock.generated.values import Values


def fit(values: Values, schema: str, record: dict[str, Any], rng: Any) -> Any:
    """``record`` shaped to the schema: as it is, projected onto the schema's members, or inside
    a generated envelope (``{"widget": record}``). None if it fits in none of these ways.

    The record is taken as the schema's own shape only when most of its members are among the
    schema's properties (an open envelope would accept it as it is, wrongly), or when the schema
    is a closed summary of it: every member it requires is in the record (AWS's list items)."""
    document = values.document
    view = object_view(document, schema)
    own = (
        view is None
        or not view.properties
        or 2 * len(set(record) & set(view.properties)) >= len(record)
        or (view.closed and bool(view.required) and view.required <= set(record))
    )
    if own and values.valid(schema, record):
        return record
    if view is None:
        return None
    generated = values.generate(schema, rng)
    # A closed schema sharing members with the record holds only its own: project onto them.
    if own or (view.closed and set(record) & set(view.properties)):
        projected = {k: v for k, v in record.items() if k in view.properties or not view.closed}
        if projected != record and values.valid(schema, projected):
            return projected
        if isinstance(generated, dict):
            filled = {**generated, **projected}
            if values.valid(schema, filled):
                return filled
    if isinstance(generated, dict):
        for name, pointer in view.properties.items():
            if schema_type(document, pointer) != "object":
                continue
            inner = fit(values, pointer, record, rng)
            if inner is not None:
                envelope = {**generated, name: inner}
                if values.valid(schema, envelope):
                    return envelope
    return None
