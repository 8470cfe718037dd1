"""``draftmock conform`` against a server that is not a draftmock, as against a real vendor.

The target is a real mock over a socket, on a clock that follows real time, with its control
plane hidden: ``/__draftmock/`` answers 404 and ``X-Draftmock-*`` request headers are dropped,
so the gate cannot detect it and treats it as any remote endpoint. That is the path a user
takes against the vendor: polling sleeps in real time until its timeout, AgentCore is signed
with credentials from the AWS chain, what the credentials cannot do is skipped with a reason,
and destructive scenarios need ``--destructive`` against a non-local URL.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.types import Receive, Scope, Send

from draftmock.assembly import build_runtime
from draftmock.clock import VirtualClock
from draftmock.conformance.diff import diff
from draftmock.conformance.gate import ConformOptions, conform
from draftmock.conformance.report import GateReport
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from draftmock.vendors._kit import Settings
from tests.conformance.test_gate_mutants import MUTANTS

pytestmark = pytest.mark.conformance

ASYNC_DELAY = 0.3  # real seconds the hidden mock's asynchronous work takes
FAST = {"poll_interval": 0.05, "timeout": 10.0}
OMNI_MODEL = "3fb59130-54fc-4848-832f-d22f61933485"  # a model of the bundled fixture
KEYS = {
    "promptlayer": "pl-demo-key",
    "lunary": "11111111-1111-4111-8111-111111111111",
    "omni": "omni-demo-manager",
}


class Hidden:
    """An ASGI app serving ``inner`` as a vendor would: no control plane, no steering headers."""

    def __init__(self, inner: DraftmockApp) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if scope["path"].startswith("/__draftmock"):
                await send({"type": "http.response.start", "status": 404, "headers": []})
                await send({"type": "http.response.body", "body": b"Not Found"})
                return
            headers = [(k, v) for k, v in scope["headers"] if not k.startswith(b"x-draftmock")]
            scope = {**scope, "headers": headers}
        await self.inner(scope, receive, send)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """An AWS credential chain that finds only what a test writes to ``tmp_path/credentials``."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return monkeypatch


def hidden_app(mutant: Any = None) -> Hidden:
    settings: dict[str, Any] = {"async_delay": ASYNC_DELAY}
    if mutant is not None:
        settings.update(mutant.settings)
    runtime = build_runtime(
        clock=VirtualClock(),  # follows real time
        settings=Settings(strict_responses=mutant is None, **settings),
    )
    if mutant is not None and mutant.mutate is not None:
        runtime.vendors[mutant.api] = mutant.mutate(runtime.vendors[mutant.api])
    return Hidden(DraftmockApp(runtime))


@pytest.fixture
def remote() -> Iterator[LiveServer]:
    with LiveServer(hidden_app()) as live:
        yield live


def non_local(server: LiveServer) -> str:
    """The server's root spelled as an address the gate does not treat as local (the IPv4-mapped
    IPv6 form of the loopback address): a stand-in for a vendor's host."""
    return f"http://[::ffff:{server.host}]:{server.port}"


def run(api: str, base_url: str, **options: Any) -> GateReport:
    settings: dict[str, Any] = {"phases": ["behaviour"], **FAST}
    if api in KEYS:
        settings["api_key"] = KEYS[api]
    settings.update(options)
    return conform(ConformOptions(api=api, base_url=base_url, **settings), stream=io.StringIO())


def by_name(report: GateReport) -> dict[str, Any]:
    return {r.name: r for r in report.behaviour}


def test_the_hidden_mock_is_not_detected(remote: LiveServer) -> None:
    report = run("promptlayer", f"{remote.url}/promptlayer")
    assert report.draftmock is False
    assert report.exit_code == 0, [(r.name, r.reason) for r in report.behaviour]


@pytest.mark.slow
def test_polling_waits_in_real_time(remote: LiveServer) -> None:
    report = run("promptlayer", f"{remote.url}/promptlayer")
    results = by_name(report)
    copy = results["draft_copy_is_asynchronous"]
    assert copy.status == "passed", copy.reason
    # Three asynchronous steps (publish the file, copy, publish the copy), each waited out.
    assert copy.duration >= 2 * ASYNC_DELAY
    polls = [e for e in copy.exchanges if e.step.startswith("poll")]
    assert len(polls) > 3
    # Whether the copy was still running at the first read is observed, not assumed.
    (early,) = [c for c in copy.checks if "rows are not there at once" in c.name]
    assert early.status in ("passed", "skipped")


@pytest.mark.slow
def test_a_timeout_is_a_contract_failure_after_real_seconds() -> None:
    never = next(m for m in MUTANTS if m.name == "save-never-completes")
    with LiveServer(hidden_app(never)) as live:
        report = run("promptlayer", f"{live.url}/promptlayer", timeout=0.5)
    saved = by_name(report)["save_draft_numbers_versions"]
    assert saved.status == "failed"
    timed_out = [c for c in saved.checks if "published within the timeout" in c.name]
    assert timed_out and timed_out[0].status == "failed"
    assert timed_out[0].detail.startswith("not done after 0.5 s")
    assert saved.duration >= 0.5
    assert report.exit_code == 1


def test_missing_credentials_skip_with_the_reason(remote: LiveServer) -> None:
    results = by_name(run("promptlayer", f"{remote.url}/promptlayer"))
    isolated = results["workspaces_are_isolated"]
    assert isolated.status == "skipped"
    assert "needs credential 'other_workspace_key'" in isolated.reason
    assert isolated.exchanges == []


def test_named_credentials_come_from_the_environment(
    remote: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRAFTMOCK_CONFORM_PROMPTLAYER_OTHER_WORKSPACE_KEY", "pl-other-key")
    isolated = by_name(run("promptlayer", f"{remote.url}/promptlayer"))["workspaces_are_isolated"]
    assert isolated.status == "passed", isolated.reason


def test_powers_the_key_lacks_are_skipped(
    remote: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Viewer key cannot create documents: every scenario that needs one says so."""
    monkeypatch.setenv("DRAFTMOCK_CONFORM_OMNI_MODEL_ID", OMNI_MODEL)
    results = by_name(run("omni", f"{remote.url}/omni", api_key="omni-demo-viewer"))
    for name in ("draft_get_or_create_and_archive", "v2_draft_and_publish"):
        assert results[name].status == "skipped", (name, results[name].reason)
        assert "cannot create documents (403)" in results[name].reason


@pytest.mark.slow
def test_destructive_scenarios_need_the_flag_against_a_non_local_url(remote: LiveServer) -> None:
    base = f"{non_local(remote)}/promptlayer"
    refused = by_name(run("promptlayer", base))
    destructive = {"one_draft_per_group", "save_draft_numbers_versions"}
    for name in destructive:
        assert refused[name].status == "skipped"
        assert "--destructive" in refused[name].reason
        assert refused[name].exchanges == []
    assert refused["error_envelopes"].status == "passed"  # leaves nothing behind
    allowed = by_name(run("promptlayer", base, destructive=True))
    assert all(allowed[name].status == "passed" for name in destructive)
    # Locally they run unless --no-destructive says otherwise.
    local = by_name(run("promptlayer", f"{remote.url}/promptlayer", destructive=False))
    assert all(local[name].status == "skipped" for name in destructive)


def test_rate_limits_are_opt_in_against_a_non_local_url(remote: LiveServer) -> None:
    limited = by_name(run("omni", f"{non_local(remote)}/omni"))["rate_limit"]
    assert limited.status == "skipped" and "--destructive" in limited.reason


@pytest.mark.slow
def test_agentcore_is_signed_from_the_aws_chain(
    remote: LiveServer, aws: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The fixture key ``draftmock-signed`` has a secret: the mock verifies every signature."""
    base = f"{remote.url}/agentcore"
    (tmp_path / "credentials").write_text(
        "[conform]\naws_access_key_id = draftmock-signed\n"
        "aws_secret_access_key = draftmock-secret\n"
    )
    aws.setenv("AWS_PROFILE", "conform")
    report = run("agentcore", base)
    assert report.exit_code == 0, [(r.name, r.reason) for r in report.behaviour]
    assert any("AWS credential chain" in note for note in report.notes), report.notes
    assert {r.status for r in report.behaviour} == {"passed"}
    (tmp_path / "credentials").write_text(
        "[conform]\naws_access_key_id = draftmock-signed\naws_secret_access_key = wrong\n"
    )
    refused = run("agentcore", base)
    assert refused.exit_code == 1  # signatures that do not verify: refused, so checks fail


@pytest.mark.slow
def test_agentcore_without_credentials_is_a_usage_error(
    remote: LiveServer, aws: pytest.MonkeyPatch
) -> None:
    env = dict(os.environ)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "draftmock",
            "conform",
            "agentcore",
            "--base-url",
            f"{remote.url}/agentcore",
            "--phases",
            "behaviour",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "no AWS credentials were found" in done.stderr


@pytest.mark.slow
def test_the_cli_against_the_hidden_mock(remote: LiveServer, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "draftmock",
            "conform",
            "lunary",
            "--base-url",
            f"{non_local(remote)}/lunary",
            "--api-key",
            KEYS["lunary"],
            "--phases",
            "examples,behaviour",
            "--max-examples",
            "2",
            "--poll-interval",
            "0.05",
            "--report",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    data = json.loads(report.read_text())
    assert data["draftmock"] is False
    statuses = {r["name"]: r["status"] for r in data["behaviour"]}
    assert statuses["rate_limit"] == "skipped"
    assert statuses["keys_and_projects"] == "skipped"  # no second project's key given
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("api", ["promptlayer", "lunary", "omni", "agentcore"])
def test_diff_with_the_hidden_mock_is_empty(
    remote: LiveServer, api: str, aws: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The same mock, seen as a remote service: normalised, nothing differs."""
    aws.setenv("DRAFTMOCK_CONFORM_OMNI_MODEL_ID", OMNI_MODEL)
    aws.setenv("DRAFTMOCK_CONFORM_OMNI_VIEWER_KEY", "omni-demo-viewer")
    aws.setenv("DRAFTMOCK_CONFORM_PROMPTLAYER_OTHER_WORKSPACE_KEY", "pl-other-key")
    aws.setenv("DRAFTMOCK_CONFORM_LUNARY_OTHER_PROJECT_KEY", KEYS["lunary"].replace("1", "3"))
    aws.setenv("DRAFTMOCK_CONFORM_LUNARY_PUBLIC_KEY", KEYS["lunary"].replace("1", "2"))
    if api == "agentcore":
        (tmp_path / "credentials").write_text(
            "[conform]\naws_access_key_id = draftmock-signed\n"
            "aws_secret_access_key = draftmock-secret\n"
        )
        aws.setenv("AWS_PROFILE", "conform")
    options: dict[str, Any] = dict(FAST)
    if api in KEYS:
        options["api_key"] = KEYS[api]
    result = diff(
        ConformOptions(api=api, base_url=f"{remote.url}/{api}", **options), stream=io.StringIO()
    )
    assert not result.target_report.draftmock
    ran = [r.name for r in result.target_report.behaviour if r.status == "passed"]
    skipped = [(r.name, r.reason) for r in result.target_report.behaviour if r.status != "passed"]
    assert len(ran) == len(result.mock_report.behaviour), skipped  # a local URL: everything runs
    assert result.differences == [], [d.describe() for d in result.differences]
    assert result.exit_code == 0


def routed_methods(app: Hidden, api: str) -> set[tuple[str, str]]:
    journal = app.inner.runtime.world().journal
    return {
        (e.method, e.operation_id) for e in journal.query(api=api, limit=100_000) if e.operation_id
    }


def test_schemathesis_changes_no_data_on_a_non_local_url_without_the_flag() -> None:
    app = hidden_app()
    with LiveServer(app) as live:
        base = f"{non_local(live)}/promptlayer"
        safe = run("promptlayer", base, phases=["examples", "coverage"], max_examples=2)
        called = routed_methods(app, "promptlayer")
        assert safe.exit_code == 0, safe.to_json()["summary"]
        assert called and {method for method, _ in called} == {"GET"}, called
        assert any("pass --destructive to test every operation" in n for n in safe.notes)
        everything = run("promptlayer", base, phases=["examples"], max_examples=2, destructive=True)
        assert everything.exit_code == 0, everything.to_json()["summary"]
        assert ("POST", "createDatasetGroup") in routed_methods(app, "promptlayer")


def test_a_document_with_no_read_only_operation_skips_schemathesis(remote: LiveServer) -> None:
    fragment = Path(__file__).resolve().parents[1] / "contracts" / "promptlayer-seed-000.yaml"
    report = run(
        "promptlayer", f"{non_local(remote)}/promptlayer", phases=["examples"], spec=fragment
    )
    assert report.phase_rows() == [
        ("examples", "skip", "no operation of the document is read-only")
    ]
    assert report.exit_code == 0


def test_headers_given_with_header_are_sent(remote: LiveServer) -> None:
    """--header instead of --api-key: the key travels on every request all the same."""
    base = f"{remote.url}/promptlayer"
    keyed = run("promptlayer", base, api_key=None, headers={"X-API-KEY": KEYS["promptlayer"]})
    assert keyed.exit_code == 0, [(r.name, r.reason) for r in keyed.behaviour]
    assert by_name(keyed)["one_draft_per_group"].status == "passed"
    keyless = by_name(run("promptlayer", base, api_key=None))["one_draft_per_group"]
    assert keyless.status == "skipped" and "(401)" in keyless.reason


def test_schemathesis_is_signed_from_the_aws_chain(aws: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "credentials").write_text(
        "[conform]\naws_access_key_id = draftmock-signed\naws_secret_access_key = draftmock-secret\n"
    )
    aws.setenv("AWS_PROFILE", "conform")
    app = hidden_app()
    with LiveServer(app) as live:
        report = run("agentcore", f"{live.url}/agentcore", phases=["examples"], max_examples=2)
    assert report.exit_code == 0, report.to_json()["summary"]
    journal = app.inner.runtime.world().journal.query(api="agentcore", limit=100_000)
    # The key's secret is known to the mock: a 2xx means the signature verified (unsigned, every
    # request is refused with 403: test_sigv4.test_without_signing_everything_is_refused).
    succeeded = {e.operation_id for e in journal if 200 <= e.status < 300}
    assert "ListDatasets" in succeeded and len(succeeded) >= 3, succeeded


LISTINGS = {"lunary": "listDatasets", "omni": "documentsList", "agentcore": "ListDatasets"}


@pytest.mark.parametrize("api", sorted(LISTINGS))
def test_scenarios_clean_up_after_themselves(
    remote: LiveServer, api: str, aws: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Where the API can delete what a scenario made, nothing the run created is left."""
    import httpx

    from draftmock.conformance.gate import spec_path
    from draftmock.conformance.referee import Referee
    from draftmock.conformance.sigv4 import SigV4HttpxAuth, SigV4Signing
    from draftmock.spec.document import load_document

    aws.setenv("DRAFTMOCK_CONFORM_OMNI_MODEL_ID", OMNI_MODEL)
    aws.setenv("AWS_ACCESS_KEY_ID", "draftmock-signed")
    aws.setenv("AWS_SECRET_ACCESS_KEY", "draftmock-secret")
    base = f"{remote.url}/{api}"
    report = run(api, base, destructive=False)  # no rate-limit runs: the listing below must pass
    assert report.exit_code == 0, [(r.name, r.reason) for r in report.behaviour]
    assert sum(r.status == "passed" for r in report.behaviour) >= 2
    listing = Referee(load_document(spec_path(api), api)).operation(LISTINGS[api])
    auth = SigV4HttpxAuth(
        SigV4Signing("bedrock-agentcore", "us-east-1", "draftmock-signed", "draftmock-secret")
    )
    with httpx.Client(auth=auth if api == "agentcore" else None) as client:
        headers = {"Authorization": f"Bearer {KEYS[api]}"} if api in KEYS else {}
        left = client.request(
            listing.method,
            base + listing.path,
            headers=headers,
            json={} if listing.method == "POST" else None,
        )
    assert left.status_code == 200, left.text
    assert "conform" not in left.text, left.text[:2000]
