"""A rejection where the operation documents no 400, 422, 4XX or default: the documented client
error whose description or schema names the case answers (as documents converted from AWS'
models give every exception a code of its own), never an undocumented 400."""

from __future__ import annotations

from pathlib import Path

import httpx

from draftmock.assembly import build_runtime
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer

DOCUMENT = """
openapi: 3.0.0
info: {title: tags, version: '1'}
paths:
  /TagResource:
    post:
      operationId: TagResource
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [Key]
              properties: {Key: {type: string, pattern: '^[a-z]+$'}}
      responses:
        '200': {description: Success}
        '480':
          description: AccessDeniedException
          content:
            application/json: {schema: {$ref: '#/components/schemas/AccessDeniedException'}}
        '481':
          description: InvalidArgumentException
          content:
            application/json: {schema: {$ref: '#/components/schemas/InvalidArgumentException'}}
components:
  schemas:
    AccessDeniedException:
      type: object
      properties: {Message: {type: string}}
    InvalidArgumentException:
      type: object
      required: [Message]
      properties: {Message: {type: string}}
"""


def test_a_violation_is_answered_with_the_documented_invalid_argument_error(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tags.yaml"
    path.write_text(DOCUMENT)
    runtime = build_runtime(documents=[(None, path)])
    with LiveServer(DraftmockApp(runtime)) as server, httpx.Client(base_url=server.url) as api:
        refused = api.post("/TagResource", json={"Key": "NOT LOWER"})
        assert refused.status_code == 481, refused.text
        assert refused.json() == {"Message": "body.Key: 'NOT LOWER' does not match '^[a-z]+$'"}
        assert api.post("/TagResource", json={"Key": "fine"}).status_code == 200


THINGS = """
openapi: 3.0.0
info: {title: things, version: '1'}
paths:
  /things/{thingId}:
    get:
      operationId: GetThing
      parameters: [{name: thingId, in: path, required: true, schema: {type: string}}]
      responses:
        '200':
          description: Success
          content:
            application/json: {schema: {$ref: '#/components/schemas/Thing'}}
        '480':
          description: ValidationException
          content: {application/json: {schema: {type: object}}}
        '481':
          description: ResourceNotFoundException
          content:
            application/json:
              schema: {type: object, required: [message], properties: {message: {type: string}}}
  /things:
    post:
      operationId: CreateThing
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}
      responses:
        '200':
          description: Success
          content:
            application/json: {schema: {$ref: '#/components/schemas/Thing'}}
components:
  schemas:
    Thing:
      type: object
      required: [thingId, name]
      properties:
        thingId: {type: string, readOnly: true}
        name: {type: string}
"""


def test_a_missing_record_is_the_documented_not_found_exception(tmp_path: Path) -> None:
    path = tmp_path / "things.yaml"
    path.write_text(THINGS)
    runtime = build_runtime(documents=[(None, path)])
    with LiveServer(DraftmockApp(runtime)) as server, httpx.Client(base_url=server.url) as api:
        made = api.post("/things", json={"name": "a"}).json()
        assert api.get(f"/things/{made['thingId']}").json() == made
        missing = api.get("/things/nope")
        assert missing.status_code == 481
        assert "nope" in missing.json()["message"]
