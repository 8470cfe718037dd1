"""The prompt registry: templates published as versions under one name, and release labels.

Publishing a template under a name that exists makes version N+1 of it (a new name starts at
version 1); a template is read by name or id, at its latest version, a ``version`` or the
version a ``label`` points at. A release label ("prod", "staging") points at one version and
moves when it is set on another (publishing with ``release_labels``, or PATCH on the label).

Where an operation documents no 404 or 400 (label operations, POST /prompt-templates/{id}),
a missing template, version or label answers the documented 422 in the ``ErrorResponse``
envelope (``{success: false, message, error}``), as FastAPI handlers raising
``HTTPException(422)`` do.
"""

from __future__ import annotations

from typing import Any

from draftmock.clock import iso
from draftmock.errors import FixtureError
from draftmock.ids import Ids
from draftmock.vendors._kit import Call, Reply, no_content, ok
from draftmock.vendors.promptlayer.errors import (
    ExternalIdConflictError,
    NotFoundError,
    PromptLayerError,
)
from draftmock.vendors.promptlayer.handlers import ops
from draftmock.vendors.promptlayer.models import (
    ApiKey,
    ExternalId,
    Prompt,
    PromptVersion,
    ReleaseLabel,
    Workspace,
)
from draftmock.vendors.promptlayer.service import Ctx

PROMPT_IDS = "promptlayer.prompt"
VERSION_IDS = "promptlayer.prompt_version"
LABEL_IDS = "promptlayer.prompt_label"


class Unprocessable(PromptLayerError):
    status = 422
    code = "unprocessable_entity"


# -- rules ----------------------------------------------------------------------------------------


def find(ws: Workspace, identifier: str) -> Prompt | None:
    """A template by name, or else by id (the path says "name or id")."""
    by_name = next((p for p in ws.prompts.values() if p.name == identifier), None)
    if by_name is not None or not (identifier.isascii() and identifier.isdigit()):
        return by_name
    return ws.prompts.get(int(identifier))


def select(
    prompt: Prompt, version: int | None, label: str | None, missing: type[PromptLayerError]
) -> PromptVersion:
    """The version asked for: a number, a label's, or the latest."""
    if version is not None and label is not None:
        raise Unprocessable("Provide either version or label, not both")
    if label is not None:
        found = prompt.labels.get(label)
        chosen = prompt.version_by_id(found.version_id) if found else None
        if chosen is None:
            raise missing(f"Release label {label!r} not found for prompt template {prompt.name!r}")
        return chosen
    if version is not None:
        numbered = prompt.version(version)
        if numbered is None:
            raise missing(f"Version {version} of prompt template {prompt.name!r} not found")
        return numbered
    return prompt.versions[-1]


def set_label(ctx: Ctx, prompt: Prompt, name: str, version: PromptVersion) -> ReleaseLabel:
    """Point ``name`` at ``version``: a new label, or the existing one moved."""
    label = prompt.labels.get(name)
    if label is None:
        label = ReleaseLabel(ctx.ids.next_int(LABEL_IDS), name, prompt.id, version.id, ctx.now)
        prompt.labels[name] = label
    else:
        label.version_id = version.id
    return label


def publish(
    ctx: Ctx,
    key: ApiKey,
    template: dict[str, Any],
    version: dict[str, Any],
    labels: list[str],
    external_ids: list[dict[str, str]],
) -> tuple[Prompt, PromptVersion]:
    ws = ctx.backend.workspace(key.workspace_id)
    prompt = find_by_name(ws, template["prompt_name"])
    wanted = [ExternalId(e["source"], e["external_id"]) for e in external_ids]
    for external in wanted:
        for other in ws.prompts.values():
            if other is not prompt and external in other.external_ids:
                raise ExternalIdConflictError(
                    f"External id {external.source}/{external.external_id} is already attached "
                    f"to prompt template {other.name!r}"
                )
    if prompt is None:
        prompt = Prompt(
            id=ctx.ids.next_int(PROMPT_IDS),
            name=template["prompt_name"],
            workspace_id=ws.id,
            created_at=ctx.now,
            folder_id=template.get("folder_id"),
        )
        ws.prompts[prompt.id] = prompt
    if "tags" in template:
        prompt.tags = list(template["tags"])
    for external in wanted:
        if external not in prompt.external_ids:
            prompt.external_ids.append(external)
    made = PromptVersion(
        id=ctx.ids.next_int(VERSION_IDS),
        number=len(prompt.versions) + 1,
        template=dict(version["prompt_template"]),
        metadata=version.get("metadata"),
        commit_message=version.get("commit_message"),
        created_at=ctx.now,
    )
    prompt.versions.append(made)
    for name in dict.fromkeys(labels):
        set_label(ctx, prompt, name, made)
    return prompt, made


def find_by_name(ws: Workspace, name: str) -> Prompt | None:
    return next((p for p in ws.prompts.values() if p.name == name), None)


def label_by_id(ws: Workspace, label_id: int) -> tuple[Prompt, ReleaseLabel]:
    for prompt in ws.prompts.values():
        for label in prompt.labels.values():
            if label.id == label_id:
                return prompt, label
    raise Unprocessable(f"Release label {label_id} not found")


def load(ids: Ids, ws: Workspace, data: list[dict[str, Any]], now: float, where: str) -> None:
    """Fixture templates: ``{id, name, tags, versions: [{prompt_template, ...}], labels:
    {name: version_number}}``."""
    for n, entry in enumerate(data):
        at = f"{where}/{n}"
        if entry["id"] in ws.prompts or find_by_name(ws, entry["name"]) is not None:
            raise FixtureError(f"{at}: prompt template {entry['name']!r} is defined twice")
        prompt = Prompt(
            id=entry["id"],
            name=entry["name"],
            workspace_id=ws.id,
            created_at=now,
            tags=list(entry.get("tags", [])),
            external_ids=[
                ExternalId(e["source"], e["external_id"]) for e in entry.get("external_ids", [])
            ],
        )
        ids.reserve(PROMPT_IDS, prompt.id)
        for v in entry["versions"]:
            prompt.versions.append(
                PromptVersion(
                    id=ids.next_int(VERSION_IDS),
                    number=len(prompt.versions) + 1,
                    template=dict(v["prompt_template"]),
                    metadata=v.get("metadata"),
                    commit_message=v.get("commit_message"),
                    created_at=now,
                )
            )
        for name, number in entry.get("labels", {}).items():
            version = prompt.version(number)
            if version is None:
                raise FixtureError(f"{at}/labels/{name}: no version {number}")
            label_id = ids.next_int(LABEL_IDS)
            prompt.labels[name] = ReleaseLabel(label_id, name, prompt.id, version.id, now)
        ws.prompts[prompt.id] = prompt


# -- handlers -------------------------------------------------------------------------------------


def _ws(ctx: Ctx, call: Call) -> Workspace:
    key: ApiKey = call.principal
    return ctx.backend.workspace(key.workspace_id)


def _prompt(ctx: Ctx, call: Call, missing: type[PromptLayerError]) -> Prompt:
    identifier = str(call.path["identifier"])
    prompt = find(_ws(ctx, call), identifier)
    if prompt is None or not prompt.versions:
        raise missing(f"Prompt template {identifier!r} not found")
    return prompt


def _published(prompt: Prompt, version: PromptVersion) -> dict[str, Any]:
    return {
        "id": prompt.id,
        "prompt_name": prompt.name,
        "prompt_version_id": version.id,
        "version_number": version.number,
        "tags": list(prompt.tags),
        "release_labels": prompt.labels_of(version),
        "prompt_template": version.template,
        "metadata": version.metadata,
        "commit_message": version.commit_message,
        "external_ids": [e.to_json() for e in prompt.external_ids],
    }


def _label_json(label: ReleaseLabel) -> dict[str, Any]:
    return {
        "created_at": iso(label.created_at),
        "id": label.id,
        "name": label.name,
        "prompt_id": label.prompt_id,
        "prompt_version_id": label.version_id,
    }


@ops("publish_prompt_template_rest_prompt_templates_post")
def publish_prompt_template(ctx: Ctx, call: Call) -> Reply:
    body = call.body
    prompt, version = publish(
        ctx,
        call.principal,
        body["prompt_template"],
        body["prompt_version"],
        body.get("release_labels") or [],
        body.get("external_ids") or [],
    )
    return ok(_published(prompt, version))


@ops("get_prompt_template_raw")
def get_prompt_template_raw(ctx: Ctx, call: Call) -> Reply:
    prompt = _prompt(ctx, call, NotFoundError)
    version = select(prompt, call.query.get("version"), call.query.get("label"), NotFoundError)
    body: dict[str, Any] = {
        "success": True,
        "id": prompt.id,
        "prompt_name": prompt.name,
        "version": version.number,
        "workspace_id": prompt.workspace_id,
        "prompt_template": version.template,
        "metadata": version.metadata,
        "commit_message": version.commit_message,
        "tags": list(prompt.tags),
        "created_at": iso(version.created_at),
        "snippets": [],
    }
    if call.query.get("include_llm_kwargs"):
        body["llm_kwargs"] = None  # the mock runs no provider adapters
    return ok(body)


@ops("get_prompt_templates__prompt_identifier__post")
def get_prompt_template(ctx: Ctx, call: Call) -> Reply:
    prompt = _prompt(ctx, call, Unprocessable)
    options = call.body if isinstance(call.body, dict) else {}
    version = select(prompt, options.get("version"), options.get("label"), Unprocessable)
    return ok(
        {
            "id": prompt.id,
            "prompt_name": prompt.name,
            "prompt_template": version.template,
            "metadata": version.metadata,
            "commit_message": version.commit_message,
            "version": version.number,
        }
    )


@ops("get_all_prompt_templates__get")
def list_prompt_templates(ctx: Ctx, call: Call) -> Reply:
    query = call.query
    page = max(int(query.get("page") or 1), 1)
    per_page = max(int(query.get("per_page") or 30), 1)
    label = query.get("label")
    name = (query.get("name") or "").lower()
    tags = query.get("tags")
    wanted_tags = [tags] if isinstance(tags, str) else list(tags or [])
    items = []
    for prompt in _ws(ctx, call).prompts.values():
        if not prompt.versions or name not in prompt.name.lower():
            continue
        if not all(t in prompt.tags for t in wanted_tags):
            continue
        if label is not None and label not in prompt.labels:
            continue
        version = select(prompt, None, label, Unprocessable)
        items.append(
            {
                "id": prompt.id,
                "prompt_name": prompt.name,
                "prompt_template": version.template,
                "metadata": version.metadata,
                "commit_message": version.commit_message,
                "version": version.number,
                "external_ids": [e.to_json() for e in prompt.external_ids],
                "is_snippet": False,
            }
        )
    total = len(items)
    pages = max((total + per_page - 1) // per_page, 1)
    has_next, has_prev = page < pages, page > 1
    return ok(
        {
            "has_next": has_next,
            "has_prev": has_prev,
            "items": items[(page - 1) * per_page : page * per_page],
            "next_num": page + 1 if has_next else page,
            "prev_num": page - 1 if has_prev else page,
            "page": page,
            "pages": pages,
            "total": total,
        }
    )


@ops("get_prompt_templates_labels_prompt_identifier__post")
def list_release_labels(ctx: Ctx, call: Call) -> Reply:
    prompt = _prompt(ctx, call, NotFoundError)
    labels = []
    for label in prompt.labels.values():
        version = prompt.version_by_id(label.version_id)
        assert version is not None
        labels.append(
            {
                "prompt_version_id": version.id,
                "prompt_version_number": version.number,
                "release_label": label.name,
                "release_label_id": label.id,
            }
        )
    return ok({"release_labels": labels})


@ops("create_prompt_label")
def create_release_label(ctx: Ctx, call: Call) -> Reply:
    prompt = _ws(ctx, call).prompts.get(call.path["prompt_id"])
    if prompt is None:
        raise Unprocessable(f"Prompt template {call.path['prompt_id']} not found")
    name = call.body["name"]
    if name in prompt.labels:
        raise Unprocessable(
            f"Release label {name!r} already exists on prompt template {prompt.name!r}; "
            "move it with PATCH /prompt-labels/{prompt_label_id}"
        )
    version = select(prompt, call.body["prompt_version_number"], None, Unprocessable)
    return ok(_label_json(set_label(ctx, prompt, name, version)))


@ops("prompt_templates_labels_prompt_label_id__patch")
def move_release_label(ctx: Ctx, call: Call) -> Reply:
    prompt, label = label_by_id(_ws(ctx, call), call.path["prompt_label_id"])
    version = select(prompt, call.body["prompt_version_number"], None, Unprocessable)
    return ok(_label_json(set_label(ctx, prompt, label.name, version)))


@ops("delete_prompt_templates_labels_prompt_label_id")
def delete_release_label(ctx: Ctx, call: Call) -> Reply:
    prompt, label = label_by_id(_ws(ctx, call), call.path["prompt_label_id"])
    del prompt.labels[label.name]
    return no_content()
