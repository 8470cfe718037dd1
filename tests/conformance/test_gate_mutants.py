"""The gate catches real faults: the behaviour phase against deliberately broken mocks.

Each mutant breaks one documented semantic of a fresh in-process mock (a vendor handler, job or
renderer swapped, or a setting changed) and runs in lenient mode, so the engine passes the broken
reply through instead of replacing it with its own 500 diagnostic. The gate must report a
contract failure (exit code 1) for every mutant, and pass the unbroken mock.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from draftmock.assembly import build_runtime, whole_vendor
from draftmock.clock import VirtualClock
from draftmock.conformance.gate import ConformOptions, conform
from draftmock.conformance.report import GateReport
from draftmock.runtime import Runtime
from draftmock.server.app import DraftmockApp
from draftmock.vendors import VENDORS
from draftmock.vendors._kit import Call, Context, OperationTable, Reply, Settings, Vendor

pytestmark = pytest.mark.conformance

Mutation = Callable[[Vendor[Any]], Vendor[Any]]


@dataclass(frozen=True)
class Mutant:
    api: str
    name: str
    breaks: str  # the semantic it breaks
    caught_by: str  # part of the name of a check that must fail
    mutate: Mutation | None = None
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)


def swap_handler(
    operation_id: str, make: Callable[[Callable[..., Reply]], Callable[..., Reply]]
) -> Mutation:
    """A vendor whose handler for ``operation_id`` is ``make(original)``; others untouched."""

    def mutate(vendor: Vendor[Any]) -> Vendor[Any]:
        table = OperationTable()
        table.handlers = dict(vendor.operations.handlers)
        table.handlers[operation_id] = make(vendor.operations.handlers[operation_id])
        return dataclasses.replace(vendor, operations=table)

    return mutate


def swap_job(kind: str, make: Callable[[Callable[..., None]], Callable[..., None]]) -> Mutation:
    def mutate(vendor: Vendor[Any]) -> Vendor[Any]:
        return dataclasses.replace(vendor, jobs={**vendor.jobs, kind: make(vendor.jobs[kind])})

    return mutate


def replace_field(**fields: Any) -> Mutation:
    def mutate(vendor: Vendor[Any]) -> Vendor[Any]:
        return dataclasses.replace(vendor, **fields)

    return mutate


# -- PromptLayer mutants ------------------------------------------------------------------------


def _pl_second_draft_allowed(original: Callable[..., Reply]) -> Callable[..., Reply]:
    from draftmock.vendors.promptlayer import service
    from draftmock.vendors.promptlayer.errors import ConflictError

    def handler(ctx: Context[Any], call: Call) -> Reply:
        try:
            return original(ctx, call)
        except ConflictError:
            ws = service.workspace_of(ctx, call.principal)
            group = service.group_of(ws, call.body["dataset_group_id"])
            draft = service._new_dataset(ctx, ws, group, call.principal)
            body = {"success": True, "message": "Draft created", "draft_dataset_id": draft.id}
            return Reply(201, body)

    return handler


def _pl_conflict_as_400(original: Callable[..., Reply]) -> Callable[..., Reply]:
    from draftmock.vendors.promptlayer.errors import ConflictError

    def handler(ctx: Context[Any], call: Call) -> Reply:
        try:
            return original(ctx, call)
        except ConflictError as exc:
            return Reply(400, {"success": False, "message": str(exc)})

    return handler


def _pl_skip_a_number(original: Callable[..., None]) -> Callable[..., None]:
    def job(ctx: Context[Any], payload: dict[str, Any]) -> None:
        original(ctx, payload)
        ws = ctx.backend.workspace(payload["workspace_id"])
        draft = ws.datasets.get(payload["draft_id"])
        if draft is not None and draft.version_number > 0:
            draft.version_number += 1

    return job


def _pl_never_publishes(original: Callable[..., None]) -> Callable[..., None]:
    def job(ctx: Context[Any], payload: dict[str, Any]) -> None:
        return None

    return job


def _pl_undocumented_202(original: Callable[..., Reply]) -> Callable[..., Reply]:
    def handler(ctx: Context[Any], call: Call) -> Reply:
        reply = original(ctx, call)
        return Reply(202, {"status": "queued", "id": reply.body["draft_dataset_id"]})

    return handler


def _pl_copy_loses_rows(original: Callable[..., None]) -> Callable[..., None]:
    def job(ctx: Context[Any], payload: dict[str, Any]) -> None:
        ws = ctx.backend.workspace(payload["workspace_id"])
        draft = ws.datasets.get(payload["draft_id"])
        if draft is not None:
            draft.pending = None

    return job


def _pl_bare_errors(error: Any, request_id: str) -> Reply:
    return Reply(error.status, {"message": error.message})


def _pl_shared_workspace(vendor: Vendor[Any]) -> Vendor[Any]:
    original = vendor.authenticate

    def authenticate(ctx: Context[Any], auth: Any) -> Any:
        if auth.credentials.get("ApiKeyAuth") == "pl-other-key":
            auth.credentials["ApiKeyAuth"] = "pl-demo-key"
        return original(ctx, auth)

    return dataclasses.replace(vendor, authenticate=authenticate)


def _pl_public_without_key(vendor: Vendor[Any]) -> Vendor[Any]:
    original = vendor.authenticate

    def authenticate(ctx: Context[Any], auth: Any) -> Any:
        if not auth.credentials.get("ApiKeyAuth"):
            auth.credentials["ApiKeyAuth"] = "pl-demo-key"
        return original(ctx, auth)

    return dataclasses.replace(vendor, authenticate=authenticate)


MUTANTS = [
    Mutant(
        "promptlayer",
        "second-draft-allowed",
        "one draft per group (409)",
        "one draft per group",
        swap_handler("createDraftDatasetVersion", _pl_second_draft_allowed),
    ),
    Mutant(
        "promptlayer",
        "conflict-answered-400",
        "a second draft is 409, not another error",
        "one draft per group",
        swap_handler("createDraftDatasetVersion", _pl_conflict_as_400),
    ),
    Mutant(
        "promptlayer",
        "async-made-instant",
        "202 means the copy ends later",
        "the copy is asynchronous",
        settings={"async_delay": 0},
    ),
    Mutant(
        "promptlayer",
        "versions-skip-a-number",
        "save-draft publishes version N+1",
        "N+1",
        swap_job("publish_draft", _pl_skip_a_number),
    ),
    Mutant(
        "promptlayer",
        "save-never-completes",
        "a 202 save completes within the timeout",
        "published within the timeout",
        swap_job("publish_draft", _pl_never_publishes),
    ),
    Mutant(
        "promptlayer",
        "copy-loses-rows",
        "the copied rows appear in the draft",
        "copied rows appear",
        swap_job("copy_rows", _pl_copy_loses_rows),
    ),
    Mutant(
        "promptlayer",
        "undocumented-202-body",
        "202 bodies follow the documented schema",
        "response matches the spec",
        swap_handler("saveDraftDatasetVersion", _pl_undocumented_202),
    ),
    Mutant(
        "promptlayer",
        "error-envelope-without-success",
        "errors carry {success: false, message}",
        "error envelope",
        replace_field(render_error=_pl_bare_errors),
    ),
    Mutant(
        "promptlayer",
        "workspaces-shared",
        "another workspace's key cannot see a group",
        "another workspace",
        _pl_shared_workspace,
    ),
    Mutant(
        "promptlayer",
        "anonymous-accepted",
        "requests without a key are 401",
        "no API key is 401",
        _pl_public_without_key,
    ),
]


# -- Lunary mutants -----------------------------------------------------------------------------


def _lu_restore_forgets_origin(original: Callable[..., Reply]) -> Callable[..., Reply]:
    from draftmock.vendors.lunary import service

    def handler(ctx: Context[Any], call: Call) -> Reply:
        reply = original(ctx, call)
        dataset = service.dataset_of(ctx, call.principal, str(call.path["datasetId"]))
        if dataset.current_version_id is not None:
            version = dataset.versions[dataset.current_version_id]
            dataset.versions[version.id] = dataclasses.replace(version, restored_from=None)
        reply.body["currentVersionRestoredFromVersionId"] = None
        return reply

    return handler


def _lu_skip_version_ignored(original: Callable[..., Reply]) -> Callable[..., Reply]:
    def handler(ctx: Context[Any], call: Call) -> Reply:
        call.query = {
            k: v for k, v in call.query.items() if k not in ("skipVersion", "skipVersioning")
        }
        return original(ctx, call)

    return handler


def _lu_snapshot_dedupes(original: Callable[..., Reply]) -> Callable[..., Reply]:
    from draftmock.vendors.lunary import handlers, service

    def handler(ctx: Context[Any], call: Call) -> Reply:
        dataset = service.dataset_of(ctx, call.principal, str(call.path["datasetId"]))
        latest = dataset.versions.get(dataset.current_version_id or "")
        if latest is not None and len(latest.items) == len(dataset.items):
            body = {
                "version": handlers.version_json(latest),
                "dataset": handlers.dataset_json(dataset),
            }
            return Reply(201, body)
        return original(ctx, call)

    return handler


MUTANTS += [
    Mutant(
        "lunary",
        "restore-loses-restoredFromVersionId",
        "restore records the version it came from",
        "restoredFromVersionId",
        swap_handler("restoreDatasetVersion", _lu_restore_forgets_origin),
    ),
    Mutant(
        "lunary",
        "skipVersion-ignored",
        "skipVersion=true creates no version",
        "skipVersion",
        swap_handler("createDatasetItem", _lu_skip_version_ignored),
    ),
    Mutant(
        "lunary",
        "unchanged-snapshot-deduplicated",
        "a manual snapshot is always N+1",
        "N+1",
        swap_handler("createDatasetVersion", _lu_snapshot_dedupes),
    ),
]


# -- Omni mutants -------------------------------------------------------------------------------


def _om_new_id_each_time(original: Callable[..., Reply]) -> Callable[..., Reply]:
    calls = iter(range(1, 1_000_000))

    def handler(ctx: Context[Any], call: Call) -> Reply:
        reply = original(ctx, call)
        reply.body = {**reply.body, "identifier": f"{reply.body['identifier']}-{next(calls)}"}
        return reply

    return handler


def _om_archive_idempotent(original: Callable[..., Reply]) -> Callable[..., Reply]:
    def handler(ctx: Context[Any], call: Call) -> Reply:
        try:
            return original(ctx, call)
        except Exception as exc:
            if getattr(exc, "status", None) != 404:
                raise
            return Reply(200, {"message": "Draft deleted successfully"})

    return handler


MUTANTS += [
    Mutant(
        "omni",
        "get-or-create-returns-a-new-id",
        "v1 create-draft returns the existing draft",
        "same draft identifier",
        swap_handler("documentsCreateDraft", _om_new_id_each_time),
    ),
    Mutant(
        "omni",
        "second-archive-succeeds",
        "a second archive is 404",
        "second archive is 404",
        swap_handler("documentsDiscardDraft", _om_archive_idempotent),
    ),
]


def _swap_key(scheme: str, presented: str, instead: str) -> Mutation:
    """A vendor that authenticates ``presented`` as if ``instead`` had been sent."""

    def mutate(vendor: Vendor[Any]) -> Vendor[Any]:
        original = vendor.authenticate

        def authenticate(ctx: Context[Any], auth: Any) -> Any:
            if auth.credentials.get(scheme) == presented:
                auth.credentials[scheme] = instead
            # a vendor may read the raw headers, as its upstream does (Lunary's Bearer)
            swapped = {k: v.replace(presented, instead) for k, v in auth.headers.items()}
            return original(ctx, dataclasses.replace(auth, headers=swapped))

        return dataclasses.replace(vendor, authenticate=authenticate)

    return mutate


def _om_second_main_draft(original: Callable[..., Reply]) -> Callable[..., Reply]:
    """A second createDraftAndPatch answers 200 with the existing draft instead of 409."""
    made: dict[str, Reply] = {}

    def handler(ctx: Context[Any], call: Call) -> Reply:
        document = str(call.path["documentId"])
        try:
            reply = original(ctx, call)
        except Exception as exc:
            if getattr(exc, "status", None) != 409 or document not in made:
                raise
            return made[document]
        made[document] = reply
        return reply

    return handler


MUTANTS += [
    Mutant(
        "omni",
        "viewer-may-create-drafts",
        "a Viewer cannot create a draft (403)",
        "a Viewer cannot create a draft",
        _swap_key("bearerAuth", "omni-demo-viewer", "omni-demo-manager"),
    ),
    Mutant(
        "omni",
        "second-main-draft-allowed",
        "one main draft per document (409)",
        "one main draft",
        swap_handler("createDraftAndPatch", _om_second_main_draft),
    ),
    Mutant(
        "lunary",
        "public-key-lists-versions",
        "a public key may not list versions (403)",
        "public key may not list versions",
        _swap_key(
            "BearerAuth",
            "22222222-2222-4222-8222-222222222222",
            "11111111-1111-4111-8111-111111111111",
        ),
    ),
    Mutant(
        "lunary",
        "projects-shared",
        "another project's key cannot see a dataset (404)",
        "another project's dataset is 404",
        _swap_key(
            "BearerAuth",
            "33333333-3333-4333-8333-333333333333",
            "11111111-1111-4111-8111-111111111111",
        ),
    ),
    Mutant(
        "omni",
        "rate-limit-off",
        "the 61st request in a minute is 429",
        "is refused with 429",
        settings={"options": {"omni": {"rate_limit": 0}}},
    ),
    Mutant(
        "lunary",
        "rate-limit-off-by-one",
        "150 requests a minute are served, the 151st is 429",
        "150 requests in a minute are served",
        settings={"options": {"lunary": {"rate_limit": 149}}},
    ),
]

# -- AgentCore mutants --------------------------------------------------------------------------

AC_TOKEN_OPERATIONS = ("CreateDataset", "AddDatasetExamples", "CreateDatasetVersion")


def _ac_ignore_client_token(vendor: Vendor[Any]) -> Vendor[Any]:
    """Every clientToken dropped before the idempotency wrapper sees it."""

    def make(original: Callable[..., Reply]) -> Callable[..., Reply]:
        def handler(ctx: Context[Any], call: Call) -> Reply:
            call.body = {k: v for k, v in (call.body or {}).items() if k != "clientToken"}
            return original(ctx, call)

        return handler

    for operation_id in AC_TOKEN_OPERATIONS:
        vendor = swap_handler(operation_id, make)(vendor)
    return vendor


def _ac_mismatch_accepted(original: Callable[..., Reply]) -> Callable[..., Reply]:
    """A reused token with other parameters runs as a new request instead of a 400."""

    def handler(ctx: Context[Any], call: Call) -> Reply:
        try:
            return original(ctx, call)
        except Exception as exc:
            if getattr(exc, "extra", {}).get("reason") != "IdempotentParameterMismatchException":
                raise
            call.body = {k: v for k, v in (call.body or {}).items() if k != "clientToken"}
            return original(ctx, call)

    return handler


def _ac_publish_skips_a_number(original: Callable[..., None]) -> Callable[..., None]:
    def job(ctx: Context[Any], payload: dict[str, Any]) -> None:
        original(ctx, {**payload, "version": payload["version"] + 1})

    return job


def _ac_publish_instant(original: Callable[..., Reply]) -> Callable[..., Reply]:
    """CreateDatasetVersion publishes before answering: no UPDATING to poll."""
    from draftmock.vendors.agentcore import service

    def handler(ctx: Context[Any], call: Call) -> Reply:
        reply = original(ctx, call)
        if reply.status == 202:
            payload = {
                "account_id": call.principal.account_id,
                "dataset_id": reply.body["datasetId"],
                "version": int(reply.body["datasetVersion"]),
            }
            service.finish_publish(ctx, payload)
            reply.body = {**reply.body, "status": "ACTIVE"}
        return reply

    return handler


def _ac_draft_stays_modified(original: Callable[..., None]) -> Callable[..., None]:
    def job(ctx: Context[Any], payload: dict[str, Any]) -> None:
        original(ctx, payload)
        account = ctx.backend.accounts.get(payload["account_id"])
        dataset = account.datasets.get(payload["dataset_id"]) if account else None
        if dataset is not None:
            dataset.draft_status = "MODIFIED"

    return job


def _ac_never_deleted(original: Callable[..., None]) -> Callable[..., None]:
    def job(ctx: Context[Any], payload: dict[str, Any]) -> None:
        return None

    return job


def _ac_versions_oldest_first(original: Callable[..., Reply]) -> Callable[..., Reply]:
    def handler(ctx: Context[Any], call: Call) -> Reply:
        reply = original(ctx, call)
        if reply.status == 200:
            reply.body = {**reply.body, "versions": list(reversed(reply.body["versions"]))}
        return reply

    return handler


def _ac_errors_without_type(vendor: Vendor[Any]) -> Vendor[Any]:
    original = vendor.render_error

    def render_error(error: Any, request_id: str) -> Reply:
        reply = original(error, request_id)
        reply.headers = {k: v for k, v in reply.headers.items() if k.lower() != "x-amzn-errortype"}
        return reply

    return dataclasses.replace(vendor, render_error=render_error)


MUTANTS += [
    Mutant(
        "agentcore",
        "clientToken-ignored",
        "a clientToken replay returns the original reply",
        "replay",
        _ac_ignore_client_token,
    ),
    Mutant(
        "agentcore",
        "token-mismatch-accepted",
        "the same token with other parameters is ValidationException",
        "IdempotentParameterMismatchException",
        swap_handler("CreateDataset", _ac_mismatch_accepted),
    ),
    Mutant(
        "agentcore",
        "version-not-N+1",
        "CreateDatasetVersion publishes version N+1",
        "N+1",
        swap_job("publish_version", _ac_publish_skips_a_number),
    ),
    Mutant(
        "agentcore",
        "publish-made-instant",
        "CreateDatasetVersion answers UPDATING and completes later",
        "UPDATING",
        swap_handler("CreateDatasetVersion", _ac_publish_instant),
    ),
    Mutant(
        "agentcore",
        "draft-stays-modified",
        "publishing makes draftStatus UNMODIFIED",
        "UNMODIFIED",
        swap_job("publish_version", _ac_draft_stays_modified),
    ),
    Mutant(
        "agentcore",
        "versions-oldest-first",
        "ListDatasetVersions lists newest first",
        "newest first",
        swap_handler("ListDatasetVersions", _ac_versions_oldest_first),
    ),
    Mutant(
        "agentcore",
        "delete-never-completes",
        "a deleted dataset is eventually ResourceNotFoundException",
        "eventually gone",
        swap_job("delete_dataset", _ac_never_deleted),
    ),
    Mutant(
        "agentcore",
        "errors-without-x-amzn-ErrorType",
        "botocore reads the error code from x-amzn-ErrorType",
        "ResourceNotFoundException",
        _ac_errors_without_type,
    ),
]

# -- running ------------------------------------------------------------------------------------


def broken_runtime(mutant: Mutant) -> Runtime:
    settings = {"async_delay": 2.0, **mutant.settings}
    runtime = build_runtime(
        apis=[mutant.api],
        clock=VirtualClock(frozen=True),
        settings=Settings(strict_responses=False, **settings),
    )
    if mutant.mutate is not None:
        # The vendor module is what breaks: the whole-document composition is built over it.
        broken = mutant.mutate(VENDORS[mutant.api])
        document = runtime.documents[mutant.api]
        runtime.vendors[mutant.api] = whole_vendor(broken, document, [], False)
    return runtime


def gate(mutant: Mutant) -> GateReport:
    runtime = broken_runtime(mutant)
    options = ConformOptions(api=mutant.api, phases=["behaviour"], timeout=20, poll_interval=2)
    return conform(options, stream=io.StringIO(), app_factory=lambda: DraftmockApp(runtime))


SERVED = [m for m in MUTANTS if m.api in VENDORS]
DETECTED: dict[str, bool] = {}


@pytest.mark.parametrize("api", sorted({m.api for m in SERVED}))
def test_the_unbroken_mock_passes(api: str) -> None:
    report = gate(Mutant(api, "none", "nothing", ""))
    failures = [
        f"{r.name}: {r.reason}" for r in report.behaviour if r.status in ("failed", "error")
    ]
    assert report.exit_code == 0, failures
    assert all(r.status == "passed" for r in report.behaviour), [
        (r.name, r.status, r.reason) for r in report.behaviour
    ]


@pytest.mark.parametrize("mutant", SERVED, ids=[f"{m.api}:{m.name}" for m in SERVED])
def test_mutant_is_detected(mutant: Mutant) -> None:
    report = gate(mutant)
    failed_checks = [
        f"{r.name}: {c.name}" for r in report.behaviour for c in r.checks if c.status == "failed"
    ]
    DETECTED[f"{mutant.api}:{mutant.name}"] = report.exit_code == 1
    assert report.exit_code == 1, f"{mutant.name} ({mutant.breaks}) was not detected"
    # ... and for the right reason: the check stating the broken semantic failed.
    assert any(mutant.caught_by in name for name in failed_checks), failed_checks


def test_detection_share(capsys: pytest.CaptureFixture[str]) -> None:
    for mutant in SERVED:
        key = f"{mutant.api}:{mutant.name}"
        if key not in DETECTED:
            DETECTED[key] = gate(mutant).exit_code == 1
    share = sum(DETECTED.values()) / len(DETECTED)
    with capsys.disabled():
        print(
            f"\nconformance gate: {sum(DETECTED.values())}/{len(DETECTED)} mutants detected "
            f"({share:.0%})"
        )
    missed = sorted(k for k, ok in DETECTED.items() if not ok)
    assert not missed, f"undetected mutants: {missed}"
