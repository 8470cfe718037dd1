"""The behaviour phase: executable scenarios that state each documented semantic as a named check.

A scenario is a function of a ``Run``. It calls operations by ``operationId`` (method and path
come from the spec, so scenarios cannot drift from it), records every exchange, states each
semantic with ``run.check(name, ok, detail)`` (``run.require`` when later steps depend on it) and
waits for asynchronous work with ``run.wait_for``, which polls as a client would: real time
against a remote server, the virtual clock (``POST /__draftmock/clock/advance``) when the target
is a draftmock. Every response is also judged by the ``Referee`` (status documented, body valid).

Scenarios create their own resources (``run.unique``), register clean-ups (``run.cleanup``),
and skip with a reason (``run.skip``) what the target or the given credentials cannot do. A
scenario marked ``destructive`` leaves data behind that the API offers no way to remove, or
changes data it did not create; it runs against a non-local URL only with ``--destructive``.
"""

from __future__ import annotations

import itertools
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

import httpx

from draftmock.conformance.referee import Referee

VIOLATION_HEADER = "x-draftmock-violation"

Status = Literal["passed", "failed", "skipped", "error"]


@dataclass
class Check:
    name: str
    status: Literal["passed", "failed", "skipped"]
    detail: str = ""


@dataclass
class Exchange:
    step: str
    operation_id: str
    method: str
    path: str  # the template
    status: int
    body: Any
    problems: list[str] = field(default_factory=list)


@dataclass
class Transition:
    subject: str
    before: Any
    after: Any


@dataclass
class ScenarioResult:
    api: str
    name: str
    title: str
    status: Status = "passed"
    reason: str = ""
    duration: float = 0.0
    checks: list[Check] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "name": self.name,
            "title": self.title,
            "status": self.status,
            "reason": self.reason,
            "duration": round(self.duration, 3),
            "checks": [vars(c) for c in self.checks],
            "exchanges": [
                {k: v for k, v in vars(e).items() if k != "body"} for e in self.exchanges
            ],
            "transitions": [vars(t) for t in self.transitions],
        }


class Skip(Exception):
    """The scenario cannot run here (target, credentials or flags); the message says why."""


class Abort(Exception):
    """A required check failed; later steps would be meaningless."""


@dataclass
class Target:
    """The server under test, as the behaviour phase sees it."""

    api: str
    base_url: str  # the API's root, e.g. http://127.0.0.1:4010/promptlayer
    headers: dict[str, str]
    draftmock_root: str | None = None  # set when the target answers GET /__draftmock/health
    local: bool = False
    destructive: bool = False
    credentials: Mapping[str, str] = field(default_factory=dict)  # named extra credentials
    auth: httpx.Auth | None = None
    poll_interval: float = 1.0
    timeout: float = 60.0
    client: httpx.Client = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(timeout=30.0, auth=self.auth)

    @property
    def virtual_clock(self) -> bool:
        return self.draftmock_root is not None

    def advance(self, seconds: float) -> None:
        assert self.draftmock_root is not None
        response = self.client.post(
            f"{self.draftmock_root}/__draftmock/clock/advance", json={"seconds": seconds}
        )
        response.raise_for_status()

    def close(self) -> None:
        self.client.close()


Body = Any


class Run:
    """One scenario's view of the target."""

    _counter = itertools.count(1)

    def __init__(self, target: Target, referee: Referee, result: ScenarioResult) -> None:
        self.target = target
        self.referee = referee
        self.result = result
        self._cleanups: list[tuple[str, Callable[[], Any]]] = []
        self.run_id = uuid.uuid4().hex[:8]

    # -- resources --------------------------------------------------------------------------

    def unique(self, prefix: str, sep: str = "-") -> str:
        """A name no earlier run used: prefix, run id and a counter."""
        return f"{prefix}{sep}{self.run_id}{sep}{next(self._counter)}"

    def cleanup(self, label: str, action: Callable[[], Any]) -> None:
        """Run ``action`` when the scenario ends, passed or not (last registered first)."""
        self._cleanups.append((label, action))

    def credential(self, name: str, why: str) -> str:
        value = self.target.credentials.get(name)
        if not value:
            raise Skip(f"needs credential {name!r} ({why})")
        return value

    def skip(self, reason: str) -> None:
        raise Skip(reason)

    def fresh_quota(self, what: str) -> dict[str, str]:
        """Headers for requests that spend a rate-limit quota from zero.

        A draftmock gives the scenario a session of its own (``X-Draftmock-Session``: a new
        world with fresh counters, so no other scenario's requests count and none is throttled
        after). Against another server the quota is the credentials' own: the scenario burns it,
        so it runs only with ``--destructive`` (and the throttle may outlast the scenario).
        """
        if self.target.virtual_clock:
            return {"X-Draftmock-Session": self.unique("conform-rate-limit")}
        if not self.target.destructive:
            self.skip(f"burns {what} of the given credentials; pass --destructive to run it")
        return {}

    # -- requests ---------------------------------------------------------------------------

    def call(
        self,
        step: str,
        operation_id: str,
        *,
        path: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        anonymous: bool = False,
        content: bytes | None = None,
    ) -> httpx.Response:
        """Call an operation of the spec; the exchange is recorded and refereed."""
        op = self.referee.operation(operation_id)
        url_path = op.path
        for name, value in (path or {}).items():
            url_path = url_path.replace("{" + name + "}", quote(str(value), safe=""))
        sent_headers = {} if anonymous else dict(self.target.headers)
        sent_headers.update(headers or {})
        kwargs: dict[str, Any] = {"params": dict(query or {}), "headers": sent_headers}
        if content is not None:
            kwargs["content"] = content
        elif json is not None or op.method in ("POST", "PUT", "PATCH"):
            kwargs["json"] = json
            if json is None:
                kwargs.pop("json")
        if anonymous:
            kwargs["auth"] = None
        response = self.target.client.request(op.method, self.target.base_url + url_path, **kwargs)
        try:
            body: Any = response.json() if response.content else None
        except ValueError:
            body = response.text
        problems = self.referee.problems(
            operation_id,
            response.status_code,
            response.headers.get("content-type"),
            body,
            bool(response.content),
        )
        if VIOLATION_HEADER in response.headers:
            problems.insert(0, f"the mock flagged its reply: {response.headers[VIOLATION_HEADER]}")
        self.result.exchanges.append(
            Exchange(step, operation_id, op.method, op.path, response.status_code, body, problems)
        )
        self.check(
            f"{step}: response matches the spec",
            not problems,
            "; ".join(problems),
        )
        return response

    # -- checks -----------------------------------------------------------------------------

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.result.checks.append(Check(name, "passed" if ok else "failed", "" if ok else detail))
        return ok

    def require(self, name: str, ok: bool, detail: str = "") -> None:
        if not self.check(name, ok, detail):
            raise Abort(f"{name}: {detail}")

    def expect_status(self, name: str, response: httpx.Response, *expected: int) -> bool:
        ok = response.status_code in expected
        wanted = " or ".join(str(s) for s in expected)
        return self.check(
            name, ok, f"expected {wanted}, got {response.status_code}: {response.text[:300]}"
        )

    def require_status(self, name: str, response: httpx.Response, *expected: int) -> None:
        if not self.expect_status(name, response, *expected):
            raise Abort(f"{name}: got {response.status_code}")

    def not_applicable(self, name: str, reason: str) -> None:
        """A check this target cannot observe, reported as skipped with the reason."""
        self.result.checks.append(Check(name, "skipped", reason))

    def transition(self, subject: str, before: Any, after: Any) -> None:
        self.result.transitions.append(Transition(subject, before, after))

    # -- time -------------------------------------------------------------------------------

    def wait_for(
        self,
        name: str,
        probe: Callable[[], Any],
        *,
        timeout: float | None = None,
        interval: float | None = None,
    ) -> Any:
        """Poll ``probe`` until it returns something truthy; a failed check after ``timeout``.

        Against a draftmock the clock is advanced by ``interval`` between polls (virtual time
        counts toward the timeout); otherwise the client sleeps in real time.
        """
        timeout = self.target.timeout if timeout is None else timeout
        interval = self.target.poll_interval if interval is None else interval
        waited = 0.0
        started = time.monotonic()
        polls = 0
        while True:
            polls += 1
            value = probe()
            if value:
                self.check(name, True)
                return value
            if self.target.virtual_clock:
                if waited >= timeout:
                    break
                self.target.advance(interval)
                waited += interval
            else:
                if time.monotonic() - started >= timeout:
                    break
                time.sleep(interval)
        self.check(name, False, f"not done after {timeout:g} s ({polls} polls)")
        return None

    # -- running ----------------------------------------------------------------------------

    def finish(self) -> None:
        for label, action in reversed(self._cleanups):
            try:
                action()
            except Exception as exc:  # clean-up is best effort; say so
                self.result.checks.append(
                    Check(f"clean-up: {label}", "skipped", f"{type(exc).__name__}: {exc}")
                )


ScenarioFunction = Callable[[Run], None]


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    function: ScenarioFunction
    destructive: bool = False
    needs_draftmock: bool = False  # only meaningful where the clock can be controlled


class Suite:
    """The scenarios of one API, registered with ``@suite.scenario(...)``."""

    def __init__(
        self,
        api: str,
        *,
        auth_header: Callable[[str], dict[str, str]] | None = None,
        mock_credentials: Mapping[str, str] | None = None,
        sigv4_service: str | None = None,
        schemathesis_mock_options: Mapping[str, Any] | None = None,
        read_only_operations: Sequence[str] = (),
    ) -> None:
        self.api = api
        # Operations that change nothing although their method is not GET (e.g. AWS's POST
        # .../list): Schemathesis may call them on a target where it must not change data.
        self.read_only_operations = tuple(read_only_operations)
        # Settings.options of the in-process mock while Schemathesis runs (the behaviour phase
        # gets a fresh mock with the API's defaults).
        self.schemathesis_mock_options = dict(schemathesis_mock_options or {})
        self.auth_header = auth_header  # how --api-key is sent
        self.sigv4_service = sigv4_service  # or: requests signed with SigV4 for this service
        self.mock_credentials = dict(mock_credentials or {})  # the bundled fixtures' keys
        self.scenarios: dict[str, Scenario] = {}

    def scenario(
        self, title: str, *, destructive: bool = False, needs_draftmock: bool = False
    ) -> Callable[[ScenarioFunction], ScenarioFunction]:
        def register(function: ScenarioFunction) -> ScenarioFunction:
            name = function.__name__
            if name in self.scenarios:
                raise ValueError(f"scenario {name} registered twice")
            self.scenarios[name] = Scenario(name, title, function, destructive, needs_draftmock)
            return function

        return register

    def run(
        self,
        target: Target,
        referee: Referee,
        *,
        only: Iterator[str] | None = None,
        progress: Callable[[ScenarioResult], None] | None = None,
    ) -> list[ScenarioResult]:
        wanted = set(only) if only is not None else None
        results = []
        for scenario in self.scenarios.values():
            if wanted is not None and scenario.name not in wanted:
                continue
            result = run_scenario(scenario, self.api, target, referee)
            results.append(result)
            if progress is not None:
                progress(result)
        return results


def run_scenario(scenario: Scenario, api: str, target: Target, referee: Referee) -> ScenarioResult:
    result = ScenarioResult(api, scenario.name, scenario.title)
    started = time.monotonic()
    if scenario.destructive and not target.destructive:
        result.status = "skipped"
        result.reason = (
            "destructive (leaves data the API cannot remove); "
            "pass --destructive to run it against this target"
        )
        return result
    if scenario.needs_draftmock and not target.virtual_clock:
        result.status = "skipped"
        result.reason = "needs a draftmock target (controls the mock's clock)"
        return result
    run = Run(target, referee, result)
    try:
        scenario.function(run)
    except Skip as exc:
        result.status = "skipped"
        result.reason = str(exc)
    except Abort as exc:
        result.reason = str(exc)
    except httpx.TransportError as exc:
        result.status = "error"
        result.reason = f"connection failed: {type(exc).__name__}: {exc}"
    except Exception as exc:
        result.status = "error"
        result.reason = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"
    finally:
        run.finish()
    if result.status in ("passed", "skipped") and any(c.status == "failed" for c in result.checks):
        result.status = "failed"
    if result.status == "failed" and not result.reason:
        first = next(c for c in result.checks if c.status == "failed")
        result.reason = f"{first.name}: {first.detail}"
    result.duration = time.monotonic() - started
    return result
