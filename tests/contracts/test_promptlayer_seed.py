"""Seed 000's OpenAPI fragment as an independent contract for createDraftDatasetVersion."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from draftmock.paths import specs_dir
from tests.conftest import Mock
from tests.support.contracts import (
    CONTRACTS,
    load_fragment,
    normalise_types,
    nullable_to_type_list,
    operation,
    request_schema,
    response_schemas,
    seed_block,
)

PATH = "/api/public/v2/dataset-versions/create-draft"
FRAGMENT = "promptlayer-seed-000.yaml"


def corrected_fragment() -> dict[str, Any]:
    """The fragment with the two corrections recorded in our spec's x-draftmock-corrections."""
    fragment = nullable_to_type_list(load_fragment(FRAGMENT))
    validation = fragment["components"]["responses"]["ValidationError"]
    schema = validation["content"]["application/json"]["schema"]
    schema["anyOf"] = schema.pop("oneOf")
    return fragment


def ours() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((specs_dir() / "promptlayer.yaml").read_text())
    return data


def test_fragment_copy_matches_the_seed() -> None:
    block = seed_block("000_62626ccfbbb1fc48.txt")
    if block is None:
        pytest.skip("shared/seeds is not beside this checkout")
    assert block == (CONTRACTS / FRAGMENT).read_text()


def test_our_spec_records_both_corrections() -> None:
    corrections = ours()["x-draftmock-corrections"]
    wheres = " ".join(c["where"] for c in corrections)
    assert "CreateDraftDatasetVersionRequest/properties/source_dataset_id" in wheres
    assert "responses/ValidationError" in wheres


def test_same_operation_request_and_responses() -> None:
    theirs, mine = corrected_fragment(), ours()
    their_op, my_op = operation(theirs, PATH, "post"), operation(mine, PATH, "post")
    assert my_op["operationId"] == their_op["operationId"]
    assert normalise_types(request_schema(mine, my_op)) == normalise_types(
        request_schema(theirs, their_op)
    )
    their_responses = response_schemas(theirs, their_op)
    my_responses = response_schemas(mine, my_op)
    assert set(my_responses) == set(their_responses)
    for status, schema in their_responses.items():
        assert normalise_types(my_responses[status]) == normalise_types(schema), status
    assert mine["components"]["securitySchemes"] == theirs["components"]["securitySchemes"]


def test_uncorrected_fragment_rejects_a_genuine_422_body() -> None:
    """Why the correction exists: the published oneOf cannot accept FastAPI's own body."""
    from jsonschema import Draft202012Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    fragment = load_fragment(FRAGMENT)
    registry: Registry[Any] = Registry().with_resource(
        "urn:f", DRAFT202012.create_resource(fragment)
    )
    body = {
        "detail": [
            {"loc": ["body", "dataset_group_id"], "msg": "Field required", "type": "missing"}
        ]
    }
    pointer = "urn:f#/components/responses/ValidationError/content/application~1json/schema"
    published = Draft202012Validator({"$ref": pointer}, registry=registry)
    assert not published.is_valid(body)
    fixed = copy.deepcopy(fragment)
    schema = fixed["components"]["responses"]["ValidationError"]["content"]["application/json"][
        "schema"
    ]
    schema["anyOf"] = schema.pop("oneOf")
    registry = Registry().with_resource("urn:f", DRAFT202012.create_resource(fixed))
    assert Draft202012Validator({"$ref": pointer}, registry=registry).is_valid(body)


def test_every_request_example_succeeds_on_a_fresh_mock(mock: Mock) -> None:
    """Each example of the fragment's request body, sent to the default mock just after start,
    gets a documented 2xx; an example copying rows is the 202, an empty draft the 201."""
    fragment = load_fragment(FRAGMENT)
    op = operation(fragment, PATH, "post")
    examples = op["requestBody"]["content"]["application/json"]["examples"]
    successes = {int(s) for s in op["responses"] if s.startswith("2")}
    assert len(examples) == 2 and successes == {201, 202}
    client = mock.client("promptlayer", {"X-API-KEY": "pl-demo-key"})
    for name, example in examples.items():
        mock.runtime.reset()
        response = client.post(PATH, json=example["value"])
        expected = 202 if example["value"].get("source_dataset_id") is not None else 201
        assert response.status_code == expected, (name, response.text)
        assert response.json()["success"] is True
