"""Values generated for a schema addressed by its pointer in the document."""

from __future__ import annotations

from pathlib import Path

from draftmock.generated.values import Values
from draftmock.ids import seeded_rng
from draftmock.spec.document import escape, load_document

DOCUMENT = """
openapi: 3.0.0
info: {title: accounts, version: '1'}
paths:
  /accounts/{account_id}/close:
    post:
      parameters: [{name: account_id, in: path, required: true, schema: {type: string}}]
      responses:
        '200':
          description: closed
          content:
            application/json: {schema: {$ref: '#/components/schemas/account'}}
components:
  schemas:
    account:
      type: object
      required: [closed_on]
      properties: {closed_on: {type: string, format: date, nullable: true}}
      example: {closed_on: '2025-10-15T13:52:35.595Z'}
"""


def test_a_schema_under_a_templated_path_is_generated_to_validate(tmp_path: Path) -> None:
    # The example's date-time is no date: the generator must judge it by the schema it reaches
    # through a pointer holding {account_id}, and build a value of its own.
    path = tmp_path / "accounts.yaml"
    path.write_text(DOCUMENT)
    values = Values(load_document(path))
    pointer = (
        f"/paths/{escape('/accounts/{account_id}/close')}/post/responses/200"
        "/content/application~1json/schema"
    )
    value = values.generate(pointer, seeded_rng("close"))
    assert values.valid(pointer, value), value
    assert values.unsatisfiable(pointer) is None
