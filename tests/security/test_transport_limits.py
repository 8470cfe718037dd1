"""Transport bounds over raw loopback sockets: head and body timeouts, head, target and body
size limits, a connection limit, and requests the HTTP parser refuses, each answered in the
API's own envelope when the request names an API."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from draftmock.cli import _parser
from draftmock.server.app import DraftmockApp
from draftmock.server.transport import MAX_TARGET, TransportLimits
from draftmock.testing import LiveServer
from tests.conftest import frozen_runtime

LIMITS = TransportLimits(
    header_timeout=1.0,
    body_timeout=1.0,
    max_header_bytes=8 * 1024,
    max_body_bytes=4 * 1024,
    max_connections=20,
)
PL_KEY = b"X-API-KEY: pl-demo-key\r\n"


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with LiveServer(DraftmockApp(frozen_runtime(), limits=LIMITS)) as server:
        yield server.port


class Answer:
    def __init__(self, raw: bytes) -> None:
        head, _, self.body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1]) if lines[0] else 0
        self.headers = {
            k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])
        }

    def json(self) -> Any:
        return json.loads(self.body)


def exchange(port: int, data: bytes, *, pause: float = 0, timeout: float = 10) -> Answer:
    """Send ``data`` (then wait ``pause`` seconds), read until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        with contextlib.suppress(OSError):  # the server may answer and close before reading all
            sock.sendall(data)
        time.sleep(pause)
        received = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                received += chunk
    return Answer(received)


def request(method: bytes, target: bytes, *headers: bytes, body: bytes = b"") -> bytes:
    head = method + b" " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    length = b"Content-Length: %d\r\n" % len(body) if body else b""
    return head + b"".join(headers) + length + b"\r\n" + body


# -- heads --------------------------------------------------------------------------------------


def test_a_stalled_head_is_answered_408_in_the_api_envelope(port: int) -> None:
    started = time.monotonic()
    answer = exchange(port, b"GET /lunary/v1/datasets-v2 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a")
    assert answer.status == 408
    assert answer.json() == {"message": "The request head was not received in time"}
    assert time.monotonic() - started < LIMITS.header_timeout + 5


def test_a_silent_connection_is_closed(port: int) -> None:
    answer = exchange(port, b"")
    assert answer.status == 0  # closed without an answer: nothing was asked


def test_a_head_over_the_limit_is_431(port: int) -> None:
    big = b"X-Big: " + b"a" * (LIMITS.max_header_bytes + 1) + b"\r\n"
    answer = exchange(port, request(b"GET", b"/promptlayer/api/public/v2/datasets", PL_KEY, big))
    assert answer.status == 431
    assert answer.json()["success"] is False
    assert answer.headers["connection"] == "close"


def test_a_head_within_the_limit_is_served(port: int) -> None:
    fits = b"X-Fits: " + b"a" * (LIMITS.max_header_bytes - 500) + b"\r\n"
    answer = exchange(port, request(b"GET", b"/promptlayer/api/public/v2/datasets", PL_KEY, fits))
    assert answer.status == 200


@pytest.mark.parametrize("size", [MAX_TARGET + 1, 100_000])
def test_a_long_path_segment_is_414_in_the_api_envelope(port: int, size: int) -> None:
    target = b"/omni/v1/documents/" + b"a" * size
    answer = exchange(port, request(b"GET", target, b"Authorization: Bearer omni-demo-editor\r\n"))
    assert answer.status == 414
    assert answer.json()["error"] == "Request-URI Too Long"


# -- requests the parser refuses ------------------------------------------------------------------


def test_an_unknown_method_is_answered_by_the_api(port: int) -> None:
    answer = exchange(port, request(b"BREW", b"/promptlayer/api/public/v2/datasets", PL_KEY))
    assert (answer.status, answer.json()) == (405, {"detail": "Method Not Allowed"})
    assert answer.headers["allow"] == "GET"
    answer = exchange(port, request(b"BREW", b"/agentcore/datasets/list"))
    assert answer.status == 405
    assert answer.headers["x-amzn-errortype"] == "UnknownOperationException"


def test_raw_utf8_in_a_path_is_routed_percent_encoded(port: int) -> None:
    target = "/omni/v1/documents/ä".encode()
    answer = exchange(port, request(b"GET", target, b"Authorization: Bearer omni-demo-editor\r\n"))
    assert answer.status == 404
    assert answer.json() == {
        "error": "Not Found",
        "message": "Document with identifier ä not found",
    }


def test_what_names_no_api_keeps_a_plain_400(port: int) -> None:
    answer = exchange(port, b"\x00\x01garbage\r\n\r\n")
    assert answer.status == 400
    assert answer.headers["content-type"].startswith("text/plain")


# -- bodies -------------------------------------------------------------------------------------


def test_a_declared_body_over_the_limit_is_413_before_it_is_read(port: int) -> None:
    body = b"{" + b" " * LIMITS.max_body_bytes + b"}"
    answer = exchange(port, request(b"POST", b"/lunary/v1/datasets-v2", body=body))
    assert answer.status == 413
    assert (
        answer.json()["message"] == f"The request body is larger than {LIMITS.max_body_bytes} bytes"
    )


def test_a_chunked_body_over_the_limit_is_413_not_truncated(port: int) -> None:
    chunk = b"x" * 1000
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(5)) + b"0\r\n\r\n"
    head = b"Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n"
    answer = exchange(port, request(b"POST", b"/omni/v1/documents", head) + chunks)
    assert answer.status == 413
    assert answer.json()["error"] == "Request Entity Too Large"


def test_a_body_at_the_limit_is_read_whole(port: int) -> None:
    body = json.dumps({"dataset_group_id": 123, "pad": "x" * 3900}).encode()
    assert len(body) <= LIMITS.max_body_bytes
    with httpx.Client(base_url=f"http://127.0.0.1:{port}/promptlayer", timeout=10) as client:
        answer = client.post(
            "/api/public/v2/dataset-versions/create-draft",
            content=body,
            headers={"X-API-KEY": "pl-demo-key", "Content-Type": "application/json"},
        )
    assert answer.status_code in (201, 202, 400, 409, 422), answer.text
    assert "Invalid JSON" not in answer.text


def test_a_stalled_body_is_408(port: int) -> None:
    head = request(b"POST", b"/lunary/v1/datasets-v2", b"Content-Length: 100\r\n")
    answer = exchange(port, head + b'{"name": ')
    assert answer.status == 408
    assert "not received within" in answer.json()["message"]


def test_a_control_body_over_the_limit_is_413(port: int) -> None:
    body = b'{"seconds": 1' + b" " * LIMITS.max_body_bytes + b"}"
    head = b"Content-Type: application/json\r\n"
    answer = exchange(port, request(b"POST", b"/__draftmock/clock/advance", head, body=body))
    assert answer.status == 413
    assert answer.json()["error"] == "draftmock"


# -- connections --------------------------------------------------------------------------------


def test_connections_beyond_the_limit_are_refused_and_stalled_ones_dropped(port: int) -> None:
    held = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(30)]
    try:
        for sock in held:
            sock.sendall(b"GET /omni/v1/documents HTTP/1.1\r\n")  # a head that never ends
        refused = 0
        for sock in held:
            received = b""
            with contextlib.suppress(ConnectionResetError):
                while chunk := sock.recv(4096):
                    received += chunk
            refused += received.startswith(b"HTTP/1.1 503")
        assert refused >= 10  # at most 20 were taken in; the others were answered 503
    finally:
        for sock in held:
            sock.close()
    # Every stalled connection was let go after the head timeout: the server serves again.
    assert httpx.get(f"http://127.0.0.1:{port}/__draftmock/health", timeout=10).status_code == 200


def test_serve_flags_carry_the_limits() -> None:
    args = _parser().parse_args(["serve"])
    defaults = TransportLimits()
    assert (args.header_timeout, args.body_timeout, args.max_header_bytes) == (
        defaults.header_timeout,
        defaults.body_timeout,
        defaults.max_header_bytes,
    )
    assert (args.max_body_bytes, args.max_connections) == (
        defaults.max_body_bytes,
        defaults.max_connections,
    )
    with pytest.raises(SystemExit):
        _parser().parse_args(["serve", "--max-body-bytes", "0"])
