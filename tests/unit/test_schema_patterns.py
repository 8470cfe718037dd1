"""Patterns only ECMA-262 reads (Unicode property escapes): a value that breaks one is a
violation naming the pattern, never an exception."""

from __future__ import annotations

import json
from pathlib import Path

from draftmock.spec.document import load_document
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
