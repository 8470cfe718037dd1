"""The status a valid request is answered with is one the operation documents and can honour: a
response declaring only malformed media types (``PDF``) admits no Content-Type at all."""

from __future__ import annotations

from pathlib import Path

import httpx

from draftmock.assembly import build_runtime
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer

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
    runtime = build_runtime(documents=[(None, path)])
    with LiveServer(DraftmockApp(runtime)) as server, httpx.Client(base_url=server.url) as api:
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
    runtime = build_runtime(documents=[(None, path)])
    with LiveServer(DraftmockApp(runtime)) as server, httpx.Client(base_url=server.url) as api:
        answered = api.delete("/addons/a1")
        assert answered.status_code == 200
        assert isinstance(answered.json()["done"], bool)
