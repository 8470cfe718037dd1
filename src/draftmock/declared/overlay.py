"""OpenAPI Overlay 1.0 files applied to a document at load (``serve DOC --overlay FILE``).

An overlay is ``{overlay: 1.0.x, info: {title, version}, actions: [{target, update | remove}]}``.
Actions run in order on a copy of the document: ``target`` is a JSONPath (see ``jsonpath``)
selecting zero or more nodes; ``remove: true`` deletes each of them from its parent; ``update``
is merged into each of them (objects recursively, arrays appended to, scalars replaced; an
object into a scalar or the reverse is an error). The overlay's own shape is checked first, and
every error names the file and the action (``actions/2``), never a traceback.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry
from referencing.jsonschema import DRAFT4, DRAFT202012

from draftmock.declared.jsonpath import JsonPathError, select
from draftmock.errors import ConfigError
from draftmock.spec.document import Document

OVERLAY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["overlay", "info", "actions"],
    "properties": {
        "overlay": {"type": "string", "pattern": r"^1\.0\.\d+$"},
        "info": {
            "type": "object",
            "required": ["title", "version"],
            "properties": {"title": {"type": "string"}, "version": {"type": "string"}},
        },
        "extends": {"type": "string"},
        "actions": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["target"],
                "properties": {
                    "target": {"type": "string", "pattern": r"^\s*\$"},
                    "description": {"type": "string"},
                    "update": {},
                    "remove": {"type": "boolean"},
                },
                "patternProperties": {"^x-": {}},
                "additionalProperties": False,
            },
        },
    },
    "patternProperties": {"^x-": {}},
    "additionalProperties": False,
}
_VALIDATOR = Draft202012Validator(OVERLAY_SCHEMA)


def load_overlay(path: Path) -> dict[str, Any]:
    """An overlay file, checked against the Overlay 1.0 shape."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))  # JSON is YAML too
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"--overlay {path}: cannot read it: {exc}") from exc
    error = best_match(_VALIDATOR.iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ConfigError(
            f"--overlay {path}: not an Overlay 1.0 document: {where}: {error.message}"
        )
    return dict(data)


def apply_overlay(raw: dict[str, Any], overlay: dict[str, Any], origin: str) -> dict[str, Any]:
    """A copy of ``raw`` with the overlay's actions applied in order."""
    result = copy.deepcopy(raw)
    for number, action in enumerate(overlay["actions"]):
        where = f"--overlay {origin}: actions/{number} (target {action['target']})"
        try:
            found = select(result, action["target"])
        except JsonPathError as exc:
            raise ConfigError(f"{where}: {exc}") from exc
        if action.get("remove") is True:
            # Last first, so removing several items of one array keeps the others' indexes.
            for location in reversed(found):
                if location.parent is None:
                    raise ConfigError(f"{where}: the whole document cannot be removed")
                if isinstance(location.parent, list):
                    assert isinstance(location.key, int)
                    del location.parent[location.key]
                else:
                    location.parent.pop(location.key, None)
            continue
        if "update" not in action:
            continue
        for location in found:
            merged = _merge(location.value, action["update"], f"{where} at {location.pointer}")
            if location.parent is None:
                if not isinstance(merged, dict):
                    raise ConfigError(f"{where}: the document must stay an object")
                result = merged
            else:
                location.parent[location.key] = merged
    return result


def _merge(target: Any, update: Any, where: str) -> Any:
    if isinstance(target, dict):
        if not isinstance(update, dict):
            raise ConfigError(f"{where}: an object can only be updated with an object")
        merged = dict(target)
        for key, value in update.items():
            merged[key] = (
                _merge(merged[key], value, f"{where}/{key}")
                if key in merged
                else (copy.deepcopy(value))
            )
        return merged
    if isinstance(target, list):
        additions = update if isinstance(update, list) else [update]
        return [*target, *copy.deepcopy(additions)]
    if isinstance(update, dict | list):
        raise ConfigError(f"{where}: a scalar cannot be updated with an object or array")
    return update


def with_overlays(document: Document, paths: Sequence[Path]) -> Document:
    """``document`` with each overlay file applied in turn, re-registered for validation."""
    if not paths:
        return document
    raw = document.raw
    for path in paths:
        raw = apply_overlay(raw, load_overlay(path), str(path))
    if not str(raw.get("openapi", "")).startswith("3."):
        raise ConfigError(f"--overlay {', '.join(map(str, paths))}: the result is not OpenAPI 3.x")
    dialect = DRAFT202012 if str(raw["openapi"]).startswith("3.1") else DRAFT4
    registry: Registry[Any] = Registry().with_resource(document.uri, dialect.create_resource(raw))
    return dataclasses.replace(document, raw=raw, registry=registry)
