"""Fixture files: default tenants, credentials and starting data, validated at load time.

A fixture file is YAML. ``<set>.<api>.yaml`` holds one API's data (``default.promptlayer.yaml``);
any other file name holds a mapping whose top-level keys are API slugs. Each API's data is
validated against that vendor's fixture schema, which refers to the API's own spec schemas, so a
fixture can never hold a record the API could not have returned. A bad file is a ``FixtureError``
naming the file and the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from draftmock.errors import FixtureError
from draftmock.spec.document import BASE_URI, Document, parse_yaml

FIXTURE_BASE = "https://draftmock.invalid/fixtures/"
_SAFE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


@dataclass(frozen=True)
class FixtureSource:
    api: str
    origin: str  # file name (or "inline") for messages
    data: dict[str, Any]
    # False for a file read on a control request: errors then never echo its values or keys.
    quote: bool = True


def read_fixture_paths(paths: Iterable[Path], apis: Iterable[str]) -> list[FixtureSource]:
    known = set(apis)
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
            )
        elif path.exists():
            files.append(path)
        else:
            raise FixtureError(f"{path}: no such fixture file or directory")
    sources: list[FixtureSource] = []
    for file in files:
        try:
            data = parse_yaml(file.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise FixtureError(f"{file}: cannot read fixture: {exc}") from exc
        sources.extend(split_fixture(data, str(file), known, hint=file.stem.split(".")[-1]))
    return sources


def split_fixture(
    data: Any, origin: str, known: set[str], hint: str | None = None
) -> list[FixtureSource]:
    """One fixture document → one source per API it holds."""
    if data is None:
        return []
    if not isinstance(data, dict):
        raise FixtureError(f"{origin}: a fixture must be a mapping")
    if hint in known and not (set(data) and set(data) <= known):
        return [FixtureSource(hint, origin, data)]
    unknown = sorted(set(data) - known)
    if unknown:
        raise FixtureError(
            f"{origin}: unknown API {unknown[0]!r} (known: {', '.join(sorted(known))})"
        )
    return [FixtureSource(api, origin, section or {}) for api, section in data.items()]


class FixtureValidator:
    """Validates one API's fixture data against the vendor's fixture schema."""

    def __init__(self, api: str, schema: Mapping[str, Any], document: Document) -> None:
        uri = f"{FIXTURE_BASE}{api}.json"
        spec_uri = f"{BASE_URI}{document.path.name}"
        registry: Registry[Any] = Registry().with_resources(
            [
                (uri, DRAFT202012.create_resource(dict(schema))),
                (spec_uri, DRAFT202012.create_resource(document.raw)),
            ]
        )
        self._validator = Draft202012Validator({"$ref": uri}, registry=registry)
        self.api = api

    def check(self, source: FixtureSource) -> None:
        errors = sorted(self._validator.iter_errors(source.data), key=lambda e: list(e.path))
        if errors:
            error = errors[0]
            if not source.quote:
                where = quiet_location(error.absolute_path)
                raise FixtureError(
                    f"{source.origin}: {self.api} fixture, field {where}: "
                    f"breaks the schema's {error.validator!r} rule"
                )
            where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
            raise FixtureError(
                f"{source.origin}: {self.api} fixture, field {where}: {error.message}"
            )


def quiet_location(parts: Iterable[Any]) -> str:
    """A field path naming array indices and identifier-like keys only, so an error about a
    file's content does not echo arbitrary keys of it."""
    shown = [
        str(p) if isinstance(p, int) or (isinstance(p, str) and _SAFE_KEY.fullmatch(p)) else "…"
        for p in parts
    ]
    return "/".join(shown) or "(top level)"
