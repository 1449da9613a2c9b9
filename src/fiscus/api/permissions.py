"""Who may call what: the same capability table as the web (fiscus.organization.roles)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from fiscus.organization.roles import CAPABILITIES, can


def capability_for(view: Any, request: Request) -> str | None:
    """The capability an API call needs.

    A view names it with `capability = "customers.view"` and may refine it per action (viewsets)
    or per HTTP method (plain views) with `capabilities = {"create": "customers.edit"}`.
    """
    by_action: dict[str, str] = getattr(view, "capabilities", {}) or {}
    action = getattr(view, "action", None)
    if action and action in by_action:
        return by_action[action]
    method = request.method.lower() if request.method else ""
    if method in by_action:
        return by_action[method]
    return getattr(view, "capability", None)


class HasCapability(BasePermission):
    """Allows the call when the user's role has the capability the view declares.

    A view that declares nothing is refused to everyone, so a forgotten declaration fails closed.
    """

    message = "Your role does not allow this."

    def has_permission(self, request: Request, view: Any) -> bool:
        capability = capability_for(view, request)
        if capability is None:
            return False
        if capability not in CAPABILITIES:
            raise KeyError(f"Unknown capability {capability!r}")
        return can(request.user, capability)
