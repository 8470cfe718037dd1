"""Requests shaped as real-world documents describe them: operations that share one method and
path and differ by a header, a query value or the path's fragment (AWS' JSON-RPC and query
protocols), bodies in media types other than JSON, objects and arrays of objects in the query."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from draftmock.assembly import build_runtime
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer

DOCUMENT = """
openapi: 3.0.0
info: {title: rpc, version: '1'}
paths:
  /#X-Amz-Target=Svc.Describe:
    post:
      operationId: Describe
      parameters:
        - {name: X-Amz-Target, in: header, required: true, schema: {type: string, enum: [Svc.Describe]}}
      requestBody:
        required: true
        content: {application/x-amz-json-1.1: {schema: {type: object}}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [described]
                properties: {described: {type: string, enum: [done]}}
  /#X-Amz-Target=Svc.Count:
    post:
      operationId: Count
      parameters:
        - {name: X-Amz-Target, in: header, required: true, schema: {type: string, enum: [Svc.Count]}}
      requestBody:
        required: true
        content: {application/x-amz-json-1.1: {schema: {type: object, required: [Name]}}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [count]
                properties: {count: {type: integer, minimum: 7, maximum: 7}}
  /{Account}/#Action=Tag:
    get:
      operationId: Tag
      parameters:
        - {name: Account, in: path, required: true, schema: {type: integer}}
        - {name: Tags, in: query, required: true, schema: {type: object, additionalProperties: {type: string}}}
        - name: Entries
          in: query
          schema: {type: array, items: {allOf: [{$ref: '#/components/schemas/Entry'}]}}
      responses:
        '200':
          description: ok
          content:
            application/json: {schema: {type: string, enum: [tagged]}}
  /{Account}/#Action=Untag:
    get:
      operationId: Untag
      responses:
        '200':
          description: ok
          content:
            application/json: {schema: {type: string, enum: [untagged]}}
  /messages:
    post:
      operationId: send
      requestBody:
        required: true
        content:
          text/xml: {schema: {$ref: '#/components/schemas/Entry'}}
          application/x-www-form-urlencoded: {schema: {$ref: '#/components/schemas/Entry'}}
      responses:
        '200': {description: sent}
components:
  schemas:
    Entry:
      type: object
      required: [Id, Size]
      properties: {Id: {type: string}, Size: {type: integer}}
"""


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    path = tmp_path_factory.mktemp("wire") / "rpc.yaml"
    path.write_text(DOCUMENT)
    runtime = build_runtime(documents=[(None, Path(path))])
    with LiveServer(DraftmockApp(runtime)) as server, httpx.Client(base_url=server.url) as client:
        yield client


def test_operations_sharing_a_path_are_told_apart_by_their_header(api: httpx.Client) -> None:
    headers = {"content-type": "application/x-amz-json-1.1", "x-amz-target": "Svc.Count"}
    count = api.post("/", headers=headers, content=b'{"Name": "n"}')
    assert count.status_code == 200 and count.json() == {"count": 7}
    # The body is JSON in AWS' dialect, validated against Count's schema
    assert api.post("/", headers=headers, content=b"{}").status_code == 400
    described = api.post(
        "/", headers={"content-type": "application/x-amz-json-1.1", "x-amz-target": "Svc.Describe"},
        content=b"{}",
    )  # fmt: skip
    assert described.status_code == 200 and described.json() == {"described": "done"}


def test_a_request_naming_no_operation_is_refused_for_its_header(api: httpx.Client) -> None:
    refused = api.post(
        "/", headers={"content-type": "application/x-amz-json-1.1", "x-amz-target": "Svc.Other"},
        content=b"{}",
    )  # fmt: skip
    assert refused.status_code == 400 and "x-amz-target" in refused.text.lower()


def test_the_fragment_is_matched_in_the_query_on_a_templated_path(api: httpx.Client) -> None:
    assert api.get("/12/", params={"Action": "Untag"}).json() == "untagged"
    tagged = api.get("/12/", params={"Action": "Tag", "team": "a", "Entries[0][Id]": "x"})
    assert tagged.status_code == 200 and tagged.json() == "tagged"


def test_bodies_in_documented_media_types_other_than_json_are_accepted(
    api: httpx.Client,
) -> None:
    xml = api.post("/messages", headers={"content-type": "text/xml"}, content=b"<Entry/>")
    assert xml.status_code == 200, xml.text
    form = api.post("/messages", data={"Id": "a", "Size": "3"})
    assert form.status_code == 200, form.text
    undocumented = api.post("/messages", headers={"content-type": "text/csv"}, content=b"a,b")
    assert undocumented.status_code == 400


ROUTES = """
openapi: 3.0.3
info: {title: routes, version: '1'}
paths:
  /routes/:
    post:
      operationId: createRoute
      requestBody:
        required: true
        content:
          multipart/form-data: {schema: {$ref: '#/components/schemas/Route'}}
      responses:
        '201':
          description: created
          content:
            application/json: {schema: {$ref: '#/components/schemas/Route'}}
        '400':
          description: invalid
          content:
            application/json:
              schema: {type: object, properties: {detail: {type: string}}}
components:
  schemas:
    Route:
      type: object
      required: [id, url, code]
      properties:
        id: {type: string, format: uuid, readOnly: true}
        url: {allOf: [{type: string, format: uri}], readOnly: true}
        code: {type: string}
        end_time: {type: string, format: date-time, nullable: true}
"""


def test_a_multipart_form_is_held_to_what_a_request_must_send(tmp_path: Path) -> None:
    """Its readOnly members are not required of it (as OpenAPI says, as JSON bodies are
    judged), and a nullable member may be sent as the text ``null`` (how a form writes null:
    gsmtasks.com's Django forms)."""
    path = tmp_path / "routes.yaml"
    path.write_text(ROUTES)
    runtime = build_runtime(documents=[(None, path)])
    with LiveServer(DraftmockApp(runtime)) as server, httpx.Client(base_url=server.url) as api:
        created = api.post("/routes/", files={"code": (None, "R1"), "end_time": (None, "null")})
        assert created.status_code == 201, created.text
        late = api.post("/routes/", files={"code": (None, "R1"), "end_time": (None, "later")})
        assert late.status_code == 400 and "end_time" in late.json()["detail"]
        missing = api.post("/routes/", files={"end_time": (None, "2026-01-01T00:00:00Z")})
        assert missing.status_code == 400 and "code" in missing.json()["detail"]


FRAMES = """
openapi: 3.0.0
info: {title: frames, version: '1'}
paths:
  /reviews/{id}/frames:
    post:
      operationId: addFrame
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: OK}
  /reviews/{id}/frames#overload=url:
    post:
      operationId: addFramesByUrl
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      requestBody:
        required: true
        content:
          application/json: {schema: {type: array, items: {type: object}}}
      responses:
        '204': {description: No Content}
  /reviews/{id}/frames#overload=stream:
    post:
      operationId: addFramesAsZip
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [zip]
              properties: {zip: {type: string, format: binary}}
      responses:
        '202': {description: Accepted}
"""


def test_operations_sharing_a_path_are_told_apart_by_their_body_s_media_type(
    tmp_path: Path,
) -> None:
    """Azure's ``#overload=`` operations differ only by the media type of their bodies; a
    request naming no overload reaches the one whose body it sends."""
    path = tmp_path / "frames.yaml"
    path.write_text(FRAMES)
    runtime = build_runtime(documents=[(None, path)])
    with LiveServer(DraftmockApp(runtime)) as server, httpx.Client(base_url=server.url) as api:
        assert api.post("/reviews/r1/frames").status_code == 200
        assert api.post("/reviews/r1/frames", json=[{}]).status_code == 204
        zipped = api.post("/reviews/r1/frames", files={"zip": ("f.zip", b"PK", "application/zip")})
        assert zipped.status_code == 202
        assert api.post("/reviews/r1/frames?overload=url", json=[{}]).status_code == 204
