"""Hostile input to the vendor APIs, over a real socket: each answer is the API's documented
4xx in its own envelope (refereed against the spec), never a 500, and no input makes a request
take time that grows faster than its size."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import pytest

from tests.conftest import Mock
from tests.support.agentcore import FIXTURE_DATASET, client, error_of

LUNARY_KEY = {"Authorization": "Bearer 11111111-1111-4111-8111-111111111111"}
LUNARY_DATASET = "3f6b8d2e-1a4c-4e7b-9d5f-8c2a6e0b1d94"
OMNI_KEY = {"Authorization": "Bearer omni-demo-editor"}
HUGE = "9" * 5000


@pytest.mark.parametrize("path", ["/v1/documents", "/v1/models"])
def test_omni_cursor_beyond_any_offset_is_invalid(mock: Mock, path: str) -> None:
    cursor = base64.urlsafe_b64encode(f"offset:{HUGE}".encode()).decode().rstrip("=")
    with mock.client("omni", OMNI_KEY) as omni:
        response = omni.get(path, params={"cursor": cursor})
    assert response.status_code == 400, response.text
    assert response.json()["message"] == "Invalid cursor"


def test_agentcore_version_of_5000_digits_is_not_found(mock: Mock) -> None:
    ac = client(mock.url)
    for call, kwargs in [
        (ac.get_dataset, {"datasetVersion": HUGE}),
        (ac.delete_dataset, {"datasetVersion": HUGE}),
        (ac.list_dataset_examples, {"datasetVersion": HUGE}),
    ]:
        code, status, _ = error_of(call, datasetId=FIXTURE_DATASET, **kwargs)
        assert (code, status) == ("ResourceNotFoundException", 404)


def _import(mock: Mock, lines: list[str]) -> httpx.Response:
    with mock.client("lunary", LUNARY_KEY) as lunary:
        return lunary.post(
            f"/v1/datasets-v2/{LUNARY_DATASET}/import",
            json={"format": "jsonl", "content": "\n".join(lines)},
        )


def _ground_truths(mock: Mock) -> dict[str, Any]:
    with mock.client("lunary", LUNARY_KEY) as lunary:
        found = lunary.get(f"/v1/datasets-v2/{LUNARY_DATASET}").json()
    return {item["input"]: item["groundTruth"] for item in found["items"]}


def test_lunary_import_reads_numbers_as_javascript_does(mock: Mock) -> None:
    beyond_double = '{"input": "a", "ground_truth": 1' + "0" * 400 + "}"
    beyond_digits = '{"input": "b", "ground_truth": ' + HUGE + "}"
    beyond_64_bits = '{"input": "c", "ground_truth": 12345678901234567890}'
    response = _import(mock, [beyond_double, beyond_digits, beyond_64_bits])
    assert response.status_code == 200, response.text
    assert response.json() == {"insertedCount": 3}
    truths = _ground_truths(mock)
    assert [truths["a"], truths["b"], truths["c"]] == [
        "Infinity",
        "Infinity",
        "12345678901234567000",
    ]


def test_lunary_import_reads_nested_values_as_javascript_does(mock: Mock) -> None:
    nested = {"input": "nested", "ground_truth": [[1, [2, None]], [], [[3]]]}
    response = _import(mock, [json.dumps(nested)])
    assert response.status_code == 200, response.text
    assert _ground_truths(mock)["nested"] == "1,2,,,3"


@pytest.mark.parametrize("depth", [900, 5000])
def test_lunary_import_refuses_lines_nested_too_deep(mock: Mock, depth: int) -> None:
    before = _ground_truths(mock)
    line = '{"input": "a", "ground_truth": ' + "[" * depth + "]" * depth + "}"
    response = _import(mock, [line])
    assert response.status_code == 400, response.text
    assert response.json()["message"] == "Invalid JSONL: could not parse one of the lines"
    assert _ground_truths(mock) == before  # nothing inserted


def test_lunary_search_wildcards_cannot_stall_the_server(mock: Mock) -> None:
    """Each extra ``%_`` multiplied the time of the regular expression this replaced (5.8 s
    for this pattern, over 20 s with one more pair). A bound, not a speed target: matching is
    linear, so even a term 15 times as long answers within a few seconds on a loaded machine."""
    with mock.client("lunary", LUNARY_KEY) as lunary:
        lunary.post("/v1/datasets-v2", json={"name": "0" * 200})
        for term in ["%_" * 8 + "%01", "%_" * 120 + "%01"]:
            started = time.monotonic()
            response = lunary.get("/v1/datasets-v2", params={"search": term}, timeout=10)
            assert response.status_code == 200, response.text
            assert response.json() == []
            assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("term", "text", "found"),
    [
        ("0_0", "a 0x0 b", True),
        ("%%", "anything", True),
        ("_" * 3, "ab", False),
        ("a%b%c", "cba abc", True),
        ("a%b%c", "cba acb", False),
        ("\\_", "a_b", True),
        ("\\_", "ab", False),
        ("trailing\\", "trailing\\", True),
        ("ÄB", "xäbx", True),
    ],
)
def test_like_patterns(term: str, text: str, found: bool) -> None:
    from draftmock.vendors.lunary.service import ilike

    assert ilike(term).search(text) is found


def test_promptlayer_integer_beyond_64_bits_stays_an_integer(mock: Mock) -> None:
    with mock.client("promptlayer", {"X-API-KEY": "pl-demo-key"}) as pl:
        response = pl.post(
            "/api/public/v2/dataset-versions/create-draft",
            content=b'{"dataset_group_id": 1180591620717411303424}',
            headers={"content-type": "application/json"},
        )
    assert 400 <= response.status_code < 500, response.text
    assert "1180591620717411303424" in response.text
    assert "e+21" not in response.text


# -- formats ------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
@pytest.mark.parametrize(
    ("fmt", "bad", "good"),
    [
        ("uri", "https://example.omniapp.co/dashboards/a b<>", "https://example.com/a%20b"),
        ("date-time", "yesterday", "2026-05-28T20:26:40Z"),
        ("uuid", "not-a-uuid", "3f6b8d2e-1a4c-4e7b-9d5f-8c2a6e0b1d94"),
        ("email", "nobody", "a@example.com"),
        ("hostname", "-bad-", "example.com"),
    ],
)
def test_formats_are_enforced(tmp_path: Any, version: str, fmt: str, bad: str, good: str) -> None:
    from draftmock.spec.document import load_document
    from draftmock.spec.schema import SchemaValidator

    schema = {"type": "object", "properties": {"value": {"type": "string", "format": fmt}}}
    raw = {
        "openapi": version,
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"schemas": {"Thing": schema}},
    }
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(raw))
    document = load_document(path)
    validator = SchemaValidator(document, document.pointer_ref("/components/schemas/Thing"))
    assert validator.violations({"value": good}) == []
    found = validator.violations({"value": bad}, ("body",))
    assert [(v.loc, v.keyword) for v in found] == [(("body", "value"), "format")]


def test_omni_document_url_is_a_uri_for_any_identifier(mock: Mock) -> None:
    """The refereed client fails on any reply that breaks the spec, ``format: uri`` included."""
    with mock.client("omni", OMNI_KEY) as omni:
        made = omni.post(
            "/v1/documents",
            json={
                "modelId": "3fb59130-54fc-4848-832f-d22f61933485",
                "name": "x",
                "identifier": "a b<>",
            },
        )
        assert made.status_code in (200, 201), made.text
        found = omni.get("/v1/documents", params={"pageSize": 100}).json()["records"]
    urls = [d["url"] for d in found if d["identifier"] == "a b<>"]
    assert urls == ["https://example.omniapp.co/dashboards/a%20b%3C%3E"]


# -- the mount prefix ---------------------------------------------------------------------------


def _raw_get(mock: Mock, target: str, headers: dict[str, str]) -> tuple[int, Any]:
    """GET with the target sent byte for byte (no client-side normalisation)."""
    import http.client

    host, port = mock.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", target, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_an_encoded_mount_prefix_is_decoded_once_and_parameters_once(mock: Mock) -> None:
    auth = {"Authorization": "Bearer omni-demo-editor"}
    status, body = _raw_get(mock, "/%6Fmni/v1/documents/a%2525b", auth)
    assert status == 404
    assert body["message"] == "Document with identifier a%25b not found"  # decoded once
    status, body = _raw_get(mock, "/omni/v1/documents/a%2525b", auth)
    assert body["message"] == "Document with identifier a%25b not found"


def test_an_encoded_slash_does_not_end_the_mount_segment(mock: Mock) -> None:
    status, body = _raw_get(
        mock, "/omni%2Fv1/documents", {"Authorization": "Bearer omni-demo-editor"}
    )
    assert status == 404
    assert body["error"] == "draftmock"  # no API is mounted at "omni/v1"
