"""PromptLayer datasets: the documented draft semantics, as checks.

Sources: specs/promptlayer.yaml operation descriptions; ../shared/research/vendor-apis.md §2.
PromptLayer offers no way to delete a dataset group, so every scenario that creates one is
destructive (it leaves a uniquely named ``draftmock-conform-...`` group behind).
"""

from __future__ import annotations

import base64
from typing import Any

from draftmock.conformance.behaviour import Run, Suite

V2 = "/api/public/v2"
UNKNOWN_ID = 2_147_480_000  # an integer id no workspace is expected to hold
CSV = b"input,expected\nhello,hi there\nbye,see you\n"

suite = Suite(
    "promptlayer",
    auth_header=lambda key: {"X-API-KEY": key},
    # What the bundled fixtures hold, for a draftmock target (a remote target passes its own).
    mock_credentials={"api_key": "pl-demo-key", "other_workspace_key": "pl-other-key"},
)


# -- helpers ------------------------------------------------------------------------------------


def create_group(run: Run) -> tuple[int, int]:
    """A fresh group; returns (group id, id of the draft created with it)."""
    name = run.unique("draftmock-conform")
    made = run.call("create dataset group", "createDatasetGroup", json={"name": name})
    if made.status_code in (401, 403):
        run.skip(f"the credentials cannot create dataset groups ({made.status_code})")
    run.require_status("create dataset group: 201", made, 201)
    body = made.json()
    return body["dataset_group"]["id"], body["dataset"]["id"]


def versions(run: Run, group_id: int, step: str = "list the group's datasets") -> dict[int, int]:
    """dataset id -> version_number for a group."""
    listing = run.call(step, "listDatasets", query={"dataset_group_id": group_id, "per_page": 100})
    run.require_status(f"{step}: 200", listing, 200)
    return {d["id"]: d["version_number"] for d in listing.json()["datasets"]}


def rows(run: Run, dataset_id: int, step: str = "read rows") -> list[list[Any]] | None:
    response = run.call(
        step, "getDatasetRows", path={"dataset_id": dataset_id}, query={"per_page": 100}
    )
    if response.status_code != 200:
        return None
    return [[cell["value"] for cell in row] for row in response.json()["rows"]]


def is_error_envelope(body: Any) -> bool:
    """PromptLayer's ErrorResponse: success false and a message (or the legacy error)."""
    return (
        isinstance(body, dict)
        and body.get("success") is False
        and isinstance(body.get("message", body.get("error")), str)
    )


def wait_published(run: Run, group_id: int, dataset_id: int, what: str) -> int | None:
    def probe() -> int | None:
        number = versions(run, group_id, f"poll {what}").get(dataset_id, -1)
        return number if number != -1 else None

    number: int | None = run.wait_for(f"{what} is published within the timeout", probe)
    if number is not None:
        run.transition(f"{what} version_number", -1, number)
    return number


def save_and_wait(run: Run, group_id: int, draft_id: int, what: str) -> int | None:
    saved = run.call(f"save {what}", "saveDraftDatasetVersion", json={"dataset_group_id": group_id})
    run.require_status(f"save {what}: 202 (asynchronous)", saved, 202)
    run.check(
        f"save {what}: the reply names the draft",
        (_json(saved) or {}).get("draft_dataset_id") == draft_id,
        f"draft_dataset_id {(_json(saved) or {}).get('draft_dataset_id')} != {draft_id}",
    )
    return wait_published(run, group_id, draft_id, what)


# -- scenarios ----------------------------------------------------------------------------------


@suite.scenario("a new group comes with a draft, so create-draft is 409", destructive=True)
def one_draft_per_group(run: Run) -> None:
    group_id, draft_id = create_group(run)
    listed = versions(run, group_id)
    run.check(
        "the group's initial dataset is a draft (version_number -1)",
        listed.get(draft_id) == -1,
        f"versions: {listed}",
    )
    second = run.call(
        "create a second draft", "createDraftDatasetVersion", json={"dataset_group_id": group_id}
    )
    run.expect_status("one draft per group: a second draft is 409", second, 409)
    run.check(
        "409 carries the error envelope",
        is_error_envelope(_json(second)),
        second.text[:300],
    )
    again = versions(run, group_id, "list after the refused draft")
    run.check(
        "the refused draft left no dataset behind",
        again == listed,
        f"before {listed}, after {again}",
    )


@suite.scenario("save-draft publishes version N+1; then the group has no draft", destructive=True)
def save_draft_numbers_versions(run: Run) -> None:
    group_id, draft_id = create_group(run)
    first = save_and_wait(run, group_id, draft_id, "the initial draft")
    run.check("the first published version is 1", first == 1, f"got {first}")
    again = run.call(
        "save with no draft", "saveDraftDatasetVersion", json={"dataset_group_id": group_id}
    )
    run.expect_status("save-draft without a draft is 404", again, 404)
    run.check("404 carries the error envelope", is_error_envelope(_json(again)), again.text[:300])
    made = run.call(
        "create an empty draft", "createDraftDatasetVersion", json={"dataset_group_id": group_id}
    )
    run.require_status("an empty draft is 201", made, 201)
    new_id = made.json()["draft_dataset_id"]
    run.check("the new draft is a new dataset", new_id != draft_id, f"id {new_id} reused")
    second = save_and_wait(run, group_id, new_id, "the second draft")
    run.check(
        "the next version is N+1",
        first is not None and second == first + 1,
        f"first {first}, then {second}",
    )
    listed = versions(run, group_id, "list after publishing")
    run.check(
        "published versions keep their numbers",
        listed.get(draft_id) == first,
        f"versions: {listed}",
    )


@suite.scenario(
    "create-draft from a source is 202; rows appear when the copy ends", destructive=True
)
def draft_copy_is_asynchronous(run: Run) -> None:
    group_id, draft_id = create_group(run)
    save_and_wait(run, group_id, draft_id, "the initial draft")
    content = base64.b64encode(CSV).decode()
    filed = run.call(
        "create a version from a CSV file",
        "createDatasetVersionFromFile",
        json={
            "dataset_group_id": group_id,
            "file_name": "cases.csv",
            "file_content_base64": content,
        },
    )
    run.require_status("from-file: 201", filed, 201)
    source_id = filed.json()["dataset_id"]
    wait_published(run, group_id, source_id, "the file's version")
    source_rows = rows(run, source_id, "read the source rows")
    run.require(
        "the file's rows are readable",
        source_rows == [["hello", "hi there"], ["bye", "see you"]],
        f"rows: {source_rows}",
    )
    copy = run.call(
        "create a draft copying the source",
        "createDraftDatasetVersion",
        json={"dataset_group_id": group_id, "source_dataset_id": source_id},
    )
    run.require_status("create-draft with a source is 202", copy, 202)
    copy_id = copy.json()["draft_dataset_id"]
    early = rows(run, copy_id, "read the draft before the copy ends")
    if run.target.virtual_clock or early != source_rows:
        run.check(
            "the copy is asynchronous: rows are not there at once",
            early != source_rows,
            f"rows were already copied: {early}",
        )
    else:  # a real service may finish the copy within one round trip
        run.not_applicable(
            "the copy is asynchronous: rows are not there at once",
            "the rows were already copied at the first read: the copy finished within one "
            "round trip (held to it only on a draftmock, whose clock stands still)",
        )
    copied = run.wait_for(
        "the copied rows appear within the timeout",
        lambda: rows(run, copy_id, "poll the draft's rows") == source_rows,
    )
    if copied:
        run.transition("draft rows", "[]", "source rows")
    conflict = run.call(
        "create another draft while one exists",
        "createDraftDatasetVersion",
        json={"dataset_group_id": group_id},
    )
    run.expect_status("one draft per group: 409 while the copy draft exists", conflict, 409)
    published = save_and_wait(run, group_id, copy_id, "the copied draft")
    listed = versions(run, group_id, "list after publishing the copy")
    highest_other = max((n for i, n in listed.items() if i != copy_id and n > 0), default=0)
    run.check(
        "the copy is published as N+1",
        published == highest_other + 1,
        f"published {published}, previous highest {highest_other}",
    )
    run.check(
        "the published copy keeps its rows",
        rows(run, copy_id, "read the published copy") == source_rows,
        "rows changed on publishing",
    )


@suite.scenario("errors use the vendor's envelopes (401, 404, 422)")
def error_envelopes(run: Run) -> None:
    anonymous = run.call(
        "create-draft without a key",
        "createDraftDatasetVersion",
        json={"dataset_group_id": UNKNOWN_ID},
        anonymous=True,
    )
    run.expect_status("no API key is 401", anonymous, 401)
    run.check(
        "401 carries the error envelope", is_error_envelope(_json(anonymous)), anonymous.text[:300]
    )
    invalid = run.call(
        "create-draft with dataset_group_id 0",
        "createDraftDatasetVersion",
        json={"dataset_group_id": 0},
    )
    run.expect_status("a schema-invalid body is 422", invalid, 422)
    detail = (_json(invalid) or {}).get("detail")
    run.check(
        "422 is FastAPI's detail list naming the field",
        isinstance(detail, list)
        and bool(detail)
        and detail[0].get("loc") == ["body", "dataset_group_id"],
        invalid.text[:300],
    )
    missing = run.call("create-draft with no body fields", "createDraftDatasetVersion", json={})
    detail = (_json(missing) or {}).get("detail")
    run.check(
        "a missing field is 422 type 'missing'",
        missing.status_code == 422
        and isinstance(detail, list)
        and bool(detail)
        and detail[0].get("type") == "missing",
        missing.text[:300],
    )
    bad_query = run.call("list with per_page 500", "listDatasets", query={"per_page": 500})
    detail = (_json(bad_query) or {}).get("detail")
    run.check(
        "an out-of-range query parameter is 422 at ['query', 'per_page']",
        bad_query.status_code == 422
        and isinstance(detail, list)
        and bool(detail)
        and detail[0].get("loc") == ["query", "per_page"],
        bad_query.text[:300],
    )
    unknown = run.call(
        "save-draft of an unknown group",
        "saveDraftDatasetVersion",
        json={"dataset_group_id": UNKNOWN_ID},
    )
    run.expect_status("an unknown group is 404", unknown, 404)
    run.check("404 carries the error envelope", is_error_envelope(_json(unknown)), unknown.text)
    no_rows = run.call(
        "rows of an unknown dataset", "getDatasetRows", path={"dataset_id": UNKNOWN_ID}
    )
    run.expect_status("an unknown dataset's rows are 404", no_rows, 404)


@suite.scenario("external ids attach, list, detach; a second detach is 404", destructive=True)
def external_ids_round_trip(run: Run) -> None:
    group_id, _ = create_group(run)
    mapping = {"source": "draftmock-conform", "external_id": run.unique("ext")}
    attached = run.call(
        "attach an external id",
        "attach_dataset_group_id_external_id",
        path={"dataset_group_id": group_id},
        json=mapping,
    )
    run.require_status("attach: 201", attached, 201)
    run.cleanup(
        "detach the external id",
        lambda: run.call(
            "clean-up: detach",
            "delete_dataset_group_id_external_id",
            path={"dataset_group_id": group_id, **mapping},
        ),
    )
    listed = run.call(
        "list external ids",
        "list_dataset_group_id_external_ids",
        path={"dataset_group_id": group_id},
    )
    run.check(
        "the attached id is listed",
        mapping in (_json(listed) or {}).get("external_ids", []),
        listed.text[:300],
    )
    found = run.call(
        "find datasets by external id",
        "listDatasets",
        query={"external_source": mapping["source"], "external_id": mapping["external_id"]},
    )
    groups = {d["dataset_group_id"] for d in (_json(found) or {}).get("datasets", [])}
    run.check("listDatasets finds the group by its external id", groups == {group_id}, str(groups))
    half = run.call(
        "filter by external_source alone", "listDatasets", query={"external_source": "x"}
    )
    run.expect_status("external_source without external_id is 400", half, 400)
    removed = run.call(
        "detach the external id",
        "delete_dataset_group_id_external_id",
        path={"dataset_group_id": group_id, **mapping},
    )
    run.expect_status("detach: 200", removed, 200)
    twice = run.call(
        "detach it again",
        "delete_dataset_group_id_external_id",
        path={"dataset_group_id": group_id, **mapping},
    )
    run.expect_status("a second detach is 404", twice, 404)


@suite.scenario("another workspace's key cannot see the group (404)", destructive=True)
def workspaces_are_isolated(run: Run) -> None:
    other = run.credential("other_workspace_key", "an API key of a second workspace")
    group_id, _ = create_group(run)
    hidden = run.call(
        "create-draft with another workspace's key",
        "createDraftDatasetVersion",
        json={"dataset_group_id": group_id},
        headers={"X-API-KEY": other},
    )
    run.expect_status("a group of another workspace is 404", hidden, 404)
    listing = run.call(
        "list with another workspace's key",
        "listDatasets",
        query={"dataset_group_id": group_id},
        headers={"X-API-KEY": other},
    )
    run.check(
        "another workspace lists none of the group's datasets",
        listing.status_code in (200, 400) and not (_json(listing) or {}).get("datasets"),
        listing.text[:300],
    )


def _json(response: Any) -> Any:
    try:
        return response.json() if response.content else None
    except ValueError:
        return None
