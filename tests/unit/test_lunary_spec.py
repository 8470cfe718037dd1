"""specs/lunary.yaml itself: a valid OpenAPI 3.0 document with the operations, schemas, key
spelling and versioning parameters the Lunary datasets-v2 contract promises."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

from draftmock.paths import specs_dir

BASE = "/v1/datasets-v2"
OPERATIONS = {
    ("get", BASE): "listDatasets",
    ("post", BASE): "createDataset",
    ("get", f"{BASE}/{{datasetId}}"): "getDataset",
    ("patch", f"{BASE}/{{datasetId}}"): "updateDataset",
    ("delete", f"{BASE}/{{datasetId}}"): "deleteDataset",
    ("post", f"{BASE}/{{datasetId}}/import"): "importDatasetItems",
    ("post", f"{BASE}/{{datasetId}}/duplicate"): "duplicateDataset",
    ("get", f"{BASE}/{{datasetId}}/versions"): "listDatasetVersions",
    ("post", f"{BASE}/{{datasetId}}/versions"): "createDatasetVersion",
    ("get", f"{BASE}/{{datasetId}}/versions/{{versionId}}"): "getDatasetVersion",
    ("post", f"{BASE}/{{datasetId}}/versions/{{versionId}}/restore"): "restoreDatasetVersion",
    ("get", f"{BASE}/{{datasetId}}/items"): "listDatasetItems",
    ("post", f"{BASE}/{{datasetId}}/items"): "createDatasetItem",
    ("get", f"{BASE}/{{datasetId}}/items/{{itemId}}"): "getDatasetItem",
    ("patch", f"{BASE}/{{datasetId}}/items/{{itemId}}"): "updateDatasetItem",
    ("delete", f"{BASE}/{{datasetId}}/items/{{itemId}}"): "deleteDatasetItem",
}
SUCCESS = {
    "createDataset": "201",
    "duplicateDataset": "201",
    "createDatasetVersion": "201",
    "createDatasetItem": "201",
    "deleteDataset": "204",
    "deleteDatasetItem": "204",
}
AUTO_VERSIONED = {
    "updateDataset",
    "importDatasetItems",
    "createDatasetItem",
    "updateDatasetItem",
    "deleteDatasetItem",
}
METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "trace"}
CAMEL = re.compile(r"^[a-z][a-zA-Z0-9]*$")


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((specs_dir() / "lunary.yaml").read_text())
    return data


def operations(spec: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        op["operationId"]: (method, path, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def test_a_valid_openapi_3_0_document(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.0.")
    validate(spec)


def test_the_curated_operations_are_the_datasets_v2_ones(spec: dict[str, Any]) -> None:
    """Our definitions cover these operations; the rest is Lunary's as published."""
    found = {(method, path): op_id for op_id, (method, path, _) in operations(spec).items()}
    curated = set()
    for key in spec["x-draftmock-curated"]["operations"]:
        method, path = key.split(" ", 1)
        curated.add((method.lower(), path))
    assert {k: v for k, v in found.items() if k in curated} == OPERATIONS
    assert len(found) == 90


def test_success_statuses(spec: dict[str, Any]) -> None:
    for op_id, (method, path, op) in operations(spec).items():
        if (method, path) not in OPERATIONS:
            continue
        successes = [s for s in op["responses"] if str(s).startswith("2")]
        assert successes == [SUCCESS.get(op_id, "200")], op_id


def test_documented_response_schemas(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for name in (
        "DatasetV2",
        "DatasetV2WithItems",
        "DatasetV2Item",
        "DatasetV2Version",
        "DatasetV2VersionItem",
    ):
        assert name in schemas
    ops = operations(spec)

    def body(op_id: str) -> dict[str, Any]:
        op = ops[op_id][2]
        status = SUCCESS.get(op_id, "200")
        schema: dict[str, Any] = op["responses"][status]["content"]["application/json"]["schema"]
        return schema

    ref = "#/components/schemas/"
    assert body("getDataset") == {"$ref": f"{ref}DatasetV2WithItems"}
    assert body("restoreDatasetVersion") == {"$ref": f"{ref}DatasetV2WithItems"}
    assert body("createDataset") == {"$ref": f"{ref}DatasetV2"}
    assert body("updateDataset") == {"$ref": f"{ref}DatasetV2"}
    assert body("duplicateDataset") == {"$ref": f"{ref}DatasetV2"}
    assert body("createDatasetItem") == {"$ref": f"{ref}DatasetV2Item"}
    assert body("listDatasets")["items"] == {"$ref": f"{ref}DatasetV2"}
    assert body("listDatasetItems")["items"] == {"$ref": f"{ref}DatasetV2Item"}
    snapshot = body("createDatasetVersion")["properties"]
    assert snapshot == {
        "version": {"$ref": f"{ref}DatasetV2Version"},
        "dataset": {"$ref": f"{ref}DatasetV2"},
    }
    detail = resolve(spec, body("getDatasetVersion"))["properties"]
    assert detail["version"] == {"$ref": f"{ref}DatasetV2Version"}
    assert detail["items"]["items"] == {"$ref": f"{ref}DatasetV2VersionItem"}


def _property_names(node: Any) -> list[str]:
    names: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                names.extend(value)
            names.extend(_property_names(value))
    elif isinstance(node, list):
        for value in node:
            names.extend(_property_names(value))
    return names


def test_every_key_of_our_definitions_is_camel_case(spec: dict[str, Any]) -> None:
    """The datasets-v2 definitions (the published ones of other routes use snake_case too)."""
    ours = spec["x-draftmock-curated"]
    schemas = {name: spec["components"]["schemas"][name] for name in ours["components"]["schemas"]}
    paths = [
        spec["paths"][key.split(" ", 1)[1]][key.split(" ", 1)[0].lower()]
        for key in ours["operations"]
    ]
    names = _property_names(schemas) + _property_names(paths)
    assert names
    assert [n for n in names if not CAMEL.match(n)] == []


def test_auto_versioned_operations_take_both_skip_parameters(spec: dict[str, Any]) -> None:
    for op_id, (_, _, op) in operations(spec).items():
        params = {resolve(spec, p)["name"] for p in op.get("parameters", [])}
        expected = {"skipVersion", "skipVersioning"} if op_id in AUTO_VERSIONED else set()
        assert params & {"skipVersion", "skipVersioning"} == expected, op_id


def test_both_credentials_on_every_operation(spec: dict[str, Any]) -> None:
    assert spec["security"] == [{"BearerAuth": []}, {"ApiKeyHeader": []}]
    assert all("security" not in op for _, _, op in operations(spec).values())
    header = spec["components"]["securitySchemes"]["ApiKeyHeader"]
    assert (header["in"], header["name"]) == ("header", "X-API-Key")


def test_every_operation_takes_a_sessions_project_id(spec: dict[str, Any]) -> None:
    """A session token names its project with ``?projectId=`` on every route (Lunary's auth
    middleware), so every operation declares it, optional (API keys carry their project)."""
    for op_id, (_, _, op) in operations(spec).items():
        found = [resolve(spec, p) for p in op.get("parameters", [])]
        named = [p for p in found if p["name"] == "projectId"]
        assert [(p["in"], p.get("required", False)) for p in named] == [("query", False)], op_id


def test_non_uuid_path_parameters_are_documented_422(spec: dict[str, Any]) -> None:
    for op_id, (_, path, op) in operations(spec).items():
        if "{" in path:
            assert "422" in op["responses"], op_id
