"""specs/agentcore.yaml read against the botocore model directly, not through the generator.

The drift test proves the committed file is what the generator makes; these tests prove that what
it makes says what the model says: operations, locations, success codes, every error at its
status with its rest-json headers, the constraints of every shape, and that the requests
botocore itself serializes fit the document.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from botocore.loaders import Loader
from botocore.model import ServiceModel
from botocore.serialize import create_serializer
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from draftmock.paths import specs_dir
from tests.support.referee import python_patterns

DATASET_OPERATIONS = (
    "CreateDataset",
    "GetDataset",
    "UpdateDataset",
    "DeleteDataset",
    "ListDatasets",
    "CreateDatasetVersion",
    "ListDatasetVersions",
    "AddDatasetExamples",
    "UpdateDatasetExamples",
    "DeleteDatasetExamples",
    "ListDatasetExamples",
)
DSID = "support_eval-Ab12Cd34Ef"
EXAMPLE = {"scenario_id": "TC-01", "turns": [{"input": "Hi", "expected_response": "Hello"}]}
TOKEN = "0123456789abcdef0123456789abcdef-token"
# Arguments a caller might pass: every operation, most members, through botocore's serializer.
CALLS: dict[str, dict[str, Any]] = {
    "CreateDataset": {
        "clientToken": TOKEN,
        "datasetName": "support_eval",
        "description": "d",
        "schemaType": "AGENTCORE_EVALUATION_PREDEFINED_V1",
        "source": {"inlineExamples": {"examples": [EXAMPLE]}},
        "kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/" + "a" * 36,
        "tags": {"team": "support"},
    },
    "GetDataset": {"datasetId": DSID, "datasetVersion": "2"},
    "UpdateDataset": {"datasetId": DSID, "clientToken": TOKEN, "description": "new"},
    "DeleteDataset": {"datasetId": DSID, "datasetVersion": "3"},
    "ListDatasets": {
        "filter": {"exampleCountByField": [{"anyOf": ["TURNS"], "min": 1, "max": 9}]},
        "maxResults": 10,
        "nextToken": "abc",
    },
    "CreateDatasetVersion": {"datasetId": DSID, "clientToken": TOKEN},
    "ListDatasetVersions": {"datasetId": DSID, "maxResults": 5, "nextToken": "abc"},
    "AddDatasetExamples": {
        "datasetId": DSID,
        "clientToken": TOKEN,
        "source": {"s3Source": {"s3Uri": "s3://bucket-1/examples.jsonl"}},
    },
    "UpdateDatasetExamples": {
        "datasetId": DSID,
        "clientToken": TOKEN,
        "examples": [{"exampleId": "e-1", **EXAMPLE}],
    },
    "DeleteDatasetExamples": {"datasetId": DSID, "clientToken": TOKEN, "exampleIds": ["e-1"]},
    "ListDatasetExamples": {
        "datasetId": DSID,
        "datasetVersion": "DRAFT",
        "filter": {"exampleFields": [{"anyOf": ["INPUT"]}], "generationIds": ["gen-abcdefghij"]},
        "maxResults": 1000,
        "nextToken": "abc",
    },
}
URI = "urn:draftmock:agentcore"
_RAW: dict[str, Any] = Loader().load_service_model("bedrock-agentcore-control", "service-2")
# Every operation of the pinned model is in the document.
OPERATIONS = tuple(sorted(_RAW["operations"]))


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((specs_dir() / "agentcore.yaml").read_text())
    return data


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return _RAW


@pytest.fixture(scope="module")
def model(raw: dict[str, Any]) -> ServiceModel:
    return ServiceModel(raw)


def operation_of(doc: dict[str, Any], model: ServiceModel, name: str) -> dict[str, Any]:
    http = model.operation_model(name).http
    path = re.sub(r"\{(\w+)\+\}", r"{\1}", http["requestUri"])
    op: dict[str, Any] = doc["paths"][path][http["method"].lower()]
    return op


def resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        *_, kind, name = node["$ref"].split("/")
        node = doc["components"][kind][name]
    return node


def test_the_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    validate(python_patterns(doc))
    assert doc["openapi"] == "3.1.0"
    ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert sorted(ids) == sorted(OPERATIONS)
    assert len(OPERATIONS) >= 175


@pytest.mark.parametrize("name", OPERATIONS)
def test_operation_matches_the_model(doc: dict[str, Any], model: ServiceModel, name: str) -> None:
    om = model.operation_model(name)
    op = operation_of(doc, model, name)
    assert op["operationId"] == name
    assert str(om.http.get("responseCode", 200)) in op["responses"]

    members = om.input_shape.members
    located = {
        (m.serialization["location"], m.serialization.get("name", n)): n
        for n, m in members.items()
        if m.serialization.get("location")
    }
    params = {(p["in"], p["name"]): p for p in op.get("parameters", [])}
    where = {"uri": "path", "querystring": "query", "header": "header"}
    assert set(params) == {(where[loc], wire) for loc, wire in located}
    required = set(om.input_shape.required_members)
    for (loc, wire), member in located.items():
        assert params[(where[loc], wire)]["required"] == (loc == "uri" or member in required)
    body_members = {n for n, m in members.items() if not m.serialization.get("location")}
    if body_members:
        body = resolve(doc, op["requestBody"]["content"]["application/json"]["schema"])
        assert set(body["properties"]) == body_members
        assert set(body.get("required", [])) == body_members & required
    else:
        assert "requestBody" not in op

    errors = {e.name: e.metadata["error"]["httpStatusCode"] for e in om.error_shapes}
    errors.setdefault("AccessDeniedException", 403)
    errors.setdefault("ValidationException", 400)  # x-draftmock-corrections: validation-everywhere
    documented = {s for s in op["responses"] if s[0] in "45"}
    assert documented == {str(code) for code in errors.values()}
    for error, status in errors.items():
        response = resolve(doc, op["responses"][str(status)])
        assert error in response["headers"]["x-amzn-ErrorType"]["schema"]["enum"]
        assert response["headers"]["x-amzn-ErrorType"]["required"] is True
        assert resolve(doc, response["headers"]["x-amzn-RequestId"])["required"] is True


def test_every_error_shape_has_its_members(doc: dict[str, Any], model: ServiceModel) -> None:
    names = {e.name for op in OPERATIONS for e in model.operation_model(op).error_shapes}
    assert {
        "AccessDeniedException",
        "ConflictException",
        "InternalServerException",
        "ResourceNotFoundException",
        "ServiceQuotaExceededException",
        "ThrottlingException",
        "ValidationException",
        "UnauthorizedException",
    } <= names
    for name in names:
        shape = model.shape_for(name)
        schema = doc["components"]["schemas"][name]
        assert set(schema["properties"]) == set(shape.members), name
        assert set(schema.get("required", [])) == set(shape.required_members), name
        assert schema["additionalProperties"] is False
        status = shape.metadata["error"]["httpStatusCode"]
        response = doc["components"]["responses"][name]
        assert response["description"].endswith(f"(HTTP {status})")
    validation = doc["components"]["schemas"]["ValidationException"]
    assert {"reason", "fieldList"} <= set(validation["properties"])
    assert (
        model.shape_for("ServiceQuotaExceededException").metadata["error"]["httpStatusCode"] == 402
    )


def _shapes(raw: dict[str, Any], model: ServiceModel) -> set[str]:
    shapes = raw["shapes"]
    seen: set[str] = set()
    stack = [
        s.name
        for op in OPERATIONS
        for s in (model.operation_model(op).input_shape, model.operation_model(op).output_shape)
    ]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = shapes[name]
        stack += [shape[k]["shape"] for k in ("member", "key", "value") if k in shape]
        stack += [m["shape"] for m in shape.get("members", {}).values()]
    return seen


def test_every_shape_keeps_its_constraints(
    doc: dict[str, Any], raw: dict[str, Any], model: ServiceModel
) -> None:
    schemas = doc["components"]["schemas"]
    inputs = {model.operation_model(op).input_shape.name for op in OPERATIONS}
    checked = 0
    for name in sorted(_shapes(raw, model) - inputs):
        shape = model.shape_for(name)
        schema = schemas[name]
        meta = shape.metadata
        kind = shape.type_name
        low, high = {
            "string": ("minLength", "maxLength"),
            "list": ("minItems", "maxItems"),
            "map": ("minProperties", "maxProperties"),
        }.get(kind, ("minimum", "maximum"))
        if "min" in meta:
            assert schema[low] == meta["min"], name
        if "max" in meta:
            assert schema[high] == meta["max"], name
        if "pattern" in meta:
            assert schema["pattern"] == f"^(?:{meta['pattern']})$", name
        if kind == "string" and shape.enum:
            assert schema["enum"] == list(shape.enum), name
        if kind == "structure" and not meta.get("document"):
            assert set(schema["properties"]) == set(shape.members), name
            assert set(schema.get("required", [])) == set(shape.required_members), name
        checked += 1
    assert checked > 40


def _validator(doc: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    registry: Registry[Any] = Registry().with_resource(URI, DRAFT202012.create_resource(doc))
    rebased = json.loads(json.dumps(schema).replace('"#/', f'"{URI}#/'))
    return Draft202012Validator(rebased, registry=registry)


@pytest.mark.parametrize("name", DATASET_OPERATIONS)
def test_botocore_requests_fit_the_document(
    doc: dict[str, Any], model: ServiceModel, name: str
) -> None:
    om = model.operation_model(name)
    request = create_serializer("rest-json").serialize_to_request(CALLS[name], om)
    op = operation_of(doc, model, name)
    path = next(p for p, item in doc["paths"].items() if op in item.values())
    assert request["method"].lower() in doc["paths"][path]
    pattern = "".join(
        f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part)
        for part in re.split(r"(\{\w+\})", path)
    )
    match = re.fullmatch(pattern, request["url_path"])
    assert match is not None, (request["url_path"], path)
    params = {p["name"]: p for p in op.get("parameters", [])}
    sent = {**match.groupdict(), **request["query_string"]}
    assert set(sent) <= set(params)
    for wire, value in sent.items():
        assert params[wire]["in"] == ("path" if wire in match.groupdict() else "query")
        assert not list(_validator(doc, params[wire]["schema"]).iter_errors(value)), wire
    if "requestBody" in op:
        body = json.loads(request["body"] or b"{}")
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        problems = [e.message for e in _validator(doc, schema).iter_errors(body)]
        assert problems == []
        assert set(body) <= set(resolve(doc, schema)["properties"])
    else:
        assert not request["body"]
