"""One OpenAPI document as loaded from ``specs/``: the pristine dict plus a schema registry.

The document is never rewritten: what we validate against is what the file says. The one
exception is a document that ``$ref``s other local files: at load those files are bundled into
it, each under ``x-draftmock-bundled`` with its references pointed there, so the served
document is self-contained and resolves exactly as the files did. Schemas are
reached through a ``referencing`` registry that holds the whole document, so a ``$ref`` anywhere
resolves exactly as the document means it (OpenAPI 3.1 = JSON Schema 2020-12; 3.0 = its own
dialect, validated with ``nullable`` support).
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import jsonschema_rs
import orjson
import yaml
from referencing import Registry
from referencing.jsonschema import DRAFT4, DRAFT202012

from draftmock.errors import SpecError

BASE_URI = "https://draftmock.invalid/specs/"
BUNDLED = "x-draftmock-bundled"
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# A ``$ref`` whose value does not start with ``#`` (JSON or YAML, quoted or not).
_EXTERNAL_REF = re.compile(rb"""["']?\$ref["']?\s*:\s*["']?(?!['"]?#)""")


def parse_yaml(text: str) -> Any:
    """``yaml.safe_load``, with libyaml when available (about 5 times faster)."""
    return yaml.load(text, Loader=_Loader)


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
        """The document for the compiled (Rust) validators; 3.0's ``nullable`` made explicit and
        its ``format: uuid`` (which draft 4 does not know) checked as a pattern."""
        contents = self.raw if self.is_31 else uuid_as_pattern(explicit_nullable(self.raw))
        return jsonschema_rs.Registry([(self.uri, contents)])

    @cached_property
    def for_requests(self) -> Document:
        """This document as requests are validated: a ``readOnly`` member is never required."""
        return self._directed("readOnly")

    @cached_property
    def for_responses(self) -> Document:
        """This document as responses are validated: a ``writeOnly`` member is never required."""
        return self._directed("writeOnly")

    def _directed(self, flag: str) -> Document:
        raw = _without_required(self, self.raw, flag)
        if raw is self.raw:
            return self
        dialect = DRAFT202012 if self.is_31 else DRAFT4
        registry: Registry[Any] = Registry().with_resource(self.uri, dialect.create_resource(raw))
        return Document(api=self.api, path=self.path, raw=raw, uri=self.uri, registry=registry)

    def pointer_ref(self, pointer: str) -> dict[str, str]:
        """A schema that is a ``$ref`` to ``pointer`` inside this document."""
        return {"$ref": f"{self.uri}#{quote(pointer, safe='/~')}"}

    def resolve(self, node: Any) -> Any:
        """Follow local ``$ref``s (``#/...``, or this document's own URI then ``#/...``, as its
        registry writes them) until a non-reference node is reached."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 32:
            ref = node["$ref"]
            if isinstance(ref, str) and ref.startswith(self.uri + "#"):
                ref = ref[len(self.uri) :]
            if not ref.startswith("#/"):
                raise SpecError(f"{self.path.name}: only local references are supported ({ref})")
            # A URI fragment: percent-encoded (RFC 6901, section 6), as a registry writes it.
            node = lookup(self.raw, unquote(ref[1:]))
            seen += 1
        return node


def _without_required(document: Document, node: Any, flag: str) -> Any:
    """``node`` with every ``required`` name dropped whose property sets ``flag``: true (as
    OpenAPI says of readOnly and writeOnly); untouched subtrees are shared, not copied."""
    if isinstance(node, list):
        items = [_without_required(document, item, flag) for item in node]
        return node if all(a is b for a, b in zip(items, node, strict=True)) else items
    if not isinstance(node, dict):
        return node
    changed = False
    result: dict[str, Any] = {}
    for key, value in node.items():
        new = _without_required(document, value, flag)
        changed = changed or new is not value
        result[key] = new
    required = node.get("required")
    properties = node.get("properties")
    if isinstance(required, list) and isinstance(properties, dict):
        kept = [
            name
            for name in required
            if not (
                isinstance(name, str)
                and isinstance(prop := _safe_resolve(document, properties.get(name)), dict)
                and prop.get(flag) is True
            )
        ]
        if len(kept) != len(required):
            result["required"] = kept
            changed = True
    return result if changed else node


def _safe_resolve(document: Document, node: Any) -> Any:
    try:
        return document.resolve(node)
    except (KeyError, IndexError, ValueError, TypeError, SpecError):
        return None


def explicit_nullable(node: Any) -> Any:
    """OpenAPI 3.0's own keywords as the JSON Schema the compiled validators read:
    ``nullable: true`` adds ``null`` to type and enum, and the boolean ``exclusiveMinimum`` /
    ``exclusiveMaximum`` become the numeric bounds of later drafts. Returns a new structure
    where something changed; untouched subtrees are shared."""
    return _rewrite(node, _nullable_fix)


def _nullable_fix(node: dict[str, Any], result: dict[str, Any]) -> bool:
    changed = False
    if node.get("nullable") is True:
        kind = node.get("type")
        if isinstance(kind, str):
            result["type"] = [kind, "null"]
            changed = True
        if isinstance(node.get("enum"), list) and None not in node["enum"]:
            result["enum"] = [*node["enum"], None]
            changed = True
        if kind is None and any(k in node for k in ("allOf", "oneOf", "anyOf", "$ref")):
            # ``nullable`` beside a composition or reference and no ``type``: null or the rest,
            # as documents mean it (``allOf: [$ref: Address], nullable: true``).
            rest = {k: v for k, v in result.items() if k != "nullable"}
            result.clear()
            result["anyOf"] = [{"type": "null"}, rest]
            return True
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        flag = node.get(exclusive)
        if isinstance(flag, bool):
            del result[exclusive]
            if flag and isinstance(node.get(bound), int | float):
                result[exclusive] = result.pop(bound)
            changed = True
    return changed


UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def uuid_as_pattern(node: Any) -> Any:
    """``format: uuid`` also as a ``pattern`` (beside any pattern already there), as
    openapi-schema-validator's 3.0 checker decides it. Untouched subtrees are shared."""
    return _rewrite(node, _uuid_fix)


def _uuid_fix(node: dict[str, Any], result: dict[str, Any]) -> bool:
    if node.get("format") != "uuid":
        return False
    if "pattern" not in result:
        result["pattern"] = UUID_PATTERN
    else:
        result["allOf"] = [*result.get("allOf", []), {"pattern": UUID_PATTERN}]
    return True


def _rewrite(node: Any, fix: Callable[[dict[str, Any], dict[str, Any]], bool]) -> Any:
    """``node`` with ``fix(original, copy)`` applied to every object in it, bottom up; a
    subtree nothing changed in is the original itself (shared, not copied)."""
    if isinstance(node, list):
        items = [_rewrite(value, fix) for value in node]
        return node if all(a is b for a, b in zip(items, node, strict=True)) else items
    if not isinstance(node, dict):
        return node
    result = {key: _rewrite(value, fix) for key, value in node.items()}
    changed = any(result[key] is not node[key] for key in node)
    changed = fix(node, result) or changed
    return result if changed else node


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def lookup(doc: Any, pointer: str) -> Any:
    node = doc
    for part in pointer.lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


# Keys whose values are literal data, never references...
_LITERAL_KEYS = frozenset({"example", "examples", "value", "default", "enum", "const"})
# ...unless they are names in a map of named things (a property called "value").
_NAME_MAPS = frozenset(
    {
        "properties",
        "patternProperties",
        "dependentSchemas",
        "$defs",
        "definitions",
        "paths",
        "schemas",
        "responses",
        "parameters",
        "requestBodies",
        "headers",
        "securitySchemes",
        "links",
        "callbacks",
        "pathItems",
        "content",
        "encoding",
        "examples",
    }
)


def unresolved_ref(raw: dict[str, Any]) -> tuple[str, str] | None:
    """The first local ``$ref`` (``#...``) that names nothing: (JSON pointer of the node, ref)."""
    stack: list[tuple[str, str, Any]] = [("", "", raw)]
    while stack:
        where, parent, node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                try:
                    lookup(raw, unquote(ref[1:]))
                except (KeyError, IndexError, TypeError, ValueError):
                    return where, ref
            for key, value in reversed(node.items()):
                if not isinstance(value, dict | list):
                    continue
                literal = key in _LITERAL_KEYS and parent not in _NAME_MAPS
                if literal and not (key == "examples" and isinstance(value, dict)):
                    continue  # (a media type's ``examples`` holds Example Objects, maybe $refs)
                stack.append((f"{where}/{escape(str(key))}", str(key), value))
        elif isinstance(node, list):
            for index in reversed(range(len(node))):
                if isinstance(node[index], dict | list):
                    stack.append((f"{where}/{index}", parent, node[index]))
    return None


def load_document(path: Path, api: str | None = None) -> Document:
    raw = read_file(path)
    if not isinstance(raw, dict) or not str(raw.get("openapi", "")).startswith("3."):
        raise SpecError(f"{path}: not an OpenAPI 3.x document")
    if _EXTERNAL_REF.search(path.read_bytes()):  # a cheap look first: most documents have none
        raw = bundle(raw, path)
    if (broken := unresolved_ref(raw)) is not None:
        where, ref = broken
        raise SpecError(f"{path}: the $ref {ref!r} at {where or '/'} does not resolve")
    api = api or path.stem
    uri = f"{BASE_URI}{quote(path.name)}"
    dialect = DRAFT202012 if str(raw["openapi"]).startswith("3.1") else DRAFT4
    registry: Registry[Any] = Registry().with_resource(uri, dialect.create_resource(raw))
    return Document(api=api, path=path, raw=raw, uri=uri, registry=registry)


# The files read in this process, by (path, mtime, size): a pickled copy, so that building
# another runtime from the same documents (tests, --watch, sessions of the pytest plugin) costs a
# pickle load (a few ms) instead of a YAML parse (hundreds of ms), and each caller still gets its
# own objects.
_READ: dict[tuple[str, int, int], bytes] = {}
_READ_LIMIT = 64


def read_file(path: Path) -> Any:
    """A YAML or JSON file as plain data (JSON through orjson, YAML through libyaml if present)."""
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    except OSError as exc:
        raise SpecError(f"{path}: cannot read OpenAPI document: {exc}") from exc
    if (kept := _READ.get(key)) is not None:
        return pickle.loads(kept)
    raw = _parse_file(path)
    if len(_READ) >= _READ_LIMIT:
        _READ.clear()
    _READ[key] = pickle.dumps(raw, protocol=pickle.HIGHEST_PROTOCOL)
    return raw


def _parse_file(path: Path) -> Any:
    try:
        data = path.read_bytes()
        if path.suffix.lower() == ".json" or data.lstrip()[:1] == b"{":
            try:
                return orjson.loads(data)
            except orjson.JSONDecodeError:
                if path.suffix.lower() == ".json":
                    raise
        return parse_yaml(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise SpecError(f"{path}: cannot read OpenAPI document: {exc}") from exc


def bundle(raw: dict[str, Any], path: Path) -> dict[str, Any]:
    """``raw`` with every ``$ref`` into another local file pointed at a bundled copy of it.

    Each referenced file is read once and kept whole under ``x-draftmock-bundled/<key>``;
    references inside it (local or to further files) are rewritten the same way. A document
    without such references is returned as it is.
    """
    if not _has_external_ref(raw):
        return raw
    files: dict[Path, str] = {}
    bundled: dict[str, Any] = {}
    root = path.resolve()

    def key_of(target: Path) -> str:
        if target not in files:
            key = target.stem or "file"
            taken = set(files.values())
            n = 1
            while key in taken:
                n += 1
                key = f"{target.stem}{n}"
            files[target] = key
            content = read_file(target)
            bundled[key] = None  # reserved before walking: cycles between files terminate
            bundled[key] = rewrite(content, target, f"/{BUNDLED}/{escape(key)}")
        return files[target]

    def rewrite(node: Any, origin: Path, base: str) -> Any:
        if isinstance(node, list):
            return [rewrite(item, origin, base) for item in node]
        if not isinstance(node, dict):
            return node
        result = {k: rewrite(v, origin, base) for k, v in node.items() if k != "$ref"}
        ref = node.get("$ref")
        if isinstance(ref, str):
            result = {"$ref": _target(ref, origin, base), **result}
        elif "$ref" in node:
            result["$ref"] = node["$ref"]
        return result

    def _target(ref: str, origin: Path, base: str) -> str:
        location, _, fragment = ref.partition("#")
        if not location:
            return f"#{base}{fragment}" if base else ref
        if "://" in location:
            raise SpecError(f"{origin.name}: remote references are not supported ({ref})")
        target = (origin.parent / unquote(location)).resolve()
        if not target.is_file():
            raise SpecError(f"{origin.name}: $ref {ref!r}: no such file {target}")
        if target == root:
            return f"#{fragment}"
        return f"#/{BUNDLED}/{escape(key_of(target))}{fragment}"

    result = rewrite(raw, root, "")
    result[BUNDLED] = bundled
    return dict(result)


def _has_external_ref(raw: dict[str, Any]) -> bool:
    return any(not ref.startswith("#") for ref in _refs(raw))


def _refs(node: Any) -> list[str]:
    found: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                found.append(ref)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found
