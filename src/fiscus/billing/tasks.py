"""Background work of billing: thin callers of the services, run by `fiscus worker`.

Arguments and return values are JSON (ids and ISO dates), as the database backend stores them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django_tasks import task

from fiscus.billing.recurring import run_recurring


@task()
def run_recurring_task(through: str, user_id: int) -> dict[str, Any]:
    """Make the recurring drafts due through `through` (YYYY-MM-DD) as user `user_id`."""
    user = get_user_model().objects.get(pk=user_id)
    result = run_recurring(by=user, through=date.fromisoformat(through))
    return {
        "through": through,
        "invoices": [invoice.pk for invoice in result.invoices],
        "schedules": result.schedules,
        "total": str(result.total),
        "failures": [{"schedule": s.pk, "reason": why} for s, why in result.failures],
        "message": result.message,
    }
