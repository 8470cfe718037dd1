"""maxResults/nextToken pagination with opaque, server-side tokens.

The first page freezes the whole listing (dataset ids, version numbers, or the resolved
version's example objects) in a ``PageState``; the token is a random key to it. Later pages read
the frozen listing, so a token keeps its version and its content even if the DRAFT changes in
between. A token is only valid for the account, region, operation and dataset that issued it
(and, for examples, its version). Tokens expire after ``PAGE_TOKEN_TTL`` of clock time, and an
account keeps at most ``MAX_PAGE_TOKENS`` (the oldest go first): either way a later use is the
ValidationException an expired token gets from AWS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from draftmock.vendors._kit import Context
from draftmock.vendors.agentcore.errors import ValidationException
from draftmock.vendors.agentcore.models import Account, Backend, PageState
from draftmock.vendors.agentcore.retention import MAX_PAGE_TOKENS, PAGE_TOKEN_TTL, expired, prune

TOKEN_LENGTH = 64
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _invalid(message: str = "The nextToken is invalid or has expired") -> ValidationException:
    return ValidationException(message, fields=[("nextToken", message)])


def resume(
    account: Account,
    token: str,
    operation: str,
    region: str,
    now: float,
    dataset_id: str | None = None,
) -> PageState:
    state = account.pages.get(token)
    if state is None or (state.operation, state.region, state.dataset_id) != (
        operation,
        region,
        dataset_id,
    ):
        raise _invalid()
    if expired(state.issued_at, now, PAGE_TOKEN_TTL):
        del account.pages[token]
        raise _invalid()
    return state


def page(
    ctx: Context[Backend],
    account: Account,
    state: PageState,
    max_results: int,
) -> tuple[Sequence[Any], str | None]:
    """The items of this page and the token for the next one (None at the end)."""
    end = state.offset + max_results
    items = state.items[state.offset : end]
    if end >= len(state.items):
        return items, None
    token = ctx.ids.token(TOKEN_LENGTH, _ALPHABET)
    account.pages[token] = PageState(
        state.operation, state.region, state.dataset_id, state.version, state.items, end, ctx.now
    )
    prune(account.pages, _issued_at, ctx.now, PAGE_TOKEN_TTL, MAX_PAGE_TOKENS)
    return items, token


def _issued_at(state: PageState) -> float:
    return state.issued_at


def first(
    operation: str,
    region: str,
    items: Sequence[Any],
    dataset_id: str | None = None,
    version: str | None = None,
) -> PageState:
    return PageState(operation, region, dataset_id, version, tuple(items), 0)


def version_mismatch(token_version: str, requested: str) -> ValidationException:
    return ValidationException(
        f"datasetVersion {requested} differs from the version of the nextToken "
        f"({token_version}); omit datasetVersion or start a new listing",
        fields=[("datasetVersion", "Must match the version of the pagination token")],
    )
