"""Putting a runtime together from a specs directory, fixture paths and settings."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from draftmock.clock import VirtualClock
from draftmock.errors import ConfigError
from draftmock.fixtures import read_fixture_paths
from draftmock.paths import fixtures_dir, specs_dir
from draftmock.runtime import Runtime
from draftmock.spec.document import Document, load_document
from draftmock.vendors import VENDORS
from draftmock.vendors._kit import Settings, Vendor


def default_fixture_paths() -> list[Path]:
    return sorted(fixtures_dir().glob("default.*.yaml"))


def build_runtime(
    *,
    specs: Path | None = None,
    fixtures: Sequence[Path] | None = None,
    apis: Iterable[str] | None = None,
    settings: Settings | None = None,
    clock: VirtualClock | None = None,
    seed: int = 0,
    journal_limit: int = 1000,
) -> Runtime:
    """A runtime serving every API whose document is in ``specs`` (or those named)."""
    specs = specs or specs_dir()
    wanted = set(apis) if apis is not None else None
    vendors: dict[str, Vendor[Any]] = {}
    documents: dict[str, Document] = {}
    for slug, vendor in VENDORS.items():
        path = specs / vendor.spec_file
        if (wanted is not None and slug not in wanted) or not path.exists():
            continue
        vendors[slug] = vendor
        documents[slug] = load_document(path, slug)
    if wanted is not None and (missing := wanted - set(vendors)):
        raise ConfigError(f"no API named {', '.join(sorted(missing))} (or its spec is missing)")
    if not vendors:
        raise ConfigError(f"no API documents found in {specs}")
    if settings is not None:
        check_options(settings.options)
    paths = list(fixtures) if fixtures is not None else default_fixture_paths()
    sources = [s for s in read_fixture_paths(paths, VENDORS) if s.api in vendors]
    return Runtime(
        vendors,
        documents,
        sources,
        clock=clock,
        settings=settings,
        seed=seed,
        journal_limit=journal_limit,
    )


def check_options(options: Mapping[str, Mapping[str, Any]]) -> None:
    """Refuse, at start-up, a setting no API reads or a value its schema does not allow."""
    for api, named in options.items():
        if api not in VENDORS:
            raise ConfigError(f"option {api}.*: no API named {api!r} (known: {', '.join(VENDORS)})")
        known = VENDORS[api].options
        for name, value in named.items():
            if name not in known:
                choices = ", ".join(f"{api}.{n}" for n in sorted(known)) or "none"
                raise ConfigError(f"option {api}.{name}: unknown (known: {choices})")
            error = best_match(Draft202012Validator(known[name]).iter_errors(value))
            if error is not None:
                raise ConfigError(f"option {api}.{name}={json.dumps(value)}: {error.message}")
