"""``draftmock diff``: the behaviour scenarios against the mock and a target, side by side.

Both runs use the same scenarios, flags and credentials policy. Exchanges are aligned by scenario
and step (repeated polls of one step collapse to the last, whose answer is the settled state);
volatile values (ids, timestamps, request ids, tokens) are normalised away, and what remains is
compared: status codes, body shapes (keys and value types), check outcomes and the state
transitions each scenario observed. Every difference is reported; any difference exits 1.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from draftmock.conformance.behaviour import ScenarioResult
from draftmock.conformance.gate import ConformOptions, conform
from draftmock.conformance.report import EXIT_FAILED, EXIT_PASSED, EXIT_USAGE, GateReport

VOLATILE_KEY = re.compile(
    r"(^id$|_id$|Id$|^ids$|_ids$|Ids$|arn$|Arn$|identifier$|Identifier$|token$|Token$|"
    r"_at$|At$|^url$|Url$|request_?id$|RequestId$|^etag$)"
)
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def normalise(value: Any, key: str = "") -> Any:
    """The value with volatile members replaced by placeholders of the same JSON type (an id
    that is a number on one side and a string on the other is a difference a client's parser
    meets)."""
    if isinstance(value, dict):
        return {k: normalise(v, k) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [normalise(v, key) for v in value]
    if isinstance(value, str) and ISO_TIME.match(value):
        return "<timestamp>"
    if key and VOLATILE_KEY.search(key):
        if isinstance(value, str):
            return f"<{key}>"
        if isinstance(value, int | float) and not isinstance(value, bool):
            return 0
    return value


def shape(value: Any) -> Any:
    """Keys and value types only: what a client's parser depends on."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        shapes = []
        for item in value:
            s = shape(item)
            if s not in shapes:
                shapes.append(s)
        return shapes
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return "string"


@dataclass
class Difference:
    scenario: str
    step: str
    kind: str  # status | shape | check | transition | scenario | step
    mock: Any
    target: Any

    def describe(self) -> str:
        mock, target = json.dumps(self.mock, default=str), json.dumps(self.target, default=str)
        return (
            f"{self.scenario} / {self.step}: {self.kind}: mock {mock[:200]} | target {target[:200]}"
        )


@dataclass
class DiffResult:
    api: str
    target: str
    mock_report: GateReport
    target_report: GateReport
    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.target_report.connection_error or self.mock_report.connection_error:
            return EXIT_USAGE
        return EXIT_FAILED if self.differences else EXIT_PASSED

    def to_json(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "target": self.target,
            "exit_code": self.exit_code,
            "differences": [vars(d) for d in self.differences],
            "notes": self.notes,
            "mock": self.mock_report.to_json(),
            "target_report": self.target_report.to_json(),
        }

    def write_json(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2, default=str) + "\n")

    def print(self, stream: TextIO) -> None:
        print(f"draftmock diff {self.api}: mock vs {self.target}", file=stream)
        if self.target_report.connection_error:
            print(f"error: {self.target_report.connection_error}", file=stream)
        for d in self.differences:
            print(f"  DIFF {d.describe()}", file=stream)
        for note in self.notes:
            print(f"  note: {note}", file=stream)
        print(
            f"{self.api}: {len(self.differences)} difference(s) (exit {self.exit_code})",
            file=stream,
        )


def _settled(result: ScenarioResult) -> dict[str, tuple[int, Any]]:
    """step -> (status, body) of the last exchange of each step."""
    steps: dict[str, tuple[int, Any]] = {}
    for exchange in result.exchanges:
        steps[exchange.step] = (exchange.status, exchange.body)
    return steps


def compare(mock: ScenarioResult, target: ScenarioResult) -> list[Difference]:
    name = mock.name
    found: list[Difference] = []
    if mock.status != target.status:
        found.append(
            Difference(
                name,
                "-",
                "scenario",
                f"{mock.status} {mock.reason[:200]}",
                f"{target.status} {target.reason[:200]}",
            )
        )
    ours, theirs = _settled(mock), _settled(target)
    for step in list(dict.fromkeys([*ours, *theirs])):
        if step not in ours or step not in theirs:
            found.append(
                Difference(name, step, "step", step in ours and "ran", step in theirs and "ran")
            )
            continue
        (s1, b1), (s2, b2) = ours[step], theirs[step]
        if s1 != s2:
            found.append(Difference(name, step, "status", s1, s2))
        elif shape(normalise(b1)) != shape(normalise(b2)):
            found.append(Difference(name, step, "shape", shape(b1), shape(b2)))
    our_checks = {c.name: c.status for c in mock.checks}
    their_checks = {c.name: c.status for c in target.checks}
    for check in dict.fromkeys([*our_checks, *their_checks]):
        a, b = our_checks.get(check), their_checks.get(check)
        # A check one side could not observe (skipped, e.g. work that finished within one round
        # trip on a real service) is not a difference in behaviour.
        if a != b and None not in (a, b) and "skipped" not in (a, b):
            found.append(Difference(name, check, "check", a, b))
    our_moves = [(t.subject, t.before, t.after) for t in mock.transitions]
    their_moves = [(t.subject, t.before, t.after) for t in target.transitions]
    if our_moves != their_moves:
        found.append(Difference(name, "-", "transition", our_moves, their_moves))
    return found


def diff(
    options: ConformOptions,
    *,
    stream: TextIO | None = None,
    mock_app_factory: Any = None,
) -> DiffResult:
    assert options.base_url is not None
    phases = ["behaviour"]
    target_options = ConformOptions(**{**vars(options), "phases": phases, "report": None})
    target_report = conform(target_options, stream=stream or io.StringIO())
    # The mock runs exactly the scenarios the target could run.
    destructive = not any(
        r.status == "skipped" and r.reason.startswith("destructive")
        for r in target_report.behaviour
    )
    mock_options = ConformOptions(
        **{
            **vars(options),
            "phases": phases,
            "base_url": None,
            "api_key": None,
            "headers": {},
            "report": None,
            "destructive": destructive,
        }
    )
    mock_report = conform(
        mock_options, stream=stream or io.StringIO(), app_factory=mock_app_factory
    )
    result = DiffResult(options.api, options.base_url, mock_report, target_report)
    theirs = {r.name: r for r in target_report.behaviour}
    for ours in mock_report.behaviour:
        other = theirs.get(ours.name)
        if other is None:
            continue
        if other.status == "skipped" and ours.status != "skipped":
            result.notes.append(f"{ours.name}: skipped on the target ({other.reason})")
            continue
        result.differences.extend(compare(ours, other))
    return result
