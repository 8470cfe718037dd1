"""PromptLayer datasets: dataset groups, one draft per group, async copy and publish."""

from __future__ import annotations

from draftmock.vendors._kit import Admission, AuthInput, Context, Vendor
from draftmock.vendors.promptlayer import errors, fixture, service
from draftmock.vendors.promptlayer.handlers import ops
from draftmock.vendors.promptlayer.models import Backend


def authenticate(ctx: Context[Backend], auth: AuthInput) -> Admission:
    presented = auth.credentials.get("ApiKeyAuth")
    key = ctx.backend.api_keys.get(presented) if presented else None
    if key is None:
        raise errors.UnauthorizedError()
    return Admission(key)


vendor: Vendor[Backend] = Vendor(
    slug="promptlayer",
    title="PromptLayer datasets",
    spec_file="promptlayer.yaml",
    operations=ops,
    new_backend=Backend,
    load_fixture=fixture.load,
    fixture_schema=fixture.SCHEMA,
    authenticate=authenticate,
    render_error=errors.render_error,
    render_violations=errors.render_violations,
    render_no_route=errors.render_no_route,
    jobs={service.COPY_JOB: service.finish_copy, service.PUBLISH_JOB: service.finish_publish},
    status_operations=frozenset({"listDatasets", "getDatasetRows"}),
)
