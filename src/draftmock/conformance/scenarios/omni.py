"""Omni documents: get-or-create drafts, archive, publish, roles, as checks.

Sources: specs/omni.yaml; ../shared/research/vendor-apis.md §4. Each scenario creates its own
published document (on the model named by the ``model_id`` credential) and deletes it at the end
(deleting needs a Manager key), so none is destructive.
"""

from __future__ import annotations

from typing import Any

from draftmock.conformance.behaviour import Run, Suite

suite = Suite(
    "omni",
    auth_header=lambda key: {"Authorization": f"Bearer {key}"},
    mock_credentials={
        "api_key": "omni-demo-manager",
        "viewer_key": "omni-demo-viewer",
        "model_id": "3fb59130-54fc-4848-832f-d22f61933485",
    },
    # A frozen clock never moves the 60-requests-per-minute window; Schemathesis alone sends more.
    schemathesis_mock_options={"rate_limit": 0},
)


def _json(response: Any) -> Any:
    try:
        return response.json() if response.content else None
    except ValueError:
        return None


def is_error_envelope(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and isinstance(body.get("error"), str)
        and isinstance(body.get("message"), str)
    )


def create_document(run: Run) -> str:
    model = run.credential("model_id", "a shared model to build documents on")
    made = run.call(
        "create a document",
        "documentsCreate",
        json={"modelId": model, "name": run.unique("draftmock conform")},
    )
    if made.status_code in (401, 403):
        run.skip(f"the credentials cannot create documents ({made.status_code})")
    run.require_status("create a document: 201", made, 201)
    identifier: str = made.json()["workbook"]["documentId"]
    run.cleanup(
        "delete the document",
        lambda: run.call("clean-up: delete", "documentsDelete", path={"documentId": identifier}),
    )
    return identifier


@suite.scenario("v1 create-draft is get-or-create; archive is not idempotent (404 twice)")
def draft_get_or_create_and_archive(run: Run) -> None:
    doc = create_document(run)
    first = run.call("create a draft", "documentsCreateDraft", path={"documentId": doc})
    run.require_status("create a draft: 200", first, 200)
    draft = (_json(first) or {}).get("identifier")
    second = run.call("create a draft again", "documentsCreateDraft", path={"documentId": doc})
    run.expect_status("create a draft again: 200", second, 200)
    run.check(
        "get-or-create returns the same draft identifier",
        (_json(second) or {}).get("identifier") == draft,
        f"first {draft}, then {(_json(second) or {}).get('identifier')}",
    )
    listed = run.call("list drafts", "listDocumentDrafts", path={"documentId": doc})
    active = [d for d in (_json(listed) or []) if d.get("status") == "active"]
    run.check("one active draft is listed", len(active) == 1, listed.text[:300])
    archived = run.call("archive the draft", "documentsDiscardDraft", path={"documentId": doc})
    run.expect_status("archive: 200", archived, 200)
    again = run.call("archive it again", "documentsDiscardDraft", path={"documentId": doc})
    run.expect_status("a second archive is 404", again, 404)
    run.check("404 carries {error, message}", is_error_envelope(_json(again)), again.text[:300])
    everything = run.call(
        "list drafts with archived",
        "listDocumentDrafts",
        path={"documentId": doc},
        query={"include": "archived"},
    )
    statuses = [d.get("status") for d in (_json(everything) or [])]
    run.check("the archived draft is listed as archived", "archived" in statuses, str(statuses))
    run.transition("draft status", "active", "archived" if "archived" in statuses else statuses)


@suite.scenario("v2: one main draft (409 on a second), publish consumes it")
def v2_draft_and_publish(run: Run) -> None:
    doc = create_document(run)
    made = run.call(
        "create a main draft with a patch",
        "createDraftAndPatch",
        path={"documentId": doc},
        json={"description": "changed by the conformance run"},
    )
    run.require_status("create-draft-and-patch: 200", made, 200)
    draft = (_json(made) or {}).get("draftIdentifier")
    twice = run.call(
        "create another main draft",
        "createDraftAndPatch",
        path={"documentId": doc},
        json={"description": "again"},
    )
    run.expect_status("one main draft: a second is 409", twice, 409)
    published = run.call("publish the draft", "publishDraft", path={"documentId": doc})
    run.expect_status("publish: 200", published, 200)
    state = run.call(
        "read the published draft", "getDraftState", path={"documentId": doc, "draftId": draft}
    )
    run.expect_status("a published draft no longer resolves (404)", state, 404)
    none_left = run.call("publish with no draft", "publishDraft", path={"documentId": doc})
    run.expect_status("publish without a main draft is 404", none_left, 404)
    got = run.call("read the document", "documentsGet", path={"documentId": doc})
    run.check(
        "the published document carries the draft's change",
        (_json(got) or {}).get("description") == "changed by the conformance run",
        got.text[:300],
    )


@suite.scenario("a Viewer may list drafts but not create one (403)")
def roles(run: Run) -> None:
    viewer = run.credential("viewer_key", "a key with the Viewer role on the organization")
    doc = create_document(run)
    refused = run.call(
        "create a draft as a Viewer",
        "documentsCreateDraft",
        path={"documentId": doc},
        headers={"Authorization": f"Bearer {viewer}"},
    )
    run.expect_status("a Viewer cannot create a draft (403)", refused, 403)
    run.check("403 carries {error, message}", is_error_envelope(_json(refused)), refused.text[:300])
    listed = run.call(
        "list drafts as a Viewer",
        "listDocumentDrafts",
        path={"documentId": doc},
        headers={"Authorization": f"Bearer {viewer}"},
    )
    run.expect_status("a Viewer may list drafts", listed, 200)


RATE_LIMIT = 60  # requests a minute per key


@suite.scenario("the 61st request in a minute is 429 {error, message}")
def rate_limit(run: Run) -> None:
    headers = run.fresh_quota("the 60-requests-a-minute quota")
    statuses = []
    for _ in range(RATE_LIMIT + 1):
        got = run.call("spend the quota", "documentsList", headers=headers)
        statuses.append(got.status_code)
        if got.status_code == 429:
            break
    if run.target.virtual_clock:  # a session of its own: nothing else counted
        run.check(
            f"{RATE_LIMIT} requests in a minute are served",
            statuses[:RATE_LIMIT] == [200] * RATE_LIMIT,
            f"statuses {sorted(set(statuses[:RATE_LIMIT]))}, first 429 at {len(statuses)}",
        )
    run.require(
        f"request {RATE_LIMIT + 1} in a minute is refused with 429",
        statuses[-1] == 429,
        f"{len(statuses)} requests, last status {statuses[-1]}",
    )
    body = _json(got)
    run.check("429 carries {error, message}", is_error_envelope(body), got.text[:300])
    run.transition("status once the quota is spent", 200, statuses[-1])
