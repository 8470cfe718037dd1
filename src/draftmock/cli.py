"""The ``draftmock`` command."""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import ipaddress
import json
import logging
import re
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from draftmock import __version__
from draftmock.conformance import command as conformance
from draftmock.errors import ConfigError, MockError
from draftmock.runtime import DEFAULT_MAX_SESSIONS
from draftmock.server.transport import TransportLimits
from draftmock.vendors._kit import Settings


class JsonLogFormatter(logging.Formatter):
    FIELDS = ("api", "operation", "status", "method", "path")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({f: getattr(record, f) for f in self.FIELDS if hasattr(record, f)})
        return json.dumps(entry)


DESCRIPTION = """\
A stateful contract-testing mock server generated from OpenAPI documents, and a conformance
gate that checks the mock and real endpoints against the same contract."""

EPILOG = """\
examples:
  draftmock serve                      the four built-in APIs at http://127.0.0.1:4010/<api>
  draftmock serve -p 8080 --quiet      another port, no per-request log lines
  draftmock conform promptlayer        Schemathesis and behaviour suites against the mock
  draftmock <command> --help           the options of one command"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="draftmock",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"draftmock {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve the mock APIs",
        description="Serve OpenAPI documents (DOC, or NAME=DOC) as stateful mocks; without any, "
        "the built-in APIs. One document is served at the root, several each under /NAME.",
    )
    serve.add_argument(
        "documents",
        nargs="*",
        metavar="DOC",
        help="an OpenAPI 3.0/3.1 document (YAML or JSON); NAME=DOC serves it under /NAME",
    )
    serve.add_argument(
        "--behaviour",
        action="append",
        default=[],
        metavar="[API=]MODULE:ATTR",
        help="Python @ops handlers for a served document's operations: module:attr, a module "
        "or a .py file (repeatable; API= picks the document when several are served)",
    )
    serve.add_argument(
        "--overlay",
        action="append",
        default=[],
        metavar="[API=]FILE",
        help="an OpenAPI Overlay 1.0 file applied to the served document at load, e.g. to add "
        "x-draftmock declarations (repeatable, applied in order; API= picks the document)",
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1; 0.0.0.0 listens on every interface)",
    )
    serve.add_argument(
        "-p", "--port", type=int, default=4010, help="port to listen on (default: 4010)"
    )
    serve.add_argument("--specs", type=Path, help="directory of OpenAPI documents")
    serve.add_argument(
        "--fixtures",
        type=Path,
        action="append",
        help="fixture file or directory (repeatable); default: the bundled fixtures/default.*",
    )
    serve.add_argument(
        "--seed-dir",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help='a directory whose files POST /__draftmock/seed {"path"} may load (repeatable); '
        "--fixtures paths are allowed too",
    )
    serve.add_argument(
        "--async-delay",
        type=float,
        default=2.0,
        help="seconds of clock time asynchronous work takes (default 2)",
    )
    serve.add_argument(
        "--lenient-responses",
        action="store_true",
        help="log off-spec responses instead of replacing them with a 500 diagnostic",
    )
    serve.add_argument(
        "--admin-token", help="token that lets non-loopback callers use /__draftmock/"
    )
    serve.add_argument(
        "--public-url",
        metavar="URL",
        help="the address clients reach this server by, for the URLs it hands out (download "
        "links); default http://HOST:PORT as listened on (a wildcard host as 127.0.0.1)",
    )
    serve.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="a page origin allowed to call the APIs, e.g. http://localhost:5173 (repeatable; "
        "default: any origin)",
    )
    serve.add_argument(
        "--no-cors", action="store_true", help="no CORS headers; preflights are not answered"
    )
    serve.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name the control API may be reached by, besides IP addresses, localhost "
        "and --host (repeatable)",
    )
    serve.add_argument("--seed", type=int, default=0, help="seed for generated ids")
    serve.add_argument("--log-format", choices=["text", "json"], default="text")
    serve.add_argument("--quiet", action="store_true", help="no per-request log lines")
    serve.add_argument(
        "--watch", action="store_true", help="reload changed specs and fixtures while serving"
    )
    serve.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="API.NAME=VALUE",
        help="a vendor setting, e.g. omni.rate_limit=0 or agentcore.max_versions=5 (repeatable)",
    )
    serve.add_argument(
        "--journal-size", type=int, default=1000, help="requests kept in the journal (per world)"
    )
    serve.add_argument(
        "--state",
        metavar="PATH.db|postgresql://USER@HOST:PORT/DB",
        help="keep all state (every session, pending jobs, the clock, rules, snapshots) in a "
        "SQLite file or a PostgreSQL database shared by several servers; default: in memory",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes sharing the port, beside one process that runs the requests on "
        "the --state store (default 1: one process does both)",
    )
    limits = TransportLimits()
    for flag, kind, default, text in [
        (
            "--header-timeout",
            float,
            limits.header_timeout,
            "seconds to send a request head; then 408",
        ),
        ("--body-timeout", float, limits.body_timeout, "seconds to send a request body; then 408"),
        (
            "--keep-alive-timeout",
            float,
            limits.keep_alive_timeout,
            "seconds an idle connection stays open",
        ),
        (
            "--max-header-bytes",
            int,
            limits.max_header_bytes,
            "request line and headers; beyond: 431",
        ),
        ("--max-body-bytes", int, limits.max_body_bytes, "request body; beyond: 413"),
        ("--max-connections", int, limits.max_connections, "open connections; beyond: 503"),
    ]:
        serve.add_argument(
            flag, type=_positive(kind), default=default, help=f"{text} (default {default})"
        )
    serve.add_argument(
        "--max-sessions",
        type=int,
        default=DEFAULT_MAX_SESSIONS,
        metavar="N",
        help="sessions (X-Draftmock-Session states) kept; beyond N the least recently used idle "
        f"one is evicted (default {DEFAULT_MAX_SESSIONS})",
    )
    conformance.add_commands(commands)
    return parser


def _positive(kind: type[Any]) -> Any:
    def parse(text: str) -> Any:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, not {text}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its error message
    return parse


def parse_options(pairs: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``["omni.rate_limit=0"]`` -> ``{"omni": {"rate_limit": 0}}`` (values parsed as JSON)."""
    options: dict[str, dict[str, Any]] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        api, dot, name = key.partition(".")
        if not sep or not dot or not api or not name:
            raise ConfigError(f"--option {pair!r}: expected API.NAME=VALUE, e.g. omni.rate_limit=0")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        options.setdefault(api, {})[name] = value
    return options


def parse_document(text: str) -> tuple[str | None, Path]:
    """``DOC``, ``NAME=DOC`` or ``DOC=NAME`` (whichever side is a file; a file whose own name
    holds ``=`` is taken as it is)."""
    left, sep, right = text.rpartition("=")
    if not sep or Path(text).exists() or not left or not right:
        return None, Path(text)
    if Path(left).exists():
        return right, Path(left)
    left, _, right = text.partition("=")
    return left, Path(right)


def parse_behaviours(values: Sequence[str]) -> dict[str | None, Any]:
    """``[API=]MODULE:ATTR`` -> {API or None: Behaviour}."""
    from draftmock.generated.behaviour import load_behaviour

    result: dict[str | None, Any] = {}
    for text in values:
        api, sep, reference = text.partition("=")
        key = api if sep else None
        result[key] = load_behaviour(reference if sep else text)
    return result


def parse_overlays(values: Sequence[str]) -> dict[str | None, list[Path]]:
    """``[API=]FILE`` -> {API or None: [FILE, ...]} (a file whose name holds ``=`` as it is)."""
    result: dict[str | None, list[Path]] = {}
    for text in values:
        api, sep, file = text.partition("=")
        key: str | None = api if sep and not Path(text).exists() else None
        path = Path(file if key is not None else text)
        if not path.is_file():
            raise ConfigError(f"--overlay {text}: no such file")
        result.setdefault(key, []).append(path)
    return result


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record is emitted: a server embedded in a
    process that swaps its streams (a test runner capturing output) never writes to a closed one."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def _configure_logging(fmt: str, quiet: bool) -> None:
    handler = _StderrHandler()
    if fmt == "json":
        handler.setFormatter(JsonLogFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    root = logging.getLogger("draftmock")
    root.handlers = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False
    if quiet:
        logging.getLogger("draftmock.access").setLevel(logging.WARNING)


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from draftmock.assembly import build_runtime, default_fixture_paths
    from draftmock.seed_files import SeedFiles
    from draftmock.server.app import DraftmockApp
    from draftmock.server.cors import CorsPolicy
    from draftmock.server.transport import TransportLimits, uvicorn_options

    _configure_logging(args.log_format, args.quiet)
    if args.workers < 1:
        raise ConfigError("--workers needs a positive number of processes")
    if args.workers > 1 and not args.state:
        raise ConfigError(
            "--workers runs several processes, which can only share state kept in a store: "
            "add --state PATH.db (SQLite) or --state postgresql://USER@HOST:PORT/DB"
        )
    if args.public_url and not re.fullmatch(r"https?://[^/?#\s]+/?", args.public_url):
        raise ConfigError(
            f"--public-url {args.public_url!r}: give a scheme and an address, e.g. "
            "http://mock.example:4010 (no path)"
        )
    listener = bind(args.host, args.port, shared=args.workers > 1)
    settings = Settings(
        async_delay=args.async_delay,
        strict_responses=not args.lenient_responses,
        options=parse_options(args.option),
    )
    runtime = build_runtime(
        specs=args.specs,
        fixtures=args.fixtures,
        settings=settings,
        seed=args.seed,
        journal_limit=args.journal_size,
        documents=[parse_document(text) for text in args.documents],
        behaviours=parse_behaviours(args.behaviour),
        overlays=parse_overlays(args.overlay),
        check_documents=True,
        max_sessions=args.max_sessions,
    )
    for directory in args.seed_dir:
        if not directory.is_dir():
            raise ConfigError(f"--seed-dir {directory}: not a directory")
    seed_files = SeedFiles([*(args.fixtures or default_fixture_paths()), *args.seed_dir])
    if args.no_cors and args.cors_origin:
        raise ConfigError("--no-cors and --cors-origin contradict each other: choose one")

    def make_app(durable: Any, state_link: Any = None) -> DraftmockApp:
        return DraftmockApp(
            runtime,
            admin_token=args.admin_token,
            cors=None if args.no_cors else CorsPolicy.of(args.cors_origin),
            allowed_hosts=[args.host, *args.allowed_host],
            seed_files=seed_files,
            durable=durable,
            limits=TransportLimits(
                header_timeout=args.header_timeout,
                body_timeout=args.body_timeout,
                keep_alive_timeout=args.keep_alive_timeout,
                max_header_bytes=args.max_header_bytes,
                max_body_bytes=args.max_body_bytes,
                max_connections=args.max_connections,
            ),
            state_link=state_link,
        )

    base = f"http://{_url_host(args.host)}:{listener.getsockname()[1]}"
    runtime.public_url = (args.public_url or base).rstrip("/")
    durable = _state(args.state, runtime)
    app = make_app(durable)
    if args.workers > 1 and durable is not None:
        durable.store.close()  # checked and brought up to date; each worker opens its own
        _check_documents_now(runtime)
        return _serve_workers(
            args,
            lambda link: make_app(_state(args.state, runtime), link),
            listener,
        )
    if args.watch:
        from draftmock.watch import Watcher

        Watcher(app, args.fixtures or default_fixture_paths()).start()
    log = logging.getLogger("draftmock")
    log.info("draftmock %s: landing page %s/", __version__, base)
    log.info("control API %s/__draftmock/ (documented at %s/__draftmock/docs/control)", base, base)
    for slug in runtime.vendors:
        mount = "" if slug == runtime.root_api else slug
        log.info("serving %s at %s/%s", slug, base, mount)
    exposure = exposure_warning(args.host, args.admin_token, list(runtime.vendors))
    if exposure:
        log.warning("%s", exposure)
    config = uvicorn.Config(
        app,
        **uvicorn_options(app),
        log_level="warning",
        access_log=False,
        lifespan="on",
        # Open journal streams (server-sent events) must not hold up a stop.
        timeout_graceful_shutdown=2,
    )
    _tune_garbage_collector()
    uvicorn.Server(config).run(sockets=[listener])
    return 0


def _state(location: str | None, runtime: Any) -> Any:
    """The store for ``--state`` around ``runtime`` (opened by the app, which replays it)."""
    if not location:
        return None
    from draftmock.store import open_store
    from draftmock.store.durable import Durable

    durable = Durable(runtime, open_store(location))
    logging.getLogger("draftmock").info("state kept in %s", durable.store.url)
    return durable


def _check_documents_now(runtime: Any) -> None:
    """``--workers``: look for responses no value satisfies here, once, rather than in every
    worker once it serves. The workers inherit what was found (and the validators compiled on
    the way): each answers alike from its first request, and none spends its first seconds of
    serving on it."""
    import threading

    started = [work() for work in runtime.after_start]
    for thread in started:
        if isinstance(thread, threading.Thread):
            thread.join()
    runtime.after_start.clear()


def _serve_workers(args: argparse.Namespace, make_app: Any, listener: socket.socket) -> int:
    """``--workers N``: N worker processes on one port, and one state process. Each worker
    listens on a socket of its own bound to the port (``SO_REUSEPORT``): the kernel spreads the
    connections over them evenly (on one shared socket, the worker that woke first accepted
    every keep-alive connection of a load generator, and the others idled). The workers read
    requests and write replies; the state process holds the worlds and the store's batches and
    answers every API request, handed to it over a socket pair per worker
    (``server/state_link.py``). Control calls run in the worker that reads them, through the
    store as any process sharing it would. Stopping this process (Ctrl-C, SIGTERM) stops them
    all; any of them ending stops the others."""
    import os
    import signal

    import uvicorn

    from draftmock.server.state_link import StateLink, serve_state
    from draftmock.server.transport import uvicorn_options

    listeners = [listener, *(_also_bound(listener) for _ in range(args.workers - 1))]
    for each in listeners:
        each.listen(2048)
    links = [socket.socketpair() for _ in listeners]
    _tune_garbage_collector()
    children: list[int] = []
    pid = os.fork()
    if pid == 0:  # the state process
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _die_with_parent()
        for each in listeners:
            each.close()
        for _, theirs in links:
            theirs.close()
        state_app = make_app(None)
        try:
            _event_loop_run(serve_state(state_app, [ours for ours, _ in links]))
        finally:
            if state_app.durable is not None:
                state_app.durable.store.close()
        os._exit(0)
    children.append(pid)
    for own, (_, link) in zip(listeners, links, strict=True):
        pid = os.fork()
        if pid == 0:  # a worker
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            _die_with_parent()
            for other in listeners:
                if other is not own:
                    other.close()
            for ours, theirs in links:
                ours.close()
                if theirs is not link:
                    theirs.close()
            worker_app = make_app(StateLink(link))
            config = uvicorn.Config(
                worker_app,
                **uvicorn_options(worker_app),
                log_level="warning",
                access_log=False,
                lifespan="on",
            )
            uvicorn.Server(config).run(sockets=[own])
            os._exit(0)
        children.append(pid)
    base = f"http://{_url_host(args.host)}:{listener.getsockname()[1]}"
    for each in listeners:
        each.close()
    for ours, theirs in links:
        ours.close()
        theirs.close()
    log = logging.getLogger("draftmock")
    log.info("%d workers and a state process serving on %s", args.workers, base)
    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    status = 0
    while children:
        try:
            pid, _ = os.wait()
        except ChildProcessError:
            break
        if pid in children:
            children.remove(pid)
            if not stopping:  # a process ended by itself: the others stop too
                status = 1
                stop(signal.SIGTERM, None)
    return status


def _event_loop_run(main: Any) -> None:
    """Run coroutine ``main`` on uvloop where it is installed (as uvicorn does)."""
    import asyncio

    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


def _also_bound(listener: socket.socket) -> socket.socket:
    """Another socket bound to ``listener``'s address (itself bound with ``shared``)."""
    sock = socket.socket(listener.family, listener.type, listener.proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(listener.getsockname())
    return sock


def _die_with_parent() -> None:
    """A worker whose supervisor is killed (even with SIGKILL) stops too (Linux)."""
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def bind(host: str, port: int, *, shared: bool = False) -> socket.socket:
    """A socket bound to ``host:port``, or a ConfigError naming the port: checked before
    anything is announced, so a taken port is one clear line. The server listens on it once it
    is ready; until then a client is refused rather than left waiting. ``shared``: other
    sockets of this process may bind the port too (``SO_REUSEPORT``), one per worker; the port
    must be free all the same (it is bound once without that option first)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError, OverflowError) as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc}") from None
    sock = _bound(family, kind, proto, address, host, port, shared=False)
    if shared:  # bound alone first: another server's shared sockets make it EADDRINUSE too
        address = sock.getsockname()
        sock.close()
        sock = _bound(family, kind, proto, address, host, port, shared=True)
    sock.set_inheritable(True)
    return sock


def _bound(
    family: int, kind: int, proto: int, address: Any, host: str, port: int, *, shared: bool
) -> socket.socket:
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if shared:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"port {port} on {host} is already in use (another draftmock or Prism?): stop "
                f"what holds it, or choose another port with --port, e.g. --port {port + 1}"
            ) from None
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def exposure_warning(host: str, admin_token: str | None, apis: Sequence[str]) -> str | None:
    """What a user must know when the server listens beyond loopback without an admin token."""
    if admin_token or _is_loopback_host(host):
        return None
    where = "every interface" if host in ("0.0.0.0", "::", "") else host
    return (
        f"listening on {where} without --admin-token: the APIs ({', '.join(apis)}), the landing "
        "and dashboard pages, /__draftmock/health, the API documents and signed download links "
        "answer anyone who can reach this machine; the control API calls under /__draftmock/ "
        "(clock, jobs, faults, progression, state, snapshots, seed, reset, sessions, requests, "
        "coverage) stay loopback-only, so the dashboard works only on this machine. Start with "
        "--admin-token TOKEN to use them from elsewhere (sent as X-Draftmock-Admin-Token)."
    )


def _is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name: it may resolve beyond loopback
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _url_host(host: str) -> str:
    """How a URL names ``host``: a wildcard address as loopback, IPv6 in brackets."""
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _tune_garbage_collector() -> None:
    """The compiled specs and validators live as long as the process: freeze them out of the
    collector's scans, and collect the young generations less often. With state growing by a
    dataset group per request, this takes p99 latency from ~110 ms (full collections walking the
    whole heap) to ~15 ms (bench/run.py --scenario create-group)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            return serve(args)
        if args.command in conformance.COMMANDS:
            return conformance.run(args)
    except MockError as exc:
        if getattr(args, "log_format", "text") == "json":
            entry = {"level": "error", "logger": "draftmock", "message": str(exc)}
            print(json.dumps(entry), file=sys.stderr)
        else:
            print(f"draftmock: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
