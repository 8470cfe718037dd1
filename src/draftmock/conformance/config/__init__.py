"""Schemathesis settings per API (``<api>.toml``), each with the rationale for its choices.

Every Schemathesis check runs (its default since 4.0; ``draftmock conform`` never passes
``--checks``, which would override a config file's ``enabled = false``). A check is left out in
one of two ways, each with its reason:

- for every operation of an API: ``EXCLUDED_CHECKS`` below, passed as ``--exclude-checks``;
- for some operations only: an ``[[operations]]`` entry in ``<api>.toml`` with
  ``checks.<name>.enabled = false``, the comment right above the entry saying why.

``config_exclusions`` reads the latter back from a config file, so the gate's report can say
what was left out where, and why.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


# Checks left out for every operation of an API, with why (passed as `--exclude-checks`).
EXCLUDED_CHECKS: dict[str, dict[str, str]] = {
    "lunary": {
        "unsupported_method": (
            "upstream mounts koa-router without allowedMethods(), so a method no route declares "
            'falls through to koa\'s 404 {"message": "Not Found"}; Lunary never sends 405 '
            "(research section 3.6, docs/lunary.md)"
        ),
        "ignored_auth": (
            "it requires 401 or 403 without valid credentials; upstream's auth middleware answers "
            'some such requests 400 "projectId is required" (getDataset without credentials) '
            'or 404 "Not Found" (an X-API-Key that is not a UUID), never a 2xx, as '
            "specs/lunary.yaml documents and tests/scenarios/test_lunary_errors.py checks"
        ),
        "allow_header_conformance": (
            "Lunary's published routes write one URL twice (/v1/datasets/{identifier} and "
            "/v1/datasets/{id}, /v1/datasets/variations/{id} and .../{variationId}), so a URL's "
            "Allow header names the methods of both templates, where the check expects one's"
        ),
    },
    "agentcore": {
        "missing_required_header": (
            "Schemathesis expects 401 for a request without its Authorization header; AWS answers "
            "403 AccessDeniedException, which every operation documents (no AWS operation "
            "documents 401); ignored_auth still checks that unsigned requests are refused"
        ),
    },
}


def excluded_checks(api: str) -> dict[str, str]:
    return EXCLUDED_CHECKS.get(api, {})


def config_for(api: str) -> Path | None:
    path = HERE / f"{api}.toml"
    return path if path.exists() else None


@dataclass(frozen=True)
class ConfigExclusion:
    """A check a Schemathesis config file turns off: for every operation (``where`` empty), or
    for the operations an ``[[operations]]`` entry selects (``where``: its filters, e.g.
    ``operation-id createSkillCollectionPublic, saveSkillCollectionVersionPublic``)."""

    check: str
    where: str
    why: str
    phase: str | None = None

    def note(self) -> str:
        scope = f"for {self.where}" if self.where else "for every operation"
        if self.phase is not None:
            scope += f" in the {self.phase} phase"
        what = (
            "schemathesis checks not enabled by name"
            if self.check == "all"
            else f"schemathesis check {self.check}"
        )
        return f"{what} left out {scope}: {self.why}"


OPERATIONS_HEADER = re.compile(r"^\s*\[\[\s*operations\s*\]\]")
FILTER_KEY = re.compile(r"^(include|exclude)-")


def config_exclusions(path: Path) -> list[ConfigExclusion]:
    """The checks ``path`` turns off (``enabled = false``), in the file's order: under
    ``[checks]`` and ``[phases.<phase>.checks]`` for every operation, and in ``[[operations]]``
    entries. An entry's reason is the comment right above its ``[[operations]]`` line.
    Unreadable TOML: nothing (Schemathesis reports the file itself)."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    lines = text.splitlines()
    headers = [i for i, line in enumerate(lines) if OPERATIONS_HEADER.match(line)]
    top = lines[: headers[0]] if headers else lines
    found = [
        ConfigExclusion(
            check,
            "",
            _comment_above(top, _line_naming(top, phase, check))
            or f"no reason given in {path.name}",
            phase,
        )
        for phase, check in _disabled(data)
    ]
    entries = data.get("operations", [])
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict):
            continue
        disabled = _disabled(entry)
        if not disabled:
            continue
        why = _comment_above(lines, headers[index]) if index < len(headers) else ""
        where = "; ".join(
            f"{key.removeprefix('include-')} {_listed(value)}"
            for key, value in entry.items()
            if FILTER_KEY.match(key)
        )
        for phase, check in disabled:
            found.append(
                ConfigExclusion(
                    check,
                    where or "an [[operations]] entry",
                    why or f"no reason given in {path.name}",
                    phase,
                )
            )
    return found


def _disabled(table: dict[str, Any]) -> list[tuple[str | None, str]]:
    """``(phase, check)`` for each check ``table`` turns off, in its ``checks`` and in each of its
    ``phases.<phase>.checks`` (``all``: its ``checks`` say ``enabled = false`` for every check)."""
    sections: list[tuple[str | None, Any]] = [(None, table.get("checks"))]
    phases = table.get("phases")
    if isinstance(phases, dict):
        sections += [
            (phase, settings.get("checks"))
            for phase, settings in phases.items()
            if isinstance(settings, dict)
        ]
    found: list[tuple[str | None, str]] = []
    for phase, checks in sections:
        if not isinstance(checks, dict):
            continue
        if checks.get("enabled") is False:
            found.append((phase, "all"))
        found += [
            (phase, name)
            for name, settings in checks.items()
            if isinstance(settings, dict) and settings.get("enabled") is False
        ]
    return found


def _line_naming(lines: list[str], phase: str | None, check: str) -> int:
    """The index of the line setting ``check`` (its table header or dotted key), or -1."""
    section = (f"phases.{phase}." if phase else "") + (
        "checks" if check == "all" else f"checks.{check}"
    )
    pattern = re.compile(rf"^\s*\[?\s*{re.escape(section)}\s*[\].=]")
    return next((i for i, line in enumerate(lines) if pattern.match(line)), -1)


def _comment_above(lines: list[str], index: int) -> str:
    """The ``#`` lines right above ``lines[index]``, as one sentence."""
    comment: list[str] = []
    for line in reversed(lines[: max(index, 0)]):
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        comment.insert(0, stripped.lstrip("#").strip())
    return " ".join(part for part in comment if part)


def _listed(value: object) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
