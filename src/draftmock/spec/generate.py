"""Values generated from a schema of an OpenAPI document, valid against it and realistic.

``generate(document, schema, rng=...)`` builds a value the way a careful person would write one:
the schema's own example when it validates, otherwise one built keyword by keyword (formats and
field names give realistic strings, bounds and ``multipleOf`` give fitting numbers, ``allOf`` is
merged, exactly one ``oneOf`` branch holds, discriminators name their branch, recursion stops at
the first optional field or empty array). ``readOnly`` fields are left out of requests and
``writeOnly`` ones out of responses, which the server validates without requiring them.

Every value is checked against its schema with the compiled validator before it is returned;
a schema no value can be found for in a bounded number of tries raises ``Unsatisfiable`` with
the reason (``check`` reports it at start-up). All randomness comes from the ``rng`` handed in,
so a seeded caller gets the same values every run.
"""

from __future__ import annotations

import copy
import math
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import unquote

import jsonschema_rs
import orjson

from draftmock.ids import Rng, seeded_rng
from draftmock.spec import hints
from draftmock.spec.document import Document, explicit_nullable, lookup
from draftmock.spec.regex import PatternError, compile_pattern, matching_string

Direction = Literal["response", "request"]

# Optional fields and non-empty arrays are generated down to this depth of nesting.
OPTIONAL_DEPTH = 6
# Beyond this depth only what the schema requires is built; past MAX_DEPTH nothing is.
MAX_DEPTH = 40
# Whole values tried before a schema is declared unsatisfiable.
ATTEMPTS = 6
# allOf parts and oneOf/anyOf branches followed inside one schema before giving up.
MAX_HOPS = 64
_VALIDATOR_CACHE_LIMIT = 4096
# Keywords that only describe: a ``$ref`` with nothing else beside it is a plain reference.
# Where a merged schema keeps the property names its closed allOf parts allow.
_ALLOWED = "x-draftmock-allowed"
_BRANCHING = ("oneOf", "anyOf", "discriminator")
_ANNOTATIONS = frozenset(
    {"description", "summary", "title", "example", "examples", "deprecated", "externalDocs"}
)


class Unsatisfiable(Exception):
    """No value valid against the schema could be built; the message says why and where."""


def generate(
    document: Document,
    schema: Any,
    *,
    rng: Rng,
    direction: Direction = "response",
    name: str | None = None,
) -> Any:
    """A value valid against ``schema`` (a node of ``document`` or a ``$ref`` into it), as the
    server validates that direction: a ``readOnly`` member is never required in a request, nor a
    ``writeOnly`` one in a response, so those are left out."""
    directed = document.for_requests if direction == "request" else document.for_responses
    return generator_for(directed).generate(schema, rng=rng, direction=direction, name=name)


def check(document: Document, schema: Any) -> str | None:
    """Why no response value can be built for ``schema``, or None when one can."""
    try:
        generate(document, schema, rng=seeded_rng("check"))
    except Unsatisfiable as exc:
        return str(exc)
    return None


_GENERATORS: dict[int, tuple[weakref.ref[Document], Generator]] = {}


def generator_for(document: Document) -> Generator:
    """The generator of ``document``, with its compiled validators kept between calls."""
    key = id(document)
    entry = _GENERATORS.get(key)
    if entry is not None and entry[0]() is document:
        return entry[1]
    for stale in [k for k, (ref, _) in _GENERATORS.items() if ref() is None]:
        del _GENERATORS[stale]
    generator = Generator(document)
    _GENERATORS[key] = (weakref.ref(document), generator)
    return generator


@dataclass(frozen=True, slots=True)
class _At:
    """Where the walk is: references followed (to stop recursion), depth, field name."""

    refs: tuple[str, ...] = ()
    depth: int = 0
    name: str | None = None
    path: str = ""
    minimal: bool = False  # recursion met: build only what is required
    hops: int = 0  # compositions (allOf parts, oneOf branches) followed without nesting

    def into(self, key: str | int, name: str | None = None) -> _At:
        return _At(self.refs, self.depth + 1, name, f"{self.path}/{key}", self.minimal)

    def hop(self) -> _At:
        return _At(self.refs, self.depth, self.name, self.path, self.minimal, self.hops + 1)

    def minimised(self) -> _At:
        return _At(self.refs, self.depth, self.name, self.path, True, self.hops)


class Generator:
    """Generates values for one document's schemas."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self._validators: dict[Any, tuple[Any, jsonschema_rs.Validator | None]] = {}

    # -- entry point ------------------------------------------------------------------------

    def generate(
        self, schema: Any, *, rng: Rng, direction: Direction = "response", name: str | None = None
    ) -> Any:
        walk = _Walk(self, rng, direction)
        failure: Unsatisfiable | None = None
        for _ in range(ATTEMPTS):
            try:
                value = walk.value(schema, _At(name=name))
            except Unsatisfiable as exc:
                failure = exc
                continue
            if self.is_valid(schema, value):
                return value
            failure = Unsatisfiable(f"no generated value validated ({self.why(schema, value)})")
        assert failure is not None
        raise failure

    # -- validation -------------------------------------------------------------------------

    def is_valid(self, schema: Any, value: Any) -> bool:
        validator = self._validator(schema)
        if validator is None:
            return True
        try:
            return bool(validator.is_valid(value))
        except (ValueError, TypeError, OverflowError):
            return False

    def why(self, schema: Any, value: Any) -> str:
        validator = self._validator(schema)
        if validator is None:
            return "no validator"
        for error in validator.iter_errors(value):
            where = "/".join(str(p) for p in error.instance_path) or "(root)"
            return f"{where}: {error.message}"[:300]
        return "valid"

    def _validator(self, schema: Any) -> jsonschema_rs.Validator | None:
        plain_ref = isinstance(schema, dict) and set(schema) == {"$ref"}
        key: Any = ("ref", schema["$ref"]) if plain_ref else id(schema)
        cached = self._validators.get(key)
        if cached is not None and (plain_ref or cached[0] is schema):
            return cached[1]
        if len(self._validators) >= _VALIDATOR_CACHE_LIMIT:
            self._validators.clear()
        document = self.document
        contents = _absolute_refs(copy.deepcopy(schema), document.uri)
        if not document.is_31:
            contents = explicit_nullable(contents)
        # 3.0 too: its own keywords are rewritten as in the registry's copy of the document.
        validator: jsonschema_rs.Validator | None
        try:
            validator = jsonschema_rs.Draft202012Validator(
                contents, registry=document.fast_registry, validate_formats=True
            )
        except (ValueError, TypeError, jsonschema_rs.ReferencingError):
            validator = None  # the caller's own validation has the last word
        self._validators[key] = (schema, validator)
        return validator

    # -- references -------------------------------------------------------------------------

    def deref(self, node: Any, at: _At) -> tuple[Any, _At, str | None]:
        """Follow ``$ref``s; returns the node, the walk position and the last schema name."""
        name: str | None = None
        hops = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if self.document.is_31 and set(node) - _ANNOTATIONS - {"$ref"}:
                # 3.1: keywords beside a reference apply too.
                rest = {k: v for k, v in node.items() if k != "$ref"}
                return {"allOf": [{"$ref": ref}, rest]}, at, name
            if not ref.startswith("#"):
                raise Unsatisfiable(
                    f"{at.path or '(root)'}: external reference {ref} not supported"
                )
            pointer = unquote(ref[1:])
            if pointer in at.refs:
                at = at.minimised()
            else:
                at = _At((*at.refs, pointer), at.depth, at.name, at.path, at.minimal, at.hops)
            try:
                node = lookup(self.document.raw, pointer)
            except (KeyError, IndexError, ValueError) as exc:
                raise Unsatisfiable(f"{at.path or '(root)'}: unresolvable reference {ref}") from exc
            name = pointer.rsplit("/", 1)[-1]
            hops += 1
            if hops > 64:
                raise Unsatisfiable(f"{at.path or '(root)'}: reference loop at {ref}")
        return node, at, name

    def recursive(self, node: Any, at: _At) -> bool:
        """Is ``node`` a reference to a schema already being built (directly or via items)?"""
        for _ in range(3):
            if not isinstance(node, dict):
                return False
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                return unquote(ref[1:]) in at.refs
            if isinstance(node.get("items"), dict):
                node = node["items"]
                continue
            return False
        return False

    def flags(self, node: Any) -> tuple[bool, bool]:
        """(readOnly, writeOnly) of a property schema, looking through references and allOf."""
        node, _, _ = self.deref(node, _At())
        if not isinstance(node, dict):
            return False, False
        read, write = node.get("readOnly") is True, node.get("writeOnly") is True
        for part in node.get("allOf") or []:
            part_read, part_write = self.flags(part)
            read, write = read or part_read, write or part_write
        return read, write


class _Walk:
    """One generation: the random source, the direction, and the recursive construction."""

    def __init__(self, generator: Generator, rng: Rng, direction: Direction) -> None:
        self.gen = generator
        self.rng = rng
        self.direction = direction
        self.is_31 = generator.document.is_31

    # -- dispatch ---------------------------------------------------------------------------

    def value(self, node: Any, at: _At) -> Any:
        original = node
        node, at, schema_name = self.gen.deref(node, at)
        if at.depth > MAX_DEPTH:
            if self._allows_null(node):
                return None
            raise Unsatisfiable(f"{at.path}: nesting deeper than {MAX_DEPTH} (recursive schema?)")
        if node is True or node == {} or node is None:
            return hints.any_value(at.name, self.rng)
        if node is False:
            raise Unsatisfiable(f"{at.path or '(root)'}: the schema is false")
        if not isinstance(node, dict):
            raise Unsatisfiable(f"{at.path or '(root)'}: not a schema ({type(node).__name__})")
        for example in self._own_examples(node):
            example = self._strip(example, node)
            if self.gen.is_valid(original if original is not node else node, example):
                return copy.deepcopy(example)
        schema, at = self._flatten(node, at, schema_name)
        if "const" in schema:
            return copy.deepcopy(schema["const"])
        if isinstance(schema.get("enum"), list):
            return self._enum(schema, node, at)
        if isinstance(schema.get("oneOf"), list) and schema["oneOf"]:
            return self._choice(schema, "oneOf", at)
        if isinstance(schema.get("anyOf"), list) and schema["anyOf"]:
            return self._choice(schema, "anyOf", at)
        types = self._types(schema, at)
        if at.minimal and "null" in types:
            return None
        failure: Unsatisfiable | None = None
        for kind in [t for t in types if t != "null"] or ["null"]:
            try:
                return self._typed(kind, schema, at)
            except Unsatisfiable as exc:
                failure = failure or exc
        if "null" in types:
            return None
        assert failure is not None
        raise failure

    def _typed(self, kind: str, schema: dict[str, Any], at: _At) -> Any:
        if kind == "object":
            return self._object(schema, at)
        if kind == "array":
            return self._array(schema, at)
        if kind == "string":
            return self._string(schema, at)
        if kind == "integer":
            return self._integer(schema, at)
        if kind == "number":
            return self._number(schema, at)
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "null":
            return None
        raise Unsatisfiable(f"{at.path or '(root)'}: unknown type {kind!r}")

    def _types(self, schema: dict[str, Any], at: _At) -> list[str]:
        kind = schema.get("type")
        if isinstance(kind, str):
            types = [kind]
        elif isinstance(kind, list):
            types = [str(k) for k in kind]
            if not types:
                raise Unsatisfiable(f"{at.path or '(root)'}: no type satisfies every allOf part")
        elif any(k in schema for k in ("properties", "additionalProperties", "required")) or any(
            k in schema for k in ("patternProperties", "minProperties", "maxProperties")
        ):
            types = ["object"]
        elif any(k in schema for k in ("items", "prefixItems", "minItems", "maxItems")):
            types = ["array"]
        elif any(k in schema for k in ("minLength", "maxLength", "pattern")):
            types = ["string"]
        elif any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "multipleOf")):
            types = ["number"]
        elif schema.get("format") in hints.INTEGER_FORMATS:
            types = ["integer"]
        elif schema.get("format") in ("float", "double"):
            types = ["number"]
        else:
            types = ["string"]
        if schema.get("nullable") is True and not self.is_31 and "null" not in types:
            types.append("null")
        return types

    def _allows_null(self, node: Any) -> bool:
        if not isinstance(node, dict):
            return node is True
        kind = node.get("type")
        return (
            node.get("nullable") is True
            or kind == "null"
            or (isinstance(kind, list) and "null" in kind)
        )

    # -- examples, enum, const ---------------------------------------------------------------

    def _own_examples(self, node: dict[str, Any]) -> Iterator[Any]:
        examples = node.get("examples")
        if isinstance(examples, list):
            yield from examples
        if "example" in node:
            yield node["example"]
        if "default" in node:
            yield node["default"]

    def _strip(self, value: Any, node: Any) -> Any:
        """``value`` without the fields this direction leaves out (readOnly in requests...)."""
        node, _, _ = self.gen.deref(node, _At())
        if not isinstance(node, dict):
            return value
        if isinstance(value, list) and "items" in node:
            return [self._strip(item, node["items"]) for item in value]
        if not isinstance(value, dict):
            return value
        properties: dict[str, Any] = {}
        required: set[str] = set()
        for part in [node, *(node.get("allOf") or [])]:
            part, _, _ = self.gen.deref(part, _At())
            if isinstance(part, dict):
                properties.update(part.get("properties") or {})
                required.update(r for r in part.get("required") or [] if isinstance(r, str))
        out = {}
        for key, item in value.items():
            sub = properties.get(key)
            if sub is not None and key not in required and self._omitted(sub):
                continue
            out[key] = self._strip(item, sub) if sub is not None else item
        return out

    def _omitted(self, sub: Any) -> bool:
        read, write = self.gen.flags(sub)
        return read if self.direction == "request" else write

    def _enum(self, schema: dict[str, Any], node: dict[str, Any], at: _At) -> Any:
        values = list(schema["enum"])
        if schema.get("nullable") is True and not self.is_31 and None not in values:
            values.append(None)
        candidates = [v for v in values if v is not None] or values
        order = list(range(len(candidates)))
        self.rng.shuffle(order)
        for i in order:
            if self.gen.is_valid(node, candidates[i]):
                return copy.deepcopy(candidates[i])
        if None in values:
            return None
        raise Unsatisfiable(f"{at.path or '(root)'}: no enum value is valid against its schema")

    # -- composition -------------------------------------------------------------------------

    def _flatten(
        self, node: dict[str, Any], at: _At, schema_name: str | None
    ) -> tuple[dict[str, Any], _At]:
        """``node`` with its ``allOf`` merged in: one schema to build from. A part that refers
        back to a schema being built (a parent whose ``oneOf`` lists this child) contributes its
        constraints but not its branches again."""
        if not isinstance(node.get("allOf"), list):
            return node, at
        if at.hops > MAX_HOPS:
            raise Unsatisfiable(f"{at.path or '(root)'}: allOf nested too deeply")
        merged = {k: v for k, v in node.items() if k != "allOf"}
        discriminators: list[dict[str, Any]] = []
        for raw_part in node["allOf"]:
            part, part_at, _ = self.gen.deref(raw_part, at.hop())
            if part is True:
                continue
            if not isinstance(part, dict):
                raise Unsatisfiable(f"{at.path or '(root)'}: allOf has a false or invalid part")
            if part_at.minimal or self.gen.recursive(raw_part, at):
                part = {k: v for k, v in part.items() if k not in _BRANCHING}
            part, part_at = self._flatten(part, part_at, None)
            if isinstance(part.get("discriminator"), dict):
                discriminators.append(part["discriminator"])
            merged = merge(merged, part)
            at = _At(part_at.refs, at.depth, at.name, at.path, at.minimal, part_at.hops)
        if schema_name is not None:
            # Inheritance: a subtype built alone names itself in its parent's discriminator.
            for discriminator in discriminators:
                merged = self._with_discriminator(merged, discriminator, schema_name)
        return merged, at

    def _with_discriminator(
        self, schema: dict[str, Any], discriminator: dict[str, Any], schema_name: str
    ) -> dict[str, Any]:
        prop = discriminator.get("propertyName")
        if not isinstance(prop, str):
            return schema
        value = schema_name
        for key, target in (discriminator.get("mapping") or {}).items():
            if str(target).rsplit("/", 1)[-1] == schema_name:
                value = key
                break
        properties = dict(schema.get("properties") or {})
        current = properties.get(prop)
        properties[prop] = {"allOf": [current, {"const": value}]} if current else {"const": value}
        return {**schema, "properties": properties}

    def _choice(self, schema: dict[str, Any], key: str, at: _At) -> Any:
        branches = schema[key]
        base = {k: v for k, v in schema.items() if k != key}
        discriminator = schema.get("discriminator")
        order = list(range(len(branches)))
        self.rng.shuffle(order)
        if at.minimal:
            # Recursion: the branch that is not itself recursive ends it.
            order.sort(key=lambda i: self.gen.recursive(branches[i], at))
        if at.hops > MAX_HOPS:
            raise Unsatisfiable(f"{at.path or '(root)'}: {key} nested too deeply")
        failure: Unsatisfiable | None = None
        # Optional fields may make a value fit several branches: the second round builds only
        # what each branch requires.
        for branch_at in (at.hop(), at.hop().minimised()):
            for i in order:
                branch = branches[i]
                candidate = self._branch(base, branch, discriminator, at)
                try:
                    value = self.value(candidate, branch_at)
                except Unsatisfiable as exc:
                    failure = failure or exc
                    continue
                if not self.gen.is_valid(branch, value):
                    continue
                if key == "oneOf":
                    value = self._exclusive(value, i, branches)
                    if value is None:
                        continue
                return value
        reason = f" ({failure})" if failure else ""
        which = "exactly one" if key == "oneOf" else "any"
        raise Unsatisfiable(
            f"{at.path or '(root)'}: no value valid against {which} {key} branch{reason}"
        )

    def _exclusive(self, value: Any, chosen: int, branches: list[Any]) -> Any:
        """``value`` made valid against no branch but ``chosen``, or None. Objects that fit
        several open branches are told apart by a member another branch types and the chosen
        one leaves open: a value of another type there fails only that branch."""
        for _ in range(len(branches)):
            others = [
                j
                for j, other in enumerate(branches)
                if j != chosen and self.gen.is_valid(other, value)
            ]
            if not others:
                return value
            if not isinstance(value, dict):
                return None
            changed = self._break_branch(value, branches[chosen], branches[others[0]])
            if changed is None:
                return None
            value = changed
        return None

    def _break_branch(self, value: dict[str, Any], chosen: Any, other: Any) -> Any:
        mine_node, theirs_node = self.gen.deref(chosen, _At())[0], self.gen.deref(other, _At())[0]
        if not isinstance(mine_node, dict) or not isinstance(theirs_node, dict):
            return None
        mine, _ = self._flatten(mine_node, _At(), None)
        theirs, _ = self._flatten(theirs_node, _At(), None)
        own = mine.get("properties") or {}
        if mine.get("additionalProperties", True) is False or mine.get("patternProperties"):
            return None
        for prop in theirs.get("properties") or {}:
            if prop in own or prop in value:
                continue
            probes: tuple[Any, ...] = ("", 0, False, [], {})
            for probe in probes:
                candidate = {**value, prop: probe}
                if self.gen.is_valid(chosen, candidate) and not self.gen.is_valid(other, candidate):
                    return candidate
        return None

    def _branch(
        self, base: dict[str, Any], branch: Any, discriminator: Any, at: _At
    ) -> dict[str, Any]:
        parts: list[Any] = [branch]
        if isinstance(discriminator, dict) and isinstance(discriminator.get("propertyName"), str):
            ref = branch.get("$ref") if isinstance(branch, dict) else None
            if isinstance(ref, str):
                value = ref.rsplit("/", 1)[-1]
                for name, target in (discriminator.get("mapping") or {}).items():
                    if target == ref or str(target).rsplit("/", 1)[-1] == value:
                        value = name
                        break
                prop = discriminator["propertyName"]
                parts.append({"properties": {prop: {"const": value}}})
        base = {k: v for k, v in base.items() if k not in ("discriminator",)}
        return {**base, "allOf": [*base.get("allOf", []), *parts]} if base else {"allOf": parts}

    # -- objects -----------------------------------------------------------------------------

    def _object(self, schema: dict[str, Any], at: _At) -> dict[str, Any]:
        properties: dict[str, Any] = schema.get("properties") or {}
        required = [r for r in schema.get("required") or [] if isinstance(r, str)]
        additional = schema.get("additionalProperties", True)
        max_props = schema.get("maxProperties")
        optional_allowed = not at.minimal and at.depth < OPTIONAL_DEPTH
        allowed = schema.get(_ALLOWED)
        out: dict[str, Any] = {}
        for prop, sub in properties.items():
            is_required = prop in required
            if allowed is not None and prop not in allowed:
                if is_required:
                    raise Unsatisfiable(f"{at.path}/{prop}: required but not allowed by allOf")
                continue
            if not is_required:
                if not optional_allowed or self._omitted(sub) or self.gen.recursive(sub, at):
                    continue
                if isinstance(max_props, int) and len(out) + len(required) >= max_props:
                    continue
            try:
                out[prop] = self.value(sub, at.into(prop, prop))
            except Unsatisfiable:
                if is_required:
                    raise
        for prop in required:
            if prop in out:
                continue
            sub = self._schema_for_key(schema, prop)
            if sub is False:
                raise Unsatisfiable(f"{at.path}/{prop}: required but not allowed")
            out[prop] = self.value(sub, at.into(prop, prop))
        minimum = schema.get("minProperties", 0)
        wants_sample = not properties and optional_allowed and isinstance(additional, dict)
        target = max(minimum if isinstance(minimum, int) else 0, 1 if wants_sample else 0)
        counter = 0
        while len(out) < target:
            counter += 1
            if counter > target + 20:
                raise Unsatisfiable(f"{at.path or '(root)'}: cannot reach minProperties {minimum}")
            key = self._new_key(schema, counter)
            if key is None or key in out:
                continue
            sub = self._schema_for_key(schema, key)
            if sub is False:
                raise Unsatisfiable(f"{at.path or '(root)'}: no further property allowed")
            out[key] = self.value(sub, at.into(key, key))
        return out

    def _schema_for_key(self, schema: dict[str, Any], key: str) -> Any:
        properties = schema.get("properties") or {}
        if key in properties:
            return properties[key]
        for pattern, sub in (schema.get("patternProperties") or {}).items():
            try:
                if compile_pattern(pattern).search(key):
                    return sub
            except PatternError:
                continue
        additional = schema.get("additionalProperties", True)
        return {} if additional is True else additional

    def _new_key(self, schema: dict[str, Any], counter: int) -> str | None:
        names = schema.get("propertyNames")
        patterns = list(schema.get("patternProperties") or {})
        if schema.get("additionalProperties", True) is False and patterns:
            try:
                return matching_string(patterns[counter % len(patterns)], self.rng, min_length=1)
            except PatternError:
                return None
        if isinstance(names, dict):
            try:
                key = self.value(names, _At(name="key"))
            except Unsatisfiable:
                return None
            return key if isinstance(key, str) else None
        return f"{hints.word(self.rng)}{counter}"

    # -- arrays ------------------------------------------------------------------------------

    def _array(self, schema: dict[str, Any], at: _At) -> list[Any]:
        items = schema.get("items", {})
        prefix = schema.get("prefixItems") if self.is_31 else None
        if isinstance(items, list):  # draft 4 tuple form
            prefix, items = items, schema.get("additionalItems", {})
        prefix = prefix if isinstance(prefix, list) else []
        low = schema.get("minItems", 0)
        low = low if isinstance(low, int) else 0
        high = schema.get("maxItems")
        high = high if isinstance(high, int) else None
        if at.minimal or at.depth >= OPTIONAL_DEPTH or self.gen.recursive(items, at):
            count = max(low, 0)
        else:
            count = max(low, 1, len(prefix) if prefix else 0)
        if high is not None:
            count = min(count, high)
        if items is False:
            count = min(count, len(prefix))
        if count < low:
            raise Unsatisfiable(f"{at.path or '(root)'}: minItems {low} cannot be met")
        unique = schema.get("uniqueItems") is True
        out: list[Any] = []
        seen: set[bytes] = set()
        misses = 0
        while len(out) < count:
            index = len(out)
            sub = prefix[index] if index < len(prefix) else items
            value = self.value(sub, at.into(index, _singular(at.name)))
            if unique:
                key = _canonical(value)
                if key in seen:
                    misses += 1
                    if misses > 20:
                        if len(out) >= low:
                            break
                        raise Unsatisfiable(
                            f"{at.path or '(root)'}: {low} unique items cannot be generated"
                        )
                    continue
                seen.add(key)
            out.append(value)
        contains = schema.get("contains")
        if contains is not None and not any(self.gen.is_valid(contains, v) for v in out):
            item = self.value(contains, at.into(len(out), _singular(at.name)))
            if out and high is not None and len(out) >= high:
                out[-1] = item
            else:
                out.append(item)
        return out

    # -- strings -----------------------------------------------------------------------------

    def _string(self, schema: dict[str, Any], at: _At) -> str:
        low = schema.get("minLength", 0)
        low = low if isinstance(low, int) else 0
        high = schema.get("maxLength")
        high = high if isinstance(high, int) else None
        if high is not None and high < low:
            raise Unsatisfiable(f"{at.path or '(root)'}: maxLength {high} < minLength {low}")
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            fmt = schema.get("format")
            wanted = hints.FORMATS.get(fmt) if isinstance(fmt, str) else None
            hinted = wanted(self.rng) if wanted else hints.string_for(at.name, self.rng)
            if hinted is not None and _fits(hinted, pattern, low, high):
                return hinted
            try:
                return matching_string(pattern, self.rng, min_length=low, max_length=high)
            except PatternError as exc:
                raise Unsatisfiable(f"{at.path or '(root)'}: {exc}") from exc
        fmt = schema.get("format")
        maker = hints.FORMATS.get(fmt) if isinstance(fmt, str) else None
        text = maker(self.rng) if maker else hints.string_for(at.name, self.rng)
        if text is None:
            text = hints.word(self.rng)
        if len(text) < low:
            text = _pad(text, low, fmt, self.rng)
        if high is not None and len(text) > high:
            text = (
                text[:high] if maker is None else _pad("", min(high, max(low, 1)), None, self.rng)
            )
        return text

    # -- numbers -----------------------------------------------------------------------------

    def _bounds(self, schema: dict[str, Any], integer: bool) -> tuple[float, float, bool, bool]:
        """(low, high, low exclusive, high exclusive) from both OpenAPI dialects' keywords."""
        low, high = -math.inf, math.inf
        low_open = high_open = False
        if isinstance(schema.get("minimum"), int | float) and not isinstance(
            schema.get("minimum"), bool
        ):
            low = schema["minimum"]
            low_open = schema.get("exclusiveMinimum") is True
        if isinstance(schema.get("maximum"), int | float) and not isinstance(
            schema.get("maximum"), bool
        ):
            high = schema["maximum"]
            high_open = schema.get("exclusiveMaximum") is True
        excl_low, excl_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        if isinstance(excl_low, int | float) and not isinstance(excl_low, bool) and excl_low >= low:
            low, low_open = excl_low, True
        if (
            isinstance(excl_high, int | float)
            and not isinstance(excl_high, bool)
            and excl_high <= high
        ):
            high, high_open = excl_high, True
        fmt = schema.get("format")
        if integer and fmt in hints.INTEGER_FORMATS:
            fmt_low, fmt_high = hints.INTEGER_FORMATS[fmt]
            if fmt_low > low:
                low, low_open = fmt_low, False
            if fmt_high < high:
                high, high_open = fmt_high, False
        return low, high, low_open, high_open

    def _integer(self, schema: dict[str, Any], at: _At) -> int:
        low_f, high_f, low_open, high_open = self._bounds(schema, integer=True)
        low: float = low_f
        if math.isfinite(low_f):
            low = math.floor(low_f) + 1 if low_open or low_f != math.floor(low_f) else int(low_f)
        high: float = high_f
        if math.isfinite(high_f):
            high = (
                math.ceil(high_f) - 1 if high_open or high_f != math.ceil(high_f) else int(high_f)
            )
        step = schema.get("multipleOf")
        if isinstance(step, int | float) and not isinstance(step, bool) and step > 0:
            return int(self._multiple(Decimal(str(step)), low, high, at, integer=True))
        window_low, window_high = self._window(low, high, at)
        return self.rng.randint(math.ceil(window_low), math.floor(window_high))

    def _number(self, schema: dict[str, Any], at: _At) -> float | int:
        low, high, low_open, high_open = self._bounds(schema, integer=False)
        step = schema.get("multipleOf")
        if isinstance(step, int | float) and not isinstance(step, bool) and step > 0:
            decimal_step = Decimal(str(step))
            multiple = self._multiple(
                decimal_step, low, high, at, integer=False, open_=(low_open, high_open)
            )
            return int(multiple) if multiple == multiple.to_integral_value() else float(multiple)
        window_low, window_high = self._window(low, high, at)
        for _ in range(20):
            value = round(self.rng.uniform(window_low, window_high), 2)
            if (value > low or (not low_open and value >= low)) and (
                value < high or (not high_open and value <= high)
            ):
                return value
        middle = (low + high) / 2 if math.isfinite(low) and math.isfinite(high) else window_low
        if (middle > low or (not low_open and middle >= low)) and (
            middle < high or (not high_open and middle <= high)
        ):
            return middle
        raise Unsatisfiable(f"{at.path or '(root)'}: no number in ({low}, {high})")

    def _window(self, low: float, high: float, at: _At) -> tuple[float, float]:
        """A realistic range inside [low, high]: the field name's, else near the bounds."""
        if low > high:
            raise Unsatisfiable(f"{at.path or '(root)'}: minimum {low} > maximum {high}")
        hint_low, hint_high = hints.number_window(at.name)
        window_low, window_high = max(low, hint_low), min(high, hint_high)
        if window_low <= window_high:
            return window_low, window_high
        if math.isfinite(low) and math.isfinite(high):
            return low, high
        if math.isfinite(low):
            return low, low + 100
        return high - 100, high

    def _multiple(
        self,
        step: Decimal,
        low: float,
        high: float,
        at: _At,
        *,
        integer: bool,
        open_: tuple[bool, bool] = (False, False),
    ) -> Decimal:
        window_low, window_high = self._window(low, high, at)
        for lo, hi in ((window_low, window_high), (low, high)):
            k_low = math.ceil(Decimal(str(lo)) / step) if math.isfinite(lo) else -1000
            k_high = math.floor(Decimal(str(hi)) / step) if math.isfinite(hi) else k_low + 1000
            if not math.isfinite(lo) and math.isfinite(hi):
                k_low = k_high - 1000
            candidates = [k for k in (k_low, k_high) if k_low <= k_high]
            if not candidates:
                continue
            for _ in range(10):
                k = self.rng.randint(k_low, k_high)
                value = step * k
                if integer and value != value.to_integral_value():
                    continue
                if (open_[0] and value == Decimal(str(low))) or (
                    open_[1] and value == Decimal(str(high))
                ):
                    continue
                return value
        raise Unsatisfiable(f"{at.path or '(root)'}: no multiple of {step} in [{low}, {high}]")


def merge(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    """Two schemas as one (for ``allOf``): constraints on the same keyword are combined.

    A part closed with ``additionalProperties: false`` allows only its own properties whatever
    the other parts declare: the names every part allows are kept under ``_ALLOWED``."""
    out = dict(left)
    allowed_left, allowed_right = _allowed(left), _allowed(right)
    if allowed_left is None:
        allowed = allowed_right
    else:
        allowed = allowed_left if allowed_right is None else allowed_left & allowed_right
    if allowed is not None:
        out[_ALLOWED] = allowed
    for key, value in right.items():
        if key == _ALLOWED:
            continue
        if key not in out:
            out[key] = value
            continue
        mine = out[key]
        if key == "properties" and isinstance(mine, dict) and isinstance(value, dict):
            properties = dict(mine)
            for prop, sub in value.items():
                properties[prop] = {"allOf": [properties[prop], sub]} if prop in properties else sub
            out[key] = properties
        elif key == "required" and isinstance(mine, list) and isinstance(value, list):
            out[key] = [*mine, *(r for r in value if r not in mine)]
        elif key == "type":
            mine_set = {mine} if isinstance(mine, str) else set(mine or [])
            theirs = {value} if isinstance(value, str) else set(value or [])
            both = mine_set & theirs or (
                {"integer"} if {"integer", "number"} <= mine_set | theirs else set()
            )
            out[key] = sorted(both)[0] if len(both) == 1 else sorted(both)
        elif key in ("minimum", "minLength", "minItems", "minProperties"):
            out[key] = max(mine, value)
        elif key in ("maximum", "maxLength", "maxItems", "maxProperties"):
            out[key] = min(mine, value)
        elif key == "enum" and isinstance(mine, list) and isinstance(value, list):
            out[key] = [v for v in mine if v in value]
        elif (
            key in ("items", "additionalProperties")
            and isinstance(mine, dict)
            and isinstance(value, dict)
        ):
            out[key] = {"allOf": [mine, value]}
        elif key == "additionalProperties" and (mine is False or value is False):
            out[key] = False
        elif key in ("allOf",) and isinstance(mine, list) and isinstance(value, list):
            out[key] = [*mine, *value]
        elif key in ("oneOf", "anyOf") and isinstance(mine, list) and isinstance(value, list):
            out["allOf"] = [*out.get("allOf", []), {key: value}]
        elif key == "nullable":
            out[key] = bool(mine) and bool(value)
        else:
            out[key] = value if key in ("example", "examples", "default") else mine
    return out


def _allowed(schema: dict[str, Any]) -> frozenset[str] | None:
    """The property names a closed schema allows (None: any name)."""
    if _ALLOWED in schema:
        allowed: frozenset[str] = schema[_ALLOWED]
        return allowed
    if schema.get("additionalProperties") is False and not schema.get("patternProperties"):
        return frozenset(schema.get("properties") or {})
    return None


def _absolute_refs(node: Any, uri: str) -> Any:
    """A copy of a schema node taken out of its document: local references made absolute."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            node["$ref"] = uri + ref
        for value in node.values():
            _absolute_refs(value, uri)
    elif isinstance(node, list):
        for value in node:
            _absolute_refs(value, uri)
    return node


def _fits(text: str, pattern: str, low: int, high: int | None) -> bool:
    try:
        compiled = compile_pattern(pattern)
    except PatternError:
        return False
    return compiled.search(text) is not None and low <= len(text) <= (
        high if high is not None else len(text)
    )


def _pad(text: str, length: int, fmt: Any, rng: Rng) -> str:
    filler = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(length - len(text)))
    if fmt in ("uri", "url", "iri") and text:
        return text + filler
    if fmt in ("email", "idn-email") and "@" in text:
        local, _, domain = text.partition("@")
        return f"{local}{filler}@{domain}"
    return text + filler


def _singular(name: str | None) -> str | None:
    if not name:
        return None
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


def _canonical(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
