"""What a conformance run found: one report, written as JSON and JUnit XML, shown as tables."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from draftmock.conformance.behaviour import ScenarioResult
from draftmock.conformance.schemathesis_run import SchemathesisResult

EXIT_PASSED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


@dataclass
class GateReport:
    api: str
    target: str  # the base URL checked ("in-process mock at ..." when started here)
    spec: str
    draftmock: bool
    phases: list[str]
    seed: int
    max_examples: int
    schemathesis: SchemathesisResult | None = None
    behaviour: list[ScenarioResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    connection_error: str | None = None
    schemathesis_skipped: str | None = None  # why the Schemathesis phases did not run

    # -- verdicts ---------------------------------------------------------------------------

    def phase_rows(self) -> list[tuple[str, str, str]]:
        """(phase, status, detail) per requested phase."""
        rows: list[tuple[str, str, str]] = []
        st = self.schemathesis
        details = st.phase_details() if st is not None else {}
        for phase in self.phases:
            if phase == "behaviour":
                counts = self.behaviour_counts()
                status = (
                    "failure"
                    if counts["failed"] or counts["error"]
                    else ("success" if counts["passed"] else "skip")
                )
                detail = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
                rows.append((phase, status, detail or "no scenarios"))
            elif st is None and self.schemathesis_skipped:
                rows.append((phase, "skip", self.schemathesis_skipped))
            elif st is not None:
                info = st.phases.get(phase, {})
                status = str(info.get("status") or ("error" if not st.passed else "unknown"))
                detail = info.get("skip_reason") or details.get(phase, "")
                if status == "failure":
                    detail = "; ".join(
                        f"{f.get('code')} {f.get('title')} ({', '.join(f.get('operations', []))})"
                        for f in st.failures
                    )[:300]
                rows.append((phase, status, str(detail)))
        return rows

    def behaviour_counts(self) -> dict[str, int]:
        counts = {"passed": 0, "failed": 0, "error": 0, "skipped": 0}
        for result in self.behaviour:
            counts[result.status] += 1
        return counts

    @property
    def exit_code(self) -> int:
        if self.connection_error is not None:
            return EXIT_USAGE
        if any(r.status == "error" and "connection failed" in r.reason for r in self.behaviour):
            return EXIT_USAGE
        if self.schemathesis is not None and not self.schemathesis.ran:
            return EXIT_USAGE
        failed = any(r.status in ("failed", "error") for r in self.behaviour)
        if self.schemathesis is not None and not self.schemathesis.passed:
            failed = True
        return EXIT_FAILED if failed else EXIT_PASSED

    # -- outputs ----------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "target": self.target,
            "spec": self.spec,
            "draftmock": self.draftmock,
            "phases": self.phases,
            "seed": self.seed,
            "max_examples": self.max_examples,
            "exit_code": self.exit_code,
            "summary": [{"phase": p, "status": s, "detail": d} for p, s, d in self.phase_rows()],
            "schemathesis": self.schemathesis.to_json() if self.schemathesis else None,
            "behaviour": [r.to_json() for r in self.behaviour],
            "notes": self.notes,
            "connection_error": self.connection_error,
        }

    def write_json(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2, default=str) + "\n")

    def junit(self) -> ET.Element:
        root = ET.Element("testsuites", name=f"draftmock conform {self.api}")
        if self.schemathesis is not None and self.schemathesis.junit_xml:
            theirs = ET.fromstring(self.schemathesis.junit_xml)
            for suite in theirs.iter("testsuite"):
                suite.set("name", f"{self.api}.schemathesis")
                for case in suite.iter("testcase"):  # CI reports group test cases by class
                    case.set("classname", case.get("classname") or f"{self.api}.schemathesis")
                root.append(suite)
        if "behaviour" in self.phases:
            root.append(self._behaviour_suite())
        totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for suite in root.iter("testsuite"):
            for key in totals:
                totals[key] += int(suite.get(key, "0"))
        for key, value in totals.items():
            root.set(key, str(value))
        return root

    def _behaviour_suite(self) -> ET.Element:
        counts = self.behaviour_counts()
        suite = ET.Element(
            "testsuite",
            name=f"{self.api}.behaviour",
            tests=str(len(self.behaviour)),
            failures=str(counts["failed"]),
            errors=str(counts["error"]),
            skipped=str(counts["skipped"]),
            time=f"{sum(r.duration for r in self.behaviour):.3f}",
        )
        for result in self.behaviour:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{self.api}.behaviour",
                name=result.name,
                time=f"{result.duration:.3f}",
            )
            failed = [c for c in result.checks if c.status == "failed"]
            if result.status == "skipped":
                ET.SubElement(case, "skipped", message=result.reason)
            elif result.status == "error":
                ET.SubElement(
                    case, "error", message=result.reason.splitlines()[0]
                ).text = result.reason
            elif failed:
                text = "\n".join(f"{c.name}: {c.detail}" for c in failed)
                ET.SubElement(case, "failure", message=failed[0].name).text = text
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(
                f"[{c.status}] {c.name}" + (f" -- {c.detail}" if c.detail else "")
                for c in result.checks
            )
        return suite

    def warning_lines(self, most: int = 8) -> list[str]:
        """Schemathesis' warnings (``missing_test_data``, ``base_url_mismatch``, ...), one line
        per kind naming the operations: they tell why fuzzing mostly met errors."""
        if self.schemathesis is None:
            return []
        lines = []
        for kind, items in sorted(self.schemathesis.warnings.items()):
            if not items:
                continue
            named = [_warning_label(item) for item in items]
            shown = ", ".join(named[:most]) + (
                f" and {len(named) - most} more" if len(named) > most else ""
            )
            lines.append(f"warning: schemathesis {kind.replace('_', ' ')}: {shown}")
        return lines

    def write_junit(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tree = ET.ElementTree(self.junit())
        ET.indent(tree)
        tree.write(path, encoding="utf-8", xml_declaration=True)

    # -- console ----------------------------------------------------------------------------

    def print_summary(self, stream: TextIO) -> None:
        try:
            from rich.console import Console
            from rich.table import Table
        except ImportError:  # rich comes with schemathesis; plain text without it
            self._print_plain(stream)
            return
        console = Console(file=stream, highlight=False, width=None if stream.isatty() else 120)
        console.print(f"draftmock conform {self.api} — {self.target}")
        table = Table()
        for column in ("phase", "status", "detail"):
            table.add_column(column)
        style = {"success": "green", "failure": "red", "error": "red", "skip": "yellow"}
        for phase, status, detail in self.phase_rows():
            table.add_row(phase, f"[{style.get(status, '')}]{status}[/]", detail)
        console.print(table)
        if self.behaviour:
            scenarios = Table(title="behaviour scenarios")
            for column in ("scenario", "status", "checks", "reason"):
                scenarios.add_column(column)
            colour = {"passed": "green", "failed": "red", "error": "red", "skipped": "yellow"}
            for result in self.behaviour:
                passed = sum(c.status == "passed" for c in result.checks)
                scenarios.add_row(
                    result.name,
                    f"[{colour[result.status]}]{result.status}[/]",
                    f"{passed}/{len(result.checks)}",
                    result.reason.splitlines()[0][:120] if result.reason else "",
                )
            console.print(scenarios)
        self._print_tail(stream)

    def _print_plain(self, stream: TextIO) -> None:
        print(f"draftmock conform {self.api} — {self.target}", file=stream)
        for phase, status, detail in self.phase_rows():
            print(f"  {phase:<10} {status:<8} {detail}", file=stream)
        for result in self.behaviour:
            reason = result.reason.splitlines()[0][:120] if result.reason else ""
            print(f"    {result.status:<8} {result.name} {reason}", file=stream)
        self._print_tail(stream)

    def _print_tail(self, stream: TextIO) -> None:
        for result in self.behaviour:
            for check in result.checks:
                if check.status == "failed":
                    print(f"FAILED {result.name}: {check.name}: {check.detail}", file=stream)
        for line in self.warning_lines():
            print(line, file=stream)
        for path in self.schemathesis.artifacts if self.schemathesis is not None else []:
            print(f"replay: {path}", file=stream)
        for note in self.notes:
            print(f"note: {note}", file=stream)
        if self.connection_error:
            print(f"error: {self.connection_error}", file=stream)
        verdict = {0: "all passed", 1: "contract failures", 2: "usage or connection error"}
        print(f"{self.api}: {verdict[self.exit_code]} (exit {self.exit_code})", file=stream)


def _warning_label(item: Any) -> str:
    """An operation named in a Schemathesis warning: its label, or the item as it came."""
    if isinstance(item, dict):
        for key in ("label", "operation", "operation_label", "path"):
            if isinstance(item.get(key), str):
                return str(item[key])
        return json.dumps(item, sort_keys=True)
    return str(item)
