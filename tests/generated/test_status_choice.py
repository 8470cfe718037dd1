"""The status a valid request is answered with is one the operation documents and can honour: a
response declaring only malformed media types (``PDF``) admits no Content-Type at all."""

from __future__ import annotations

from pathlib import Path

from tests.support.serving import served_document

DOCUMENT = """
openapi: 3.0.0
info: {title: pdf, version: '1'}
paths:
  /checks/{id}/pdf:
    get:
      operationId: getPDF
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200':
          description: the PDF
          content: {PDF: {}}
        '404':
          description: not created yet
          content:
            application/json:
              schema:
                type: object
                required: [message]
                properties: {message: {type: string}}
"""


def test_a_success_with_only_malformed_media_types_is_not_chosen(tmp_path: Path) -> None:
    path = tmp_path / "pdf.yaml"
    path.write_text(DOCUMENT)
    with served_document(path) as api:
        answered = api.get("/checks/c1/pdf")
        assert answered.status_code == 404
        assert answered.headers["content-type"] == "application/json"
        assert isinstance(answered.json()["message"], str)


DELETE_DEFAULT = """
openapi: 3.0.0
info: {title: addons, version: '1'}
paths:
  /addons/{id}:
    delete:
      operationId: deleteAddon
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        default:
          description: the outcome
          content:
            '*/*':
              schema:
                type: object
                required: [done]
                properties: {done: {type: boolean}}
"""


def test_a_delete_answered_by_a_default_with_a_body_is_not_a_204(tmp_path: Path) -> None:
    path = tmp_path / "addons.yaml"
    path.write_text(DELETE_DEFAULT)
    with served_document(path) as api:
        answered = api.delete("/addons/a1")
        assert answered.status_code == 200
        assert isinstance(answered.json()["done"], bool)


# AWS documents converted from botocore's models give 204 successes a JSON body (an empty object
# schema) that HTTP forbids: a 204 has no content (RFC 9110 §15.3.5).
NO_CONTENT_WITH_BODY = """
openapi: 3.0.0
info: {title: rooms, version: '1'}
paths:
  /rooms/{id}:
    delete:
      operationId: DeleteRoom
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '204':
          description: Success
          content:
            application/json: {schema: {$ref: '#/components/schemas/DeleteRoomOutput'}}
        '404':
          description: no such room
          content:
            application/json:
              schema: {type: object, properties: {message: {type: string}}}
  /rooms/{id}/members:
    post:
      operationId: addMember
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '204':
          description: Success
          content:
            application/json: {schema: {$ref: '#/components/schemas/DeleteRoomOutput'}}
  /tables/{id}:
    delete:
      operationId: deleteTable
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200':
          description: the deleted table
          content:
            application/json:
              schema:
                type: object
                required: [deleted]
                properties: {deleted: {type: boolean}}
        '204':
          description: deleted
          content:
            application/json: {schema: {type: object}}
components:
  schemas:
    DeleteRoomOutput: {type: object, properties: {}}
"""


def test_a_204_documenting_a_body_goes_out_without_one(tmp_path: Path) -> None:
    """A 204 is sent as HTTP says (no body, no Content-Type, no Content-Length), however the
    document describes it, and the connection stays usable; where another 2xx is documented,
    that one answers instead."""
    path = tmp_path / "rooms.yaml"
    path.write_text(NO_CONTENT_WITH_BODY)
    with served_document(path) as api:
        for answered in (
            api.delete("/rooms/r1"),
            api.post("/rooms/r1/members"),
            api.post("/rooms/r1/members", headers={"prefer": "code=204"}),
            api.post("/rooms/r1/members", headers={"prefer": "dynamic=true"}),
        ):
            assert answered.status_code == 204, answered.text
            assert answered.content == b""
            assert "content-type" not in answered.headers
            assert "content-length" not in answered.headers
            assert "x-draftmock-violation" not in answered.headers
        other = api.delete("/tables/t1")
        assert other.status_code == 200
        assert isinstance(other.json()["deleted"], bool)


SHARED_404 = """
openapi: 3.0.0
info: {title: versions, version: '1'}
paths:
  /versions/{id}/export/{format}:
    get:
      operationId: exportVersion
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: format, in: path, required: true, schema: {type: string}}
      responses:
        '200': {description: the export, content: {application/json: {schema: {type: object}}}}
        '404': {$ref: '#/components/responses/NotFound'}
  /versions/{id}/publish:
    post:
      operationId: publishVersion
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: published}
        '404': {$ref: '#/components/responses/NotFound'}
components:
  responses:
    NotFound:
      description: not found
      content:
        application/json:
          schema:
            type: object
            required: [error]
            properties:
              error:
                type: object
                required: [message]
                properties: {message: {type: string}}
"""


def test_a_path_no_operation_serves_answers_in_the_api_s_shared_404(tmp_path: Path) -> None:
    """A client's request whose path matches none (an empty identifier collapses the path:
    ``/versions//export/oas.json``) is answered in the 404 envelope the API's operations
    share, not the mock's own problem+json."""
    path = tmp_path / "versions.yaml"
    path.write_text(SHARED_404)
    with served_document(path) as api:
        missing = api.get("/versions/export/oas.json")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/json"
        assert "documents no path" in missing.json()["error"]["message"]
        assert "x-draftmock-error" not in missing.headers
