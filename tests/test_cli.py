"""`draftmock serve` as a user runs it: a real process, a real port, Ctrl-C stops it cleanly."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_and_stops_on_ctrl_c() -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "draftmock", "serve", "--port", str(port), "--log-format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/__draftmock/health", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        assert "promptlayer" in health.json()["apis"]
        created = httpx.post(
            f"http://127.0.0.1:{port}/promptlayer/api/public/v2/dataset-versions/create-draft",
            json={"dataset_group_id": 123},
            headers={"X-API-KEY": "pl-demo-key"},
        )
        assert created.status_code == 201
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert '"operation": "createDraftDatasetVersion"' in stderr
    announced = [json.loads(line)["message"] for line in stderr.splitlines()[:3]]
    assert announced[0].endswith(f"landing page http://127.0.0.1:{port}/")
    assert announced[1].startswith(f"control API http://127.0.0.1:{port}/__draftmock/")
    assert announced[2] == f"serving promptlayer at http://127.0.0.1:{port}/promptlayer"
    assert "Traceback" not in stderr


def _wait_until_up(proc: subprocess.Popen[str], port: int) -> httpx.Response:
    deadline = time.monotonic() + 90
    while True:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/__draftmock/health", timeout=1)
        except httpx.TransportError:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)


def test_serve_with_own_fixtures_and_async_delay(tmp_path) -> None:  # type: ignore[no-untyped-def]
    mine = tmp_path / "mine.promptlayer.yaml"
    mine.write_text(
        "workspaces:\n"
        "  - id: 7\n"
        "    api_keys: [{key: my-key, user_id: 3}]\n"
        "    dataset_groups:\n"
        "      - id: 50\n"
        "        name: Mine\n"
        "        versions: [{id: 51, version_number: 1, column_names: [q], rows: [[a], [b]]}]\n"
    )
    port = _free_port()
    command = [sys.executable, "-m", "draftmock", "serve", "--port", str(port), "--quiet"]
    proc = subprocess.Popen(
        [*command, "--fixtures", str(mine), "--async-delay", "0.6"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}/promptlayer/api/public/v2"
    try:
        health = _wait_until_up(proc, port)
        assert sorted(health.json()["apis"]) == ["agentcore", "lunary", "omni", "promptlayer"]
        demo = httpx.get(f"{base}/datasets", headers={"X-API-KEY": "pl-demo-key"})
        assert demo.status_code == 401  # the bundled fixtures were not loaded
        key = {"X-API-KEY": "my-key"}
        started = time.monotonic()
        copy = httpx.post(
            f"{base}/dataset-versions/create-draft",
            json={"dataset_group_id": 50, "source_dataset_id": 51},
            headers=key,
        )
        assert copy.status_code == 202
        rows_url = f"{base}/datasets/{copy.json()['draft_dataset_id']}/rows"
        while (total := httpx.get(rows_url, headers=key).json()["total"]) == 0:
            assert time.monotonic() - started < 10, "the copy never completed"
            time.sleep(0.05)
        assert total == 2
        assert time.monotonic() - started >= 0.6
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert "Traceback" not in stderr


def test_a_bad_fixture_stops_start_up_with_a_clear_message(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.promptlayer.yaml"
    bad.write_text("workspaces: [{id: 'one'}]\n")
    result = subprocess.run(
        [sys.executable, "-m", "draftmock", "serve", "--fixtures", str(bad), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "bad.promptlayer.yaml" in result.stderr
    assert "workspaces/0/id" in result.stderr


def test_options_parse_as_json_values() -> None:
    from draftmock.cli import parse_options
    from draftmock.errors import ConfigError

    assert parse_options(["omni.rate_limit=0", "agentcore.max_versions=5", "x.name=text"]) == {
        "omni": {"rate_limit": 0},
        "agentcore": {"max_versions": 5},
        "x": {"name": "text"},
    }
    try:
        parse_options(["rate_limit=0"])
    except ConfigError as error:
        assert "API.NAME=VALUE" in str(error)
    else:
        raise AssertionError("a malformed option was accepted")


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (
            "agentcore.max_versions=abc",
            "option agentcore.max_versions=\"abc\": 'abc' is not of type",
        ),
        ("omni.rate_limit=-1", "option omni.rate_limit=-1: -1 is less than the minimum of 0"),
        ("lunary.ratelimit=5", "option lunary.ratelimit: unknown (known: lunary.rate_limit)"),
        ("nope.rate_limit=5", "option nope.*: no API named 'nope'"),
    ],
)
def test_a_bad_option_stops_start_up_with_a_clear_message(option: str, message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "draftmock", "serve", "--option", option, "--port", "0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_specs_directory_without_documents_says_what_it_expects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from draftmock.cli import main

    assert main(["serve", "--specs", str(tmp_path), "--port", "0"]) == 2
    message = capsys.readouterr().err
    assert message.count("\n") == 1
    assert str(tmp_path) in message and "promptlayer.yaml" in message and "omni.yaml" in message


def test_a_reference_that_does_not_resolve_is_one_line_naming_file_and_pointer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from draftmock.cli import main
    from draftmock.paths import specs_dir

    text = (specs_dir() / "lunary.yaml").read_text()
    assert "#/components/parameters/Search'" in text
    (tmp_path / "lunary.yaml").write_text(
        text.replace("#/components/parameters/Search'", "#/components/parameters/Nope'", 1)
    )
    assert main(["serve", "--specs", str(tmp_path), "--port", "0"]) == 2
    message = capsys.readouterr().err
    assert message.count("\n") == 1, message
    assert (
        f"{tmp_path / 'lunary.yaml'}: the $ref '#/components/parameters/Nope' at /paths/" in message
    )
    assert "does not resolve" in message


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_port_already_taken_is_one_line_naming_it(
    log_format: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from draftmock.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status = main(["serve", "-p", str(port), "--log-format", log_format])
    assert status == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err  # nothing announced before it
    message = json.loads(err)["message"] if log_format == "json" else err
    assert f"port {port} on 127.0.0.1 is already in use" in message
    assert "--port" in message


def test_help_describes_the_command_and_the_listening_defaults(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from draftmock.cli import main

    with pytest.raises(SystemExit):
        main(["--help"])
    top = capsys.readouterr().out
    assert "``" not in top and "mock server generated from OpenAPI documents" in top
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    serve = " ".join(capsys.readouterr().out.split())
    assert "-p PORT, --port PORT port to listen on (default: 4010)" in serve
    assert "--host HOST address to listen on (default: 127.0.0.1" in serve


@pytest.mark.parametrize("url", ["mock.example:4010", "http://mock.example/base", "ftp://x"])
def test_a_public_url_that_is_not_an_address_stops_start_up(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from draftmock.cli import main

    assert main(["serve", "--port", "0", "--public-url", url]) == 2
    assert "--public-url" in capsys.readouterr().err


def test_the_log_follows_stderr_when_it_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import logging

    from draftmock.cli import _configure_logging

    first = io.StringIO()
    monkeypatch.setattr("sys.stderr", first)
    _configure_logging("text", quiet=False)
    first.close()  # a test runner's captured stream, closed once its test ends
    second = io.StringIO()
    monkeypatch.setattr("sys.stderr", second)
    logging.getLogger("draftmock").info("still logged")
    assert "still logged" in second.getvalue()
