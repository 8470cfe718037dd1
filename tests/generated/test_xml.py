"""XML replies: written from the schema by OpenAPI's ``xml`` objects (name, attribute, wrapped,
namespace and prefix), JSON preferred where an operation offers both, for successes, stored
records, documented errors and ``Prefer`` alike."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from draftmock.spec.document import load_document
from draftmock.spec.xml import to_xml
from tests.support.serving import served_document

PETS = "https://example.com/pets"
DOCUMENT = """
openapi: 3.0.3
info: {title: pets, version: '1'}
paths:
  /pets:
    post:
      operationId: createPet
      requestBody:
        required: true
        content:
          application/json: {schema: {$ref: '#/components/schemas/Pet'}}
      responses:
        '201':
          description: created
          content:
            application/json: {schema: {$ref: '#/components/schemas/Pet'}}
  /pets/{petId}:
    get:
      operationId: getPet
      parameters: [{name: petId, in: path, required: true, schema: {type: integer}}]
      responses:
        '200':
          description: the pet
          content:
            application/xml: {schema: {$ref: '#/components/schemas/Pet'}}
        '404':
          description: no such pet
          content:
            application/xml: {schema: {$ref: '#/components/schemas/Error'}}
  /owners/{ownerId}:
    get:
      operationId: getOwner
      parameters: [{name: ownerId, in: path, required: true, schema: {type: string}}]
      responses:
        '200':
          description: the owner
          content:
            application/xml: {schema: {$ref: '#/components/schemas/Owner'}}
            application/json: {schema: {$ref: '#/components/schemas/Owner'}}
components:
  schemas:
    Pet:
      type: object
      required: [name]
      xml: {name: pet, namespace: 'https://example.com/pets', prefix: p}
      properties:
        id: {type: integer, readOnly: true, xml: {attribute: true}}
        name: {type: string, xml: {prefix: p}}
        tags:
          type: array
          xml: {wrapped: true, name: labels}
          items: {type: string, xml: {name: label}}
    Owner:
      type: object
      required: [email, pets]
      properties:
        email: {type: string, format: email, xml: {name: e-mail}}
        pets: {type: array, minItems: 2, maxItems: 2, items: {type: string}}
    Error:
      type: object
      required: [message]
      properties:
        message: {type: string}
"""


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    path = tmp_path_factory.mktemp("xml") / "pets.yaml"
    path.write_text(DOCUMENT)
    with served_document(path) as client:
        yield client


def _xml(response: httpx.Response) -> ET.Element:
    assert response.headers["content-type"] == "application/xml", response.text
    assert "x-draftmock-violation" not in response.headers, response.text
    return ET.fromstring(response.content)


def test_a_stored_record_goes_out_as_the_schema_s_xml(api: httpx.Client) -> None:
    created = api.post("/pets", json={"name": "Rex & Co", "tags": ["good", "old"]})
    assert created.status_code == 201, created.text
    pet_id = created.json()["id"]
    root = _xml(api.get(f"/pets/{pet_id}"))
    assert root.tag == f"{{{PETS}}}pet"
    assert root.get("id") == str(pet_id)
    assert root.findtext(f"{{{PETS}}}name") == "Rex & Co"
    assert [label.text for label in root.findall("labels/label")] == ["good", "old"]


def test_a_documented_error_in_xml_is_xml(api: httpx.Client) -> None:
    missing = api.get("/pets/999999")
    assert missing.status_code == 404
    root = _xml(missing)
    assert root.tag == "Error" and "not found" in (root.findtext("message") or "")


def test_json_is_preferred_where_offered_and_xml_answers_when_asked(api: httpx.Client) -> None:
    plain = api.get("/owners/o1")
    assert plain.headers["content-type"] == "application/json"
    assert len(plain.json()["pets"]) == 2
    root = _xml(api.get("/owners/o1", headers={"accept": "application/xml"}))
    assert root.tag == "Owner"
    assert "@" in (root.findtext("e-mail") or "")
    assert len(root.findall("pets")) == 2  # an unwrapped array repeats its member's element


@pytest.mark.parametrize("prefer", ["code=200", "dynamic=true"])
def test_prefer_answers_in_xml_too(api: httpx.Client, prefer: str) -> None:
    root = _xml(api.get("/pets/1", headers={"prefer": prefer}))
    assert root.tag == f"{{{PETS}}}pet"
    assert root.findtext(f"{{{PETS}}}name") is not None


def test_xml_names_values_and_prefixes_are_always_well_formed(tmp_path: Path) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text(
        """
openapi: 3.1.0
info: {title: odd, version: '1'}
paths: {}
components:
  schemas:
    Odd:
      type: object
      xml: {prefix: q}
      properties:
        note: {type: string, xml: {attribute: true, prefix: n, namespace: 'urn:n'}}
        list: {type: array, items: {type: integer}, xml: {name: ignored}}
"""
    )
    document = load_document(path)
    value = {"2fa code": "<&>", "note": 'say "hi"', "list": [1, 2], "a:b": None, "bell": "\x07!"}
    text = to_xml(document, {"$ref": "#/components/schemas/Odd"}, value)
    root = ET.fromstring(text.encode())
    assert root.tag == "Odd"  # an undeclared prefix is left out rather than break the document
    assert root.findtext("_2fa_code") == "<&>"
    assert root.get("{urn:n}note") == 'say "hi"'
    assert [e.text for e in root.findall("list")] == ["1", "2"]
    assert root.findtext("bell") == "!"
    listed = ET.fromstring(to_xml(document, {"type": "array"}, [1, True]).encode())
    assert listed.tag == "root" and [e.text for e in listed] == ["1", "true"]


def test_xml_objects_inside_all_of_parts_count(tmp_path: Path) -> None:
    """AWS' converted documents write members as ``allOf: [$ref, {description}]`` and items as
    ``allOf: [$ref, {xml: {name}}]``: ``<QueueUrl>`` repeated, as SQS answers."""
    path = tmp_path / "sqs.yaml"
    path.write_text(
        """
openapi: 3.0.0
info: {title: sqs, version: '1'}
paths: {}
components:
  schemas:
    String: {type: string}
    QueueUrlList:
      type: array
      items:
        allOf: [{$ref: '#/components/schemas/String'}, {xml: {name: QueueUrl}}]
      xml: {wrapped: false}
    ListQueuesResult:
      type: object
      properties:
        QueueUrls:
          allOf: [{$ref: '#/components/schemas/QueueUrlList'}, {description: the queues}]
"""
    )
    document = load_document(path)
    value = {"QueueUrls": ["https://q/1", "https://q/2"]}
    root = ET.fromstring(
        to_xml(document, {"$ref": "#/components/schemas/ListQueuesResult"}, value).encode()
    )
    assert root.tag == "ListQueuesResult"
    assert [e.text for e in root.findall("QueueUrl")] == ["https://q/1", "https://q/2"]


SPECS = """
openapi: 3.0.3
info: {title: specs, version: '1'}
paths:
  /specs/{name}.yaml:
    get:
      operationId: getSpec
      parameters: [{name: name, in: path, required: true, schema: {type: string}}]
      responses:
        '200':
          description: the document as YAML
          content:
            application/yaml:
              schema: {type: object, required: [openapi], properties: {openapi: {type: string}}}
              examples:
                response: {value: "openapi: 3.0.0\\ninfo:\\n  title: Sample API\\n"}
"""


def test_a_yaml_reply_is_yaml_of_a_valid_value(tmp_path: Path) -> None:
    """swaggerhub.com's YAML replies went out empty."""
    path = tmp_path / "specs.yaml"
    path.write_text(SPECS)
    with served_document(path) as api:
        generated = api.get("/specs/pets.yaml")
        assert generated.headers["content-type"] == "application/yaml"
        assert isinstance(yaml.safe_load(generated.text)["openapi"], str)
        example = api.get("/specs/pets.yaml", headers={"prefer": "example=response"})
        assert yaml.safe_load(example.text)["info"]["title"] == "Sample API"


STREAM = """
openapi: 3.0.3
info: {title: peers, version: '1'}
paths:
  /peers/{id}/configuration/stream:
    get:
      operationId: streamConfiguration
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200':
          description: the configuration as server-sent events
          content:
            text/event-stream:
              schema:
                type: object
                required: [configuration]
                properties: {configuration: {type: string}}
  /peers/{id}/summary:
    get:
      operationId: summary
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200':
          description: a summary
          content:
            text/plain:
              schema: {type: object, required: [peers], properties: {peers: {type: integer}}}
"""


def test_event_streams_and_text_carry_the_value_never_a_python_repr(tmp_path: Path) -> None:
    """clever-cloud.com's WireGuard configuration stream went out as ``{'configuration': ...}``."""
    path = tmp_path / "peers.yaml"
    path.write_text(STREAM)
    with served_document(path) as api:
        stream = api.get("/peers/p1/configuration/stream")
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert stream.text.startswith("data: ") and stream.text.endswith("\n\n")
        event = json.loads(stream.text.removeprefix("data: ").strip())
        assert isinstance(event["configuration"], str)
        summary = api.get("/peers/p1/summary")
        assert isinstance(json.loads(summary.text)["peers"], int)
