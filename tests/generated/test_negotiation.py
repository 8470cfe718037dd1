"""Accept negotiation in the generated tier: the documented media type the client prefers; when
``Accept`` admits none, the documented 406 (or 4XX, default), and where the operation documents
no such status, the reply as if ``Accept`` were absent (RFC 9110 §12.5.1 lets a server disregard
it), never a status the operation does not document."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

import httpx
import pytest

from draftmock.generated.negotiation import negotiate
from tests.support.serving import served_document

DOCUMENT = """
openapi: 3.1.0
info: {title: reports, version: '1'}
paths:
  /report:
    get:
      operationId: getReport
      responses:
        '200':
          description: the report
          content:
            application/json:
              schema: {type: object, required: [total], properties: {total: {type: integer}}}
            text/csv:
              schema: {type: string}
  /summary:
    get:
      operationId: getSummary
      responses:
        '200':
          description: the summary
          content:
            application/json: {schema: {type: object}}
        '406':
          description: not acceptable
          content:
            application/json:
              schema: {type: object, required: [reason], properties: {reason: {type: string}}}
  /books/{bookId}:
    get:
      operationId: getBook
      parameters:
        - {name: bookId, in: path, required: true, schema: {type: integer}}
        - {name: fields, in: query, schema: {type: string, enum: [all, short]}}
      responses:
        '200':
          description: the book
          content:
            application/json: {schema: {$ref: '#/components/schemas/Book'}}
            application/xml: {schema: {$ref: '#/components/schemas/Book'}}
        '400':
          description: a bad request
          content:
            application/xml: {schema: {$ref: '#/components/schemas/Problem'}}
            application/json: {schema: {$ref: '#/components/schemas/Problem'}}
        '404':
          description: no such book
          content:
            application/json: {schema: {$ref: '#/components/schemas/Problem'}}
            application/xml: {schema: {$ref: '#/components/schemas/Problem'}}
  /export:
    get:
      operationId: getExport
      responses:
        '200':
          description: the export
          content:
            text/csv: {schema: {type: string}}
        4XX:
          description: a client error
          content:
            application/json:
              schema: {type: object, required: [error], properties: {error: {type: string}}}
  /books:
    post:
      operationId: createBook
      requestBody:
        content:
          application/json: {schema: {$ref: '#/components/schemas/Book'}}
      responses:
        '201':
          description: created
          content:
            application/json: {schema: {$ref: '#/components/schemas/Book'}}
components:
  schemas:
    Book:
      type: object
      required: [title]
      properties:
        id: {type: integer, readOnly: true}
        title: {type: string}
    Problem:
      type: object
      required: [message]
      properties:
        message: {type: string}
"""


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    path = tmp_path_factory.mktemp("negotiation") / "reports.yaml"
    path.write_text(DOCUMENT)
    with served_document(path) as client:
        yield client


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("*/*", "application/json"),
        ("text/csv", "text/csv"),
        ("application/json;q=0.5, text/csv;q=0.9", "text/csv"),
        ("text/*;q=0.2, application/*", "application/json"),
        ("text/csv;q=0, */*", "application/json"),
    ],
)
def test_the_preferred_documented_media_type_answers(
    api: httpx.Client, accept: str, media: str
) -> None:
    answered = api.get("/report", headers={"accept": accept})
    assert answered.status_code == 200
    assert answered.headers["content-type"].split(";")[0] == media


def test_an_accept_admitting_nothing_documented_is_not_acceptable(api: httpx.Client) -> None:
    documented = api.get("/summary", headers={"accept": "text/html"})
    assert documented.status_code == 406 and isinstance(documented.json()["reason"], str)
    ranged = api.get("/export", headers={"accept": "image/png"})
    assert ranged.status_code == 406 and ranged.json()["error"]


@pytest.mark.parametrize("accept", ["image/png", "y6`kb/a9l!a", "text/csv;q=0"])
def test_an_operation_documenting_no_406_disregards_an_accept_it_cannot_honour(
    api: httpx.Client, accept: str
) -> None:
    answered = api.get("/report", headers={"accept": accept})
    assert answered.status_code == 200
    assert answered.headers["content-type"] == "application/json"
    assert isinstance(answered.json()["total"], int)
    assert "x-draftmock-error" not in answered.headers


def test_negotiation_ranks_by_the_most_specific_range() -> None:
    documented = ["application/json", "application/xml"]
    assert negotiate(documented, "application/*;q=0.1, application/xml") == "application/xml"
    assert negotiate(documented, "application/json;q=0, application/*") == "application/xml"
    assert negotiate(documented, None) == "application/json"
    assert negotiate(documented, "text/plain") is None


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/json"),
        ("application/xml", "application/xml"),
        ("application/json;q=0.4, application/xml", "application/xml"),
        ("text/html", "application/json"),  # an error admitting no media type is still sent
    ],
)
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/books/424242", 404),  # the generic handler's not-found
        ("/books/1?fields=every", 400),  # a request refused before any handler
        ("/books/1?fields=short", 404),
    ],
)
def test_an_error_answers_in_the_documented_media_type_accept_prefers(
    api: httpx.Client, accept: str | None, media: str, path: str, status: int
) -> None:
    headers = {"accept": accept} if accept else {}
    answered = api.get(path, headers=headers)
    assert answered.status_code == status, answered.text
    assert answered.headers["content-type"] == media
    assert "x-draftmock-violation" not in answered.headers
    if media == "application/xml":
        root = ET.fromstring(answered.content)
        assert root.tag == "Problem" and root.findtext("message")
    else:
        assert isinstance(answered.json()["message"], str)


@pytest.mark.parametrize("accept", ["application/xml", "application/json"])
def test_prefer_answers_in_the_media_type_accept_prefers(api: httpx.Client, accept: str) -> None:
    answered = api.get("/books/1", headers={"prefer": "code=404", "accept": accept})
    assert answered.status_code == 404
    assert answered.headers["content-type"] == accept
