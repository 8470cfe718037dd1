"""Lunary datasets-v2: auto-versioning, snapshots and restore, as checks.

Sources: specs/lunary.yaml; ../shared/research/vendor-apis.md §3 (read from Lunary's backend).
Every scenario deletes the dataset it made (DELETE is 204 with cascades), so none is destructive.
"""

from __future__ import annotations

from typing import Any

from draftmock.conformance.behaviour import Run, Suite

UNKNOWN = "00000000-0000-4000-8000-000000000000"

suite = Suite(
    "lunary",
    auth_header=lambda key: {"Authorization": f"Bearer {key}"},
    mock_credentials={
        "api_key": "11111111-1111-4111-8111-111111111111",
        "other_project_key": "33333333-3333-4333-8333-333333333333",
        "public_key": "22222222-2222-4222-8222-222222222222",
    },
    # The in-process mock runs on a frozen clock: without this, a Schemathesis run would meet
    # the 150-requests-per-minute limit and judge the 429s.
    schemathesis_mock_options={"rate_limit": 0},
)


def _json(response: Any) -> Any:
    try:
        return response.json() if response.content else None
    except ValueError:
        return None


def create_dataset(run: Run) -> dict[str, Any]:
    made = run.call(
        "create a dataset",
        "createDataset",
        json={"name": run.unique("draftmock conform"), "description": "conformance run"},
    )
    if made.status_code in (401, 403):
        run.skip(f"the credentials cannot create datasets ({made.status_code})")
    run.require_status("create a dataset: 201", made, 201)
    dataset: dict[str, Any] = made.json()
    run.cleanup(
        "delete the dataset",
        lambda: run.call("clean-up: delete", "deleteDataset", path={"datasetId": dataset["id"]}),
    )
    return dataset


def current(run: Run, dataset_id: str, step: str) -> dict[str, Any]:
    got = run.call(step, "getDataset", path={"datasetId": dataset_id})
    run.require_status(f"{step}: 200", got, 200)
    body: dict[str, Any] = got.json()
    return body


def versions(run: Run, dataset_id: str, step: str) -> list[dict[str, Any]]:
    listed = run.call(step, "listDatasetVersions", path={"datasetId": dataset_id})
    run.require_status(f"{step}: 200", listed, 200)
    found: list[dict[str, Any]] = listed.json()["versions"]
    return found


@suite.scenario("create = version 1; item edits version unless skipVersion; snapshot N+1")
def auto_versioning(run: Run) -> None:
    dataset = create_dataset(run)
    ds = dataset["id"]
    run.check(
        "a new dataset is version 1 with no items",
        dataset.get("currentVersionNumber") == 1 and dataset.get("itemCount") == 0,
        f"currentVersionNumber {dataset.get('currentVersionNumber')}, "
        f"itemCount {dataset.get('itemCount')}",
    )
    item = run.call(
        "add an item", "createDatasetItem", path={"datasetId": ds}, json={"input": "hello"}
    )
    run.require_status("add an item: 201", item, 201)
    after_item = current(run, ds, "read after adding an item")
    run.check(
        "an item edit creates version N+1",
        after_item.get("currentVersionNumber") == 2,
        f"currentVersionNumber {after_item.get('currentVersionNumber')}",
    )
    run.transition("currentVersionNumber after an item", 1, after_item.get("currentVersionNumber"))
    quiet = run.call(
        "add an item with skipVersion",
        "createDatasetItem",
        path={"datasetId": ds},
        query={"skipVersion": "true"},
        json={"input": "no version"},
    )
    run.require_status("add an item with skipVersion: 201", quiet, 201)
    after_quiet = current(run, ds, "read after a skipVersion edit")
    run.check(
        "skipVersion=true creates no version",
        after_quiet.get("currentVersionNumber") == 2,
        f"currentVersionNumber {after_quiet.get('currentVersionNumber')}",
    )
    run.check(
        "itemCount counts live items",
        after_quiet.get("itemCount") == 2,
        f"itemCount {after_quiet.get('itemCount')}",
    )
    snap = run.call("take a snapshot", "createDatasetVersion", path={"datasetId": ds})
    run.require_status("a snapshot is 201", snap, 201)
    body = _json(snap) or {}
    number = (body.get("version") or {}).get("versionNumber")
    run.check("a snapshot is version N+1", number == 3, f"versionNumber {number}")
    run.check(
        "the snapshot holds the live items",
        (body.get("version") or {}).get("itemCount") == 2,
        str(body.get("version")),
    )
    again = run.call("snapshot again, unchanged", "createDatasetVersion", path={"datasetId": ds})
    number2 = ((_json(again) or {}).get("version") or {}).get("versionNumber")
    run.check("an unchanged snapshot is still N+1", number2 == 4, f"versionNumber {number2}")
    listed = [v["versionNumber"] for v in versions(run, ds, "list versions")]
    run.check(
        "versions are listed newest first, never reused",
        listed == [4, 3, 2, 1],
        f"listed {listed}",
    )


@suite.scenario("restore replaces the items and creates N+1 with restoredFromVersionId")
def restore_creates_a_version(run: Run) -> None:
    dataset = create_dataset(run)
    ds = dataset["id"]
    run.call("add an item", "createDatasetItem", path={"datasetId": ds}, json={"input": "first"})
    v2 = next(v for v in versions(run, ds, "list versions") if v["versionNumber"] == 2)
    run.call("add another", "createDatasetItem", path={"datasetId": ds}, json={"input": "second"})
    before = current(run, ds, "read before restoring")
    restored = run.call(
        "restore version 2",
        "restoreDatasetVersion",
        path={"datasetId": ds, "versionId": v2["id"]},
    )
    run.require_status("restore: 200", restored, 200)
    body = _json(restored) or {}
    run.check(
        "restore creates version N+1",
        body.get("currentVersionNumber") == before.get("currentVersionNumber", 0) + 1,
        f"{before.get('currentVersionNumber')} -> {body.get('currentVersionNumber')}",
    )
    run.transition(
        "currentVersionNumber on restore",
        before.get("currentVersionNumber"),
        body.get("currentVersionNumber"),
    )
    run.check(
        "the dataset records restoredFromVersionId",
        body.get("currentVersionRestoredFromVersionId") == v2["id"],
        f"currentVersionRestoredFromVersionId {body.get('currentVersionRestoredFromVersionId')}",
    )
    run.check(
        "the live items are the version's items",
        [i.get("input") for i in body.get("items", [])] == ["first"],
        str([i.get("input") for i in body.get("items", [])]),
    )
    newest = versions(run, ds, "list versions after restoring")[0]
    run.check(
        "the new version names the restored one",
        newest.get("restoredFromVersionId") == v2["id"],
        f"restoredFromVersionId {newest.get('restoredFromVersionId')}",
    )


@suite.scenario("errors: 422 for a non-UUID id, 404 unknown, 409 duplicate name, 404 after delete")
def errors_and_deletes(run: Run) -> None:
    bad = run.call("get a non-UUID id", "getDataset", path={"datasetId": "not-a-uuid"})
    run.expect_status("a non-UUID path parameter is 422", bad, 422)
    body = _json(bad) or {}
    run.check(
        "422 carries {error, message}",
        isinstance(body.get("error"), str) and isinstance(body.get("message"), str),
        bad.text[:300],
    )
    unknown = run.call("get an unknown dataset", "getDataset", path={"datasetId": UNKNOWN})
    run.expect_status("an unknown dataset is 404", unknown, 404)
    run.check(
        "404 says 'Dataset not found'",
        (_json(unknown) or {}).get("message") == "Dataset not found",
        unknown.text[:300],
    )
    dataset = create_dataset(run)
    twin = run.call("create the same name again", "createDataset", json={"name": dataset["name"]})
    run.expect_status("a duplicate name in a project is 409", twin, 409)
    gone = run.call("delete the dataset", "deleteDataset", path={"datasetId": dataset["id"]})
    run.expect_status("delete is 204", gone, 204)
    after = run.call("get the deleted dataset", "getDataset", path={"datasetId": dataset["id"]})
    run.expect_status("a deleted dataset is 404", after, 404)


@suite.scenario("another project's key sees 404; a public key may not list versions (403)")
def keys_and_projects(run: Run) -> None:
    other = run.credential("other_project_key", "a private key of a second project")
    dataset = create_dataset(run)
    hidden = run.call(
        "get with another project's key",
        "getDataset",
        path={"datasetId": dataset["id"]},
        headers={"Authorization": f"Bearer {other}"},
    )
    run.expect_status("another project's dataset is 404", hidden, 404)
    public = run.credential("public_key", "the project's public key")
    listed = run.call(
        "list versions with the public key",
        "listDatasetVersions",
        path={"datasetId": dataset["id"]},
        headers={"Authorization": f"Bearer {public}"},
    )
    run.expect_status("a public key may not list versions (403)", listed, 403)


RATE_LIMIT = 150  # requests per 60-second window per key
RATE_HEADERS = ("Rate-Limit-Remaining", "Rate-Limit-Reset", "Rate-Limit-Total")


@suite.scenario("the 151st request in a minute is 429 with Rate-Limit-* headers")
def rate_limit(run: Run) -> None:
    headers = run.fresh_quota("the 150-requests-a-minute quota")
    statuses = []
    for _ in range(RATE_LIMIT + 1):
        got = run.call("spend the quota", "listDatasets", headers=headers)
        statuses.append(got.status_code)
        if len(statuses) == 1:
            run.check(
                "a served request carries Rate-Limit-* headers",
                all(h in got.headers for h in RATE_HEADERS),
                str({h: got.headers.get(h) for h in RATE_HEADERS}),
            )
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
    shown = {h: got.headers.get(h) for h in (*RATE_HEADERS, "Retry-After")}
    run.check(
        "429 carries Rate-Limit-* headers, none remaining",
        all(shown[h] is not None for h in RATE_HEADERS)
        and shown["Rate-Limit-Remaining"] == "0"
        and shown["Rate-Limit-Total"] == str(RATE_LIMIT),
        str(shown),
    )
    run.check(
        "429 carries {message}",
        isinstance((_json(got) or {}).get("message"), str),
        got.text[:300],
    )
    run.transition("status once the quota is spent", 200, statuses[-1])
