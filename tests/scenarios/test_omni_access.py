"""Omni authentication, roles, organizations and the rate limit, over a real socket."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Mock

MODEL = "3fb59130-54fc-4848-832f-d22f61933485"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def editor(mock: Mock) -> httpx.Client:
    return mock.client("omni", bearer("omni-demo-editor"))


@pytest.fixture
def viewer(mock: Mock) -> httpx.Client:
    return mock.client("omni", bearer("omni-demo-viewer"))


@pytest.fixture
def manager(mock: Mock) -> httpx.Client:
    return mock.client("omni", bearer("omni-demo-manager"))


def refused(response: httpx.Response, status: int, message: str) -> None:
    assert response.status_code == status, response.text
    reasons = {401: "Unauthorized", 403: "Forbidden", 429: "Too Many Requests"}
    assert response.json() == {"error": reasons[status], "message": message}


EDITOR_REQUIRED = "Permission denied - EDITOR role required"


def test_missing_or_unknown_key_is_401(mock: Mock) -> None:
    message = "Unauthorized - Invalid or missing API key"
    refused(mock.client("omni").get("/v1/documents"), 401, message)
    refused(mock.client("omni", bearer("nope")).get("/v1/documents"), 401, message)
    basic = mock.client("omni", {"Authorization": "Basic b21uaQ=="})
    refused(basic.get("/v1/documents"), 401, message)


def test_viewer_reads_but_cannot_edit(viewer: httpx.Client) -> None:
    assert viewer.get("/v1/documents/5a7c1e90/drafts").status_code == 200
    assert viewer.get("/v1/documents/93874a87").status_code == 200
    refused(viewer.post("/v1/documents/93874a87/draft"), 403, EDITOR_REQUIRED)
    refused(viewer.request("DELETE", "/v1/documents/5a7c1e90/draft"), 403, EDITOR_REQUIRED)
    refused(viewer.patch("/v2/documents/93874a87/draft", json={}), 403, EDITOR_REQUIRED)
    refused(viewer.get("/v2/documents/5a7c1e90/draft/a41c07f3"), 403, EDITOR_REQUIRED)
    refused(viewer.post("/v2/documents/5a7c1e90/draft/publish"), 403, EDITOR_REQUIRED)
    refused(viewer.patch("/v1/documents/93874a87", json={"name": "x"}), 403, EDITOR_REQUIRED)
    config = viewer.get("/v1/documents/93874a87").json()
    refused(viewer.put("/v1/documents/93874a87", json=config), 403, EDITOR_REQUIRED)
    refused(viewer.patch("/v2/documents/5a7c1e90/draft/a41c07f3", json={}), 403, EDITOR_REQUIRED)
    refused(
        viewer.delete("/v1/documents/93874a87"), 403, "Permission denied - MANAGER role required"
    )
    refused(
        viewer.post("/v1/documents", json={"modelId": MODEL, "name": "x"}),
        403,
        "Permission denied",
    )
    refused(
        viewer.post(f"/v1/models/{MODEL}/branch/revenue-rework/merge"), 403, "Permission denied"
    )
    # Nothing changed.
    assert [d["identifier"] for d in viewer.get("/v1/documents/93874a87/drafts").json()] == []
    assert viewer.get("/v1/documents/93874a87").json() == config
    listed = viewer.get("/v1/documents/5a7c1e90/drafts").json()
    assert [(d["identifier"], d["status"]) for d in listed] == [("a41c07f3", "active")]


def test_delete_needs_manager(editor: httpx.Client, manager: httpx.Client) -> None:
    refused(
        editor.delete("/v1/documents/93874a87"), 403, "Permission denied - MANAGER role required"
    )
    deleted = manager.delete("/v1/documents/93874a87")
    assert deleted.status_code == 200
    assert deleted.json() == {"success": True}
    gone = editor.get("/v1/documents/93874a87")
    assert gone.status_code == 404
    assert gone.json()["message"] == "Document with identifier 93874a87 not found"
    listed = editor.get("/v1/documents", params={"include": "includeDeleted"}).json()
    assert {r["identifier"]: r["deleted"] for r in listed["records"]}["93874a87"] is True


def test_manager_may_do_what_an_editor_may(manager: httpx.Client) -> None:
    made = manager.post("/v1/documents/93874a87/draft")
    assert made.status_code == 200
    listed = manager.get("/v1/documents/93874a87/drafts").json()
    assert listed[0]["createdBy"] == {"name": "Priya Natarajan"}


def test_organizations_see_only_their_own_documents(mock: Mock, editor: httpx.Client) -> None:
    other = mock.client("omni", bearer("omni-other-editor"))
    theirs = {r["identifier"] for r in other.get("/v1/documents").json()["records"]}
    ours = {r["identifier"] for r in editor.get("/v1/documents").json()["records"]}
    assert theirs == {"0a9e3c5d"}
    assert "93874a87" in ours and "0a9e3c5d" not in ours
    for response in (
        other.get("/v1/documents/93874a87"),
        other.post("/v1/documents/93874a87/draft"),
        other.get("/v1/documents/5a7c1e90/drafts"),
        other.get("/v2/documents/5a7c1e90/draft/a41c07f3"),
    ):
        assert response.status_code == 404, response.text
    assert other.get("/v1/models", params={"modelKind": "BRANCH"}).json()["records"] == []
    assert editor.get("/v1/documents/0a9e3c5d").status_code == 404


def test_the_61st_request_in_a_minute_is_429(mock: Mock, editor: httpx.Client) -> None:
    for _ in range(60):
        assert editor.get("/v1/models").status_code == 200
    limited = editor.get("/v1/models")
    refused(limited, 429, "Too Many Requests - Rate limit exceeded (60 requests/minute)")
    assert limited.headers["Retry-After"] == "60"
    # Every request counts, whatever it is; the limit is per key.
    assert editor.post("/v1/documents/93874a87/draft").status_code == 429
    assert mock.client("omni", bearer("omni-demo-viewer")).get("/v1/models").status_code == 200
    mock.advance(59)
    assert editor.get("/v1/models").status_code == 429
    mock.advance(1)
    assert editor.get("/v1/models").status_code == 200


def test_refused_and_invalid_requests_count_too(mock: Mock, viewer: httpx.Client) -> None:
    """Every authenticated request counts, whatever it answers: 403s and 400s use up the key's
    minute like successes."""
    for _ in range(30):
        assert viewer.post("/v1/documents/93874a87/draft").status_code == 403
    for _ in range(30):
        assert viewer.get("/v1/models", params={"modelKind": "NOPE"}).status_code == 400
    refused(
        viewer.get("/v1/models"),
        429,
        "Too Many Requests - Rate limit exceeded (60 requests/minute)",
    )


def test_a_sliding_window_frees_slots_as_requests_age(mock: Mock, editor: httpx.Client) -> None:
    for _ in range(30):
        assert editor.get("/v1/models").status_code == 200
    mock.advance(30)
    for _ in range(30):
        assert editor.get("/v1/models").status_code == 200
    limited = editor.get("/v1/models")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "30"
    mock.advance(30)  # the first 30 have left the window
    assert editor.get("/v1/models").status_code == 200


def test_reset_clears_the_rate_limit(mock: Mock, editor: httpx.Client) -> None:
    for _ in range(61):
        editor.get("/v1/models")
    assert editor.get("/v1/models").status_code == 429
    mock.admin("reset", {"api": "omni"})
    assert editor.get("/v1/models").status_code == 200


def test_a_seeded_fixture_raises_or_disables_the_limit(mock: Mock, editor: httpx.Client) -> None:
    mock.admin("seed", {"api": "omni", "fixture": {"rate_limit": 0}})
    for _ in range(70):
        assert editor.get("/v1/models").status_code == 200
    mock.admin("seed", {"api": "omni", "fixture": {"rate_limit": 100}})
    assert editor.get("/v1/models").status_code == 200  # 71 requests in the window now
    mock.admin("reset", {"api": "omni"})  # back to the default 60
    for _ in range(60):
        editor.get("/v1/models")
    assert editor.get("/v1/models").status_code == 429


def test_the_cursor_walks_every_page_once(mock: Mock) -> None:
    editor = mock.client("omni", bearer("omni-demo-editor"))
    for n in range(5):
        created = editor.post("/v1/documents", json={"modelId": MODEL, "name": f"Paged {n}"})
        assert created.status_code in (200, 201), created.text
    everything = editor.get("/v1/documents", params={"pageSize": 100}).json()
    total = everything["pageInfo"]["totalRecords"]
    assert total >= 6
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"pageSize": 2}
        if cursor is not None:
            params["cursor"] = cursor
        listed = editor.get("/v1/documents", params=params).json()
        pages += 1
        seen.extend(r["identifier"] for r in listed["records"])
        assert listed["pageInfo"]["totalRecords"] == total
        if not listed["pageInfo"]["hasNextPage"]:
            assert listed["pageInfo"]["nextCursor"] is None
            break
        cursor = listed["pageInfo"]["nextCursor"]
    assert pages == -(-total // 2) >= 3  # past page 1 and page 2
    assert seen == [r["identifier"] for r in everything["records"]]
    assert len(set(seen)) == total
