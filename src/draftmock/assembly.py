"""Putting a runtime together from a specs directory, users' documents, fixture paths and
settings."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from draftmock.clock import VirtualClock
from draftmock.declared.layer import with_declarations
from draftmock.declared.overlay import with_overlays
from draftmock.errors import ConfigError, SpecError
from draftmock.fixtures import read_fixture_paths
from draftmock.generated.behaviour import Behaviour
from draftmock.generated.remainder import with_remainder
from draftmock.generated.vendor import build_api, build_vendor
from draftmock.paths import fixtures_dir, specs_dir
from draftmock.runtime import DEFAULT_MAX_SESSIONS, Rebuild, Runtime
from draftmock.spec.document import Document, load_document
from draftmock.vendors import VENDORS
from draftmock.vendors._kit import Settings, Vendor

log = logging.getLogger("draftmock")
RESERVED_NAMES = {"__draftmock", ""}


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
    documents: Sequence[tuple[str | None, Path]] = (),
    behaviours: Mapping[str | None, Behaviour] | None = None,
    overlays: Mapping[str | None, Sequence[Path]] | None = None,
    check_documents: bool = False,
    max_sessions: int = DEFAULT_MAX_SESSIONS,
) -> Runtime:
    """A runtime serving every API whose document is in ``specs`` (or those named).

    ``documents`` (``serve DOC...``: name or None, path) are any OpenAPI documents, served by the
    generated tier instead of the built-in APIs; so is every document in ``specs`` that is not a
    built-in API's. A single API from a user's document is served at the root.
    """
    wanted = set(apis) if apis is not None else None
    vendors: dict[str, Vendor[Any]] = {}
    loaded: dict[str, Document] = {}
    generated: list[str] = []
    after_start: list[Callable[[], object]] = []
    user_documents: list[tuple[str | None, Path, bool]] = [(n, p, True) for n, p in documents]
    rebuilds: dict[str, Rebuild] = {}
    if not documents or specs is not None:
        directory = specs or specs_dir()
        builtin = {vendor.spec_file: slug for slug, vendor in VENDORS.items()}
        for slug, vendor in VENDORS.items():
            path = directory / vendor.spec_file
            if (wanted is not None and slug not in wanted) or not path.exists():
                continue
            loaded[slug] = load_document(path, slug)
            vendors[slug] = whole_vendor(vendor, loaded[slug], after_start, check_documents)
            rebuilds[slug] = _rebuild_builtin(vendor, path)
        if specs is not None:
            user_documents.extend(
                (None, path, False)
                for path in sorted(specs.iterdir())
                if path.suffix.lower() in (".yaml", ".yml", ".json")
                and path.name not in builtin
                and not path.stem.endswith(".overlay")  # NAME.overlay.yaml: NAME's sidecar
            )
    builtins = list(vendors)
    named = _named_documents(user_documents)
    names = [name for name, _ in named]
    if wanted is not None:
        named = [(name, doc) for name, doc in named if name in wanted]
    root = names[0] if len(named) == 1 and not vendors else None
    for name, document in named:
        if name in vendors:
            raise ConfigError(f"two APIs are named {name!r}; name one with DOC=NAME")
        behaviour = (behaviours or {}).get(name) or (behaviours or {}).get(None)
        sidecars = sidecar_overlays(document.path) if specs is not None else []
        overlay_paths = [
            *sidecars,
            *(overlays or {}).get(None, ()),
            *(overlays or {}).get(name, ()),
        ]
        mount = "" if root == name else f"/{name}"
        vendors[name], loaded[name] = generated_api(
            document,
            overlay_paths,
            mount=mount,
            behaviour=behaviour,
            after_start=after_start if check_documents else None,
        )
        rebuilds[name] = _rebuild(
            name, document.path, overlay_paths, mount, behaviour, specs is not None
        )
        generated.append(name)
    unknown_overlays = set(overlays or {}) - {None, *generated}
    if unknown_overlays:
        names_ = ", ".join(sorted(map(str, unknown_overlays)))
        raise ConfigError(f"--overlay for {names_}: no such API")
    unknown = set(behaviours or {}) - {None, *generated}
    if unknown:
        raise ConfigError(f"--behaviour for {', '.join(sorted(map(str, unknown)))}: no such API")
    if wanted is not None and (missing := wanted - set(vendors)):
        raise ConfigError(f"no API named {', '.join(sorted(missing))} (or its spec is missing)")
    if not vendors:
        expected = ", ".join(vendor.spec_file for vendor in VENDORS.values())
        raise ConfigError(
            f"no API documents found in {specs or specs_dir()}: --specs names a directory of "
            f"OpenAPI documents (*.yaml, *.yml, *.json; {expected} serve the built-in APIs)"
        )
    if settings is not None:
        check_options(settings.options)
    if fixtures is not None:
        paths = list(fixtures)
    else:
        paths = [p for p in default_fixture_paths() if p.stem.split(".")[-1] in builtins]
    sources = [s for s in read_fixture_paths(paths, vendors) if s.api in vendors]
    runtime = Runtime(
        vendors,
        loaded,
        sources,
        clock=clock,
        settings=settings,
        seed=seed,
        journal_limit=journal_limit,
        root_api=root,
        generated=generated,
        max_sessions=max_sessions,
    )
    runtime.after_start.extend(after_start)
    runtime.rebuilds.update(rebuilds)
    return runtime


def generated_api(
    document: Document,
    overlay_paths: Sequence[Path],
    *,
    mount: str,
    behaviour: Behaviour | None,
    after_start: list[Callable[[], object]] | None,
) -> tuple[Vendor[Any], Document]:
    """The generated tier for one user's document, its Overlays applied: (vendor, document)."""
    document = with_overlays(document, overlay_paths)
    api = build_api(document, mount=mount)
    vendor = build_vendor(
        document, mount=mount, behaviour=behaviour, after_start=after_start, api=api
    )
    return with_declarations(vendor, document, api), document


def _rebuild(
    name: str,
    path: Path,
    overlay_paths: Sequence[Path],
    mount: str,
    behaviour: Behaviour | None,
    sidecars: bool,
) -> Rebuild:
    """How ``serve --watch`` builds the API again from its files: the document, its Overlays
    (a sidecar that appears later included)."""

    def files() -> list[Path]:
        found = [*overlay_paths]
        if sidecars:
            found.extend(p for p in sidecar_overlays(path) if p not in found)
        return [path, *found]

    def build() -> tuple[Vendor[Any], Document]:
        overlays = files()[1:]
        return generated_api(
            load_document(path, name), overlays, mount=mount, behaviour=behaviour, after_start=None
        )

    return Rebuild(files, build)


def _rebuild_builtin(vendor: Vendor[Any], path: Path) -> Rebuild:
    """How ``serve --watch`` builds a built-in API again from its changed document: its
    module as before, the generated tier over the operations the document now describes."""

    def build() -> tuple[Vendor[Any], Document]:
        document = load_document(path, vendor.slug)
        return whole_vendor(vendor, document, [], check_documents=False), document

    return Rebuild(lambda: [path], build)


def whole_vendor(
    vendor: Vendor[Any],
    document: Document,
    after_start: list[Callable[[], object]],
    check_documents: bool,
) -> Vendor[Any]:
    """A built-in vendor that serves its whole document (``Vendor.tenant_of``): the operations
    its module leaves out come from the generated tier, with the document's declarations."""
    if vendor.tenant_of is None:
        return vendor
    mount = f"/{vendor.slug}"
    api = build_api(document, mount=mount)
    generated = build_vendor(
        document, mount=mount, after_start=after_start if check_documents else None, api=api
    )
    return with_remainder(vendor, with_declarations(generated, document, api), api)


def sidecar_overlays(document: Path) -> list[Path]:
    """``NAME.overlay.yaml`` (or ``.yml``, ``.json``) beside ``NAME.yaml`` in a ``--specs``
    directory: an Overlay applied to it at load."""
    found = [
        document.with_name(f"{document.stem}.overlay{suffix}")
        for suffix in (".yaml", ".yml", ".json")
    ]
    return [path for path in found if path.is_file()]


def api_name(path: Path) -> str:
    """The name a document is served under, from its file name: ``pet-store.yaml`` -> ``pet-store``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", path.stem).strip("-.") or "api"


def _named_documents(
    entries: Sequence[tuple[str | None, Path, bool]],
) -> list[tuple[str, Document]]:
    """(name, document) for each entry; an unreadable file named on the command line stops
    start-up, one merely found in a directory (fixtures, configs) is skipped with a warning."""
    result: list[tuple[str, Document]] = []
    seen: set[str] = set()
    for name, path, explicit in entries:
        name = name or api_name(path)
        if name in RESERVED_NAMES or "/" in name:
            raise ConfigError(f"{path}: {name!r} cannot name an API; choose another with DOC=NAME")
        if name in seen:
            raise ConfigError(f"two documents are named {name!r}; name one with DOC=NAME")
        if not path.is_file():
            raise ConfigError(f"{path}: no such file")
        try:
            document = load_document(path, name)
        except SpecError as exc:
            if not explicit:
                log.warning("skipping %s: %s", path, exc)
                continue
            raise
        seen.add(name)
        result.append((name, document))
    return result


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
