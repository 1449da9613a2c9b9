"""Billing's commands: fiscus billing_recurring_run, fiscus billing_finance_charges."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from fiscus.organization.roles import can


def acting_user(username: str | None, capability: str) -> Any:
    """The user a command acts as: --user, or the only active superuser."""
    users = get_user_model().objects.filter(is_active=True)
    if username:
        found = users.filter(username=username).first()
        if found is None:
            raise CommandError(f"There is no user {username}.")
        if not found.is_superuser and not can(found, capability):
            raise CommandError(f"{username}'s role does not allow {capability}.")
        return found
    supers = list(users.filter(is_superuser=True)[:2])
    if len(supers) != 1:
        raise CommandError("Say who runs it: --user USERNAME.")
    return supers[0]
