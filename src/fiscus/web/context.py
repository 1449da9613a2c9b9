"""Template context for every page: the agency, the user's roles and what they may do."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from fiscus.organization.roles import CAPABILITIES, can, roles_of


def fiscus(request: HttpRequest) -> dict[str, Any]:
    from fiscus.organization.services import agency, uses_funds

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    review_queue = 0
    if can(user, "billing.review"):
        from fiscus.billing.models import Invoice

        review_queue = Invoice.objects.filter(status=Invoice.Status.SUBMITTED).count()
    unapplied_count = 0
    if can(user, "cash.apply"):
        from fiscus.cash.queries import unapplied_cash

        unapplied_count = unapplied_cash(user).count()
    approval_queue = 0
    if can(user, "adjustments.approve"):
        from fiscus.adjustments.services import to_approve

        approval_queue = to_approve(user).count()
    return {
        "review_queue": review_queue,
        "approval_queue": approval_queue,
        "unapplied_count": unapplied_count,
        "agency": agency(),
        # templates ask {% if can.customers__edit %} for "customers.edit"
        "can": {cap.replace(".", "__"): can(user, cap) for cap in CAPABILITIES},
        "user_roles": sorted(r.label for r in roles_of(user)),
        "uses_funds": uses_funds(),
    }
