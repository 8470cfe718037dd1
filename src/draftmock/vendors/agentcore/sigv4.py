"""SigV4 ``Authorization`` headers: parsing the credential scope, optionally checking the signature.

    AWS4-HMAC-SHA256 Credential=<key>/<yyyymmdd>/<region>/<service>/aws4_request,
        SignedHeaders=host;x-amz-date, Signature=<64 hex>

The access key selects the account and the scope's region is the region the caller works in.
When the fixture holds the key's secret, the signature is recomputed with botocore's own signer
over the request as received (the clock is virtual, so the signing time is not checked).
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from draftmock.vendors._kit import AuthInput

ALGORITHM = "AWS4-HMAC-SHA256"
_HEADER = re.compile(
    r"^AWS4-HMAC-SHA256\s+"
    r"Credential=(?P<key>[^/\s,]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9-]+)"
    r"/aws4_request,\s*SignedHeaders=(?P<signed>[a-z0-9;_.-]+),\s*Signature=(?P<sig>[0-9a-f]{64})$"
)


@dataclass(frozen=True, slots=True)
class Signature:
    access_key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def parse(value: str | None) -> Signature | None:
    """The parts of a SigV4 Authorization header, or None when it is missing or malformed."""
    if not value:
        return None
    match = _HEADER.match(value.strip())
    if match is None:
        return None
    return Signature(
        access_key=match["key"],
        date=match["date"],
        region=match["region"],
        service=match["service"],
        signed_headers=tuple(match["signed"].split(";")),
        signature=match["sig"],
    )


def expected_signature(sig: Signature, secret: str, auth: AuthInput, mount: str) -> str | None:
    """What the caller should have sent, or None if a signed header is missing."""
    headers: dict[str, Any] = {}
    for name in sig.signed_headers:
        value = auth.headers.get(name)
        if value is None:
            return None
        headers[name] = value
    timestamp = headers.get("x-amz-date")
    if timestamp is None:
        return None
    host = headers.get("host", auth.headers.get("host", "localhost"))
    url = f"http://{host}{mount}{auth.path}"
    if auth.query_string:
        url += f"?{auth.query_string}"
    request = AWSRequest(method=auth.method, url=url, headers=headers, data=auth.body)
    request.context["timestamp"] = timestamp
    signer = SigV4Auth(Credentials(sig.access_key, secret), sig.service, sig.region)
    canonical = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical)
    return str(signer.signature(string_to_sign, request))


def verify(sig: Signature, secret: str, auth: AuthInput, mount: str) -> bool:
    expected = expected_signature(sig, secret, auth, mount)
    return expected is not None and hmac.compare_digest(expected, sig.signature)
