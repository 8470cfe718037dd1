"""Comparing one operation of our spec with the same operation in an independent fragment."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"

ANNOTATIONS = {"description", "title", "summary", "examples", "example", "default", "deprecated"}


def load_fragment(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((CONTRACTS / name).read_text())
    return data


def seed_block(seed_file: str) -> str | None:
    """The OpenAPI block embedded in a seed document, when shared/seeds is present."""
    path = SEEDS / seed_file
    if not path.exists():
        return None
    found = re.search(r"````yaml[^\n]*\n(.*?)````", path.read_text(), re.S)
    return found.group(1) if found else None


def deref(doc: dict[str, Any], node: Any, depth: int = 0, *, names: bool = False) -> Any:
    """``node`` with every local $ref inlined and annotations dropped (depth-bounded).

    ``names``: ``node`` maps names to schemas (``properties``), so no key is an annotation.
    """
    if depth > 30:
        return node
    if isinstance(node, dict):
        if "$ref" in node and isinstance(node["$ref"], str) and node["$ref"].startswith("#/"):
            target: Any = doc
            for part in node["$ref"][2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            return deref(doc, target, depth + 1)
        return {
            k: deref(doc, v, depth + 1, names=k in ("properties", "patternProperties"))
            for k, v in node.items()
            if names or (k not in ANNOTATIONS and not k.startswith("x-"))
        }
    if isinstance(node, list):
        return [deref(doc, item, depth + 1) for item in node]
    return node


def nullable_to_type_list(node: Any) -> Any:
    """The 3.1 correction we record: ``nullable: true`` becomes a ``null`` member of ``type``."""
    node = copy.deepcopy(node)
    if isinstance(node, dict):
        if node.pop("nullable", False) and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        return {k: nullable_to_type_list(v) for k, v in node.items()}
    if isinstance(node, list):
        return [nullable_to_type_list(item) for item in node]
    return node


def operation(doc: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    op: dict[str, Any] = doc["paths"][path][method]
    return op


def request_schema(doc: dict[str, Any], op: dict[str, Any]) -> Any:
    body = deref(doc, op.get("requestBody", {}))
    return body.get("content", {}).get("application/json", {}).get("schema")


def response_schemas(doc: dict[str, Any], op: dict[str, Any]) -> dict[str, Any]:
    result = {}
    for status, response in op["responses"].items():
        resolved = deref(doc, response)
        content = resolved.get("content", {}).get("application/json", {})
        result[str(status)] = content.get("schema")
    return result


def normalise_types(node: Any) -> Any:
    """Make ``type: [a, b]`` order-insensitive for comparison."""
    if isinstance(node, dict):
        out = {k: normalise_types(v) for k, v in node.items()}
        if isinstance(out.get("type"), list):
            out["type"] = sorted(out["type"])
        if "required" in out and isinstance(out["required"], list):
            out["required"] = sorted(out["required"])
        return out
    if isinstance(node, list):
        return [normalise_types(item) for item in node]
    return node
