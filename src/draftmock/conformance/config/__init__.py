"""Schemathesis settings per API (``<api>.toml``), each with the rationale for its choices."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


# Checks left out per API, with why. `--checks all` on Schemathesis' command line overrides a
# config file's `enabled = false`, so these are passed as `--exclude-checks`.
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
    "promptlayer": {
        "negative_data_rejection": (
            "its skill-collection operations take a multipart form whose `zip` member is a file "
            "(`format: binary`); Schemathesis' negative cases for it are files too (a part with "
            "a filename and some bytes), which no server can tell from a valid one. The check "
            "cannot be left out for those two operations alone while `--checks all` is given. "
            "Request validation stays covered by the coverage phase's own checks and "
            "tests/scenarios"
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
