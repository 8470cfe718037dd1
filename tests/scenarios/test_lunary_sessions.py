"""Lunary's session tokens, as its web app sends them: ``Authorization: Bearer <token>`` with
``?projectId=`` naming the project; the user's role decides what the routes allow."""

from __future__ import annotations

import httpx

from tests.conftest import Mock

BASE = "/v1/datasets-v2"
PROJECT_A = "7c1e4b2a-3f5d-4e8a-9b6c-2d1f0a9e8b7c"
PROJECT_B = "8d2f5c3b-4a6e-4f9b-8c7d-3e2a1b0f9c8d"
FAQ = "3f6b8d2e-1a4c-4e7b-9d5f-8c2a6e0b1d94"
OWNER = {"Authorization": "Bearer lunary-demo-session"}
OWNER_ID = "5d0c7e1a-8b2f-4c3d-9e6a-1f4b7c2d8e90"  # its user, in fixtures/default.lunary.yaml
VIEWER = {"Authorization": "Bearer lunary-demo-viewer-session"}
FORBIDDEN = {"error": "Forbidden", "message": "You don't have access to this resource"}


def session(mock: Mock, headers: dict[str, str]) -> httpx.Client:
    return mock.client("lunary", headers)


def test_a_session_works_in_the_project_its_request_names(mock: Mock) -> None:
    owner = session(mock, OWNER)
    in_a = owner.get(BASE, params={"projectId": PROJECT_A})
    assert in_a.status_code == 200
    assert FAQ in [d["id"] for d in in_a.json()]
    in_b = owner.get(BASE, params={"projectId": PROJECT_B})
    assert [d["name"] for d in in_b.json()] == ["Onboarding prompts"]
    made = owner.post(BASE, params={"projectId": PROJECT_B}, json={"name": "From the web app"})
    assert made.status_code == 201
    assert made.json()["projectId"] == PROJECT_B
    # A signed-in user owns what it creates (API keys have no user): the session's user.
    assert made.json()["ownerId"] == OWNER_ID
    assert made.json()["currentVersionCreatedBy"] == OWNER_ID
    copy = owner.post(f"{BASE}/{FAQ}/duplicate", params={"projectId": PROJECT_A})
    assert copy.json()["ownerId"] == OWNER_ID
    assert owner.get(f"{BASE}/{FAQ}", params={"projectId": PROJECT_B}).status_code == 404


def test_a_session_without_a_project_or_outside_its_projects(mock: Mock) -> None:
    owner = session(mock, OWNER)
    for response in (owner.get(BASE), owner.get(f"{BASE}/{FAQ}")):
        assert response.status_code == 400
        assert response.json() == {"message": "projectId is required"}
    viewer = session(mock, VIEWER)
    outside = viewer.get(BASE, params={"projectId": PROJECT_B})
    assert outside.status_code == 401
    assert outside.json() == {"message": "Unauthorized access to project"}


def test_a_viewer_reads_and_lists_but_does_not_write(mock: Mock) -> None:
    viewer = session(mock, VIEWER)
    query = {"projectId": PROJECT_A}
    assert viewer.get(BASE, params=query).status_code == 200
    assert viewer.get(f"{BASE}/{FAQ}/items", params=query).status_code == 200
    for refused in (
        viewer.post(BASE, params=query, json={"name": "nope"}),
        viewer.post(f"{BASE}/{FAQ}/items", params=query, json={"input": "x"}),
        viewer.delete(f"{BASE}/{FAQ}", params=query),
    ):
        assert refused.status_code == 403, refused.request.url
        assert refused.json() == FORBIDDEN


def test_sessions_are_not_rate_limited(mock: Mock) -> None:
    mock.admin("seed", {"api": "lunary", "fixture": {"rate_limit": 2}})
    owner = session(mock, OWNER)
    replies = [owner.get(BASE, params={"projectId": PROJECT_A}) for _ in range(4)]
    assert [r.status_code for r in replies] == [200] * 4
    assert "Rate-Limit-Remaining" not in replies[-1].headers
