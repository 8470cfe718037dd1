"""One OpenAPI document as loaded from ``specs/``: the pristine dict plus a schema registry.

The document is never rewritten: what we validate against is what the file says. Schemas are
reached through a ``referencing`` registry that holds the whole document, so a ``$ref`` anywhere
resolves exactly as the document means it (OpenAPI 3.1 = JSON Schema 2020-12; 3.0 = its own
dialect, validated with ``nullable`` support).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema_rs
import yaml
from referencing import Registry
from referencing.jsonschema import DRAFT4, DRAFT202012

from draftmock.errors import SpecError

BASE_URI = "https://draftmock.invalid/specs/"


@dataclass(frozen=True)
class Document:
    api: str
    path: Path
    raw: dict[str, Any]
    uri: str
    registry: Registry[Any] = field(repr=False)

    @property
    def is_31(self) -> bool:
        return str(self.raw.get("openapi", "")).startswith("3.1")

    @cached_property
    def fast_registry(self) -> jsonschema_rs.Registry:
        """The document for the compiled (Rust) validators; 3.0's ``nullable`` made explicit."""
        contents = self.raw if self.is_31 else explicit_nullable(copy.deepcopy(self.raw))
        return jsonschema_rs.Registry([(self.uri, contents)])

    def pointer_ref(self, pointer: str) -> dict[str, str]:
        """A schema that is a ``$ref`` to ``pointer`` inside this document."""
        return {"$ref": f"{self.uri}#{quote(pointer, safe='/~')}"}

    def resolve(self, node: Any) -> Any:
        """Follow local ``$ref``s (``#/...``) until a non-reference node is reached."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 32:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise SpecError(f"{self.path.name}: only local references are supported ({ref})")
            node = lookup(self.raw, ref[1:])
            seen += 1
        return node


def explicit_nullable(node: Any) -> Any:
    """OpenAPI 3.0 ``nullable: true`` as plain JSON Schema (``null`` added to type and enum)."""
    if isinstance(node, dict):
        if node.get("nullable") is True:
            kind = node.get("type")
            if isinstance(kind, str):
                node["type"] = [kind, "null"]
            if isinstance(node.get("enum"), list) and None not in node["enum"]:
                node["enum"] = [*node["enum"], None]
        for value in node.values():
            explicit_nullable(value)
    elif isinstance(node, list):
        for value in node:
            explicit_nullable(value)
    return node


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def lookup(doc: Any, pointer: str) -> Any:
    node = doc
    for part in pointer.lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def load_document(path: Path, api: str | None = None) -> Document:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(f"{path}: cannot read OpenAPI document: {exc}") from exc
    if not isinstance(raw, dict) or not str(raw.get("openapi", "")).startswith("3."):
        raise SpecError(f"{path}: not an OpenAPI 3.x document")
    api = api or path.stem
    uri = f"{BASE_URI}{path.name}"
    dialect = DRAFT202012 if str(raw["openapi"]).startswith("3.1") else DRAFT4
    registry: Registry[Any] = Registry().with_resource(uri, dialect.create_resource(raw))
    return Document(api=api, path=path, raw=raw, uri=uri, registry=registry)
