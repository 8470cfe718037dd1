"""Where the bundled specs and fixtures are: inside the wheel, or at the repository root."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    inside = _PACKAGE / "_bundled" / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parents[1] / name  # src/draftmock -> repository root


def specs_dir() -> Path:
    return _bundled("specs")


def fixtures_dir() -> Path:
    return _bundled("fixtures")
