"""``POST /__draftmock/seed {"path"}`` reads only regular files under the server's seed roots.

It used to open any path: ``/etc/shadow`` came back inside the error message, a FIFO blocked
every API and ``/dev/zero`` was read until memory ran out.
"""

from __future__ import annotations

import concurrent.futures
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from draftmock.seed_files import SeedFiles
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from tests.conftest import Mock, frozen_runtime

SECRET = "s3cr3t-Pa55-do-not-echo"
PASSWD = f"root:x:0:0:{SECRET}:/root:/bin/bash\n_apt:*:20228:0:99999:7:::\n"


@pytest.fixture(scope="module")
def roots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("seed")
    root, outside = base / "root", base / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "passwd").write_text(PASSWD)
    (outside / "group.promptlayer.yaml").write_text(_group_fixture(7100))
    (root / "passwd").write_text(PASSWD)
    (root / "scalar").write_text(f"root:x:0:0:{SECRET}:/root:/bin/bash\n")
    (root / "shadow.yaml").write_text(f"{SECRET}: 1\n")
    (root / "credentials").write_text(f"[default]\naws_secret_access_key = {SECRET}\n")
    (root / "broken.yaml").write_text(f"promptlayer: [{SECRET}\n")
    (root / "typed.promptlayer.yaml").write_text(f"workspaces: {SECRET}\n")
    (root / "keyed.yaml").write_text(f"promptlayer:\n  workspaces:\n    - {{id: 1, {SECRET}: 2}}\n")
    (root / "bytes.yaml").write_bytes(b"\xff\xfe" + SECRET.encode())
    (root / "group.promptlayer.yaml").write_text(_group_fixture(7000))
    (root / "sub").mkdir()
    (root / "sub" / "group.promptlayer.yaml").write_text(_group_fixture(7001))
    (root / "big.yaml").write_text("# " + "x" * 5000 + "\n")
    os.mkfifo(root / "fifo.yaml")
    (root / "zero.yaml").symlink_to("/dev/zero")
    (root / "escape.yaml").symlink_to(outside / "passwd")
    (root / "escape-dir").symlink_to(outside)
    (root / "inside-link.promptlayer.yaml").symlink_to(root / "group.promptlayer.yaml")
    return {"root": root, "outside": outside}


def _group_fixture(group_id: int) -> str:
    return (
        "workspaces:\n"
        "  - id: 1\n"
        f"    dataset_groups: [{{id: {group_id}, name: Seeded {group_id}}}]\n"
    )


@pytest.fixture(scope="module")
def app(roots: dict[str, Path]) -> DraftmockApp:
    return DraftmockApp(frozen_runtime(), seed_files=SeedFiles([roots["root"]], max_bytes=4096))


@pytest.fixture(scope="module")
def server(app: DraftmockApp) -> Iterator[str]:
    with LiveServer(app) as live:
        yield live.url


def seed(url: str, path: str | Path, **headers: str) -> httpx.Response:
    return httpx.post(f"{url}/__draftmock/seed", json={"path": str(path)}, timeout=30, **headers)


def refused(reply: httpx.Response, status: int, *words: str) -> dict[str, Any]:
    assert reply.status_code == status, reply.text
    body: dict[str, Any] = reply.json()
    assert body["error"] == "draftmock"
    assert SECRET not in reply.text and "_apt" not in reply.text and "root:x" not in reply.text
    for word in words:
        assert word in body["message"]
    return body


def test_a_server_started_without_seed_roots_reads_no_file(mock: Mock, tmp_path: Path) -> None:
    """The issue's repro against a default server: nothing read, nothing echoed."""
    secret = tmp_path / "shadow"
    secret.write_text(PASSWD)
    refused(seed(mock.url, secret), 403, "--seed-dir")
    refused(seed(mock.url, "/etc/passwd"), 403)


def test_paths_outside_the_roots_are_refused_without_reading(
    server: str, roots: dict[str, Path]
) -> None:
    refused(seed(server, roots["outside"] / "passwd"), 403, "outside the seed directories")
    refused(seed(server, roots["outside"] / "group.promptlayer.yaml"), 403)
    refused(seed(server, "/etc/passwd"), 403)
    refused(seed(server, "/dev/zero"), 403)
    refused(seed(server, "../outside/passwd"), 403)
    refused(seed(server, roots["root"] / ".." / "outside" / "passwd"), 403)
    # Whether a path outside exists is not revealed.
    refused(seed(server, roots["outside"] / "missing.yaml"), 403)


def test_symlinks_escaping_a_root_are_refused(server: str, roots: dict[str, Path]) -> None:
    refused(seed(server, roots["root"] / "escape.yaml"), 403)
    refused(seed(server, "escape.yaml"), 403)
    refused(seed(server, "escape-dir/passwd"), 403)
    refused(seed(server, "zero.yaml"), 403)
    loaded = seed(server, "inside-link.promptlayer.yaml")  # a link that stays inside is fine
    assert loaded.status_code == 200, loaded.text


def test_a_fifo_is_refused_at_once_and_nothing_stalls(server: str) -> None:
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        started = time.monotonic()
        pending = pool.submit(seed, server, "fifo.yaml")
        health = httpx.get(f"{server}/__draftmock/health", timeout=10)
        assert health.status_code == 200
        refused(pending.result(timeout=20), 400, "not a regular file")
    assert time.monotonic() - started < 15


def test_directories_and_oversized_files_are_refused(server: str) -> None:
    refused(seed(server, "sub"), 400, "not a regular file")
    refused(seed(server, "big.yaml"), 413, "4096 bytes")
    refused(seed(server, "missing.yaml"), 404, "no such file")
    refused(seed(server, ""), 400)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("passwd", ["not valid YAML", "line 2"]),
        ("scalar", ["must be a mapping"]),
        ("shadow.yaml", ["not a served API"]),
        ("credentials", ["not valid YAML", "line"]),
        ("broken.yaml", ["not valid YAML", "line 2"]),
        ("typed.promptlayer.yaml", ["field workspaces", "'type'"]),
        ("keyed.yaml", ["workspaces/0"]),
        ("bytes.yaml", ["not UTF-8"]),
    ],
)
def test_errors_about_a_file_never_quote_it(server: str, name: str, words: list[str]) -> None:
    body = refused(seed(server, name), 400, name, *words)
    assert len(body["message"]) < 300


def test_files_under_a_root_load_by_relative_or_absolute_path(
    app: DraftmockApp, server: str, roots: dict[str, Path]
) -> None:
    session = {"X-Draftmock-Session": "seeded"}
    groups = app.runtime.world("seeded").backends["promptlayer"].workspaces[1].groups
    assert 7000 not in groups
    for path in ("group.promptlayer.yaml", roots["root"] / "sub" / "group.promptlayer.yaml"):
        reply = seed(server, path, headers=session)
        assert reply.status_code == 200, reply.text
        assert reply.json() == {"world": "seeded", "loaded": ["promptlayer"]}
    groups = app.runtime.world("seeded").backends["promptlayer"].workspaces[1].groups
    assert groups[7000].name == "Seeded 7000" and groups[7001].name == "Seeded 7001"


def test_a_vendor_loader_error_about_a_file_stays_in_the_log(
    roots: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    fixture = (
        "organizations:\n"
        "  - id: acme\n"
        f"    api_keys: [{{key: k-{SECRET}, role: EDITOR, user: u-{SECRET}}}]\n"
    )
    path = roots["root"] / "bad.omni.yaml"
    path.write_text(fixture)
    runtime = frozen_runtime()
    sources = SeedFiles([roots["root"]]).read(str(path), runtime.vendors)
    with pytest.raises(Exception) as raised:
        runtime.load_into(runtime.world(), sources)
    assert SECRET not in str(raised.value)
    assert "inconsistent" in str(raised.value)
    assert SECRET in caplog.text  # the operator can still see what was wrong
