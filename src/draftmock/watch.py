"""``serve --watch``: reload changed specs, Overlays and fixtures while the server runs.

A changed spec is loaded and compiled first (a generated API is built again from its document
and Overlays, so a changed Overlay counts as a changed spec); if it is broken the old one stays and the error is
logged. Otherwise it is served at once, and every world keeps the state that still validates
against it (what is dropped is logged, record by record). A changed fixture file is validated;
if it is good, the APIs it holds restart from it in every world (logged).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path

from draftmock.errors import MockError
from draftmock.fixtures import read_fixture_paths
from draftmock.server.app import DraftmockApp
from draftmock.spec.document import load_document

log = logging.getLogger("draftmock.watch")


class Watcher:
    def __init__(
        self, app: DraftmockApp, fixture_paths: Sequence[Path], interval: float = 1.0
    ) -> None:
        self.app = app
        self.fixture_paths = list(fixture_paths)
        self.interval = interval
        self._stop = threading.Event()
        self._seen = self._mtimes()
        self._thread = threading.Thread(target=self._loop, name="draftmock-watch", daemon=True)

    def _files(self) -> dict[Path, str | None]:
        """Watched files -> the API whose spec (or Overlay) they are (None: fixtures)."""
        runtime = self.app.runtime
        files: dict[Path, str | None] = {doc.path: api for api, doc in runtime.documents.items()}
        for api, rebuild in runtime.rebuilds.items():
            files.update(dict.fromkeys(rebuild.files(), api))
        for path in self.fixture_paths:
            candidates = sorted(path.glob("*.y*ml")) if path.is_dir() else [path]
            files.update(dict.fromkeys(candidates))
        return files

    def _mtimes(self) -> dict[Path, float]:
        stamps = {}
        for path in self._files():
            try:
                stamps[path] = path.stat().st_mtime
            except OSError:
                continue
        return stamps

    def start(self) -> Watcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.check()

    def check(self) -> list[str]:
        """Reload what changed since the last check; returns log lines (also logged)."""
        durable = self.app.durable
        with durable.every_world() if durable is not None else nullcontext():
            return self._check()

    def _check(self) -> list[str]:
        current = self._mtimes()
        changed = [path for path, stamp in current.items() if self._seen.get(path) != stamp]
        self._seen = current
        files = self._files()
        lines: list[str] = []
        fixtures_changed = False
        reloaded: set[str] = set()
        for path in changed:
            api = files.get(path)
            if api is None:
                fixtures_changed = True
                continue
            if api in reloaded:  # its document and an Overlay changed together
                continue
            reloaded.add(api)
            try:
                dropped = self._reload(api, path)
            except MockError as exc:
                lines.append(f"{path.name}: not reloaded, the previous version stays: {exc}")
                continue
            lines.append(f"{path.name}: reloaded {api}; state kept")
            lines.extend(f"{api}: dropped {line}" for line in dropped)
        if fixtures_changed:
            lines.extend(self._reload_fixtures())
        for line in lines:
            log.warning(line)
        return lines

    def _reload(self, api: str, path: Path) -> list[str]:
        """A built-in API takes its changed document; a generated one is built again from its
        document and Overlays (operations, resources and declarations as they now say)."""
        rebuild = self.app.runtime.rebuilds.get(api)
        if rebuild is None:
            return self.app.reload_api(api, load_document(path, api))
        vendor, document = rebuild.build()
        return self.app.reload_api(api, document, vendor)

    def _reload_fixtures(self) -> list[str]:
        runtime = self.app.runtime
        try:
            sources = read_fixture_paths(self.fixture_paths, runtime.vendors)
            sources = [s for s in sources if s.api in runtime.vendors]
            for source in sources:
                runtime.check_fixture(source)
            by_api = {api: [s for s in sources if s.api == api] for api in runtime.vendors}
        except MockError as exc:
            return [f"fixtures not reloaded, the previous ones stay: {exc}"]
        lines = []
        for api, api_sources in by_api.items():
            old = [s.data for s in runtime.fixtures if s.api == api]
            if old != [s.data for s in api_sources]:
                runtime.replace_fixtures(api, api_sources)
                lines.append(f"fixtures reloaded: {api} restarted from them in every world")
        return lines
