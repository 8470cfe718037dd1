"""A block that is malformed or contradicts its operation stops start-up, naming both."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from draftmock.declared.declarations import read_declarations
from draftmock.errors import ConfigError
from tests.declared.test_rules import DOC

CREATE = ("/books/{bookId}/draft", "post")
POINTER = "/paths/~1books~1{bookId}~1draft/post/x-draftmock"


def with_block(
    path_method: tuple[str, str], block: Any, responses: list[int] | None = None
) -> dict[str, Any]:
    doc = copy.deepcopy(DOC)
    node = doc["paths"][path_method[0]][path_method[1]]
    node["x-draftmock"] = block
    if responses is not None:
        node["responses"] = {str(s): {"description": "x"} for s in responses}
    return doc


def refusal(doc: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as caught:
        read_declarations(doc)
    return str(caught.value)


def test_the_worked_document_is_accepted() -> None:
    found = read_declarations(DOC)
    assert found["createDraft"].family == "bookId"
    assert found["startExport"].run is not None and found["startExport"].run.polls == 2


def test_a_declared_409_the_operation_does_not_document() -> None:
    doc = with_block(CREATE, {"draft": {"action": "create", "parent": "bookId"}}, [201])
    assert refusal(doc) == (
        f"createDraft: x-draftmock at {POINTER}/draft/existing: a second draft for a parent "
        "answers 409, which the operation does not document (documented: 201)"
    )


@pytest.mark.parametrize(
    ("block", "where", "reason"),
    [
        (
            {"draft": {"action": "make", "parent": "bookId"}},
            "/draft/action",
            "'make' is not one of",
        ),
        ({"draft": {"action": "create"}}, "/draft", "'parent' is a required property"),
        (
            {"draft": {"action": "create", "parent": "bookId", "colour": 1}},
            "/draft",
            "Additional properties",
        ),
        (
            {"draft": {"action": "create", "parent": "id"}},
            "/draft/parent",
            "no parameter or body member named 'id'",
        ),
        (
            {
                "draft": {"action": "create", "parent": "bookId"},
                "task": {"action": "start", "name": "t"},
            },
            "",
            "alternatives",
        ),
        (
            {
                "draft": {"action": "get", "parent": "bookId"},
                "async": {"field": "s", "states": ["a"]},
            },
            "",
            "async goes with",
        ),
        (
            {
                "draft": {"action": "create", "parent": "bookId"},
                "async": {"field": "s", "states": ["a"], "seconds": 1, "polls": 2},
            },
            "/async",
            "seconds and polls are alternatives",
        ),
        (
            {
                "draft": {"action": "create", "parent": "bookId"},
                "async": {"field": "s", "states": ["a"]},
            },
            "/async/status",
            "async work answers 202, which the operation does not document",
        ),
        ({"idempotency": {}}, "/idempotency", "is not valid under any of the given schemas"),
        (
            {"idempotency": {"header": "Idempotency-Key", "mismatchStatus": 400}},
            "/idempotency/mismatchStatus",
            "answers 400",
        ),
        (
            {
                "draft": {"action": "create", "parent": "bookId", "family": "other"},
                "idempotency": {"field": "token"},
            },
            "",
            None,
        ),
    ],
)
def test_refusals_name_the_operation_and_the_pointer(
    block: dict[str, Any], where: str, reason: str | None
) -> None:
    doc = with_block(CREATE, block)
    if reason is None:
        read_declarations(doc)  # accepted: 409 documented for the mismatch
        return
    message = refusal(doc)
    assert message.startswith(f"createDraft: x-draftmock at {POINTER}{where}:"), message
    assert reason in message


def test_a_read_of_a_family_nobody_creates() -> None:
    doc = with_block(
        ("/books/{bookId}/draft", "get"),
        {"draft": {"action": "get", "parent": "bookId", "family": "ghost"}},
    )
    assert "no operation declares draft: create for the family 'ghost'" in refusal(doc)


def test_a_state_the_status_field_does_not_allow() -> None:
    doc = copy.deepcopy(DOC)
    publish = doc["paths"]["/books/{bookId}/draft/publish"]["post"]
    publish["responses"]["202"] = {
        "description": "x",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"status": {"enum": ["publishing", "live"]}},
                }
            }
        },
    }
    message = refusal(doc)
    assert "x-draftmock/async/failed: 'broken' is not a value of status in the 202 reply" in message


def test_a_block_on_a_path_item_is_refused() -> None:
    doc = copy.deepcopy(DOC)
    doc["paths"]["/exports"]["x-draftmock"] = {"task": {"action": "start", "name": "x"}}
    assert refusal(doc).startswith("x-draftmock at /paths/~1exports/x-draftmock: declarations")


def test_a_parent_may_be_a_body_member() -> None:
    doc = copy.deepcopy(DOC)
    doc["paths"]["/drafts"] = {
        "post": {
            "operationId": "draftFor",
            "requestBody": {
                "content": {
                    "application/json": {
                        "schema": {"type": "object", "properties": {"group": {"type": "integer"}}}
                    }
                }
            },
            "responses": {"201": {"description": "x"}, "409": {"description": "x"}},
            "x-draftmock": {"draft": {"action": "create", "parent": "group"}},
        }
    }
    assert read_declarations(doc)["draftFor"].parent == ("group",)
