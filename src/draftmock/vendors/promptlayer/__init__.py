"""PromptLayer datasets: dataset groups, one draft per group, async copy and publish."""

from __future__ import annotations

from draftmock.vendors._kit import Admission, AuthInput, Context, SchemaCheck, Vendor
from draftmock.vendors.promptlayer import errors, fixture, service
from draftmock.vendors.promptlayer.handlers import dataset_json, ops
from draftmock.vendors.promptlayer.models import ApiKey, Backend


def authenticate(ctx: Context[Backend], auth: AuthInput) -> Admission:
    presented = auth.credentials.get("ApiKeyAuth")
    key = ctx.backend.api_keys.get(presented) if presented else None
    if key is None:
        raise errors.UnauthorizedError()
    return Admission(key)


def tenant_of(principal: ApiKey) -> str:
    """Generated records are kept per workspace."""
    return str(principal.workspace_id)


def prune_state(backend: Backend, check: SchemaCheck) -> list[str]:
    """Drop groups and datasets whose API representation no longer validates."""
    dropped: list[str] = []
    for ws in backend.workspaces.values():
        for group in list(ws.groups.values()):
            problems = check("DatasetGroup", group.to_json())
            if problems:
                dropped.append(f"dataset group {group.id}: {problems[0]}")
                ws.remove_group(group.id)
        for dataset in list(ws.datasets.values()):
            problems = (
                ["its group was dropped"]
                if dataset.group_id not in ws.groups
                else check("Dataset", dataset_json(ws, dataset))
            )
            if problems:
                dropped.append(f"dataset {dataset.id}: {problems[0]}")
                ws.remove_dataset(dataset.id)
    return dropped


vendor: Vendor[Backend] = Vendor(
    slug="promptlayer",
    title="PromptLayer",
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
    prune_state=prune_state,
    undeclared_media_types_as_json=False,  # FastAPI reads only JSON Content-Types as JSON
    known_errors={("createDraftDatasetVersion", 409): service.draft_exists},
    tenant_of=tenant_of,
)
