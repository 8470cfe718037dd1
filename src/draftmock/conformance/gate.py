"""``draftmock conform``: Schemathesis' phases and the behaviour phase against one API.

Without a base URL the mock is started in-process (a fresh runtime on a frozen virtual clock,
served by ``LiveServer`` on a free loopback port) and checked like any other server. A target
that answers ``GET /__draftmock/health`` listing the API is a draftmock: the behaviour phase then
advances its clock instead of sleeping.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import httpx

from draftmock.conformance.behaviour import ScenarioResult, Suite, Target
from draftmock.conformance.config import config_exclusions, config_for, excluded_checks
from draftmock.conformance.progress import Progress
from draftmock.conformance.referee import Referee
from draftmock.conformance.report import GateReport
from draftmock.conformance.scenarios import suite_for
from draftmock.conformance.schemathesis_run import (
    PHASE_LINE,
    SCHEMATHESIS_PHASES,
    EventCounts,
    run_schemathesis,
    schemathesis_available,
)
from draftmock.conformance.sigv4 import SigV4HttpxAuth, SigV4Signing, signing_for
from draftmock.paths import specs_dir
from draftmock.spec.document import load_document

ALL_PHASES = (*SCHEMATHESIS_PHASES, "behaviour")
PROGRESS_EVERY = 10.0  # seconds between progress lines when stderr is not a terminal
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


class UsageError(Exception):
    """A request the gate cannot carry out (exit code 2)."""


@dataclass
class ConformOptions:
    api: str
    base_url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    api_key: str | None = None
    phases: Sequence[str] = ALL_PHASES
    max_examples: int = 25
    seed: int = 1
    junit_xml: Path | None = None
    report: Path | None = None
    destructive: bool | None = None  # None: allowed against local and draftmock targets only
    poll_interval: float = 2.0
    timeout: float = 120.0
    verbose: bool = False
    specs: Path | None = None  # directory of the APIs' documents (default: the bundled ones)
    spec: Path | None = None  # another document to check against (an independent contract)
    schemathesis_config: Path | None = None
    mode: str = "all"
    exclude_checks: Sequence[str] = ()
    region: str | None = None  # SigV4 signing region (default: AWS_REGION, AWS_DEFAULT_REGION)
    artifacts: Path | None = None  # keep Schemathesis' HAR file and VCR cassette here


def spec_path(api: str, specs: Path | None = None) -> Path:
    from draftmock.vendors import VENDORS

    vendor = VENDORS.get(api)
    path = (specs or specs_dir()) / (vendor.spec_file if vendor else f"{api}.yaml")
    if not path.exists():
        raise UsageError(f"no OpenAPI document for {api!r} at {path}")
    return path


def known_apis(specs: Path | None = None) -> list[str]:
    return sorted(p.stem for p in (specs or specs_dir()).glob("*.yaml"))


@contextmanager
def mock_server(
    api: str,
    app_factory: Callable[[], Any] | None = None,
    options: Mapping[str, Any] | None = None,
    document: Path | None = None,
) -> Iterator[str]:
    """The mock, in-process on a free port, with ``options`` as the API's settings options;
    yields its root URL. ``document``: serve it (at the root) instead of a built-in API."""
    from draftmock.assembly import build_runtime
    from draftmock.clock import VirtualClock
    from draftmock.server.app import DraftmockApp
    from draftmock.testing import LiveServer
    from draftmock.vendors._kit import Settings

    if app_factory is None and document is not None:
        runtime = build_runtime(documents=[(api, document)], clock=VirtualClock(frozen=True))
        app: Any = DraftmockApp(runtime)
    elif app_factory is None:
        runtime = build_runtime(
            apis=[api],
            clock=VirtualClock(frozen=True),
            settings=Settings(options={api: dict(options)} if options else {}),
        )
        app = DraftmockApp(runtime)
    else:
        app = app_factory()
    server = LiveServer(app)
    # Schemathesis probes with requests no HTTP server accepts (a NUL byte in a header): the
    # server's own warning about each would interleave with the progress lines.
    uvicorn_log = logging.getLogger("uvicorn.error")
    level = uvicorn_log.level
    uvicorn_log.setLevel(logging.ERROR)
    try:
        with server:
            yield server.url
    finally:
        uvicorn_log.setLevel(level)


def probe_draftmock(base_url: str, api: str, client: httpx.Client) -> str | None:
    """The server root when ``base_url`` is served by a draftmock serving ``api``."""
    parts = urlsplit(base_url)
    root = f"{parts.scheme}://{parts.netloc}"
    try:
        health = client.get(f"{root}/__draftmock/health", timeout=5)
        if health.status_code == 200 and api in health.json().get("apis", []):
            return root
    except (httpx.HTTPError, ValueError, AttributeError):
        return None
    return None


def credentials_for(api: str, suite: Suite | None, draftmock: bool) -> dict[str, str]:
    """Named extra credentials: ``DRAFTMOCK_CONFORM_<API>_<NAME>``, else the mock's fixtures."""
    found = dict(suite.mock_credentials) if (suite is not None and draftmock) else {}
    prefix = f"DRAFTMOCK_CONFORM_{api.upper()}_"
    for name, value in os.environ.items():
        if name.startswith(prefix) and value:
            found[name[len(prefix) :].lower()] = value
    return found


def conform(
    options: ConformOptions,
    *,
    stream: TextIO | None = None,
    app_factory: Callable[[], Any] | None = None,
) -> GateReport:
    """Run the requested phases; the report says what passed (see ``GateReport.exit_code``)."""
    stream = stream or sys.stderr
    unknown = [p for p in options.phases if p not in ALL_PHASES]
    if unknown:
        raise UsageError(f"unknown phase {', '.join(unknown)} (phases: {', '.join(ALL_PHASES)})")
    if not (options.poll_interval > 0 and options.timeout > 0):
        raise UsageError("--poll-interval and --timeout must be more than 0 seconds")
    if options.max_examples < 1:
        raise UsageError("--max-examples must be at least 1")
    spec = options.spec or spec_path(options.api, options.specs)
    if not spec.exists():
        raise UsageError(f"no OpenAPI document at {spec}")
    if options.base_url is None:
        from draftmock.vendors import VENDORS

        if options.api not in VENDORS:
            if options.spec is None:
                raise UsageError(f"no built-in API {options.api!r}; give --spec or --base-url")
            return _conform_generated(options, spec, stream)
        return _conform_in_process(options, spec, stream, app_factory)
    return _conform_at(options, spec, checked_url(options.base_url), stream, in_process=False)


def checked_url(base_url: str) -> str:
    """``base_url`` without its trailing slash; a UsageError unless it is an http(s) URL."""
    try:
        parts = urlsplit(base_url)
        host = parts.hostname
        parts.port  # noqa: B018  (raises ValueError for a port out of range)
    except ValueError as exc:
        raise UsageError(f"--base-url {base_url!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise UsageError(
            f"--base-url {base_url!r}: expected an http:// or https:// URL with a host"
        )
    return base_url.rstrip("/")


def _conform_in_process(
    options: ConformOptions, spec: Path, stream: TextIO, app_factory: Callable[[], Any] | None
) -> GateReport:
    """Schemathesis on a mock with the suite's settings for it (e.g. no rate limit), then the
    behaviour phase on a fresh mock with the API's defaults."""
    api = options.api
    suite = suite_for(api)
    st_phases = [p for p in options.phases if p in SCHEMATHESIS_PHASES]
    behaviour = [p for p in options.phases if p == "behaviour"]
    reports = []
    if st_phases:
        st_options = suite.schemathesis_mock_options if suite is not None else {}
        with mock_server(api, app_factory, st_options) as root:
            first = replace(options, phases=st_phases)
            reports.append(_conform_at(first, spec, f"{root}/{api}", stream, in_process=True))
            for name, value in st_options.items():
                reports[-1].notes.append(
                    f"schemathesis phases: the mock ran with {api}.{name}={value}"
                )
    if behaviour:
        with mock_server(api, app_factory) as root:
            second = replace(options, phases=behaviour)
            reports.append(_conform_at(second, spec, f"{root}/{api}", stream, in_process=True))
    report = reports[0]
    for later in reports[1:]:
        report.behaviour = later.behaviour
        report.notes += [n for n in later.notes if n not in report.notes]
        report.connection_error = report.connection_error or later.connection_error
    report.phases = list(options.phases)
    return report


def _conform_generated(options: ConformOptions, spec: Path, stream: TextIO) -> GateReport:
    """Any document: the Schemathesis phases against it served in-process by the generated
    tier (at the root), with the document as served (bundled, and with links from each create to
    its item's operations when it declares none, so the stateful phase chains them)."""
    st_phases = [p for p in options.phases if p in SCHEMATHESIS_PHASES]
    with mock_server(options.api, document=spec) as root, tempfile.TemporaryDirectory() as scratch:
        served = httpx.get(f"{root}/__draftmock/specs/{options.api}", timeout=60)
        served.raise_for_status()
        copy = Path(scratch) / f"{options.api}.json"
        copy.write_bytes(served.content)
        report = _conform_at(
            replace(options, phases=st_phases, spec=copy), copy, root, stream, in_process=True
        )
    report.spec = str(spec)
    report.phases = list(options.phases)
    if "behaviour" in options.phases:
        report.notes.append(
            f"no behaviour scenarios for {options.api}: its state is inferred from the document"
        )
    return report


def _conform_at(
    options: ConformOptions, spec: Path, base_url: str, stream: TextIO, *, in_process: bool
) -> GateReport:
    api = options.api
    suite = suite_for(api)
    st_phases = [p for p in options.phases if p in SCHEMATHESIS_PHASES]
    progress = Progress(stream)
    with httpx.Client() as probe:
        root = probe_draftmock(base_url, api, probe)
        report = GateReport(
            api=api,
            target=f"in-process mock at {base_url}" if in_process else base_url,
            spec=str(spec),
            draftmock=root is not None,
            phases=list(options.phases),
            seed=options.seed,
            max_examples=options.max_examples,
        )
        try:
            probe.get(base_url, timeout=10)
        except httpx.TransportError as exc:
            report.connection_error = f"cannot reach {base_url}: {type(exc).__name__}: {exc}"
            return report
    host = urlsplit(base_url).hostname or ""
    local = host in LOCAL_HOSTS or host.startswith("127.")
    credentials = credentials_for(api, suite, root is not None)
    api_key = options.api_key or credentials.get("api_key")
    headers: dict[str, str] = {}
    if api_key and suite is not None and suite.auth_header is not None:
        headers.update(suite.auth_header(api_key))
    headers.update(options.headers)
    signing = _signing(options, suite, root is not None, in_process or local, headers)
    if signing is not None:
        report.notes.append(signing.describe())

    destructive = (
        options.destructive if options.destructive is not None else (local or root is not None)
    )
    operation_ids = None if destructive else read_only_operations(spec, api, suite)
    if st_phases and operation_ids is not None:
        report.notes.append(
            "schemathesis phases: only operations that change no data "
            f"({', '.join(operation_ids) or 'none'}) against this target; "
            "pass --destructive to test every operation"
        )
        if not operation_ids:
            report.schemathesis_skipped = "no operation of the document is read-only"
            st_phases = []

    if st_phases:
        if not schemathesis_available():
            raise UsageError(
                "schemathesis is not installed (pip install 'draftmock[conform]', or "
                "'schemathesis>=4'); or pass --phases behaviour"
            )
        progress.phase(f"{api}: schemathesis {','.join(st_phases)} against {base_url} ...")
        hooks = "draftmock.conformance.sigv4_hooks" if signing is not None else None

        def echo(line: str) -> None:
            if options.verbose or _is_progress(line):
                progress.line(line)
            if (phase := _finished_phase(line)) is not None:
                finished.append(phase)
                left = [p for p in st_phases if p not in finished]
                status(f"{api}: schemathesis {', '.join(left) or 'reports'} ...")

        counts = EventCounts()
        counted = threading.Lock()
        last_line = [time.monotonic()]

        def count(event: dict[str, Any]) -> None:  # called from the event reader's thread
            with counted:
                if not counts.feed(event):
                    return
                status(f"{api}: schemathesis {counts.text()}")
                now = time.monotonic()
                if not progress.is_terminal and (
                    counts.phase_complete() or now - last_line[0] >= PROGRESS_EVERY
                ):
                    last_line[0] = now
                    progress.line(counts.text())

        if options.artifacts is not None:
            try:
                options.artifacts.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UsageError(f"--artifacts {options.artifacts}: {exc.strerror}") from None
        finished: list[str] = []
        st_config = options.schemathesis_config or (
            config_for(api) if options.spec is None else None
        )
        with progress.working(f"{api}: schemathesis {', '.join(st_phases)} ...") as status:
            report.schemathesis = run_schemathesis(
                spec,
                base_url,
                phases=st_phases,
                headers=headers,
                config=st_config,
                max_examples=options.max_examples,
                seed=options.seed,
                hooks=hooks,
                env=signing.child_env() if signing is not None else None,
                exclude_checks=[*excluded_checks(api), *options.exclude_checks],
                mode=None if options.mode == "all" else options.mode,
                operation_ids=operation_ids,
                on_line=echo,
                on_event=count,
                artifacts=options.artifacts,
                artifact_name=f"{api}.schemathesis",
            )
        for check, why in excluded_checks(api).items():
            report.notes.append(f"schemathesis check {check} left out: {why}")
        if st_config is not None:
            report.notes += [exclusion.note() for exclusion in config_exclusions(st_config)]
        for check in options.exclude_checks:
            report.notes.append(f"schemathesis check {check} left out (--exclude-checks)")
        if not report.schemathesis.ran or report.schemathesis.exit_code not in (0, 1):
            report.notes.append(report.schemathesis.output[-2000:].strip())

    if "behaviour" in options.phases:
        if suite is None:
            report.notes.append(f"no behaviour scenarios for {api} yet")
        else:
            target = Target(
                api=api,
                base_url=base_url,
                headers=headers,
                draftmock_root=root,
                local=local,
                destructive=destructive,
                credentials=credentials,
                auth=SigV4HttpxAuth(signing) if signing is not None else None,
                poll_interval=options.poll_interval,
                timeout=options.timeout,
            )
            progress.phase(f"{api}: behaviour scenarios against {base_url} ...")
            total = len(suite.scenarios)
            try:
                # Scenarios name operations of the API's own document, whatever --spec says.
                referee = Referee(load_document(spec_path(api, options.specs), api))
                with progress.working(f"{api}: behaviour 0/{total} scenarios") as status:
                    done: list[ScenarioResult] = []

                    def ended(result: ScenarioResult) -> None:
                        done.append(result)
                        progress.scenario(result)
                        status(f"{api}: behaviour {len(done)}/{total} scenarios")

                    report.behaviour = suite.run(target, referee, progress=ended)
            finally:
                target.close()
    return report


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def read_only_operations(spec: Path, api: str, suite: Suite | None) -> list[str]:
    """The operations of ``spec`` that change no data: safe methods, and those the API's suite
    names (AWS lists with POST)."""
    named = set(suite.read_only_operations) if suite is not None else set()
    document = Referee(load_document(spec, api))
    return [
        op.operation_id
        for op in document.operations.values()
        if op.method in SAFE_METHODS or op.operation_id in named
    ]


def _signing(
    options: ConformOptions,
    suite: Suite | None,
    draftmock: bool,
    local: bool,
    headers: dict[str, str],
) -> SigV4Signing | None:
    """SigV4 signing for an API served by AWS, unless an Authorization header is given."""
    if suite is None or suite.sigv4_service is None:
        return None
    if any(name.lower() == "authorization" for name in headers):
        return None
    signing = signing_for(
        suite.sigv4_service, region=options.region, draftmock=draftmock, local=local
    )
    if signing is None:
        raise UsageError(
            f"{options.api} requests are signed with SigV4, but no AWS credentials were found "
            "(set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)"
        )
    return signing


def _is_progress(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(("✅", "❌", "⏭", "🚫", "⚠")) and "(in " in stripped


def _finished_phase(line: str) -> str | None:
    """The phase a line of Schemathesis' output reports finished."""
    found = PHASE_LINE.match(line)
    return found.group(1).lower() if found else None
