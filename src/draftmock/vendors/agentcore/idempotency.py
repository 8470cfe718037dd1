"""clientToken: a retry with the same token and the same parameters gets the original reply.

Tokens are remembered per account, region and operation, with a fingerprint of everything else the call
carried (path, query, body minus the token). The same token with different parameters is refused
with ValidationException (reason IdempotentParameterMismatchException). Requests run under the
world's lock, so concurrent retries see either nothing (and run) or the remembered reply.
Only successes are remembered: a refused call changed nothing and may be retried for real.
A record is forgotten after ``IDEMPOTENCY_WINDOW`` of clock time (an account keeps at most
``MAX_IDEMPOTENCY_RECORDS``, the oldest go first), and as soon as the dataset its reply names is
deleted or being deleted: a retry then runs for real rather than replaying a success about a
dataset that no longer exists.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

from draftmock.vendors._kit import Call, Context, Reply
from draftmock.vendors.agentcore.errors import REQUEST_ID, ValidationException
from draftmock.vendors.agentcore.models import DELETING, Account, Backend, Principal, Remembered
from draftmock.vendors.agentcore.retention import (
    IDEMPOTENCY_WINDOW,
    MAX_IDEMPOTENCY_RECORDS,
    expired,
    prune,
)

Handler = Callable[[Context[Backend], Call], Reply]


def fingerprint(call: Call) -> str:
    body = {k: v for k, v in (call.body or {}).items() if k != "clientToken"}
    return json.dumps([call.path, call.query, body], sort_keys=True, default=str)


def idempotent(handler: Handler) -> Handler:
    """Wrap a handler whose body may carry ``clientToken``."""

    def run(ctx: Context[Backend], call: Call) -> Reply:
        token = (call.body or {}).get("clientToken")
        if token is None:
            return handler(ctx, call)
        principal: Principal = call.principal
        account = ctx.backend.account(principal.account_id)
        key = (principal.region, call.operation_id, token)
        seen = account.tokens.get(key)
        if seen is not None and _stale(seen, account, ctx.now):
            del account.tokens[key]
            seen = None
        current = fingerprint(call)
        if seen is not None:
            if seen.fingerprint != current:
                raise ValidationException(
                    f"The clientToken {token} was already used with different parameters",
                    reason="IdempotentParameterMismatchException",
                )
            return Reply(seen.status, copy.deepcopy(seen.body), {REQUEST_ID: ctx.request_id})
        reply = handler(ctx, call)
        if 200 <= reply.status < 300:
            body = copy.deepcopy(reply.body)
            named = body.get("datasetId") if isinstance(body, dict) else None
            account.tokens[key] = Remembered(current, reply.status, body, ctx.now, named)
            prune(
                account.tokens, _answered_at, ctx.now, IDEMPOTENCY_WINDOW, MAX_IDEMPOTENCY_RECORDS
            )
        return reply

    run.__name__ = getattr(handler, "__name__", "idempotent")
    return run


def _answered_at(record: Remembered) -> float:
    return record.at


def _stale(record: Remembered, account: Account, now: float) -> bool:
    if expired(record.at, now, IDEMPOTENCY_WINDOW):
        return True
    if record.dataset_id is None:
        return False
    dataset = account.datasets.get(record.dataset_id)
    return dataset is None or dataset.status == DELETING
