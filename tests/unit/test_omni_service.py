"""Omni's draft rules without HTTP: the service over a small backend, time injected."""

from __future__ import annotations

from typing import Any

import pytest

from draftmock.ids import Ids
from draftmock.jobs import Scheduler
from draftmock.spec.schema import Violation
from draftmock.vendors._kit import AuthInput, Blobs, Context, Jobs, Settings, VendorError
from draftmock.vendors.omni import authenticate, errors, fixture, service
from draftmock.vendors.omni.models import ApiKey, Backend, DraftStatus

MODEL = "3fb59130-54fc-4848-832f-d22f61933485"
BRANCH = "6f1c2a9e-3b7d-4e85-a0c4-9d2e7b5f1a36"
USERS = {
    "EDITOR": "00000000-0000-4000-8000-000000000001",
    "VIEWER": "00000000-0000-4000-8000-000000000002",
    "MANAGER": "00000000-0000-4000-8000-000000000003",
}

DATA: dict[str, Any] = {
    "organizations": [
        {
            "id": "o",
            "users": [{"id": uid, "name": role.title()} for role, uid in USERS.items()],
            "api_keys": [
                {"key": role.lower(), "role": role, "user": uid} for role, uid in USERS.items()
            ],
            "models": [
                {
                    "id": MODEL,
                    "kind": "SHARED",
                    "branches": [{"id": BRANCH, "name": "b"}],
                }
            ],
            "documents": [
                {"identifier": "doc", "name": "Doc", "modelId": MODEL, "containers": []},
                {"identifier": "raw", "name": "Raw", "modelId": MODEL, "published": False},
                {"identifier": "classic", "name": "Classic", "modelId": MODEL},
            ],
        }
    ]
}


class Harness:
    def __init__(self, **options: Any) -> None:
        self.backend = Backend()
        self.ids = Ids(0)
        self.now = 1000.0
        self.settings = Settings(options={"omni": options})
        fixture.load(self.backend, DATA, self.ids, self.now)

    def ctx(self) -> Context[Backend]:
        return Context(
            api="omni",
            now=self.now,
            ids=self.ids,
            backend=self.backend,
            jobs=Jobs(Scheduler(), "omni", self.now),
            settings=self.settings,
            request_id="r",
            blobs=Blobs({}, b"key"),
        )

    def key(self, role: str = "editor") -> ApiKey:
        return self.backend.api_keys[role]


@pytest.fixture
def h() -> Harness:
    return Harness()


def test_get_or_create_keeps_one_main_draft_and_one_per_branch(h: Harness) -> None:
    main = service.create_draft(h.ctx(), h.key(), "doc", None)
    assert service.create_draft(h.ctx(), h.key(), "doc", None) is main
    on_branch = service.create_draft(h.ctx(), h.key(), "doc", BRANCH)
    assert on_branch is not main
    assert service.create_draft(h.ctx(), h.key(), "doc", BRANCH) is on_branch
    doc = service.document_of(h.backend.organization("o"), "doc")
    assert len(doc.drafts) == 2


def test_create_draft_needs_a_published_document_and_a_known_branch(h: Harness) -> None:
    with pytest.raises(errors.OmniError, match="not eligible") as never:
        service.create_draft(h.ctx(), h.key(), "raw", None)
    assert never.value.status == 400
    with pytest.raises(errors.NotFoundError, match="Document or branch not found"):
        service.create_draft(h.ctx(), h.key(), "doc", "00000000-0000-4000-8000-0000000000ff")
    with pytest.raises(errors.NotFoundError, match="identifier nope not found"):
        service.create_draft(h.ctx(), h.key(), "nope", None)


@pytest.mark.parametrize(
    ("role", "allowed"), [("viewer", False), ("editor", True), ("manager", True)]
)
def test_create_draft_needs_editor(h: Harness, role: str, allowed: bool) -> None:
    if allowed:
        service.create_draft(h.ctx(), h.key(role), "doc", None)
        return
    with pytest.raises(errors.ForbiddenError, match="EDITOR role required"):
        service.create_draft(h.ctx(), h.key(role), "doc", None)


def test_delete_needs_manager(h: Harness) -> None:
    with pytest.raises(errors.ForbiddenError, match="MANAGER role required"):
        service.delete_document(h.ctx(), h.key("editor"), "doc")
    service.delete_document(h.ctx(), h.key("manager"), "doc")
    with pytest.raises(errors.NotFoundError):
        service.get_document(h.ctx(), h.key("viewer"), "doc")


def test_archive_then_archive_again(h: Harness) -> None:
    draft = service.create_draft(h.ctx(), h.key(), "doc", None)
    archived = service.archive_draft(h.ctx(), h.key(), "doc", None)
    assert archived is draft and draft.status is DraftStatus.ARCHIVED
    with pytest.raises(errors.NotFoundError, match="Draft with id doc does not exist"):
        service.archive_draft(h.ctx(), h.key(), "doc", None)
    _, active = service.list_drafts(h.ctx(), h.key("viewer"), "doc", include_archived=False)
    _, everything = service.list_drafts(h.ctx(), h.key("viewer"), "doc", include_archived=True)
    assert active == [] and everything == [draft]


def test_v2_create_is_create_only(h: Harness) -> None:
    service.create_draft(h.ctx(), h.key(), "doc", None)
    with pytest.raises(errors.ConflictError, match="already exists"):
        service.create_draft_and_patch(h.ctx(), h.key(), "doc", {"name": "x"})
    _, on_branch = service.create_draft_and_patch(h.ctx(), h.key(), "doc", {"branchId": BRANCH})
    assert on_branch.branch_id == BRANCH
    with pytest.raises(errors.ConflictError, match="not a published document"):
        service.create_draft_and_patch(h.ctx(), h.key(), "raw", {})


def test_layoutless_documents_need_containers(h: Harness) -> None:
    with pytest.raises(errors.UnprocessableError):
        service.create_draft_and_patch(h.ctx(), h.key(), "classic", {"name": "x"})
    doc = service.document_of(h.backend.organization("o"), "classic")
    assert doc.drafts == []  # nothing was created by the refused call
    _, draft = service.create_draft_and_patch(h.ctx(), h.key(), "classic", {"containers": []})
    assert draft.content.containers == []


def test_a_refused_patch_changes_nothing(h: Harness) -> None:
    draft = service.create_draft(h.ctx(), h.key(), "doc", None)
    tiles = {f"t{n}": {"name": "t"} for n in range(49)}
    with pytest.raises(errors.OmniError, match="48"):
        service.patch_draft(
            h.ctx(),
            h.key(),
            "doc",
            draft.identifier,
            {"name": "renamed", "queryPresentations": {"data": tiles}},
        )
    assert draft.content.name == "Doc"
    assert draft.content.tiles == {}


def test_publish_consumes_main_draft_and_outdates_branch_drafts(h: Harness) -> None:
    branch_draft = service.create_draft(h.ctx(), h.key(), "doc", BRANCH)
    _, main = service.create_draft_and_patch(h.ctx(), h.key(), "doc", {"name": "New"})
    doc = service.publish_draft(h.ctx(), h.key(), "doc")
    assert doc.content.name == "New"
    assert main.status is DraftStatus.PUBLISHED
    assert doc.out_of_date(branch_draft)
    with pytest.raises(errors.NotFoundError):
        service.get_draft(h.ctx(), h.key(), "doc", main.identifier)
    with pytest.raises(errors.NotFoundError, match="Draft with id doc"):
        service.publish_draft(h.ctx(), h.key(), "doc")


def test_merge_publishes_branch_drafts_only_when_asked(h: Harness) -> None:
    draft = service.create_draft(h.ctx(), h.key(), "doc", BRANCH)
    service.patch_draft(h.ctx(), h.key(), "doc", draft.identifier, {"name": "Merged"})
    kept = service.merge_branch(h.ctx(), h.key(), MODEL, "b", {"publish_drafts": False})
    assert (kept.published, kept.failed) == (0, 0)
    assert draft.active
    result = service.merge_branch(h.ctx(), h.key(), MODEL, "b", {})
    assert (result.published, result.failed) == (1, 0)
    assert service.document_of(h.backend.organization("o"), "doc").content.name == "Merged"


def test_merge_counts_drafts_of_deleted_documents_as_failed(h: Harness) -> None:
    service.create_draft(h.ctx(), h.key(), "doc", BRANCH)
    service.delete_document(h.ctx(), h.key("manager"), "doc")
    result = service.merge_branch(h.ctx(), h.key(), MODEL, "b", {})
    assert (result.published, result.failed) == (0, 1)


def test_v1_edit_discards_the_main_draft_only_when_asked(h: Harness) -> None:
    draft = service.create_draft(h.ctx(), h.key(), "doc", None)
    with pytest.raises(errors.ConflictError, match="clearExistingDraft"):
        service.update_document(h.ctx(), h.key(), "doc", {"name": "x"})
    doc = service.update_document(
        h.ctx(), h.key(), "doc", {"name": "x", "clearExistingDraft": True}
    )
    assert draft.status is DraftStatus.DISCARDED
    assert doc.content.name == "x"


def test_v1_edit_of_a_never_published_document_needs_no_draft_rules(h: Harness) -> None:
    doc = service.update_document(h.ctx(), h.key(), "raw", {"description": "d"})
    assert doc.content.description == "d" and doc.version == 2  # not a publication


# -- authentication, rate limit, error rendering ---------------------------------------------


def auth_input(token: str | None) -> AuthInput:
    return AuthInput(
        "documentsList",
        ({"bearerAuth": []},),
        {"bearerAuth": token},
        {},
        "GET",
        "/v1/documents",
        "",
        b"",
    )


def test_rate_limit_is_per_key_and_configurable() -> None:
    h = Harness(rate_limit=2)
    for _ in range(2):
        authenticate(h.ctx(), auth_input("editor"))
    with pytest.raises(errors.RateLimitedError) as limited:
        authenticate(h.ctx(), auth_input("editor"))
    assert limited.value.message == "Too Many Requests - Rate limit exceeded (2 requests/minute)"
    assert limited.value.headers == {"Retry-After": "60"}
    authenticate(h.ctx(), auth_input("viewer"))
    h.now += 60
    authenticate(h.ctx(), auth_input("editor"))


@pytest.mark.parametrize("off", [0, None])
def test_rate_limit_can_be_turned_off(off: int | None) -> None:
    h = Harness(rate_limit=off)
    for _ in range(500):
        authenticate(h.ctx(), auth_input("editor"))
    assert h.backend.limiter is None


def test_the_settings_option_wins_over_the_fixture() -> None:
    h = Harness(rate_limit=1)
    fixture.load(h.backend, {"rate_limit": 0}, h.ids, h.now)
    authenticate(h.ctx(), auth_input("editor"))
    with pytest.raises(errors.RateLimitedError):
        authenticate(h.ctx(), auth_input("editor"))
    unset = Harness()
    fixture.load(unset.backend, {"rate_limit": 1}, unset.ids, unset.now)
    authenticate(unset.ctx(), auth_input("editor"))
    with pytest.raises(errors.RateLimitedError):
        authenticate(unset.ctx(), auth_input("editor"))


def test_unknown_keys_are_refused_and_not_counted(h: Harness) -> None:
    for token in (None, "", "nope"):
        with pytest.raises(errors.UnauthorizedError):
            authenticate(h.ctx(), auth_input(token))
    assert h.backend.limiter is None


@pytest.mark.parametrize(
    ("status", "phrase"),
    [
        (400, "Bad Request"),
        (404, "Not Found"),
        (409, "Conflict"),
        (422, "Unprocessable Entity"),
        (429, "Too Many Requests"),
        (500, "Internal Server Error"),
        (503, "Service Unavailable"),
        (418, "I'm a Teapot"),
        (599, "Error"),
    ],
)
def test_any_status_renders_the_envelope(status: int, phrase: str) -> None:
    reply = errors.render_error(VendorError("boom", status=status), "r")
    assert (reply.status, reply.body) == (status, {"error": phrase, "message": "boom"})


def test_violations_name_the_field() -> None:
    violation = Violation(("body", "branchId"), "format", "'x' is not a 'uuid'")
    reply = errors.render_violations([violation], "r")
    assert reply.status == 400
    assert reply.body == {
        "error": "Bad Request",
        "message": "Invalid request: branchId: 'x' is not a 'uuid'",
    }


@pytest.mark.parametrize(
    ("violation", "message"),
    [
        (
            Violation(("body",), "type", "None is not of type 'object'", "object", None),
            "body: must be an object, not null",
        ),
        (
            Violation(("body", "description"), "type", "5 is not", ["string", "null"], 5),
            "description: must be a string or null, not an integer",
        ),
        (Violation(("body", "name"), "required", "'name' is required"), "name is required"),
        (
            Violation(
                ("body",),
                "anyOf",
                "{'clearExistingDraft': True} is not valid under any of the given schemas",
                [{"required": ["name"]}, {"required": ["description"]}],
                {"clearExistingDraft": True},
            ),
            "body: give at least one of name, description",
        ),
        (
            Violation(
                ("body", "settings"),
                "anyOf",
                "True is not valid under any of the given schemas",
                [{"type": "object"}, {"type": "null"}],
                True,
            ),
            "settings: must be an object or null, not a boolean",
        ),
        (
            Violation(("body", "x"), "anyOf", "True is not valid", [{"$ref": "#/t"}], True),
            "x: true is not valid",
        ),
        (
            Violation(("query", "pageSize"), "minimum", "0 is less than the minimum of 1", 1, 0),
            "pageSize: 0 is less than the minimum of 1",
        ),
    ],
)
def test_violation_messages_speak_json(violation: Violation, message: str) -> None:
    assert errors.describe(violation) == f"Invalid request: {message}"


def test_state_survives_a_json_round_trip(h: Harness) -> None:
    """The control API dumps and restores worlds as JSON; enums come back as plain values."""
    import json

    from draftmock import state_codec

    service.create_draft(h.ctx(), h.key(), "doc", None)
    archived = service.create_draft(h.ctx(), h.key(), "doc", BRANCH)
    service.archive_draft(h.ctx(), h.key(), "doc", BRANCH)
    h.backend = state_codec.decode(json.loads(json.dumps(state_codec.encode(h.backend))))
    with pytest.raises(errors.ForbiddenError):
        service.create_draft(h.ctx(), h.key("viewer"), "doc", None)
    _, listed = service.list_drafts(h.ctx(), h.key("viewer"), "doc", include_archived=True)
    assert sorted(str(d.status) for d in listed) == ["active", "archived"]
    assert archived.identifier in {d.identifier for d in listed}
    assert service.create_draft(h.ctx(), h.key(), "doc", BRANCH).identifier != archived.identifier


def test_fixture_refuses_impossible_drafts() -> None:
    from draftmock.errors import FixtureError

    org: dict[str, Any] = {
        "id": "x",
        "users": [{"id": USERS["EDITOR"], "name": "E"}],
        "models": [{"id": MODEL, "kind": "SHARED"}],
    }
    two = {
        "identifier": "d1",
        "name": "D",
        "modelId": MODEL,
        "drafts": [{"identifier": "a"}, {"identifier": "b"}],
    }
    never = {
        "identifier": "d2",
        "name": "D",
        "modelId": MODEL,
        "published": False,
        "drafts": [{"identifier": "c"}],
    }
    for doc, message in ((two, "already has that draft"), (never, "never published")):
        with pytest.raises(FixtureError, match=message):
            fixture.load(Backend(), {"organizations": [{**org, "documents": [doc]}]}, Ids(0), 0.0)
