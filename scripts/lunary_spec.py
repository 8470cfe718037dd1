"""Write Lunary's published API (the ``@openapi`` blocks of its backend) as ``specs/lunary.yaml``.

Lunary documents its routes in JSDoc comments (``/** @openapi ... */``) that ``swagger-jsdoc``
gathers into the document its server publishes at ``/v1/openapi``
(``packages/backend/src/api/v1/openapi.ts``: OpenAPI 3.0.0, the ``BearerAuth`` and
``OrgApiKeyAuth`` schemes). This script does the same from a checkout (or a git directory, at a
commit) of github.com/lunary-ai/lunary, then lays our datasets-v2 definitions over it with
``scripts/whole_spec.py`` (they keep their corrections; see docs/lunary.md):

    python scripts/lunary_spec.py /path/to/lunary [--commit SHA]      # (re)write specs/lunary.yaml
    python scripts/lunary_spec.py /path/to/lunary --extract-only OUT.json
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import whole_spec

ROUTES = "packages/backend/src/api/v1"
ROOT_KEYS = {"openapi", "info", "servers", "components", "security", "tags", "externalDocs"}
BLOCK = re.compile(r"/\*\*(.*?)\*/", re.S)
BASE: dict[str, Any] = {
    "openapi": "3.0.0",
    "info": {"title": "Lunary API", "version": "1.0.0"},
    "servers": [{"url": "https://api.lunary.ai"}],
    "components": {
        "securitySchemes": {
            "BearerAuth": {"type": "http", "scheme": "bearer"},
            "OrgApiKeyAuth": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "UUID",
                "description": "Use an org-level private API key issued by Lunary.",
            },
        }
    },
}


def sources(root: Path, commit: str | None) -> list[tuple[str, str]]:
    """(path, text) of every TypeScript file under the v1 routes, sorted by path."""
    if commit is not None or not (root / ROUTES).is_dir():
        ref = commit or "HEAD"
        git = ["git", f"--git-dir={root / '.git' if (root / '.git').exists() else root}"]
        names = subprocess.run(
            [*git, "ls-tree", "-r", "--name-only", ref, ROUTES],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        return [
            (
                name,
                subprocess.run(
                    [*git, "show", f"{ref}:{name}"], check=True, capture_output=True, text=True
                ).stdout,
            )
            for name in sorted(names)
            if name.endswith(".ts")
        ]
    return [
        (str(path.relative_to(root)), path.read_text())
        for path in sorted((root / ROUTES).rglob("*.ts"))
    ]


def blocks(text: str) -> list[str]:
    """The YAML of each ``@openapi`` block, with the comment's leading ``*`` removed."""
    found = []
    for match in BLOCK.finditer(text):
        lines = [re.sub(r"^\s*\* ?", "", line) for line in match.group(1).splitlines()]
        for index, line in enumerate(lines):
            if line.strip() == "@openapi":
                found.append("\n".join(lines[index + 1 :]))
                break
    return found


def merge_into(target: dict[str, Any], part: dict[str, Any]) -> None:
    """swagger-jsdoc's merge: objects merge member by member, anything else replaces."""
    for key, value in part.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            merge_into(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def extract(root: Path, commit: str | None) -> tuple[dict[str, Any], list[str]]:
    document = copy.deepcopy(BASE)
    problems = []
    for name, text in sources(root, commit):
        for number, block in enumerate(blocks(text), start=1):
            try:
                part = yaml.safe_load(block)
            except yaml.YAMLError as exc:
                problems.append(f"{name} block {number}: {str(exc).splitlines()[0]}")
                continue
            if not isinstance(part, dict):
                continue
            # As swagger-jsdoc: the document's own members merge at the root; any other key of
            # a block is a path.
            root = {k: v for k, v in part.items() if k in ROOT_KEYS}
            paths = {k: v for k, v in part.items() if k not in ROOT_KEYS}
            merge_into(document, {**root, "paths": paths} if paths else root)
    return document, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", type=Path, help="a lunary checkout, or its git directory")
    parser.add_argument("--commit", help="read the files at this commit (git)")
    parser.add_argument("--extract-only", type=Path, help="write the extracted document here")
    args = parser.parse_args(argv)
    document, problems = extract(args.root, args.commit)
    for problem in problems:
        print(f"skipped {problem}", file=sys.stderr)
    if args.extract_only is not None:
        args.extract_only.write_text(json.dumps(document, indent=1))
        return 0
    revision = args.commit or ""
    with_revision = ["--revision", revision] if revision else []
    extracted = Path(sys.argv[0]).resolve().parent / ".lunary-extracted.json"
    extracted.write_text(json.dumps(document))
    try:
        return whole_spec.main(
            [
                "lunary",
                str(extracted),
                "--source",
                f"github lunary-ai/lunary {ROUTES}/**/*.ts @openapi blocks",
                *with_revision,
            ]
        )
    finally:
        extracted.unlink()


if __name__ == "__main__":
    raise SystemExit(main())
