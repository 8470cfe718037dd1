"""The gate signs AgentCore requests with SigV4 as boto3 does, in both phases.

The fixture key ``draftmock-signed`` has a secret, so the mock recomputes its signatures: a 2xx for
that key proves a request was signed over exactly what went on the wire."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from draftmock.conformance import sigv4
from draftmock.conformance.config import config_for, excluded_checks
from draftmock.conformance.schemathesis_run import run_schemathesis
from draftmock.conformance.sigv4 import SigV4HttpxAuth, SigV4Signing, region_from, signing_for
from draftmock.paths import specs_dir
from draftmock.runtime import Runtime
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from tests.conftest import frozen_runtime
from tests.support.agentcore import FIXTURE_DATASET

pytestmark = pytest.mark.conformance

SERVICE = "bedrock-agentcore"
VERIFIED = SigV4Signing(SERVICE, "us-east-1", "draftmock-signed", "draftmock-secret")


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Runtime, LiveServer]]:
    runtime = frozen_runtime()
    with LiveServer(DraftmockApp(runtime)) as live:
        yield runtime, live


def test_behaviour_signatures_verify(served: tuple[Runtime, LiveServer]) -> None:
    _, live = served
    base = f"{live.url}/agentcore"
    with httpx.Client(auth=SigV4HttpxAuth(VERIFIED)) as client:
        got = client.get(f"{base}/datasets/{FIXTURE_DATASET}", params={"datasetVersion": "1"})
        assert got.status_code == 200, got.text
        listed = client.post(f"{base}/datasets/{FIXTURE_DATASET}/versions/list", json={})
        assert listed.status_code == 200, listed.text
        assert "Signature=" in listed.request.headers["Authorization"]
        assert listed.request.headers["X-Amz-Date"]
    wrong = SigV4Signing(SERVICE, "us-east-1", "draftmock-signed", "not-the-secret")
    with httpx.Client(auth=SigV4HttpxAuth(wrong)) as client:
        refused = client.post(f"{base}/datasets/{FIXTURE_DATASET}/versions/list", json={})
    assert refused.status_code == 403
    assert refused.headers["x-amzn-ErrorType"] == "AccessDeniedException"


def test_schemathesis_requests_are_signed_and_probes_are_not(
    served: tuple[Runtime, LiveServer],
) -> None:
    runtime, live = served
    journal = runtime.world().journal
    journal.clear()
    result = run_schemathesis(
        specs_dir() / "agentcore.yaml",
        f"{live.url}/agentcore",
        phases=["examples", "stateful"],
        config=config_for("agentcore"),
        max_examples=5,
        hooks="draftmock.conformance.sigv4_hooks",
        env=VERIFIED.child_env(),
        exclude_checks=list(excluded_checks("agentcore")),
    )
    assert result.exit_code == 0, result.output[-6000:]
    seen = Counter((e.operation_id, e.status) for e in journal.query(api="agentcore", limit=10_000))
    succeeded = {op for (op, status) in seen if 200 <= status < 300}
    # Signed with a verified key, requests of most operations got through (the rest met the
    # dataset busy on the frozen clock: 409)...
    assert len(succeeded) >= 5, seen
    # ... and ignored_auth's probes, stripped or corrupted, were refused.
    assert sum(n for (_, status), n in seen.items() if status == 403) > 0, seen


def test_without_signing_everything_is_refused(served: tuple[Runtime, LiveServer]) -> None:
    """The check above can fail: the same run unsigned gets nothing but 403s."""
    runtime, live = served
    journal = runtime.world().journal
    journal.clear()
    run_schemathesis(
        specs_dir() / "agentcore.yaml",
        f"{live.url}/agentcore",
        phases=["examples"],
        config=config_for("agentcore"),
        max_examples=2,
    )
    routed = [e for e in journal.query(api="agentcore", limit=10_000) if e.operation_id]
    assert routed and {e.status for e in routed} == {403}


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return monkeypatch


def test_credentials_come_from_the_chain(no_aws: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert signing_for(SERVICE, region=None, draftmock=False, local=False) is None
    fallback = signing_for(SERVICE, region=None, draftmock=True, local=False)
    assert fallback is not None and fallback.access_key == sigv4.FIXTURE_ACCESS_KEY
    (tmp_path / "credentials").write_text(
        "[ci]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = s3cret\n"
    )
    no_aws.setenv("AWS_PROFILE", "ci")
    found = signing_for(SERVICE, region="eu-west-1", draftmock=False, local=False)
    assert found is not None
    assert (found.access_key, found.secret_key, found.region) == (
        "AKIAPROFILE",
        "s3cret",
        "eu-west-1",
    )
    no_aws.setenv("AWS_ACCESS_KEY_ID", "AKIAENV")
    no_aws.setenv("AWS_SECRET_ACCESS_KEY", "envsecret")
    no_aws.setenv("AWS_SESSION_TOKEN", "tok")
    found = signing_for(SERVICE, region=None, draftmock=True, local=False)
    assert found is not None and (found.access_key, found.token) == ("AKIAENV", "tok")
    assert found.sign("GET", "https://x.test/datasets", {}, None)["X-Amz-Security-Token"] == "tok"
    # A local mock knows only its fixture's accounts.
    own = signing_for(SERVICE, region=None, draftmock=True, local=True)
    assert own is not None and own.access_key == sigv4.FIXTURE_ACCESS_KEY
    assert SigV4Signing.from_env(found.child_env()) == SigV4Signing(
        SERVICE, found.region, "AKIAENV", "envsecret", "tok"
    )
    # A local server that is not a draftmock is signed for from the chain.
    other = signing_for(SERVICE, region=None, draftmock=False, local=True)
    assert other is not None and other.access_key == "AKIAENV"


def test_a_local_mock_never_consults_the_credential_chain(
    no_aws: pytest.MonkeyPatch,
) -> None:
    """The chain may call the instance metadata service off this machine: not for a local mock."""

    def refused() -> None:
        raise AssertionError("the credential chain was consulted")

    no_aws.setattr(sigv4, "chain_credentials", refused)
    own = signing_for(SERVICE, region=None, draftmock=True, local=True)
    assert own is not None and own.access_key == sigv4.FIXTURE_ACCESS_KEY


def test_region_precedence() -> None:
    assert region_from("ap-south-1", {"AWS_REGION": "eu-west-1"}) == "ap-south-1"
    env = {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-central-1"}
    assert region_from(None, env) == "eu-west-1"
    assert region_from(None, {"AWS_DEFAULT_REGION": "eu-central-1"}) == "eu-central-1"
    assert region_from(None, {}) == "us-east-1"
