"""Fixture files a running server may read on request (``POST /__draftmock/seed {"path"}``).

Only files under the directories the server was started with (``--fixtures`` directories and
files, ``--seed-dir``) are read; a path is resolved (symlinks included) before that check, so a
link pointing out of a root is refused like any path outside. Only regular files are opened,
without following a final symlink and without blocking (a FIFO is refused, never waited on),
and at most ``max_bytes`` are read (``/dev/zero`` is not a regular file; a large file is 413).
Errors name the file as requested and where it broke (line, column, field), never what it holds.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from draftmock.errors import ConfigError, FixtureError
from draftmock.fixtures import FixtureSource, split_fixture

log = logging.getLogger("draftmock.control")

MAX_SEED_BYTES = 16 * 1024 * 1024
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SeedRefused(ConfigError):
    """A seed path the server will not read; ``status`` is the control API's answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class SeedFiles:
    def __init__(self, roots: Iterable[Path] = (), max_bytes: int = MAX_SEED_BYTES) -> None:
        self.dirs: list[Path] = []
        self.files: list[Path] = []
        for root in roots:
            resolved = Path(root).resolve()
            (self.dirs if resolved.is_dir() else self.files).append(resolved)
        self.max_bytes = max_bytes

    @property
    def enabled(self) -> bool:
        return bool(self.dirs or self.files)

    def describe_roots(self) -> str:
        return ", ".join(str(p) for p in [*self.dirs, *self.files])

    def locate(self, requested: str) -> Path:
        """The resolved file ``requested`` names, if it lies under a root (else ``SeedRefused``).

        A relative path is looked up under each seed directory in turn, then under the
        server's working directory."""
        if not self.enabled:
            raise SeedRefused(
                403,
                "seeding from a file is off: start the server with --seed-dir DIR (or "
                "--fixtures DIR) to allow the files under DIR",
            )
        if not requested or "\x00" in requested:
            raise SeedRefused(400, "path must name a file")
        given = Path(requested)
        bases = [given] if given.is_absolute() else [*(d / given for d in self.dirs), given]
        allowed = [p for p in (_resolve(b) for b in bases) if p is not None and self.allows(p)]
        if not allowed:
            raise SeedRefused(
                403, f"{requested}: outside the seed directories ({self.describe_roots()})"
            )
        return next((p for p in allowed if p.exists()), allowed[0])

    def allows(self, resolved: Path) -> bool:
        return resolved in self.files or any(resolved.is_relative_to(d) for d in self.dirs)

    def read(self, requested: str, apis: Iterable[str]) -> list[FixtureSource]:
        """The fixture sources in the file ``requested`` names (blocking: call off the loop)."""
        path = self.locate(requested)
        raw = self._read_bytes(path, requested)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SeedRefused(400, f"{requested}: not UTF-8 text (byte {exc.start})") from None
        try:
            data = yaml.load(text, Loader=_Loader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            raise SeedRefused(400, f"{requested}: not valid YAML or JSON{where}") from None
        except (yaml.YAMLError, RecursionError):
            raise SeedRefused(400, f"{requested}: not valid YAML or JSON") from None
        known = set(apis)
        if data is not None and not isinstance(data, dict):
            raise SeedRefused(400, f"{requested}: a fixture must be a mapping")
        if isinstance(data, dict) and not all(isinstance(k, str) for k in data):
            raise SeedRefused(400, f"{requested}: a fixture's keys must be API names")
        hint = path.stem.split(".")[-1]
        try:
            sources = split_fixture(data, requested, known, hint=hint)
        except FixtureError:
            raise SeedRefused(
                400,
                f"{requested}: a top-level key is not a served API ({', '.join(sorted(known))});"
                " a file named <set>.<api>.yaml holds one API's data",
            ) from None
        return [FixtureSource(s.api, s.origin, s.data, quote=False) for s in sources]

    def _read_bytes(self, path: Path, requested: str) -> bytes:
        flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
        flags |= getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            raise SeedRefused(404, f"{requested}: no such file") from None
        except OSError as exc:
            raise SeedRefused(400, f"{requested}: cannot open ({exc.strerror})") from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise SeedRefused(400, f"{requested}: not a regular file")
            if info.st_size > self.max_bytes:
                raise SeedRefused(413, f"{requested}: larger than {self.max_bytes} bytes")
            os.set_blocking(fd, True)
            chunks: list[bytes] = []
            size = 0
            while size <= self.max_bytes:
                chunk = os.read(fd, min(1 << 20, self.max_bytes + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            if size > self.max_bytes:
                raise SeedRefused(413, f"{requested}: larger than {self.max_bytes} bytes")
            return b"".join(chunks)
        finally:
            os.close(fd)


def _resolve(path: Path) -> Path | None:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return None
