"""Patterns only ECMA-262 reads (Unicode property escapes): a value that breaks one is a
violation naming the pattern, never an exception."""

from __future__ import annotations

import json
from pathlib import Path

from draftmock.ids import Rng
from draftmock.spec.document import load_document
from draftmock.spec.regex import compile_pattern, matching_string
from draftmock.spec.schema import SchemaValidator


def test_a_unicode_property_pattern_is_explained_by_the_compiled_engine(tmp_path: Path) -> None:
    raw = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {
            "schemas": {
                "Tag": {
                    "type": "object",
                    "properties": {"key": {"type": "string", "pattern": "^[\\p{L}\\p{N}]*$"}},
                }
            }
        },
    }
    path = tmp_path / "tags.json"
    path.write_text(json.dumps(raw))
    document = load_document(path)
    validator = SchemaValidator(document, document.pointer_ref("/components/schemas/Tag"))
    assert validator.violations({"key": "Ünïcode9"}) == []
    [violation] = validator.violations({"key": "a\u0001"})
    assert violation.loc == ("key",) and violation.keyword == "pattern"


def test_a_negated_class_of_a_unicode_property_compiles_and_generates() -> None:
    """``[^\\p{C}]`` (AWS's "no control characters") is a class of its own in Python too."""
    pattern = "^(?:https://[^\\p{C}]*)$"
    compiled = compile_pattern(pattern)
    assert compiled.fullmatch("https://example.com/a b")
    assert compiled.fullmatch("https://example.com/\u0001") is None
    value = matching_string(pattern, Rng(7), min_length=12, max_length=40)
    assert compiled.fullmatch(value) and 12 <= len(value) <= 40
