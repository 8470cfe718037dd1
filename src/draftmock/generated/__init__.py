"""The generated tier: any OpenAPI document served by the engine, stateful by inference.

document -> resource model (``resources``) -> generic handlers (``handlers``), errors in the
envelope each operation documents (``errors``), records kept in a plain ``Store``; ``vendor``
builds the ``Vendor`` value the server runs like a built-in one, and ``behaviour`` loads a
user's ``@ops`` handlers for their own document. What a user's behaviour module imports:
"""

from __future__ import annotations

from draftmock.generated.behaviour import Behaviour
from draftmock.generated.store import Store
from draftmock.vendors._kit import (
    Call,
    Context,
    OperationTable,
    Reply,
    VendorError,
    accepted,
    created,
    no_content,
    ok,
)

__all__ = [
    "Behaviour",
    "Call",
    "Context",
    "OperationTable",
    "Reply",
    "Store",
    "VendorError",
    "accepted",
    "created",
    "no_content",
    "ok",
]
