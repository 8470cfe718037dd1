"""Seed 002's OpenAPI fragment ("Create dataset version snapshot") as an independent contract for
createDatasetVersion: our operation must be the fragment's operation, differing only by the
corrections recorded in our spec's ``x-draftmock-corrections``, and the running mock must pass a
Schemathesis run of the fragment itself."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from draftmock.paths import specs_dir
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from tests.conformance.runner import schemathesis
from tests.conftest import frozen_runtime
from tests.support.contracts import ANNOTATIONS, CONTRACTS, load_fragment, operation, seed_block

PATH = "/v1/datasets-v2/{datasetId}/versions"
FRAGMENT = "lunary-seed-002.yaml"
KEY_A = "11111111-1111-4111-8111-111111111111"
FAQ = "3f6b8d2e-1a4c-4e7b-9d5f-8c2a6e0b1d94"  # a dataset of the default fixture, project A

# The recorded corrections this comparison allows, and nothing else.
ADDED_STATUSES = {"400", "401", "403", "404", "422", "429"}
ADDED_PROPERTIES = {"DatasetV2": frozenset({"evaluatorConfigs"})}


def deref(doc: dict[str, Any], node: Any, *, names: bool = False) -> Any:
    """``node`` with local $refs inlined and annotations dropped. Unlike the shared helper, keys
    of ``properties`` are names, never annotations: DatasetV2 has a property ``description``."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = doc
            for part in node["$ref"][2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            return deref(doc, target)
        return {
            k: deref(doc, v, names=k == "properties" and not names)
            for k, v in node.items()
            if names or (k not in ANNOTATIONS and not k.startswith("x-"))
        }
    if isinstance(node, list):
        return [deref(doc, item) for item in node]
    return node


def request_schema(doc: dict[str, Any], op: dict[str, Any]) -> Any:
    body = deref(doc, op.get("requestBody", {}))
    return body.get("content", {}).get("application/json", {}).get("schema")


def response_schemas(doc: dict[str, Any], op: dict[str, Any]) -> dict[str, Any]:
    result = {}
    for status, response in op["responses"].items():
        content = deref(doc, response).get("content", {}).get("application/json", {})
        result[str(status)] = content.get("schema")
    return result


def ours() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((specs_dir() / "lunary.yaml").read_text())
    return data


def undo_required(schema: dict[str, Any], exempt: frozenset[str] = frozenset()) -> dict[str, Any]:
    """``schema`` without its ``required`` list, after checking the list is exactly "every listed
    key" (the recorded correction), except the keys the correction added as optional."""
    schema = copy.deepcopy(schema)
    required = schema.pop("required")
    assert sorted(required) == sorted(set(schema["properties"]) - exempt)
    return schema


def test_fragment_copy_matches_the_seed() -> None:
    block = seed_block("002_ad2ba8542c409abe.txt")
    if block is None:
        pytest.skip("shared/seeds is not beside this checkout")
    assert block == (CONTRACTS / FRAGMENT).read_text()


def test_our_spec_records_the_corrections() -> None:
    wheres = " ".join(c["where"] for c in ours()["x-draftmock-corrections"])
    assert "#/components/schemas/DatasetV2, #/components/schemas/DatasetV2Version" in wheres
    assert "#/paths/~1v1~1datasets-v2~1{datasetId}~1versions/post" in wheres


def test_same_path_method_parameters_and_request() -> None:
    theirs, mine = load_fragment(FRAGMENT), ours()
    their_op, my_op = operation(theirs, PATH, "post"), operation(mine, PATH, "post")
    my_params = deref(mine, mine["paths"][PATH].get("parameters", []) + my_op.get("parameters", []))
    # Besides the seed's: the session token's ?projectId= (a recorded correction, every route).
    added = [p for p in my_params if p["name"] == "projectId"]
    assert [(p["in"], p["required"]) for p in added] == [("query", False)]
    assert [p for p in my_params if p not in added] == deref(theirs, their_op["parameters"])
    assert request_schema(mine, my_op) is None
    assert request_schema(theirs, their_op) is None
    assert their_op["summary"] == my_op["summary"]
    # Security: the fragment's scheme is ours, and ours accepts it (plus X-API-Key, recorded).
    assert their_op["security"] == [{"BearerAuth": []}]
    assert {"BearerAuth": []} in mine["security"]
    assert "security" not in my_op
    schemes = mine["components"]["securitySchemes"]
    assert schemes["BearerAuth"] == theirs["components"]["securitySchemes"]["BearerAuth"]


def test_same_responses_modulo_the_recorded_corrections() -> None:
    theirs, mine = load_fragment(FRAGMENT), ours()
    their_responses = response_schemas(theirs, operation(theirs, PATH, "post"))
    my_responses = response_schemas(mine, operation(mine, PATH, "post"))
    assert set(my_responses) - set(their_responses) == ADDED_STATUSES
    assert set(their_responses) == {"201"}

    created = undo_required(my_responses["201"])
    version = undo_required(created["properties"]["version"])
    dataset = undo_required(created["properties"]["dataset"], ADDED_PROPERTIES["DatasetV2"])
    for name in ADDED_PROPERTIES["DatasetV2"]:
        dataset["properties"].pop(name)
    created["properties"] = {"version": version, "dataset": dataset}
    assert created == their_responses["201"]


def test_component_names_are_the_fragments() -> None:
    theirs, mine = load_fragment(FRAGMENT), ours()
    assert set(theirs["components"]["schemas"]) <= set(mine["components"]["schemas"])
    refs = operation(mine, PATH, "post")["responses"]["201"]["content"]["application/json"]
    properties = refs["schema"]["properties"]
    assert properties["version"] == {"$ref": "#/components/schemas/DatasetV2Version"}
    assert properties["dataset"] == {"$ref": "#/components/schemas/DatasetV2"}


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    runtime = frozen_runtime(options={"lunary": {"rate_limit": 0}})
    with LiveServer(DraftmockApp(runtime)) as live:
        yield live


@pytest.mark.slow
@pytest.mark.conformance
def test_seed_fragment_has_no_failures(server: LiveServer, tmp_path: Path) -> None:
    """Every check, on success paths only. The fragment documents nothing but 201 (research
    section 6), so any error it provokes would be "undocumented" by construction: data is
    positive only (``--mode positive``), and ``datasetId`` is pinned to a dataset of the default
    fixture, because a random UUID names no dataset and is rightly answered 404."""
    config = tmp_path / "seed-002.toml"
    config.write_text(f'[parameters]\n"path.datasetId" = "{FAQ}"\n')
    result = schemathesis(
        CONTRACTS / FRAGMENT,
        f"{server.url}/lunary",
        headers={"Authorization": f"Bearer {KEY_A}"},
        config=config,
        max_examples=30,
        extra=["--mode", "positive"],
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"[-6000:]
    assert "Tested: 1" in result.stdout, result.stdout  # the operation was exercised
