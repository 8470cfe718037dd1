"""Who may do what: Viewer < Editor < Manager, and the message each refusal carries."""

from __future__ import annotations

from draftmock.vendors.omni.errors import ForbiddenError
from draftmock.vendors.omni.models import ApiKey, Role

EDITOR_REQUIRED = "Permission denied - EDITOR role required"
MANAGER_REQUIRED = "Permission denied - MANAGER role required"
CANNOT_VIEW = "You do not have permission to view this document."
DENIED = "Permission denied"


def require(key: ApiKey, role: Role, message: str | None = None) -> None:
    """Refuse with 403 unless ``key`` holds ``role`` or a higher one."""
    if key.role < role:
        raise ForbiddenError(message or _default_message(role))


def _default_message(role: Role) -> str:
    if role == Role.MANAGER:
        return MANAGER_REQUIRED
    if role == Role.EDITOR:
        return EDITOR_REQUIRED
    return CANNOT_VIEW
