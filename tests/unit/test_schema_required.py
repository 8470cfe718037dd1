"""``required`` as OpenAPI directs it: a readOnly member is required of replies, never of
requests; a writeOnly one the other way round (OpenAPI 3.0, where the Python engine's own
reading drops both in every direction)."""

from __future__ import annotations

from pathlib import Path

from draftmock.spec.document import load_document
from draftmock.spec.schema import SchemaValidator

DOCUMENT = """
openapi: 3.0.3
info: {title: invitations, version: '1'}
paths: {}
components:
  schemas:
    Invitation:
      type: object
      required: [id, email, secret]
      properties:
        id: {type: string, readOnly: true}
        email: {type: string}
        secret: {type: string, writeOnly: true}
"""


def test_required_follows_the_direction(tmp_path: Path) -> None:
    path = tmp_path / "invitations.yaml"
    path.write_text(DOCUMENT)
    document = load_document(path)
    ref = document.pointer_ref("/components/schemas/Invitation")
    reply = SchemaValidator(document, ref, "response")
    request = SchemaValidator(document, ref, "request")
    assert [v.describe() for v in reply.violations({"email": "a@b.co"})] == ["id: 'id' is required"]
    assert reply.is_valid({"id": "i1", "email": "a@b.co"})
    assert [v.describe() for v in request.violations({"email": "a@b.co"})] == [
        "secret: 'secret' is required"
    ]
    assert request.is_valid({"email": "a@b.co", "secret": "s"})
