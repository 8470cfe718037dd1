"""The schema-driven value generator: every value validates, in both OpenAPI dialects.

Each generated value is judged by the project's own validators (``SchemaValidator``: the compiled
engine and openapi-schema-validator), never by the generator's checks alone.
"""

from __future__ import annotations

import json
import random
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from draftmock.ids import seeded_rng
from draftmock.spec.document import Document, load_document
from draftmock.spec.generate import Unsatisfiable, check, generate
from draftmock.spec.schema import SchemaValidator

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def make_document(
    tmp_path: Path, schemas: dict[str, Any], *, version: str = "3.1.0", name: str = "doc"
) -> Document:
    raw = {
        "openapi": version,
        "info": {"title": name, "version": "1"},
        "paths": {},
        "components": {"schemas": schemas},
    }
    path = tmp_path / f"{name}-{version}.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return load_document(path)


def validate(document: Document, schema_name: str, value: Any, direction: str = "response") -> None:
    """As the server validates ``direction`` (readOnly members are not required in requests,
    writeOnly ones not in responses)."""
    ref = document.pointer_ref(f"/components/schemas/{schema_name}")
    problems = SchemaValidator(document, ref, direction).violations(value)
    assert not problems, f"{schema_name}: {value!r} -> {[p.describe() for p in problems]}"


def many(
    document: Document, name: str, *, direction: str = "response", seeds: int = 25
) -> list[Any]:
    """Values for ``#/components/schemas/<name>`` under many seeds, each one validated."""
    values = []
    for seed in range(seeds):
        value = generate(
            document,
            {"$ref": f"#/components/schemas/{name}"},
            rng=seeded_rng(seed, name),
            direction=direction,  # type: ignore[arg-type]
        )
        validate(document, name, value, direction)
        values.append(value)
    return values


# Schemas written the way both dialects read them; dialect-specific ones follow.
COMMON: dict[str, Any] = {
    "Formats": {
        "type": "object",
        "required": ["id", "at", "day", "clock", "mail", "link", "host", "v4", "v6", "blob"],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "at": {"type": "string", "format": "date-time"},
            "day": {"type": "string", "format": "date"},
            "clock": {"type": "string", "format": "time"},
            "mail": {"type": "string", "format": "email"},
            "link": {"type": "string", "format": "uri"},
            "host": {"type": "string", "format": "hostname"},
            "v4": {"type": "string", "format": "ipv4"},
            "v6": {"type": "string", "format": "ipv6"},
            "blob": {"type": "string", "format": "byte"},
            "small": {"type": "integer", "format": "int32"},
            "big": {"type": "integer", "format": "int64"},
            "ratio": {"type": "number", "format": "double"},
        },
    },
    "Numbers": {
        "type": "object",
        "required": ["a", "b", "c", "d", "e", "f", "g"],
        "properties": {
            "a": {"type": "integer", "minimum": 5, "maximum": 7},
            "b": {"type": "integer", "multipleOf": 7, "minimum": 100, "maximum": 120},
            "c": {"type": "number", "multipleOf": 0.25, "minimum": 0, "maximum": 1},
            "d": {"type": "integer", "maximum": -3},
            "e": {"type": "number", "minimum": 1000000},
            "f": {"type": "integer", "minimum": 3, "maximum": 3},
            "g": {"type": "number", "multipleOf": 0.01, "minimum": 0.5, "maximum": 0.6},
        },
    },
    "Strings": {
        "type": "object",
        "required": ["short", "long", "code", "ref", "sku", "alt", "bounded"],
        "properties": {
            "short": {"type": "string", "maxLength": 2},
            "long": {"type": "string", "minLength": 40},
            "code": {"type": "string", "pattern": "^[A-Z]{3}-\\d{4}$"},
            "ref": {"type": "string", "pattern": "^(feat|fix)/[a-z0-9-]+$"},
            "sku": {"type": "string", "pattern": "[0-9]{3}"},
            "alt": {"type": "string", "pattern": "^\\w+@\\w+\\.(com|org)$"},
            "bounded": {"type": "string", "pattern": "^[a-z]+$", "minLength": 12, "maxLength": 14},
            "email": {"type": "string", "maxLength": 64},
        },
    },
    "Arrays": {
        "type": "object",
        "required": ["few", "unique", "tags"],
        "properties": {
            "few": {"type": "array", "items": {"type": "integer"}, "minItems": 3, "maxItems": 4},
            "unique": {
                "type": "array",
                "items": {"type": "integer", "minimum": 1, "maximum": 5},
                "minItems": 5,
                "uniqueItems": True,
            },
            "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
        },
    },
    "Maps": {
        "type": "object",
        "required": ["labels", "counts"],
        "properties": {
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "counts": {
                "type": "object",
                "minProperties": 3,
                "additionalProperties": {"type": "integer"},
            },
            "closed": {
                "type": "object",
                "properties": {"x": {"type": "integer"}},
                "additionalProperties": False,
            },
        },
    },
    "Pet": {
        "type": "object",
        "required": ["petType", "name"],
        "properties": {"petType": {"type": "string"}, "name": {"type": "string"}},
        "discriminator": {
            "propertyName": "petType",
            "mapping": {"kitty": "#/components/schemas/Cat"},
        },
    },
    "Cat": {
        "allOf": [
            {"$ref": "#/components/schemas/Pet"},
            {"type": "object", "required": ["lives"], "properties": {"lives": {"type": "integer"}}},
        ]
    },
    "Dog": {
        "allOf": [
            {"$ref": "#/components/schemas/Pet"},
            {"type": "object", "required": ["bark"], "properties": {"bark": {"type": "string"}}},
        ]
    },
    "AnyPet": {
        "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
        "discriminator": {
            "propertyName": "petType",
            "mapping": {"kitty": "#/components/schemas/Cat"},
        },
    },
    "Overlapping": {
        # Both branches accept any object with the first's fields: only minimal values separate them.
        "oneOf": [
            {
                "type": "object",
                "required": ["a"],
                "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
            },
            {"type": "object", "required": ["b"], "properties": {"b": {"type": "string"}}},
        ]
    },
    "OpenErrors": {
        # Nothing required on either side: only a member one branch types tells them apart.
        "oneOf": [
            {"type": "object", "properties": {"message": {"type": "string"}}},
            {
                "type": "object",
                "properties": {"message": {"type": "string"}, "metadata": {"type": "object"}},
            },
        ]
    },
    "Shapes": {
        "oneOf": [
            {"type": "string", "maxLength": 3},
            {"type": "string", "minLength": 5},
            {"type": "integer"},
        ]
    },
    "Either": {
        "anyOf": [{"type": "string", "format": "email"}, {"type": "integer", "minimum": 10}]
    },
    "Merged": {
        "allOf": [
            {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "integer", "minimum": 10}},
            },
            {
                "type": "object",
                "required": ["name"],
                "properties": {"id": {"maximum": 12}, "name": {"type": "string"}},
            },
        ]
    },
    "Tree": {
        "type": "object",
        "required": ["label", "children"],
        "properties": {
            "label": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}},
            "parent": {"$ref": "#/components/schemas/Tree"},
        },
    },
    "Folder": {
        "type": "object",
        "required": ["name", "entries"],
        "properties": {
            "name": {"type": "string"},
            "entries": {
                "type": "array",
                "items": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/File"},
                        {"$ref": "#/components/schemas/Folder"},
                    ]
                },
            },
        },
    },
    "File": {
        "type": "object",
        "required": ["name", "size"],
        "properties": {"name": {"type": "string"}, "size": {"type": "integer", "minimum": 0}},
        "additionalProperties": False,
    },
    "Account": {
        "type": "object",
        "required": ["email", "id", "password"],
        "properties": {
            "id": {"type": "integer", "readOnly": True},
            "email": {"type": "string", "format": "email"},
            "password": {"type": "string", "writeOnly": True, "minLength": 8},
            "created_at": {"type": "string", "format": "date-time", "readOnly": True},
        },
    },
    "ClosedPart": {
        # The first part allows only "name": the second part's optional "extra" must be left out.
        "allOf": [
            {
                "type": "object",
                "properties": {"name": {"type": "string"}},
                "additionalProperties": False,
            },
            {"type": "object", "required": ["name"], "properties": {"extra": {"type": "string"}}},
        ]
    },
    "Enumerated": {"type": "string", "enum": ["draft", "published", "archived"]},
    "Constant": {"const": "fixed"},
    "Exampled": {
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string"}},
        "example": {"name": "Widget"},
    },
    "BadExample": {"type": "integer", "minimum": 10, "example": 3},
    "Untyped": {},
    "People": {
        "type": "object",
        "required": ["name", "first_name", "email", "url", "created_at", "title", "id", "count"],
        "properties": {
            "name": {"type": "string"},
            "first_name": {"type": "string"},
            "email": {"type": "string"},
            "url": {"type": "string"},
            "created_at": {"type": "string"},
            "title": {"type": "string"},
            "id": {"type": "integer"},
            "count": {"type": "integer", "minimum": 0},
        },
    },
}

V30: dict[str, Any] = {
    "Nullable": {
        "type": "object",
        "required": ["maybe", "choice"],
        "properties": {
            "maybe": {"type": "string", "nullable": True},
            "choice": {"type": "string", "enum": ["x", "y"], "nullable": True},
        },
    },
    "Exclusive30": {
        "type": "object",
        "required": ["a", "b"],
        "properties": {
            "a": {
                "type": "integer",
                "minimum": 1,
                "maximum": 3,
                "exclusiveMinimum": True,
                "exclusiveMaximum": True,
            },
            "b": {"type": "number", "minimum": 0, "maximum": 1, "exclusiveMinimum": True},
        },
    },
}

V31: dict[str, Any] = {
    "TypeArrays": {
        "type": "object",
        "required": ["maybe", "either"],
        "properties": {
            "maybe": {"type": ["string", "null"]},
            "either": {"type": ["integer", "string"]},
        },
    },
    "Exclusive31": {
        "type": "object",
        "required": ["a", "b"],
        "properties": {
            "a": {"type": "integer", "exclusiveMinimum": 1, "exclusiveMaximum": 3},
            "b": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        },
    },
    "Tuple": {
        "type": "array",
        "prefixItems": [{"type": "string", "format": "date"}, {"type": "integer"}],
        "items": False,
    },
    "Examples31": {"type": "string", "examples": ["too long for it", "ok"], "maxLength": 3},
    "RefSiblings": {"$ref": "#/components/schemas/Enumerated", "not": {"const": "draft"}},
    "Contains": {
        "type": "array",
        "contains": {"type": "integer", "const": 7},
        "items": {"type": "integer"},
    },
}


@pytest.fixture(scope="module")
def v30(tmp_path_factory: pytest.TempPathFactory) -> Document:
    return make_document(tmp_path_factory.mktemp("v30"), {**COMMON, **V30}, version="3.0.3")


@pytest.fixture(scope="module")
def v31(tmp_path_factory: pytest.TempPathFactory) -> Document:
    return make_document(tmp_path_factory.mktemp("v31"), {**COMMON, **V31}, version="3.1.0")


@pytest.mark.parametrize("name", sorted(COMMON))
def test_every_value_validates_in_both_dialects(v30: Document, v31: Document, name: str) -> None:
    for document in (v30, v31):
        for direction in ("response", "request"):
            many(document, name, direction=direction, seeds=10)


@pytest.mark.parametrize("name", sorted(V30))
def test_openapi_30_keywords(v30: Document, name: str) -> None:
    many(v30, name)


@pytest.mark.parametrize("name", sorted(V31))
def test_openapi_31_keywords(v31: Document, name: str) -> None:
    many(v31, name)


def test_formats_are_realistic(v31: Document) -> None:
    for value in many(v31, "Formats"):
        assert UUID.match(value["id"])
        assert datetime.fromisoformat(value["at"].replace("Z", "+00:00")).year == 2026
        assert re.fullmatch(r"[a-z]+\.[a-z]+@example\.com", value["mail"])
        assert value["link"].startswith("https://")
        assert -(2**31) <= value.get("small", 0) < 2**31


def test_field_names_are_realistic(v31: Document) -> None:
    for value in many(v31, "People"):
        assert " " in value["name"]  # a person's full name
        assert "@" in value["email"]
        assert value["url"].startswith("https://")
        datetime.fromisoformat(value["created_at"].replace("Z", "+00:00"))
        assert value["id"] >= 1


def test_bounds_and_multiples(v30: Document, v31: Document) -> None:
    for value in many(v30, "Numbers") + many(v31, "Numbers"):
        assert 5 <= value["a"] <= 7
        assert value["b"] in (105, 112, 119)
        assert value["f"] == 3
    assert {v["a"] for v in many(v30, "Exclusive30")} == {2}
    assert {v["a"] for v in many(v31, "Exclusive31")} == {2}


def test_patterns_are_matched(v31: Document) -> None:
    for value in many(v31, "Strings"):
        assert re.fullmatch(r"[A-Z]{3}-\d{4}", value["code"])
        assert 12 <= len(value["bounded"]) <= 14


def test_readonly_left_out_of_requests_and_writeonly_out_of_responses(
    v30: Document, v31: Document
) -> None:
    # "id" and "password" are required: each only in the direction where it is sent.
    for document in (v30, v31):
        for value in many(document, "Account", direction="request"):
            assert "id" not in value and "created_at" not in value
            assert "password" in value
        for value in many(document, "Account", direction="response"):
            assert "password" not in value
            assert "id" in value


def test_one_of_holds_exactly_one_branch_and_names_it(v31: Document) -> None:
    kinds = set()
    for value in many(v31, "AnyPet"):
        kinds.add(value["petType"])
        assert value["petType"] == ("kitty" if "lives" in value else "Dog")
    assert kinds == {"kitty", "Dog"}
    many(v31, "Overlapping")
    assert {type(v).__name__ for v in many(v31, "Shapes")} == {"str", "int"}


def test_a_subtype_built_alone_names_itself(v31: Document) -> None:
    assert {v["petType"] for v in many(v31, "Cat")} == {"kitty"}
    assert {v["petType"] for v in many(v31, "Dog")} == {"Dog"}


def test_all_of_is_merged(v30: Document) -> None:
    for value in many(v30, "Merged"):
        assert 10 <= value["id"] <= 12 and "name" in value


def test_recursion_stops_at_optional_fields_and_empty_arrays(v31: Document) -> None:
    for value in many(v31, "Tree"):
        assert "parent" not in value
        assert value["children"] == []
    many(v31, "Folder")


def test_nullable_and_type_arrays_prefer_a_value(v30: Document, v31: Document) -> None:
    assert all(v["maybe"] is not None for v in many(v30, "Nullable"))
    assert all(v["maybe"] is not None for v in many(v31, "TypeArrays"))


def test_the_schemas_own_example_is_preferred_when_it_validates(v31: Document) -> None:
    assert many(v31, "Exampled") == [{"name": "Widget"}] * 25
    assert all(v >= 10 for v in many(v31, "BadExample"))
    assert set(many(v31, "Examples31")) == {"ok"}


def test_enum_and_const(v31: Document) -> None:
    assert set(many(v31, "Enumerated")) == {"draft", "published", "archived"}
    assert set(many(v31, "Constant")) == {"fixed"}
    assert "draft" not in set(many(v31, "RefSiblings"))


def test_the_same_seed_gives_the_same_value(v31: Document) -> None:
    schema = {"$ref": "#/components/schemas/Folder"}
    first = generate(v31, schema, rng=seeded_rng(7))
    assert generate(v31, schema, rng=seeded_rng(7)) == first
    assert any(generate(v31, schema, rng=seeded_rng(n)) != first for n in range(8, 20))


@pytest.mark.parametrize(
    ("schema", "reason"),
    [
        ({"type": "integer", "minimum": 5, "maximum": 4}, "minimum"),
        ({"type": "string", "pattern": "^[a-z]{3}$", "minLength": 5}, "no string matching"),
        ({"type": "string", "minLength": 5, "maxLength": 2}, "maxLength"),
        ({"type": "integer", "multipleOf": 10, "minimum": 11, "maximum": 19}, "multiple"),
        (
            {"type": "array", "items": {"enum": [1, 2]}, "minItems": 3, "uniqueItems": True},
            "unique",
        ),
        ({"oneOf": [{"type": "integer"}, {"type": "integer", "minimum": -9e9}]}, "exactly one"),
        ({"type": "object", "required": ["a"], "additionalProperties": False}, "not allowed"),
        ({"$ref": "#/components/schemas/Missing"}, "unresolvable"),
        (
            {
                "allOf": [
                    {"type": "object", "additionalProperties": False},
                    {"type": "object", "required": ["id"], "properties": {"id": {}}},
                ]
            },
            "not allowed by allOf",
        ),
        ({"allOf": [{"type": "string"}, {"type": "integer"}]}, "no type satisfies"),
    ],
)
def test_unsatisfiable_schemas_are_reported(v31: Document, schema: Any, reason: str) -> None:
    with pytest.raises(Unsatisfiable, match=reason):
        generate(v31, schema, rng=random.Random(1))
    message = check(v31, schema)
    assert message is not None and reason in message


def test_check_passes_a_satisfiable_schema(v31: Document) -> None:
    assert check(v31, {"$ref": "#/components/schemas/AnyPet"}) is None


@pytest.mark.parametrize("path", sorted(Path("specs").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_component_of_the_bundled_documents(path: Path) -> None:
    document = load_document(path)
    for name in document.raw.get("components", {}).get("schemas", {}):
        for direction in ("response", "request"):
            many(document, name, direction=direction, seeds=3)


# -- property test: random satisfiable schemas ------------------------------------------------


def _leaf() -> st.SearchStrategy[dict[str, Any]]:
    bounded_int = st.tuples(st.integers(-50, 50), st.integers(0, 60)).map(
        lambda t: {"type": "integer", "minimum": t[0], "maximum": t[0] + t[1]}
    )
    multiple = st.tuples(st.integers(1, 9), st.integers(0, 40)).map(
        lambda t: {
            "type": "integer",
            "multipleOf": t[0],
            "minimum": t[1],
            "maximum": t[1] + 3 * t[0],
        }
    )
    # Rounded: a JSON number such as 5e-324 reads back from YAML as a string.
    number = st.tuples(
        st.floats(-100, 100).map(lambda x: round(x, 3)),
        st.floats(0.5, 100).map(lambda x: round(x, 3)),
    ).map(
        lambda t: {
            "type": "number",
            "minimum": t[0],
            "maximum": t[0] + t[1],
            "exclusiveMaximum": t[0] + t[1] + 1,
        }
    )
    string = st.tuples(st.integers(0, 10), st.integers(0, 20)).map(
        lambda t: {"type": "string", "minLength": t[0], "maxLength": t[0] + t[1]}
    )
    formatted = st.sampled_from(
        ["uuid", "date-time", "date", "email", "uri", "hostname", "ipv4", "ipv6", "byte"]
    ).map(lambda f: {"type": "string", "format": f})
    pattern = st.sampled_from(
        ["^[a-z]{2,5}$", "^\\d{3}-\\d{2}$", "^(red|green|blue)$", "^[A-F0-9]{8}$", "v[0-9]+"]
    ).map(lambda p: {"type": "string", "pattern": p})
    enum = st.lists(
        st.one_of(
            st.integers(),
            st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=5),
        ),
        min_size=1,
        max_size=4,
        unique=True,
    ).map(lambda values: {"enum": values})
    simple = st.sampled_from(
        [{"type": "boolean"}, {"type": "null"}, {}, {"type": ["string", "null"]}]
    )
    return st.one_of(bounded_int, multiple, number, string, formatted, pattern, enum, simple)


def _objects(
    children: st.SearchStrategy[dict[str, Any]], closed: st.SearchStrategy[bool]
) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(
        st.sampled_from(["id", "name", "email", "at", "x", "tags"]), children, max_size=4
    ).flatmap(
        lambda props: st.builds(
            lambda required, closed: {
                "type": "object",
                "properties": props,
                "required": required,
                **({"additionalProperties": False} if closed else {}),
            },
            st.lists(st.sampled_from(sorted(props)), unique=True) if props else st.just([]),
            closed,
        )
    )


def _extend(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    obj = _objects(children, st.booleans())
    array = st.tuples(children, st.integers(0, 3), st.integers(0, 3)).map(
        lambda t: {"type": "array", "items": t[0], "minItems": t[1], "maxItems": t[1] + t[2]}
    )
    # One open object split into parts: a closed part forbids the others' properties, and two
    # parts may type one property differently, either of which can make a schema unsatisfiable.
    all_of = st.tuples(_objects(children, st.just(False)), st.integers(1, 3)).map(_split)
    one_of = st.tuples(st.sampled_from(["integer", "boolean", "null"]), children).map(
        # Disjoint by construction: a typed branch and an object branch.
        lambda t: {
            "oneOf": [
                {"type": t[0]},
                {"type": "object", "required": ["kind"], "properties": {"kind": t[1]}},
            ]
        }
    )
    any_of = st.lists(children, min_size=1, max_size=3).map(lambda branches: {"anyOf": branches})
    return st.one_of(obj, array, all_of, one_of, any_of)


def _split(drawn: tuple[dict[str, Any], int]) -> dict[str, Any]:
    whole, count = drawn
    parts: list[dict[str, Any]] = [
        {"type": "object", "properties": {}, "required": []} for _ in range(count)
    ]
    for i, (name, sub) in enumerate(whole["properties"].items()):
        part = parts[i % count]
        part["properties"][name] = sub
        if name in whole["required"]:
            part["required"].append(name)
    return {"allOf": parts}


SCHEMAS = st.recursive(_leaf(), _extend, max_leaves=12)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=SCHEMAS, seed=st.integers(0, 2**32), dialect=st.sampled_from(["3.0.3", "3.1.0"]))
def test_random_satisfiable_schemas(
    tmp_path_factory: pytest.TempPathFactory, schema: dict[str, Any], seed: int, dialect: str
) -> None:
    if dialect == "3.0.3":
        schema = _as_30(schema)
    document = _cached_document(tmp_path_factory, schema, dialect)
    value = generate(document, {"$ref": "#/components/schemas/S"}, rng=random.Random(seed))
    validate(document, "S", value)


def _as_30(node: Any) -> Any:
    """3.0 has no type arrays and only boolean exclusive bounds."""
    if isinstance(node, list):
        return [_as_30(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _as_30(v) for k, v in node.items()}
    if isinstance(out.get("type"), list):
        out["type"] = out["type"][0]
        out["nullable"] = True
    if out.get("type") == "null":
        out = {"type": "string", "nullable": True, "enum": [None]}
    if isinstance(out.get("exclusiveMaximum"), int | float) and not isinstance(
        out["exclusiveMaximum"], bool
    ):
        del out["exclusiveMaximum"]
    return out


_DOCS: dict[str, Document] = {}


def _cached_document(factory: pytest.TempPathFactory, schema: Any, dialect: str) -> Document:
    key = dialect + json.dumps(schema, sort_keys=True)
    if key not in _DOCS:
        _DOCS[key] = make_document(factory.mktemp("prop"), {"S": schema}, version=dialect)
    return _DOCS[key]
