"""Omni drafts over a real socket, every response refereed against the spec."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.conftest import Mock

EDITOR = {"Authorization": "Bearer omni-demo-editor"}
JSON = {"Content-Type": "application/json"}
BRANCH = "6f1c2a9e-3b7d-4e85-a0c4-9d2e7b5f1a36"  # revenue-rework on the Sales model
OTHER_BRANCH = "0b4e6d8f-1a3c-4e5b-9d7f-2a4c6e8b0d13"  # churn-metrics
MODEL = "3fb59130-54fc-4848-832f-d22f61933485"


@pytest.fixture
def omni(mock: Mock) -> httpx.Client:
    return mock.client("omni", EDITOR)


def drafts(omni: httpx.Client, doc: str, **params: str) -> list[dict[str, Any]]:
    response = omni.get(f"/v1/documents/{doc}/drafts", params=params)
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()
    return listed


def error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "message"}
    message: str = body["message"]
    return message


# -- v1 create draft: get-or-create -------------------------------------------------------------


def test_create_draft_is_get_or_create(omni: httpx.Client) -> None:
    assert drafts(omni, "93874a87") == []
    first = omni.post("/v1/documents/93874a87/draft")
    assert first.status_code == 200
    draft_id = first.json()["identifier"]
    assert draft_id != "93874a87"
    again = omni.post("/v1/documents/93874a87/draft", json={})
    assert again.status_code == 200
    assert again.json() == {"identifier": draft_id}
    listed = drafts(omni, "93874a87")
    assert [(d["identifier"], d["branch"], d["status"]) for d in listed] == [
        (draft_id, None, "active")
    ]
    assert listed[0]["publishedIdentifier"] == "93874a87"
    assert listed[0]["createdBy"] == {"name": "Dana Reyes"}
    assert listed[0]["draftOutOfDate"] is False


def test_existing_main_draft_is_returned(omni: httpx.Client) -> None:
    assert omni.post("/v1/documents/5a7c1e90/draft").json() == {"identifier": "a41c07f3"}


def test_one_draft_per_branch_beside_the_main_draft(omni: httpx.Client) -> None:
    main = omni.post("/v1/documents/93874a87/draft").json()["identifier"]
    on_branch = omni.post("/v1/documents/93874a87/draft", json={"branchId": BRANCH})
    assert on_branch.status_code == 200
    branch_draft = on_branch.json()["identifier"]
    other = omni.post("/v1/documents/93874a87/draft", json={"branchId": OTHER_BRANCH})
    other_draft = other.json()["identifier"]
    assert len({main, branch_draft, other_draft}) == 3
    again = omni.post("/v1/documents/93874a87/draft", json={"branchId": BRANCH})
    assert again.json()["identifier"] == branch_draft
    listed = {d["identifier"]: d["branch"] for d in drafts(omni, "93874a87")}
    assert listed == {
        main: None,
        branch_draft: {"id": BRANCH, "name": "revenue-rework"},
        other_draft: {"id": OTHER_BRANCH, "name": "churn-metrics"},
    }


def test_create_draft_refusals(omni: httpx.Client) -> None:
    never = omni.post("/v1/documents/c3f9a2b6/draft")
    assert error(never, 400) == "Document is not eligible for publishing workflow"
    unknown = omni.post("/v1/documents/nosuchdoc/draft")
    assert error(unknown, 404) == "Document with identifier nosuchdoc not found"
    branch = omni.post(
        "/v1/documents/93874a87/draft", json={"branchId": "00000000-0000-4000-8000-000000000000"}
    )
    assert error(branch, 404) == "Document or branch not found"
    invalid = omni.post("/v1/documents/93874a87/draft", json={"branchId": "not-a-uuid"})
    assert "branchId" in error(invalid, 400)
    assert drafts(omni, "93874a87") == []


OPS_BRANCH = "aaaaaaaa-2222-4333-8444-555555555555"  # a branch of another acme model
GLOBEX_BRANCH = "bbbbbbbb-2222-4333-8444-555555555555"  # a branch of globex's model


def test_a_branch_of_another_model_or_organization_is_404(mock: Mock, omni: httpx.Client) -> None:
    mock.admin(
        "seed",
        {
            "api": "omni",
            "fixture": {
                "organizations": [
                    {
                        "id": "acme",
                        "models": [
                            {
                                "id": "11111111-2222-4333-8444-555555555555",
                                "kind": "SHARED",
                                "branches": [{"id": OPS_BRANCH, "name": "ops-work"}],
                            }
                        ],
                    },
                    {
                        "id": "globex",
                        "models": [
                            {
                                "id": "5e2a4c6b-8d0f-4a1c-9e3b-5d7f9a1b3c35",
                                "kind": "SHARED",
                                "branches": [{"id": GLOBEX_BRANCH, "name": "forecast-v2"}],
                            }
                        ],
                    },
                ]
            },
        },
    )
    for branch in (OPS_BRANCH, GLOBEX_BRANCH):
        v1 = omni.post("/v1/documents/93874a87/draft", json={"branchId": branch})
        assert error(v1, 404) == "Document or branch not found"
        v2 = omni.patch("/v2/documents/93874a87/draft", json={"branchId": branch})
        assert error(v2, 404) == "Document or branch not found"
    assert drafts(omni, "93874a87") == []
    globex = mock.client("omni", {"Authorization": "Bearer omni-other-editor"})
    theirs = globex.post("/v1/documents/0a9e3c5d/draft", json={"branchId": GLOBEX_BRANCH})
    assert theirs.status_code == 200


def test_list_drafts_of_a_never_published_document(omni: httpx.Client) -> None:
    response = omni.get("/v1/documents/c3f9a2b6/drafts")
    assert error(response, 404) == "Published document with id c3f9a2b6 does not exist"
    bad = omni.get("/v1/documents/93874a87/drafts", params={"include": "deleted"})
    assert error(bad, 400) == "Invalid include parameter value"


# -- archive --------------------------------------------------------------------------------------


def test_archive_soft_deletes_and_a_second_archive_is_404(mock: Mock, omni: httpx.Client) -> None:
    archived = omni.request("DELETE", "/v1/documents/5a7c1e90/draft")
    assert archived.status_code == 200
    assert archived.json() == {"message": "Draft deleted successfully"}
    assert drafts(omni, "5a7c1e90") == []
    listed = drafts(omni, "5a7c1e90", include="archived")
    assert [(d["identifier"], d["status"]) for d in listed] == [("a41c07f3", "archived")]
    again = omni.request("DELETE", "/v1/documents/5a7c1e90/draft")
    assert error(again, 404) == "Draft with id 5a7c1e90 does not exist"
    # An archived draft no longer resolves, and get-or-create makes a new one.
    state = omni.get("/v2/documents/5a7c1e90/draft/a41c07f3")
    assert error(state, 404) == "Draft with id a41c07f3 does not exist"
    fresh = omni.post("/v1/documents/5a7c1e90/draft").json()["identifier"]
    assert fresh != "a41c07f3"
    # Archived drafts stay listed for 7 days.
    mock.advance(7 * 24 * 3600 - 1)
    assert "a41c07f3" in [d["identifier"] for d in drafts(omni, "5a7c1e90", include="archived")]
    mock.advance(1)
    assert [d["identifier"] for d in drafts(omni, "5a7c1e90", include="archived")] == [fresh]


def test_archive_the_branch_draft_only(omni: httpx.Client) -> None:
    main = omni.post("/v1/documents/7be2d4f1/draft").json()["identifier"]
    response = omni.request("DELETE", "/v1/documents/7be2d4f1/draft", json={"branchId": BRANCH})
    assert response.status_code == 200
    by_status = {d["identifier"]: d["status"] for d in drafts(omni, "7be2d4f1", include="archived")}
    assert by_status == {main: "active", "5d1e8c42": "archived"}


# -- v2 create-and-patch, patch, state ------------------------------------------------------------


def test_v2_create_and_patch_then_conflict(omni: httpx.Client) -> None:
    made = omni.patch(
        "/v2/documents/93874a87/draft",
        json={"name": "Q2 revenue (draft)", "summary": "Rename before review"},
    )
    assert made.status_code == 200
    body = made.json()
    assert body["identifier"] == "93874a87"
    assert body["name"] == "Q2 revenue (draft)"
    assert body["description"] == "Revenue by region for the second quarter"
    # v1 get-or-create sees the same main draft.
    assert omni.post("/v1/documents/93874a87/draft").json() == {
        "identifier": body["draftIdentifier"]
    }
    again = omni.patch("/v2/documents/93874a87/draft", json={"name": "Other"})
    assert error(again, 409) == "A draft already exists for this document"
    on_branch = omni.patch("/v2/documents/93874a87/draft", json={"branchId": BRANCH})
    assert on_branch.status_code == 200
    assert on_branch.json()["draftIdentifier"] != body["draftIdentifier"]


def test_v2_branch_draft_is_create_only_too(omni: httpx.Client) -> None:
    made = omni.patch("/v2/documents/93874a87/draft", json={"branchId": BRANCH, "name": "B"})
    assert made.status_code == 200
    draft = made.json()["draftIdentifier"]
    again = omni.patch("/v2/documents/93874a87/draft", json={"branchId": BRANCH})
    assert error(again, 409) == "A draft already exists for this document"
    same = omni.post("/v1/documents/93874a87/draft", json={"branchId": BRANCH})
    assert same.json() == {"identifier": draft}
    # The branch draft is not the main draft: the main line is still free.
    assert omni.patch("/v2/documents/93874a87/draft", json={}).status_code == 200
    assert error(omni.patch("/v2/documents/93874a87/draft", json={}), 409)
    assert len(drafts(omni, "93874a87")) == 2


def test_v2_create_refusals(omni: httpx.Client) -> None:
    never = omni.patch("/v2/documents/c3f9a2b6/draft", json={})
    assert error(never, 409) == "Target is not a published document"
    assert error(omni.patch("/v2/documents/nosuchdoc/draft", json={}), 404).startswith("Document")
    classic = omni.patch("/v2/documents/e81d6c30/draft", json={"name": "KPIs"})
    assert "containers" in error(classic, 422)
    with_layout = omni.patch(
        "/v2/documents/e81d6c30/draft", json={"containers": [{"type": "grid"}]}
    )
    assert with_layout.status_code == 200


def test_patch_by_key_null_deletes_settings_merge_containers_replace(omni: httpx.Client) -> None:
    draft = omni.post("/v1/documents/93874a87/draft").json()["identifier"]
    url = f"/v2/documents/93874a87/draft/{draft}"
    patched = omni.patch(
        url,
        json={
            "queryPresentations": {
                "data": {"margin": {"name": "Margin", "subTitle": "Net"}, "revenue": None}
            },
            "controls": {"data": {"plan": {"type": "FIELD_SELECTION"}}},
            "settings": {"crossfilterEnabled": False},
            "containers": [{"type": "tabs"}],
        },
    )
    assert patched.status_code == 200
    state = omni.get(url).json()
    assert state["queryPresentations"] == {
        "data": {"margin": {"name": "Margin", "subTitle": "Net"}},
        "order": ["margin"],
    }
    assert state["controls"]["order"] == ["region", "plan"]
    assert state["settings"] == {
        "crossfilterEnabled": False,
        "facetFilters": False,
        "refreshInterval": None,
    }
    assert state["containers"] == [{"type": "tabs"}]
    reordered = omni.patch(
        url,
        json={
            "controls": {"data": {"region": None}, "order": ["plan"]},
            "queryPresentations": {"data": {"a": {"name": "A"}}, "order": ["a", "margin"]},
        },
    )
    assert reordered.status_code == 200
    state = omni.get(url).json()
    assert state["controls"] == {"data": {"plan": {"type": "FIELD_SELECTION"}}, "order": ["plan"]}
    assert state["queryPresentations"]["order"] == ["a", "margin"]
    # The published document is untouched until the draft is published.
    published = omni.get("/v1/documents/93874a87").json()
    assert [p["name"] for p in published["queryPresentations"]] == ["Revenue by region"]


def _new_main_draft(omni: httpx.Client) -> tuple[str, str]:
    return "93874a87", omni.post("/v1/documents/93874a87/draft").json()["identifier"]


def _fixture_main_draft(omni: httpx.Client) -> tuple[str, str]:
    return "5a7c1e90", "a41c07f3"


def _fixture_branch_draft(omni: httpx.Client) -> tuple[str, str]:
    return "7be2d4f1", "5d1e8c42"


def _draft_of_a_v1_document(omni: httpx.Client) -> tuple[str, str]:
    """Tiles that came in as v1 query presentations, with members the v2 tile does not name."""
    made = omni.post(
        "/v1/documents",
        json={
            "modelId": MODEL,
            "name": "Bookings",
            "queryPresentations": [
                {
                    "name": "Bookings",
                    "subTitle": "by week",
                    "query": {"table": "bookings", "fields": ["bookings.count"], "limit": 10},
                    "visConfig": {"visType": "basic"},
                }
            ],
        },
    )
    doc = made.json()["workbook"]["documentId"]
    return doc, omni.post(f"/v1/documents/{doc}/draft").json()["identifier"]


def _classic_document_given_a_layout(omni: httpx.Client) -> tuple[str, str]:
    made = omni.patch("/v2/documents/e81d6c30/draft", json={"containers": [{"type": "grid"}]})
    return "e81d6c30", made.json()["draftIdentifier"]


def _heavily_patched_draft(omni: httpx.Client) -> tuple[str, str]:
    doc, draft = _new_main_draft(omni)
    patched = omni.patch(
        f"/v2/documents/{doc}/draft/{draft}",
        json={
            "description": None,
            "queryPresentations": {
                "data": {"b": {"name": "B", "description": "second"}, "a": {"name": "A"}},
                "order": ["a", "revenue", "b"],
            },
            "controls": {"data": {"plan": {"type": "FIELD_SELECTION", "label": "Plan"}}},
            "settings": {"customText": {"queryError": "Try again"}, "refreshInterval": 300},
            "containers": [{"type": "tabs"}, {"type": "grid"}],
        },
    )
    assert patched.status_code == 200, patched.text
    return doc, draft


@pytest.mark.parametrize(
    "make",
    [
        _new_main_draft,
        _fixture_main_draft,
        _fixture_branch_draft,
        _draft_of_a_v1_document,
        _classic_document_given_a_layout,
        _heavily_patched_draft,
    ],
)
def test_draft_state_round_trips_as_a_patch(omni: httpx.Client, make: Any) -> None:
    """getDraftState's body, sent back unchanged as a patchDraft body, is accepted and changes
    nothing: not the state, and not the draft's place in the listing beyond its edit time."""
    doc, draft = make(omni)
    url = f"/v2/documents/{doc}/draft/{draft}"
    before = omni.get(url)
    assert before.status_code == 200, before.text
    state = before.json()
    assert set(state) == {
        "name",
        "description",
        "queryPresentations",
        "controls",
        "settings",
        "containers",
    }
    patched = omni.patch(url, json=state)
    assert patched.status_code == 200, patched.text
    assert patched.json()["draftIdentifier"] == draft
    assert patched.json()["name"] == state["name"]
    assert omni.get(url).json() == state
    assert [d["identifier"] for d in drafts(omni, doc) if d["identifier"] == draft] == [draft]


def test_a_patched_state_shows_the_patch(omni: httpx.Client) -> None:
    """The heavily patched draft above really differs from the published state it started from,
    so its round trip is not trivially an empty patch."""
    doc, draft = _heavily_patched_draft(omni)
    state = omni.get(f"/v2/documents/{doc}/draft/{draft}").json()
    assert state["description"] is None
    assert state["queryPresentations"]["order"] == ["a", "revenue", "b"]
    assert state["controls"]["order"] == ["region", "plan"]
    assert state["settings"] == {
        "crossfilterEnabled": True,
        "facetFilters": False,
        "refreshInterval": 300,
        "customText": {"queryError": "Try again"},
    }
    assert state["containers"] == [{"type": "tabs"}, {"type": "grid"}]


def test_more_than_48_tiles_in_one_patch_is_400(omni: httpx.Client) -> None:
    draft = omni.post("/v1/documents/93874a87/draft").json()["identifier"]
    tiles: dict[str, Any] = {f"t{n}": {"name": f"Tile {n}"} for n in range(49)}
    url = f"/v2/documents/93874a87/draft/{draft}"
    assert "48" in error(omni.patch(url, json={"queryPresentations": {"data": tiles}}), 400)
    tiles["t48"] = None  # deleting entries does not count
    assert omni.patch(url, json={"queryPresentations": {"data": tiles}}).status_code == 200


# -- publish --------------------------------------------------------------------------------------


def test_publish_consumes_the_main_draft_and_outdates_the_others(omni: httpx.Client) -> None:
    branch_draft = omni.post("/v1/documents/93874a87/draft", json={"branchId": BRANCH})
    branch_id = branch_draft.json()["identifier"]
    made = omni.patch(
        "/v2/documents/93874a87/draft",
        json={"name": "Q2 revenue (final)", "queryPresentations": {"data": {"revenue": None}}},
    )
    draft = made.json()["draftIdentifier"]
    config_before = omni.get("/v1/documents/93874a87").json()
    assert "description" in config_before
    published = omni.post("/v2/documents/93874a87/draft/publish")
    assert published.status_code == 200
    assert published.json() == {
        "identifier": "93874a87",
        "name": "Q2 revenue (final)",
        "description": config_before["description"],
    }
    config = omni.get("/v1/documents/93874a87").json()
    assert config["name"] == "Q2 revenue (final)"
    assert config["queryPresentations"] == []
    consumed = omni.get(f"/v2/documents/93874a87/draft/{draft}")
    assert error(consumed, 404) == f"Draft with id {draft} does not exist"
    assert error(omni.patch(f"/v2/documents/93874a87/draft/{draft}", json={}), 404)
    listed = drafts(omni, "93874a87")
    assert [(d["identifier"], d["draftOutOfDate"]) for d in listed] == [(branch_id, True)]
    again = omni.post("/v2/documents/93874a87/draft/publish")
    assert error(again, 404) == "Draft with id 93874a87 does not exist"
    # The main line is free again.
    assert omni.patch("/v2/documents/93874a87/draft", json={}).status_code == 200


def test_publish_refusals(omni: httpx.Client) -> None:
    assert error(omni.post("/v2/documents/c3f9a2b6/draft/publish"), 409) == (
        "Target is not a published document"
    )
    # Only a branch draft: nothing to publish outside the branch.
    assert error(omni.post("/v2/documents/7be2d4f1/draft/publish"), 404) == (
        "Draft with id 7be2d4f1 does not exist"
    )


def test_branch_drafts_go_live_through_merge(omni: httpx.Client) -> None:
    branches = omni.get("/v1/models", params={"modelKind": "BRANCH"}).json()["records"]
    assert {b["name"] for b in branches} == {"revenue-rework", "churn-metrics"}
    assert {b["baseModelId"] for b in branches} == {MODEL}
    merged = omni.post(f"/v1/models/{MODEL}/branch/revenue-rework/merge", json={})
    assert merged.status_code == 200
    assert merged.json() == {
        "success": True,
        "git_synced": False,
        "published_drafts_count": 1,
        "failed_drafts_count": 0,
    }
    config = omni.get("/v1/documents/7be2d4f1").json()
    assert config["description"] == "Pipeline by stage, on reworked revenue measures"
    assert drafts(omni, "7be2d4f1") == []


def test_merge_outdates_the_main_draft_and_leaves_it_unpublished(omni: httpx.Client) -> None:
    main = omni.patch("/v2/documents/7be2d4f1/draft", json={"name": "Pipeline (main)"})
    main_id = main.json()["draftIdentifier"]
    merged = omni.post(f"/v1/models/{MODEL}/branch/revenue-rework/merge", json={})
    assert merged.json()["published_drafts_count"] == 1
    listed = drafts(omni, "7be2d4f1")
    assert [(d["identifier"], d["draftOutOfDate"]) for d in listed] == [(main_id, True)]
    assert omni.get("/v1/documents/7be2d4f1").json()["name"] == "Pipeline health"
    consumed = omni.get("/v2/documents/7be2d4f1/draft/5d1e8c42")
    assert error(consumed, 404) == "Draft with id 5d1e8c42 does not exist"


def test_merge_without_publishing_keeps_branch_drafts(omni: httpx.Client) -> None:
    merged = omni.post(
        f"/v1/models/{MODEL}/branch/revenue-rework/merge", json={"publish_drafts": False}
    )
    assert merged.json()["published_drafts_count"] == 0
    assert [d["identifier"] for d in drafts(omni, "7be2d4f1")] == ["5d1e8c42"]
    assert omni.get("/v1/documents/7be2d4f1").json()["description"] is None
    deleted = omni.post(
        f"/v1/models/{MODEL}/branch/revenue-rework/merge", json={"delete_branch": True}
    )
    assert deleted.json()["published_drafts_count"] == 1
    gone = omni.post(f"/v1/models/{MODEL}/branch/revenue-rework/merge")
    assert error(gone, 404) == "Branch revenue-rework not found"
    names = {
        b["name"] for b in omni.get("/v1/models", params={"modelKind": "BRANCH"}).json()["records"]
    }
    assert names == {"churn-metrics"}


# -- v1 document edits with a draft in the way --------------------------------------------------


def test_v1_edits_conflict_with_a_draft_unless_cleared(omni: httpx.Client) -> None:
    rename = omni.patch("/v1/documents/5a7c1e90", json={"name": "Churn"})
    assert error(rename, 409) == (
        "Draft already exists - set clearExistingDraft to true to discard it and proceed"
    )
    config = omni.get("/v1/documents/5a7c1e90").json()
    replace = omni.put("/v1/documents/5a7c1e90", json=config)
    assert replace.status_code == 409
    cleared = omni.patch(
        "/v1/documents/5a7c1e90", json={"name": "Churn", "clearExistingDraft": True}
    )
    assert cleared.status_code == 200
    assert cleared.json() == {
        "identifier": "5a7c1e90",
        "name": "Churn",
        "description": "Monthly churn by plan",
    }
    assert drafts(omni, "5a7c1e90", include="archived") == []  # discarded, not archived
    config["name"] = "Churn (replaced)"
    assert omni.put("/v1/documents/5a7c1e90", json=config).status_code == 200
    assert omni.get("/v1/documents/5a7c1e90").json() == config


def test_renamed_identifier_keeps_resolving(omni: httpx.Client) -> None:
    renamed = omni.patch("/v1/documents/93874a87", json={"identifier": "q2-revenue"})
    assert renamed.json()["identifier"] == "q2-revenue"
    assert omni.get("/v1/documents/93874a87").json()["identifier"] == "q2-revenue"
    taken = omni.patch(
        "/v1/documents/5a7c1e90", json={"identifier": "q2-revenue", "clearExistingDraft": True}
    )
    assert error(taken, 400) == "Identifier q2-revenue is already in use"


def test_v1_edit_marks_branch_drafts_out_of_date(omni: httpx.Client) -> None:
    assert [d["draftOutOfDate"] for d in drafts(omni, "7be2d4f1")] == [False]
    assert omni.patch("/v1/documents/7be2d4f1", json={"description": "x"}).status_code == 200
    assert [d["draftOutOfDate"] for d in drafts(omni, "7be2d4f1")] == [True]


def test_created_document_is_published_at_once(omni: httpx.Client) -> None:
    made = omni.post(
        "/v1/documents",
        json={
            "modelId": MODEL,
            "name": "Bookings",
            "branchId": BRANCH,
            "queryPresentations": [
                {"name": "Bookings", "query": {"table": "bookings", "fields": ["bookings.count"]}}
            ],
        },
    )
    assert made.status_code == 201
    identifier = made.json()["workbook"]["documentId"]
    assert made.json()["dashboard"]["dashboardId"] == identifier
    assert drafts(omni, identifier) == []
    assert omni.post(f"/v1/documents/{identifier}/draft").status_code == 200
    config = omni.get(f"/v1/documents/{identifier}").json()
    assert config["queryPresentations"][0]["query"]["table"] == "bookings"


def test_a_document_is_addressed_by_its_workbook_uuid_too(mock: Mock, omni: httpx.Client) -> None:
    made = omni.post(
        "/v1/documents",
        json={"modelId": MODEL, "name": "Bookings", "queryPresentations": []},
    )
    assert made.status_code == 201
    identifier = made.json()["workbook"]["documentId"]
    workbook = made.json()["workbook"]["id"]
    assert omni.get(f"/v1/documents/{workbook}").json()["name"] == "Bookings"
    assert omni.get(f"/v1/documents/{workbook.upper()}").status_code == 200
    draft = omni.patch(f"/v2/documents/{workbook}/draft", json={"name": "Bookings 2"})
    assert draft.status_code == 200, draft.text
    published = omni.post(f"/v2/documents/{workbook}/draft/publish")
    assert published.json()["identifier"] == identifier
    assert omni.get(f"/v1/documents/{identifier}").json()["name"] == "Bookings 2"
    manager = mock.client("omni", {"Authorization": "Bearer omni-demo-manager"})
    assert manager.delete(f"/v1/documents/{workbook}").status_code == 200
    gone = omni.get(f"/v1/documents/{workbook}")
    assert error(gone, 404) == f"Document with identifier {workbook} not found"


def test_a_body_under_an_undocumented_media_type_is_read_as_json(omni: httpx.Client) -> None:
    """Only a media type the operation documents is taken as sent; any other is read as JSON
    and validated, so the handler never meets raw text."""
    for media_type in ("text/plain", "application/octet-stream"):
        sent = omni.post(
            "/v1/documents", content=b'{"name": "x"}', headers={"Content-Type": media_type}
        )
        assert error(sent, 400) == "Invalid request: modelId is required"


def test_a_null_filter_config_replaces_as_empty(omni: httpx.Client) -> None:
    config = omni.get("/v1/documents/93874a87").json()
    config["filterConfig"] = None  # the document lets it be null
    replaced = omni.put("/v1/documents/93874a87", json=config)
    assert replaced.status_code == 200, replaced.text
    again = omni.get("/v1/documents/93874a87").json()
    assert again["filterConfig"] == {}
    for value in (True, ["status"], "status"):
        refused = omni.put("/v1/documents/93874a87", json={**config, "filterConfig": value})
        assert error(refused, 400) == "Invalid request: filterConfig: must be an object"


def test_unknown_routes_and_methods_answer_in_the_envelope(mock: Mock) -> None:
    raw = httpx.Client(base_url=f"{mock.url}/omni", headers=EDITOR)
    missing = raw.get("/v1/nothing")
    assert missing.status_code == 404
    assert missing.json()["error"] == "Not Found"
    publish = raw.delete("/v2/documents/93874a87/draft/publish")
    assert publish.status_code == 405
    assert publish.headers["allow"] == "POST"
    assert publish.json()["error"] == "Method Not Allowed"
    drafts_resource = raw.put("/v1/documents/93874a87/draft")
    assert drafts_resource.headers["allow"] == "DELETE, POST"


def test_create_document_needs_a_shared_model_and_its_branch(omni: httpx.Client) -> None:
    unknown = omni.post(
        "/v1/documents", json={"modelId": "00000000-0000-4000-8000-000000000000", "name": "x"}
    )
    assert error(unknown, 404) == "Model 00000000-0000-4000-8000-000000000000 not found"
    other_branch = omni.post(
        "/v1/documents",
        json={"modelId": MODEL, "name": "x", "branchId": "00000000-0000-4000-8000-000000000000"},
    )
    assert error(other_branch, 404) == "Branch 00000000-0000-4000-8000-000000000000 not found"
    taken = omni.post(
        "/v1/documents", json={"modelId": MODEL, "name": "x", "identifier": "93874a87"}
    )
    assert error(taken, 400) == "Identifier 93874a87 is already in use"


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        ("POST", "/v1/documents/93874a87/draft", None, "body: must be an object, not null"),
        (
            "POST",
            "/v1/documents/93874a87/draft",
            {"branchId": None},
            "branchId: must be a string, not null",
        ),
        (
            "PATCH",
            "/v1/documents/93874a87",
            {"clearExistingDraft": True},
            "body: give at least one of name, description, identifier",
        ),
        (
            "PATCH",
            "/v2/documents/93874a87/draft",
            {"description": 5},
            "description: must be a string or null, not an integer",
        ),
        ("PUT", "/v1/documents/93874a87", {}, "facetFilters is required"),
        (
            "POST",
            f"/v1/models/{MODEL}/branch/revenue-rework/merge",
            {"publish_drafts": None},
            "publish_drafts: must be a boolean, not null",
        ),
    ],
)
def test_invalid_bodies_get_400_naming_the_field_in_json_terms(
    omni: httpx.Client, method: str, path: str, body: Any, message: str
) -> None:
    response = omni.request(method, path, content=json.dumps(body).encode(), headers=JSON)
    assert error(response, 400) == f"Invalid request: {message}"
    assert drafts(omni, "93874a87") == []
