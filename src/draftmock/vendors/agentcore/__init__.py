"""AWS Bedrock AgentCore Control: SigV4 accounts; datasets (an implicit DRAFT, async versions)
written here, every other operation of the document served by the generated tier per account and
region, in the same rest-json errors."""

from __future__ import annotations

from draftmock.vendors._kit import Admission, AuthInput, Context, Vendor
from draftmock.vendors.agentcore import arns, errors, fixture, service, sigv4
from draftmock.vendors.agentcore.handlers import ops
from draftmock.vendors.agentcore.models import Backend, Principal

SLUG = "agentcore"


def authenticate(ctx: Context[Backend], auth: AuthInput) -> Admission:
    """The SigV4 credential names the access key (-> account) and the region."""
    signature = sigv4.parse(auth.credentials.get("sigv4"))
    if signature is None:
        raise errors.AccessDeniedException(
            "Missing or malformed Authorization header: a SigV4 signature is required"
        )
    credential = ctx.backend.credentials.get(signature.access_key)
    if credential is None:
        raise errors.AccessDeniedException(
            f"The security token included in the request is invalid: unknown access key "
            f"{signature.access_key}"
        )
    if credential.secret is not None and not sigv4.verify(
        signature, credential.secret, auth, f"/{SLUG}"
    ):
        raise errors.AccessDeniedException(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method."
        )
    return Admission(Principal(credential.account_id, signature.region, credential.access_key))


def tenant_of(principal: Principal) -> str:
    """Each region of an account is a namespace of its own, as for datasets."""
    return f"{principal.account_id}/{principal.region}"


vendor: Vendor[Backend] = Vendor(
    slug=SLUG,
    title="AWS Bedrock AgentCore Control",
    spec_file="agentcore.yaml",
    operations=ops,
    new_backend=Backend,
    load_fixture=fixture.load,
    fixture_schema=fixture.SCHEMA,
    authenticate=authenticate,
    render_error=errors.render_error,
    render_violations=errors.render_violations,
    render_no_route=errors.render_no_route,
    jobs=service.JOBS,
    status_operations=frozenset({"GetDataset"}),
    tenant_of=tenant_of,
    generated_record=arns.generated_record,
    options={
        "max_versions": {"type": "integer", "minimum": 0},
        "max_examples_per_dataset": {"type": "integer", "minimum": 0},
    },
)
