"""Omni's whole published document: the definitions taken from it, and the operations the
generated tier serves behind Omni's keys, roles, envelope and limit, as a frontend calls them.
Every response is refereed against the served document."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Mock

EDITOR = {"Authorization": "Bearer omni-demo-editor"}
VIEWER = {"Authorization": "Bearer omni-demo-viewer"}
GLOBEX = {"Authorization": "Bearer omni-other-editor"}
MODEL = "3fb59130-54fc-4848-832f-d22f61933485"


@pytest.fixture
def omni(mock: Mock) -> httpx.Client:
    return mock.client("omni", EDITOR)


def error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "message"}
    message: str = body["message"]
    return message


def test_get_document_answers_the_published_required_fields(omni: httpx.Client) -> None:
    body = omni.get("/v1/documents/93874a87").json()
    required = {"facetFilters", "filterOrder", "modelId", "name", "queryPresentations"}
    assert required | {"refreshInterval"} <= set(body)
    assert body["refreshInterval"] is None  # never set


def test_put_requires_refresh_interval_and_keeps_it_with_document_metadata(
    omni: httpx.Client,
) -> None:
    current = omni.get("/v1/documents/93874a87").json()
    replacement: dict[str, Any] = {
        key: current[key]
        for key in ("name", "modelId", "queryPresentations", "filterOrder", "facetFilters")
    }
    missing = omni.put("/v1/documents/93874a87", json=replacement)
    assert error(missing, 400) == "Invalid request: refreshInterval is required"
    replacement |= {"refreshInterval": 300, "documentMetadata": {"theme": "dark"}}
    assert omni.put("/v1/documents/93874a87", json=replacement).status_code == 200
    after = omni.get("/v1/documents/93874a87").json()
    assert (after["refreshInterval"], after["documentMetadata"]) == (300, {"theme": "dark"})
    too_often = omni.put("/v1/documents/93874a87", json={**replacement, "refreshInterval": 30})
    assert too_often.status_code == 400


def test_create_document_takes_metadata_version_as_a_string(omni: httpx.Client) -> None:
    made = omni.post(
        "/v1/documents", json={"modelId": MODEL, "name": "Pipeline", "metadataVersion": "2"}
    )
    assert made.status_code == 201, made.text
    number = omni.post(
        "/v1/documents", json={"modelId": MODEL, "name": "Other", "metadataVersion": 2}
    )
    assert error(number, 400).startswith("Invalid request: metadataVersion")


def test_list_models_reads_the_published_parameters(omni: httpx.Client) -> None:
    def models(**params: str) -> list[dict[str, Any]]:
        answer = omni.get("/v1/models", params=params)
        assert answer.status_code == 200, answer.text
        records: list[dict[str, Any]] = answer.json()["records"]
        return records

    by_kind = [m["modelKind"] for m in models(sortField="modelKind", sortDirection="asc")]
    assert by_kind == sorted(by_kind)
    assert omni.get("/v1/models", params={"sortField": "visits"}).status_code == 400
    assert not any("branches" in m for m in models())
    assert any("branches" in m for m in models(include="activeBranches"))
    assert models(includeDeleted="0") == models(includeDeleted="false") == models()
    assert len(models(includeDeleted="true")) >= len(models())
    assert omni.get("/v1/models", params={"includeDeleted": "yes"}).status_code == 400


def test_a_frontend_session_beyond_documents(mock: Mock, omni: httpx.Client) -> None:
    """A document browser: labels and folders to filter by (fixtures), a new label and
    folder, a label put on a document; a Viewer may only look; globex sees none of it."""
    labels = omni.get("/v1/labels").json()["labels"]
    assert {label["name"] for label in labels} == {"verified", "finance"}
    made = omni.post("/v1/labels", json={"name": "quarterly"})
    assert made.status_code == 201, made.text
    assert omni.get("/v1/labels/quarterly").json()["name"] == "quarterly"
    assert omni.put("/v1/documents/93874a87/labels/quarterly").status_code == 204
    folders = omni.get("/v1/folders").json()["records"]
    assert "Finance" in [f["name"] for f in folders]
    folder = omni.post("/v1/folders", json={"name": "Board decks"})
    assert folder.status_code == 201, folder.text
    viewer = mock.client("omni", VIEWER)
    assert viewer.get("/v1/labels").status_code == 200
    assert viewer.post("/v1/labels", json={"name": "nope"}).status_code == 403
    globex = mock.client("omni", GLOBEX)
    assert globex.get("/v1/labels").json()["labels"] == []
    assert globex.get("/v1/labels/quarterly").status_code == 404


def test_generated_operations_are_behind_omnis_key_and_limit(mock: Mock) -> None:
    anonymous = mock.client("omni")
    assert error(anonymous.get("/v1/labels"), 401).startswith("Unauthorized")
    omni = mock.client("omni", EDITOR)
    for _ in range(60):
        omni.get("/v1/labels")
    limited = omni.get("/v1/connections")
    assert error(limited, 429).startswith("Too Many Requests")
    assert int(limited.headers["retry-after"]) >= 1
