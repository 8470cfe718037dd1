"""SigV4 request signing for APIs that AWS serves (AgentCore), as boto3 signs.

Credentials come from botocore's standard chain (environment variables, shared config and
credentials files, profiles, ...) and the signature from ``botocore.auth.SigV4Auth``. The region is
``--region``, else ``AWS_REGION``, else ``AWS_DEFAULT_REGION``, else ``us-east-1``.

A draftmock on this machine (the in-process mock, or one on a loopback address) is signed for
with the bundled fixture's access key ``draftmock`` (whose signatures the default fixture accepts
with any secret) without consulting the chain: the chain may reach out to an instance metadata
service, and a local mock knows only its fixture's accounts. A remote draftmock is signed for from
the chain, with the fixture's key standing in when the chain finds nothing.

Both phases sign the request exactly as it goes on the wire: the behaviour phase through an
``httpx.Auth``, Schemathesis through ``sigv4_hooks`` in its child process, which reads the
``SigV4Signing`` this module passes in the environment (``child_env``).
"""

from __future__ import annotations

import os
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

DEFAULT_REGION = "us-east-1"
FIXTURE_ACCESS_KEY = "draftmock"
FIXTURE_SECRET = "draftmock-conform"  # any secret: the fixture holds none for this key
ENV_PREFIX = "DRAFTMOCK_SIGV4_"
# What boto3 signs: the host, the body's type and AWS's own headers. Hop-by-hop and
# client-specific headers (connection, user-agent, accept-encoding) are left unsigned.
SIGNED = ("host", "content-type")


@dataclass(frozen=True)
class SigV4Signing:
    service: str
    region: str
    access_key: str
    secret_key: str = ""
    token: str | None = None
    source: str = "environment"  # where the credentials came from, for the report

    def credentials(self) -> Credentials:
        return Credentials(self.access_key, self.secret_key, self.token)

    def sign(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> dict[str, str]:
        """The headers to set on the request: ``X-Amz-Date``, ``Authorization`` (and the token)."""
        signed = {
            name: value
            for name, value in headers.items()
            if name.lower() in SIGNED or name.lower().startswith("x-amz-")
        }
        if not any(name.lower() == "host" for name in signed):
            signed["host"] = urlsplit(url).netloc
        request = AWSRequest(method=method, url=url, headers=signed, data=body or b"")
        SigV4Auth(self.credentials(), self.service, self.region).add_auth(request)
        added = {"X-Amz-Date": request.headers["X-Amz-Date"]}
        added["Authorization"] = request.headers["Authorization"]
        if self.token:
            added["X-Amz-Security-Token"] = self.token
        return added

    def describe(self) -> str:
        return (
            f"requests signed with SigV4 ({self.service}, {self.region}) as access key "
            f"{self.access_key} ({self.source})"
        )

    def child_env(self) -> dict[str, str]:
        """The signing settings for a child process (``sigv4_hooks`` reads them back)."""
        env = {
            f"{ENV_PREFIX}SERVICE": self.service,
            f"{ENV_PREFIX}REGION": self.region,
            f"{ENV_PREFIX}ACCESS_KEY_ID": self.access_key,
            f"{ENV_PREFIX}SECRET_ACCESS_KEY": self.secret_key,
        }
        if self.token:
            env[f"{ENV_PREFIX}SESSION_TOKEN"] = self.token
        return env

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SigV4Signing | None:
        try:
            return cls(
                service=env[f"{ENV_PREFIX}SERVICE"],
                region=env[f"{ENV_PREFIX}REGION"],
                access_key=env[f"{ENV_PREFIX}ACCESS_KEY_ID"],
                secret_key=env.get(f"{ENV_PREFIX}SECRET_ACCESS_KEY", ""),
                token=env.get(f"{ENV_PREFIX}SESSION_TOKEN") or None,
            )
        except KeyError:
            return None


class SigV4HttpxAuth(httpx.Auth):
    """Signs every request of an ``httpx.Client`` (the behaviour phase)."""

    requires_request_body = True

    def __init__(self, signing: SigV4Signing) -> None:
        self.signing = signing

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        added = self.signing.sign(
            request.method, str(request.url), dict(request.headers), request.content
        )
        request.headers.update(added)
        yield request


def region_from(option: str | None, env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return option or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def chain_credentials() -> Credentials | None:
    """What boto3 would sign with: botocore's standard credential chain."""
    import botocore.session

    found: Credentials | None = botocore.session.Session().get_credentials()
    return found


def signing_for(
    service: str, *, region: str | None, draftmock: bool, local: bool
) -> SigV4Signing | None:
    """How to sign for this target; None when no credentials are found for a real endpoint.

    ``local``: the target is a draftmock in this process or on a loopback address."""
    where = region_from(region)
    if not (draftmock and local):
        found = chain_credentials()
        if found is not None:
            frozen = found.get_frozen_credentials()
            return SigV4Signing(
                service,
                where,
                frozen.access_key,
                frozen.secret_key,
                frozen.token,
                source=f"AWS credential chain: {getattr(found, 'method', 'unknown')}",
            )
    if draftmock:
        return SigV4Signing(
            service, where, FIXTURE_ACCESS_KEY, FIXTURE_SECRET, source="the mock's fixture key"
        )
    return None
