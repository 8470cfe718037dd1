"""Schemathesis hooks that sign requests with SigV4 (``SCHEMATHESIS_HOOKS``, child process only).

Two steps, so Schemathesis' own authentication checks stay meaningful:

1. An auth provider marks each generated case as authenticated with a placeholder
   ``Authorization`` value. Schemathesis then knows the case carries explicit credentials, and
   skips the provider where a test deliberately leaves credentials out.
2. ``before_call`` (which runs for every request a test sends, not for the probes Schemathesis'
   checks derive) attaches a ``requests`` auth that replaces exactly that placeholder with a
   signature over the request as prepared for the wire (final URL, headers and body bytes).

A probe that strips the header (``ignored_auth``: no credentials) or replaces it with an invalid
value is sent without this auth and keeps what Schemathesis put there: unsigned, or corrupted.

The signing settings come from the parent's environment (``sigv4.SigV4Signing.child_env``).
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis

from draftmock.conformance.sigv4 import SigV4Signing

PLACEHOLDER = "AWS4-HMAC-SHA256 draftmock-sign-when-sent"
SIGNING = SigV4Signing.from_env(os.environ)


class SignPlaceholder:
    """A ``requests`` auth: signs a prepared request that still carries the placeholder."""

    def __init__(self, signing: SigV4Signing) -> None:
        self.signing = signing

    def __call__(self, request: Any) -> Any:
        if request.headers.get("Authorization") != PLACEHOLDER:
            return request
        del request.headers["Authorization"]
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif body is not None and not isinstance(body, bytes):
            body = b"".join(bytes(chunk) for chunk in body)  # a generator: read it once
            request.body = body
        request.headers.update(
            self.signing.sign(request.method, request.url, dict(request.headers), body)
        )
        return request


if SIGNING is not None:
    _signer = SignPlaceholder(SIGNING)

    @schemathesis.auth(refresh_interval=None)
    class SigV4Provider:
        def get(self, case: Any, context: Any) -> str:
            return PLACEHOLDER

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = case.headers or {}
            case.headers["Authorization"] = data

    @schemathesis.hook
    def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
        kwargs["auth"] = _signer
