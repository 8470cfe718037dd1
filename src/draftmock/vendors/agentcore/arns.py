"""Realistic values for the records the generated tier keeps for AgentCore: a new record's own
ARN names the caller's account and region and the record's identifier, as AWS writes it
(``arn:aws:bedrock-agentcore:us-east-1:123456789012:memory/<id>``), and an identifier of AWS's
``<name>-<10 characters>`` shape starts with the name the caller gave."""

from __future__ import annotations

import re
from typing import Any

from draftmock.vendors._kit import Call
from draftmock.vendors.agentcore.models import Principal

# The resource part of an ARN, by generated resource, where AWS does not write the singular
# of the path's resource name.
KINDS = {
    "Memory": "memory",
    "WorkloadIdentity": "workload-identity-directory/default/workload-identity",
    "ApiKeyCredentialProvider": "token-vault/default/apikeycredentialprovider",
    "Oauth2CredentialProvider": "token-vault/default/oauth2credentialprovider",
    "PaymentCredentialProvider": "token-vault/default/paymentcredentialprovider",
    "runtimes": "runtime",
    "browsers": "browser-custom",
    "code-interpreters": "code-interpreter-custom",
    "policy-engines": "policy-engine",
}


def _singular(segment: str) -> str:
    if segment.endswith("ies"):
        return segment[:-3] + "y"
    if segment.endswith("es") and segment[:-2].endswith(("ss", "sh", "ch", "x")):
        return segment[:-2]
    return segment[:-1] if segment.endswith("s") else segment


def kind_of(resource: str) -> str:
    """The ARN resource type of a generated resource (its last path segment, singular)."""
    found = KINDS.get(resource)
    if found is not None:
        return found
    last = resource.rsplit("/", 1)[-1]
    return _singular(last)


def _camel(resource: str) -> str:
    """``WorkloadIdentity`` -> ``workloadIdentity``; ``gateways/targets`` -> ``target``."""
    if "/" in resource or "-" in resource or resource.islower():
        words = _singular(resource.rsplit("/", 1)[-1]).split("-")
        return words[0] + "".join(w.title() for w in words[1:])
    return resource[:1].lower() + resource[1:]


def arn_members(resource: str, record: dict[str, Any]) -> list[str]:
    """The record's members that name the record itself by ARN."""
    names = {"arn", f"{_camel(resource)}Arn"}
    if resource.endswith("CredentialProvider"):
        names.add("credentialProviderArn")
    id_member = _id_member(resource, record)
    if id_member is not None and id_member.endswith("Id") and len(id_member) > 2:
        names.add(f"{id_member[:-2]}Arn")
    return sorted(n for n in names if isinstance(record.get(n), str))


def _id_member(resource: str, record: dict[str, Any]) -> str | None:
    camel = _camel(resource)
    for candidate in (f"{camel}Id", "id", "name"):
        if candidate in record:
            return candidate
    return None


def generated_record(resource: str, record: dict[str, Any], call: Call) -> dict[str, Any]:
    """``record`` with the ARNs naming it in the caller's account and region."""
    principal = call.principal
    if not isinstance(principal, Principal):
        return record
    id_member = _id_member(resource, record)
    if id_member is None or not isinstance(record.get(id_member), str | int):
        return record
    body = call.body if isinstance(call.body, dict) else {}
    out = dict(record)
    named = _named_id(record[id_member], body.get("name"))
    if named is not None and id_member not in body:
        out[id_member] = named
    arn = (
        f"arn:aws:bedrock-agentcore:{principal.region}:{principal.account_id}:"
        f"{kind_of(resource)}/{out[id_member]}"
    )
    for member in arn_members(resource, record):
        if member not in body:
            out[member] = arn
    return out


_SUFFIXED = re.compile(r"^.+-([a-zA-Z0-9]{10})$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def _named_id(generated: Any, name: Any) -> str | None:
    """``<name>-<suffix>`` for a generated ``<anything>-<suffix>`` identifier (lower case where
    the generated one is), or None where the shape or the name does not fit."""
    if not isinstance(generated, str) or not isinstance(name, str) or not _NAME.match(name):
        return None
    found = _SUFFIXED.match(generated)
    if found is None:
        return None
    named = f"{name}-{found.group(1)}"
    return named.lower() if generated == generated.lower() else named
