"""What each PromptLayer operation does to the store, read back through the API over a socket:
columns growing from request logs, trace and span rows, request logs chosen by filters, the
listing's filters. Every response is refereed against the spec."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.conftest import ASYNC_DELAY, Mock

KEY = {"X-API-KEY": "pl-demo-key"}
V2 = "/api/public/v2"


@pytest.fixture
def pl(mock: Mock) -> httpx.Client:
    return mock.client("promptlayer", KEY)


def table(pl: httpx.Client, dataset_id: int) -> tuple[list[str], list[dict[str, object]]]:
    """Columns and rows (as dicts by column) of one dataset."""
    response = pl.get(f"{V2}/datasets/{dataset_id}/rows", params={"per_page": 100})
    assert response.status_code == 200
    body = response.json()
    columns = body["columns"]
    rows = [dict(zip(columns, [c["value"] for c in row], strict=True)) for row in body["rows"]]
    return columns, rows


def listing(pl: httpx.Client, **params: object) -> list[dict[str, object]]:
    response = pl.get(f"{V2}/datasets", params={"per_page": 100, **params})
    assert response.status_code == 200, response.text
    datasets: list[dict[str, object]] = response.json()["datasets"]
    return datasets


def test_columns_grow_from_the_request_logs_fields(pl: httpx.Client) -> None:
    assert table(pl, 459)[0] == ["question", "answer"]
    added = pl.post(
        f"{V2}/dataset-versions/add-request-log",
        json={"dataset_group_id": 124, "request_log_id": 1001},
    )
    assert added.status_code == 201
    assert added.json()["draft_dataset_id"] == 459
    columns, rows = table(pl, 459)
    assert columns == [
        "question",
        "answer",
        "response",
        "metadata.customer_tier",
        "score.helpfulness",
        "tags",
        "prompt_name",
    ]
    assert rows[0]["answer"] == "No, refunds are limited to 30 days."
    assert rows[0]["response"] is None  # earlier rows get the new columns, empty
    assert rows[1] == {
        "question": "What is PromptLayer?",
        "answer": None,
        "response": "PromptLayer is a prompt management platform.",
        "metadata.customer_tier": "gold",
        "score.helpfulness": 90,
        "tags": "prod, support",
        "prompt_name": "support-answer",
    }
    pl.post(
        f"{V2}/dataset-versions/add-request-log",
        json={"dataset_group_id": 124, "request_log_id": 1003},
    )
    columns, rows = table(pl, 459)
    assert columns[-1] == "ticket"
    assert rows[2]["ticket"] == "My invoice is wrong" and rows[2]["question"] is None
    listed = {d["id"]: d for d in listing(pl, dataset_group_id=124)}
    assert listed[459]["column_names"] == columns
    assert listed[459]["row_count"] == 3


def test_add_request_log_refusals(pl: httpx.Client) -> None:
    unknown = pl.post(
        f"{V2}/dataset-versions/add-request-log",
        json={"dataset_group_id": 124, "request_log_id": 999_999},
    )
    assert unknown.status_code == 404
    unknown_group = pl.post(
        f"{V2}/dataset-versions/add-request-log",
        json={"dataset_group_id": 999_999, "request_log_id": 1001},
    )
    assert unknown_group.status_code == 404
    assert table(pl, 459)[1] == [
        {
            "question": "Can I get a refund after 30 days?",
            "answer": "No, refunds are limited to 30 days.",
        }
    ]


def test_trace_mode_anchors_on_the_root_span(pl: httpx.Client) -> None:
    made = pl.post(
        f"{V2}/dataset-versions/add-trace", json={"dataset_group_id": 124, "trace_id": "trace-7f3a"}
    )
    assert made.status_code == 201
    assert made.json() == {"success": True, "draft_dataset_id": 459, "mode": "trace"}
    columns, rows = table(pl, 459)
    assert columns == ["question", "answer", "input", "output"]
    assert rows[-1] == {
        "question": None,
        "answer": None,
        "input": "Where is my order 1234?",
        "output": "It ships tomorrow.",
    }


def test_span_mode_takes_the_span_and_its_direct_children(pl: httpx.Client) -> None:
    root = pl.post(
        f"{V2}/dataset-versions/add-trace",
        json={"dataset_group_id": 124, "trace_id": "trace-7f3a", "span_id": "span-root"},
    )
    assert root.json()["mode"] == "span"
    leaf = pl.post(
        f"{V2}/dataset-versions/add-trace",
        json={"dataset_group_id": 124, "trace_id": "trace-7f3a", "span_id": "span-lookup"},
    )
    assert leaf.json()["mode"] == "span"
    columns, rows = table(pl, 459)
    assert columns[2:] == [
        "agent.input",
        "agent.output",
        "order_lookup.output",
        "compose_reply.output",
        "order_lookup.input",
    ]
    assert rows[1]["agent.input"] == "Where is my order 1234?"
    assert rows[1]["order_lookup.output"] == {"status": "packed"}
    assert rows[1]["compose_reply.output"] == "It ships tomorrow."
    assert rows[2]["order_lookup.input"] == {"order_id": 1234}
    assert rows[2]["order_lookup.output"] == {"status": "packed"}
    assert rows[2]["agent.input"] is None
    not_in_trace = pl.post(
        f"{V2}/dataset-versions/add-trace",
        json={"dataset_group_id": 124, "trace_id": "trace-7f3a", "span_id": "span-elsewhere"},
    )
    assert not_in_trace.status_code == 400


def test_traces_of_another_workspace_are_not_found(mock: Mock) -> None:
    other = mock.client("promptlayer", {"X-API-KEY": "pl-other-key"})
    hidden = other.post(
        f"{V2}/dataset-versions/add-trace", json={"dataset_group_id": 900, "trace_id": "trace-7f3a"}
    )
    assert hidden.status_code == 404


def filter_version(mock: Mock, pl: httpx.Client, **body: object) -> list[dict[str, object]]:
    """Rows of the version from-filter-params publishes for group 123 (which has no draft)."""
    made = pl.post(
        f"{V2}/dataset-versions/from-filter-params", json={"dataset_group_id": 123, **body}
    )
    assert made.status_code == 201, made.text
    assert made.json()["version_number"] == -1
    mock.advance(ASYNC_DELAY)
    dataset_id = made.json()["dataset_id"]
    versions = {d["id"]: d for d in listing(pl, dataset_group_id=123)}
    assert versions[dataset_id]["version_number"] == 2
    assert versions[dataset_id]["filter_params"] == body
    rows = table(pl, dataset_id)[1]
    mock.runtime.reset()
    return rows


def responses(rows: list[dict[str, object]]) -> list[object]:
    return [row["response"] for row in rows]


ANSWER_1001 = "PromptLayer is a prompt management platform."
ANSWER_1002 = "Go to Settings > Account > Delete."
ANSWER_1003 = '{"queue": "billing"}'


def test_filters_select_request_logs_from_the_store(mock: Mock, pl: httpx.Client) -> None:
    # newest first by default
    assert responses(filter_version(mock, pl)) == [ANSWER_1003, ANSWER_1002, ANSWER_1001]
    assert responses(
        filter_version(
            mock,
            pl,
            filter_group={
                "filters": [{"field": "engine", "operator": "is", "value": "claude-haiku"}]
            },
        )
    ) == [ANSWER_1003]
    nested = {
        "logic": "OR",
        "filters": [
            {"field": "cost", "operator": "gte", "value": 0.0004},
            {
                "logic": "AND",
                "filters": [
                    {"field": "tags", "operator": "contains", "value": "staging"},
                    {"field": "latency_ms", "operator": "lt", "value": 400},
                ],
            },
        ],
    }
    assert responses(filter_version(mock, pl, filter_group=nested, sort_order="asc")) == [
        ANSWER_1001,
        ANSWER_1003,
    ]
    by_metadata = {
        "filters": [
            {
                "field": "metadata",
                "operator": "key_equals",
                "nested_key": "customer_tier",
                "value": "silver",
            }
        ]
    }
    assert responses(filter_version(mock, pl, filter_group=by_metadata)) == [ANSWER_1002]
    for field, value in (
        ("user_intent", "account deletion"),
        ("agent_intent", "give instructions"),
    ):
        by_intent = {"filters": [{"field": field, "operator": "is", "value": value}]}
        assert responses(filter_version(mock, pl, filter_group=by_intent)) == [ANSWER_1002]


def test_explicit_ids_win_then_search_sort_and_limit_apply(mock: Mock, pl: httpx.Client) -> None:
    nothing = {"filters": [{"field": "engine", "operator": "is", "value": "no-such-engine"}]}
    assert responses(
        filter_version(mock, pl, request_log_ids=[1001, 1003], filter_group=nothing)
    ) == [ANSWER_1003, ANSWER_1001]
    assert responses(
        filter_version(mock, pl, sort_by="latency_ms", sort_order="desc", limit=2)
    ) == [ANSWER_1001, ANSWER_1002]
    assert responses(filter_version(mock, pl, q="invoice")) == [ANSWER_1003]
    assert filter_version(mock, pl, filter_group=nothing) == []  # an empty version
    rows = filter_version(mock, pl, request_log_ids=[1001], variables_to_parse=[])
    assert "question" not in rows[0] and rows[0]["response"] == ANSWER_1001


def test_logs_of_another_workspace_are_never_selected(mock: Mock, pl: httpx.Client) -> None:
    rows = filter_version(mock, pl, request_log_ids=[2001, 1002])
    assert responses(rows) == [ANSWER_1002]


def test_listing_filters(mock: Mock, pl: httpx.Client) -> None:
    everything = listing(pl)
    assert {d["dataset_group_id"] for d in everything} == {123, 124}
    assert {d["id"] for d in listing(pl, name="REFUND")} == {457, 458, 459}
    assert {d["id"] for d in listing(pl, prompt_id=11)} == {456}
    assert listing(pl, prompt_id=12) == []
    assert len(listing(pl, created_by_email="DEMO@example.com")) == len(everything)
    assert listing(pl, created_by_email="someone@example.com") == []
    feb = listing(pl, created_after="2026-02-01T00:00:00Z", created_before="2026-02-11T00:00:00Z")
    assert {d["id"] for d in feb} == {457}
    assert [d["id"] for d in listing(pl, sort_by="id", sort_order="asc")] == [456, 457, 458, 459]
    by_name = listing(pl, sort_by="name", sort_order="asc")
    assert [d["dataset_group_id"] for d in by_name] == [123, 124, 124, 124]
    page = pl.get(f"{V2}/datasets", params={"per_page": 3, "page": 2, "sort_by": "id"}).json()
    assert (page["total"], page["pages"], [d["id"] for d in page["datasets"]]) == (4, 2, [456])
    assert listing(pl, status="deleted") == []
    wrong_workspace = pl.get(f"{V2}/datasets", params={"workspace_id": 2})
    assert wrong_workspace.status_code == 400
    assert wrong_workspace.json()["success"] is False


def test_failed_publish_leaves_a_deleted_dataset(mock: Mock, pl: httpx.Client) -> None:
    mock.admin("jobs/fail", {"api": "promptlayer", "operation": "saveDraftDatasetVersion"})
    assert (
        pl.post(f"{V2}/dataset-versions/save-draft", json={"dataset_group_id": 124}).status_code
        == 202
    )
    mock.advance(ASYNC_DELAY)
    assert [d["id"] for d in listing(pl, status="deleted")] == [459]
    assert 459 not in {d["id"] for d in listing(pl)}
    assert {d["id"] for d in listing(pl, status="all")} >= {456, 457, 458, 459}
    # the group has no draft any more
    assert (
        pl.post(f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 124}).status_code
        == 201
    )


def test_a_json_file_becomes_the_next_version(mock: Mock, pl: httpx.Client) -> None:
    content = base64.b64encode(b'[{"q": "hi", "n": 1}, {"q": "bye", "extra": true}]').decode()
    made = pl.post(
        f"{V2}/dataset-versions/from-file",
        json={"dataset_group_id": 123, "file_name": "cases.json", "file_content_base64": content},
    )
    assert made.status_code == 201
    dataset_id = made.json()["dataset_id"]
    mock.advance(ASYNC_DELAY)
    columns, rows = table(pl, dataset_id)
    assert columns == ["q", "n", "extra"]
    assert rows == [{"q": "hi", "n": 1, "extra": None}, {"q": "bye", "n": None, "extra": True}]
    assert {d["id"]: d["version_number"] for d in listing(pl, dataset_group_id=123)} == {
        456: 1,
        dataset_id: 2,
    }


def test_group_creation_checks_external_ids(pl: httpx.Client) -> None:
    taken = {"source": "github", "external_id": "acme/support-bot#evals"}
    conflict = pl.post(f"{V2}/dataset-groups", json={"name": "Another", "external_ids": [taken]})
    assert conflict.status_code == 409
    assert conflict.json()["success"] is False
    assert "error" not in conflict.json()  # ExternalIdErrorResponse
    assert listing(pl, name="Another") == []  # nothing was created
    fresh = {"source": "jira", "external_id": "EVAL-9"}
    made = pl.post(f"{V2}/dataset-groups", json={"name": "Another", "external_ids": [fresh, fresh]})
    assert made.status_code == 201
    assert made.json()["external_ids"] == [fresh]
    group_id = made.json()["dataset_group"]["id"]
    found = listing(pl, external_source="jira", external_id="EVAL-9")
    assert [d["dataset_group_id"] for d in found] == [group_id]
    assert found[0]["version_number"] == -1
    again = pl.post(f"{V2}/dataset-groups/{group_id}/external-ids", json=fresh)
    assert again.status_code == 409
