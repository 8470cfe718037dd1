"""Seed 003's OpenAPI fragment as an independent contract for Omni's createDraft.

Our operation must be the fragment's operation (path, method, parameters, request body, response
codes and response schemas) except for exactly the corrections our spec records in
``x-draftmock-corrections``; ``corrected_fragment`` applies those and nothing else.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from draftmock.paths import specs_dir
from tests.support.contracts import (
    CONTRACTS,
    deref,
    load_fragment,
    normalise_types,
    operation,
    request_schema,
    response_schemas,
    seed_block,
)

PATH = "/v1/documents/{documentId}/draft"
FRAGMENT = "omni-seed-003.yaml"
CORRECTED = (
    "#/components/schemas/Error",
    "#/components/schemas/CreateDraftResponse/required",
    "#/components/securitySchemes/bearerAuth/bearerFormat",
    "#/components/parameters/DocumentId/schema",
)


def ours() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((specs_dir() / "omni.yaml").read_text())
    return data


def corrected_fragment() -> dict[str, Any]:
    """The fragment with the corrections recorded in our spec, in the same order."""
    fragment = copy.deepcopy(load_fragment(FRAGMENT))
    fragment["components"]["schemas"]["Error"]["required"] = ["error", "message"]
    post = fragment["paths"][PATH]["post"]
    created = post["responses"]["200"]["content"]["application/json"]["schema"]
    created["required"] = ["identifier"]
    schemes = fragment["components"]["securitySchemes"]
    del schemes["orgApiKey"]
    schemes["bearerAuth"]["bearerFormat"] = "API Token"
    fragment["security"] = [{"bearerAuth": []}]
    for parameter in post["parameters"]:
        if parameter["name"] == "documentId":
            parameter["schema"]["minLength"] = 1
    return fragment


def _parameters(doc: dict[str, Any], path: str, method: str) -> list[Any]:
    item = doc["paths"][path]
    both = item.get("parameters", []) + item[method].get("parameters", [])
    return sorted((deref(doc, p) for p in both), key=lambda p: (p["in"], p["name"]))


def _security(doc: dict[str, Any], op: dict[str, Any]) -> Any:
    return op.get("security", doc.get("security"))


def test_fragment_copy_matches_the_seed() -> None:
    block = seed_block("003_006fdd09bf025454.txt")
    if block is None:
        pytest.skip("shared/seeds is not beside this checkout")
    assert block == (CONTRACTS / FRAGMENT).read_text()


def test_our_spec_records_exactly_these_corrections() -> None:
    ours_alone = [c for c in ours()["x-draftmock-corrections"] if not c.get("published-part")]
    assert tuple(c["where"] for c in ours_alone) == CORRECTED


def test_same_operation_parameters_request_and_responses() -> None:
    theirs, mine = corrected_fragment(), ours()
    their_op, my_op = operation(theirs, PATH, "post"), operation(mine, PATH, "post")
    # Omni's published document names it documentsCreateDraft; the seed, createDraft.
    assert (my_op["operationId"], their_op["operationId"]) == (
        "documentsCreateDraft",
        "createDraft",
    )
    assert _parameters(mine, PATH, "post") == _parameters(theirs, PATH, "post")
    assert bool(my_op["requestBody"].get("required")) == bool(
        their_op["requestBody"].get("required")
    )
    assert normalise_types(request_schema(mine, my_op)) == normalise_types(
        request_schema(theirs, their_op)
    )
    their_responses = response_schemas(theirs, their_op)
    my_responses = response_schemas(mine, my_op)
    assert set(my_responses) == set(their_responses)
    for status, schema in their_responses.items():
        assert normalise_types(my_responses[status]) == normalise_types(schema), status
    assert _security(mine, my_op) == _security(theirs, their_op)
    assert mine["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert set(mine["components"]["securitySchemes"]) == set(
        theirs["components"]["securitySchemes"]
    )


def test_the_corrections_only_tighten_the_fragment() -> None:
    """Why they are corrections, not changes: every body our spec accepts, the published
    fragment accepts too, while the published Error schema would accept any object."""
    published = load_fragment(FRAGMENT)["components"]["schemas"]["Error"]
    ours_error = deref(ours(), ours()["components"]["schemas"]["Error"])
    body = {"error": "Not Found", "message": "Document with identifier x not found"}
    assert Draft202012Validator(published).is_valid(body)
    assert Draft202012Validator(ours_error).is_valid(body)
    assert Draft202012Validator(published).is_valid({})
    assert not Draft202012Validator(ours_error).is_valid({})


def test_every_example_of_our_create_draft_validates_against_the_fragment() -> None:
    fragment, mine = load_fragment(FRAGMENT), ours()
    their_op = operation(fragment, PATH, "post")
    my_op = operation(mine, PATH, "post")
    for status, response in my_op["responses"].items():
        resolved = response
        if "$ref" in response:
            resolved = mine["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
        examples = resolved.get("content", {}).get("application/json", {}).get("examples", {})
        schema = response_schemas(fragment, their_op)[str(status)]
        for name, example in examples.items():
            value = example.get("value")
            if value is None and "$ref" in example:
                value = mine["components"]["examples"][example["$ref"].rsplit("/", 1)[-1]]["value"]
            assert Draft202012Validator(schema).is_valid(value), (status, name)
