"""Listening beyond loopback without an admin token is said out loud, naming what stays
loopback-only; the bounds and seed directories work from the command line too."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from draftmock.cli import exposure_warning
from tests.support.serving import serve_process

APIS = ["promptlayer", "lunary"]


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "mock.example"])
def test_listening_beyond_loopback_without_a_token_warns(host: str) -> None:
    warning = exposure_warning(host, None, APIS)
    assert warning is not None
    assert "without --admin-token" in warning
    assert "promptlayer, lunary" in warning and "answer anyone" in warning
    assert "control API calls under /__draftmock/" in warning
    assert "stay loopback-only" in warning and "reset" in warning and "state" in warning


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1", "localhost"])
def test_loopback_hosts_and_admin_tokens_need_no_warning(host: str) -> None:
    assert exposure_warning(host, None, APIS) is None
    assert exposure_warning("0.0.0.0", "s3cret", APIS) is None


def test_serve_on_every_interface_warns_and_keeps_its_bounds(tmp_path: Path) -> None:
    """One real process: the warning at start-up, --seed-dir, --max-sessions (talking over
    loopback only)."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "extra.promptlayer.yaml").write_text(
        "workspaces:\n  - id: 1\n    dataset_groups: [{id: 8100, name: From the seed dir}]\n"
    )
    arguments = ["--host", "0.0.0.0", "--seed-dir", str(seeds), "--max-sessions", "2", "--quiet"]
    with serve_process(*arguments, start_timeout=60) as served:
        root = served.url
        seeded = httpx.post(f"{root}/__draftmock/seed", json={"path": "extra.promptlayer.yaml"})
        assert seeded.status_code == 200, seeded.text
        outside = httpx.post(f"{root}/__draftmock/seed", json={"path": str(tmp_path / "x.yaml")})
        assert outside.status_code == 403
        for name in ("a", "b", "c"):
            headers = {"X-API-KEY": "pl-demo-key", "X-Draftmock-Session": name}
            listed = httpx.get(f"{root}/promptlayer/api/public/v2/datasets", headers=headers)
            assert listed.status_code == 200
        sessions = httpx.get(f"{root}/__draftmock/sessions").json()["sessions"]
        assert sorted(sessions) == ["b", "c", "default"]
    stderr = served.stderr
    assert "listening on every interface without --admin-token" in stderr
    assert "stay loopback-only" in stderr
    assert "session 'a' evicted" in stderr
    assert "Traceback" not in stderr
