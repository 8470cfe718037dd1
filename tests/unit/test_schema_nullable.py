"""OpenAPI 3.0's ``nullable: true`` beside a composition or reference (no ``type``): null is a
value, as the document means it."""

from __future__ import annotations

from pathlib import Path

from draftmock.spec.document import load_document
from draftmock.spec.schema import SchemaValidator

DOCUMENT = """
openapi: 3.0.3
info: {title: accounts, version: '1'}
paths: {}
components:
  schemas:
    Address:
      type: object
      required: [city]
      properties: {city: {type: string}}
    Account:
      type: object
      properties:
        start: {allOf: [{$ref: '#/components/schemas/Address'}], nullable: true}
"""


def test_a_nullable_composition_admits_null_and_still_checks_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "accounts.yaml"
    path.write_text(DOCUMENT)
    document = load_document(path)
    account = SchemaValidator(document, document.pointer_ref("/components/schemas/Account"))
    assert account.is_valid({"start": None})
    assert account.is_valid({"start": {"city": "Oslo"}})
    assert not account.is_valid({"start": {}})
