"""A local reference is a URI fragment: its JSON pointer may be percent-encoded (RFC 6901,
section 6), as a schema registry writes ``{`` and ``}`` of a path template."""

from __future__ import annotations

from pathlib import Path

import yaml

from draftmock.spec.document import load_document


def test_a_percent_encoded_pointer_resolves(tmp_path: Path) -> None:
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a/{id}/v": {"post": {"responses": {"200": {"description": "ok"}}}}},
    }
    path = tmp_path / "doc.yaml"
    path.write_text(yaml.safe_dump(spec))
    document = load_document(path, "doc")
    ok = {"description": "ok"}
    plain = "#/paths/~1a~1{id}~1v/post/responses/200"
    encoded = "#/paths/~1a~1%7Bid%7D~1v/post/responses/200"
    assert document.resolve({"$ref": plain}) == ok
    assert document.resolve({"$ref": encoded}) == ok
