"""AWS Bedrock AgentCore Control datasets: asynchronous work, versions, clientToken, as checks.

Sources: specs/agentcore.yaml (the botocore model); ../shared/research/vendor-apis.md §1. Requests
are signed with SigV4 (``conformance.sigv4``). Every mutation answers 202 with an in-progress
status (CREATING, UPDATING, DELETING) and the client polls GetDataset until the work is done.
Errors are read as botocore reads them: the code from ``x-amzn-ErrorType`` (before any ``:``),
else the body's ``__type``/``code``. Each scenario deletes the dataset it made, so none is
destructive.
"""

from __future__ import annotations

from typing import Any

import httpx

from draftmock.conformance.behaviour import Run, Suite

PREDEFINED = "AGENTCORE_EVALUATION_PREDEFINED_V1"
IN_PROGRESS = ("CREATING", "UPDATING", "DELETING")
UNKNOWN = "draftmock_conform_unknown-0000000000"

suite = Suite(
    "agentcore",
    sigv4_service="bedrock-agentcore",
    read_only_operations=("ListDatasets", "ListDatasetVersions", "ListDatasetExamples"),
)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json() if response.content else None
    except ValueError:
        return None


def error_code(response: httpx.Response) -> str | None:
    """The error code as botocore's rest-json parser finds it."""
    header: str | None = response.headers.get("x-amzn-errortype")
    if header:
        return header.split(":")[0]
    body = _json(response)
    if isinstance(body, dict):
        code = body.get("__type") or body.get("code") or body.get("Code")
        if isinstance(code, str):
            return code.rsplit("#", 1)[-1]
    return None


def expect_error(run: Run, name: str, response: httpx.Response, status: int, code: str) -> bool:
    got = error_code(response)
    return run.check(
        name,
        response.status_code == status and got == code,
        f"expected {status} {code}, got {response.status_code} {got}: {response.text[:300]}",
    )


def token(run: Run) -> str:
    """A clientToken (33 to 256 characters) no other run used."""
    return run.unique("draftmockconformclienttoken000000")


def example(scenario: str, text: str = "Hello") -> dict[str, Any]:
    return {"scenario_id": scenario, "turns": [{"input": text, "expected_response": "Hi"}]}


def inline(*examples: dict[str, Any]) -> dict[str, Any]:
    return {"inlineExamples": {"examples": list(examples)}}


def get(run: Run, dataset_id: str, step: str) -> dict[str, Any]:
    got = run.call(step, "GetDataset", path={"datasetId": dataset_id})
    run.require_status(f"{step}: 200", got, 200)
    body: dict[str, Any] = got.json()
    return body


def settled(run: Run, dataset_id: str, step: str) -> dict[str, Any]:
    """Poll GetDataset as a client would until the dataset leaves its in-progress status."""
    last: dict[str, Any] = {}

    def probe() -> bool:
        nonlocal last
        last = get(run, dataset_id, step)
        return last.get("status") not in IN_PROGRESS

    run.require(f"{step}: done within the timeout", bool(run.wait_for(f"{step}", probe)))
    return last


def create_dataset(
    run: Run, *, client_token: str | None = None, examples: int = 1
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(request body, 202 reply) of a fresh dataset; deleted when the scenario ends."""
    params: dict[str, Any] = {
        "datasetName": run.unique("draftmock_conform", sep="_"),
        "description": "conformance run",
        "schemaType": PREDEFINED,
        "source": inline(*(example(f"S-{n}") for n in range(1, examples + 1))),
    }
    if client_token is not None:
        params["clientToken"] = client_token
    made = run.call("create a dataset", "CreateDataset", json=params)
    if made.status_code == 403:
        run.skip(f"the credentials cannot create datasets ({error_code(made)})")
    run.require_status("create a dataset: 202", made, 202)
    body: dict[str, Any] = made.json()
    dataset_id = body["datasetId"]

    def delete() -> None:
        current = run.call("clean-up: read", "GetDataset", path={"datasetId": dataset_id})
        if current.status_code != 200:
            return
        if current.json().get("status") in ("CREATING", "UPDATING"):
            settled(run, dataset_id, "clean-up: wait")
        run.call("clean-up: delete", "DeleteDataset", path={"datasetId": dataset_id})

    run.cleanup("delete the dataset", delete)
    return params, body


def in_progress_seen(run: Run, name: str, dataset_id: str, status: str) -> None:
    """Right after a 202, GetDataset shows the work in progress (a real service may be faster
    than one round trip; only a draftmock, whose clock stands still, is held to it)."""
    seen = get(run, dataset_id, f"{name}: read at once").get("status")
    if run.target.virtual_clock or seen == status:
        run.check(f"{name}: GetDataset shows {status} until the work completes", seen == status)
    else:
        run.not_applicable(
            f"{name}: GetDataset shows {status} until the work completes",
            f"already {seen}: the service finished within one round trip",
        )


@suite.scenario("create is CREATING then ACTIVE; examples UPDATING → MODIFIED; publish N+1")
def create_add_publish(run: Run) -> None:
    _, made = create_dataset(run)
    ds = made["datasetId"]
    run.check("CreateDataset answers CREATING", made.get("status") == "CREATING", str(made))
    in_progress_seen(run, "create", ds, "CREATING")
    ready = settled(run, ds, "wait for the dataset")
    run.check("the dataset becomes ACTIVE", ready.get("status") == "ACTIVE", str(ready)[:300])
    run.transition("status after create", made.get("status"), ready.get("status"))
    run.check(
        "a new dataset holds its examples in DRAFT, never published (MODIFIED)",
        ready.get("exampleCount") == 1 and ready.get("draftStatus") == "MODIFIED",
        f"exampleCount {ready.get('exampleCount')}, draftStatus {ready.get('draftStatus')}",
    )

    added = run.call(
        "add examples",
        "AddDatasetExamples",
        path={"datasetId": ds},
        json={"source": inline(example("A-1"), example("A-2"))},
    )
    run.require_status("add examples: 202", added, 202)
    body = _json(added) or {}
    run.check(
        "AddDatasetExamples answers UPDATING with the new ids",
        body.get("status") == "UPDATING" and len(body.get("exampleIds") or []) == 2,
        added.text[:300],
    )
    in_progress_seen(run, "add", ds, "UPDATING")
    after_add = settled(run, ds, "wait for the examples")
    run.check(
        "after adding: ACTIVE, draftStatus MODIFIED, 3 examples",
        (after_add.get("status"), after_add.get("draftStatus"), after_add.get("exampleCount"))
        == ("ACTIVE", "MODIFIED", 3),
        str(after_add)[:300],
    )

    numbers = []
    for n in (1, 2):
        published = run.call(
            f"publish version {n}",
            "CreateDatasetVersion",
            path={"datasetId": ds},
            json={"clientToken": token(run)},
        )
        run.require_status(f"publish version {n}: 202", published, 202)
        reply = _json(published) or {}
        numbers.append(reply.get("datasetVersion"))
        run.check(
            f"publish version {n}: the version is N+1 ({n})",
            reply.get("datasetVersion") == str(n),
            f"datasetVersion {reply.get('datasetVersion')}",
        )
        run.check(
            f"publish version {n}: CreateDatasetVersion answers UPDATING",
            reply.get("status") == "UPDATING",
            f"status {reply.get('status')}",
        )
        in_progress_seen(run, f"publish version {n}", ds, "UPDATING")
        after = settled(run, ds, f"wait for version {n}")
        run.check(
            f"publish version {n}: ACTIVE and draftStatus UNMODIFIED",
            (after.get("status"), after.get("draftStatus")) == ("ACTIVE", "UNMODIFIED"),
            f"status {after.get('status')}, draftStatus {after.get('draftStatus')}",
        )
        run.transition(f"draftStatus on publishing {n}", "MODIFIED", after.get("draftStatus"))
        if n == 1:
            more = run.call(
                "add one more example",
                "AddDatasetExamples",
                path={"datasetId": ds},
                json={"source": inline(example("B-1"))},
            )
            run.require_status("add one more example: 202", more, 202)
            modified = settled(run, ds, "wait for the new example")
            run.check(
                "an edit after publishing makes the DRAFT MODIFIED again",
                modified.get("draftStatus") == "MODIFIED",
                f"draftStatus {modified.get('draftStatus')}",
            )
    run.transition("published version numbers", None, numbers)
    listed = run.call("list versions", "ListDatasetVersions", path={"datasetId": ds}, json={})
    run.require_status("list versions: 200", listed, 200)
    versions = (_json(listed) or {}).get("versions") or []
    run.check(
        "versions are listed newest first",
        [v.get("datasetVersion") for v in versions] == ["2", "1"],
        str([v.get("datasetVersion") for v in versions]),
    )
    run.check(
        "each version holds the DRAFT as it was published",
        [v.get("exampleCount") for v in versions] == [4, 3],
        str([v.get("exampleCount") for v in versions]),
    )


@suite.scenario("clientToken: a replay returns the original and changes nothing; a mismatch is 400")
def client_token_idempotency(run: Run) -> None:
    create_token = token(run)
    params, made = create_dataset(run, client_token=create_token)
    ds = made["datasetId"]
    replay = run.call("replay CreateDataset", "CreateDataset", json=params)
    run.expect_status("a CreateDataset replay is 202", replay, 202)
    run.check(
        "a CreateDataset replay returns the original reply",
        _json(replay) == made,
        f"original {made}, replay {replay.text[:300]}",
    )
    mismatch = run.call(
        "same token, other parameters",
        "CreateDataset",
        json={**params, "description": "other parameters"},
    )
    expect_error(
        run,
        "same token, other parameters: ValidationException",
        mismatch,
        400,
        "ValidationException",
    )
    reason = (_json(mismatch) or {}).get("reason")
    run.check(
        "the mismatch reason is IdempotentParameterMismatchException",
        reason == "IdempotentParameterMismatchException",
        f"reason {reason}",
    )
    settled(run, ds, "wait for the dataset")

    add_token = token(run)
    add = {"source": inline(example("T-1")), "clientToken": add_token}
    first = run.call("add examples", "AddDatasetExamples", path={"datasetId": ds}, json=add)
    run.require_status("add examples: 202", first, 202)
    settled(run, ds, "wait for the examples")
    again = run.call(
        "replay AddDatasetExamples", "AddDatasetExamples", path={"datasetId": ds}, json=add
    )
    run.expect_status("an AddDatasetExamples replay is 202", again, 202)
    run.check(
        "an AddDatasetExamples replay names the same examples",
        (_json(again) or {}).get("exampleIds") == (_json(first) or {}).get("exampleIds"),
        f"{(_json(first) or {}).get('exampleIds')} then {(_json(again) or {}).get('exampleIds')}",
    )
    after = settled(run, ds, "read after the replay")
    run.check(
        "a replay adds nothing",
        after.get("exampleCount") == 2,
        f"exampleCount {after.get('exampleCount')}",
    )

    version = {"clientToken": token(run)}
    v1 = run.call("publish", "CreateDatasetVersion", path={"datasetId": ds}, json=version)
    run.require_status("publish: 202", v1, 202)
    settled(run, ds, "wait for the version")
    v1_again = run.call(
        "replay CreateDatasetVersion", "CreateDatasetVersion", path={"datasetId": ds}, json=version
    )
    run.expect_status("a CreateDatasetVersion replay is 202", v1_again, 202)
    run.check(
        "a CreateDatasetVersion replay returns the same version",
        (_json(v1_again) or {}).get("datasetVersion") == (_json(v1) or {}).get("datasetVersion"),
        f"{(_json(v1) or {}).get('datasetVersion')} then "
        f"{(_json(v1_again) or {}).get('datasetVersion')}",
    )
    settled(run, ds, "read after the publish replay")
    listed = run.call("list versions", "ListDatasetVersions", path={"datasetId": ds}, json={})
    numbers = [v.get("datasetVersion") for v in (_json(listed) or {}).get("versions") or []]
    run.check("a publish replay creates no version", numbers == ["1"], f"versions {numbers}")


@suite.scenario("errors as botocore reads them: unknown 404, duplicate name 409, unsigned 403")
def errors(run: Run) -> None:
    unknown = run.call("get an unknown dataset", "GetDataset", path={"datasetId": UNKNOWN})
    expect_error(
        run, "an unknown dataset is ResourceNotFoundException", unknown, 404,
        "ResourceNotFoundException",
    )  # fmt: skip
    params, _ = create_dataset(run)
    twin = run.call(
        "create the same name again", "CreateDataset", json={**params, "clientToken": token(run)}
    )
    expect_error(run, "a duplicate name is ConflictException", twin, 409, "ConflictException")
    unsigned = run.call(
        "get a dataset unsigned", "GetDataset", path={"datasetId": UNKNOWN}, anonymous=True
    )
    run.expect_status("an unsigned request is refused with 403", unsigned, 403)


@suite.scenario("delete: DELETING, then ResourceNotFoundException")
def delete_dataset(run: Run) -> None:
    _, made = create_dataset(run)
    ds = made["datasetId"]
    settled(run, ds, "wait for the dataset")
    deleted = run.call("delete the dataset", "DeleteDataset", path={"datasetId": ds})
    run.require_status("delete: 202", deleted, 202)
    run.check(
        "DeleteDataset answers DELETING",
        (_json(deleted) or {}).get("status") == "DELETING",
        deleted.text[:300],
    )
    last: list[httpx.Response] = []

    def gone() -> bool:
        got = run.call("poll the deleted dataset", "GetDataset", path={"datasetId": ds})
        last[:] = [got]
        return got.status_code == 404

    if run.wait_for("the dataset is eventually gone", gone):
        expect_error(
            run, "a deleted dataset is ResourceNotFoundException", last[0], 404,
            "ResourceNotFoundException",
        )  # fmt: skip
    run.transition("status after delete", "DELETING", last[0].status_code if last else None)
