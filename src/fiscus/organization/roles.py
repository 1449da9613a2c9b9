"""Roles (Django groups seeded by a migration) and what each may do.

Every page and API endpoint names the capability it needs; `can()` answers from this one table,
so a test can walk every URL with every role against it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

from fiscus.errors import PermissionDenied

V = TypeVar("V", bound=Callable[..., Any])


class Role(models.TextChoices):
    TECHNICIAN = "technician", "AR technician"
    SUPERVISOR = "supervisor", "AR supervisor"
    CASHIER = "cashier", "Cashier"
    BILLER = "department biller", "Department biller"
    COLLECTIONS = "collections", "Legal / collections"
    AUDITOR = "auditor", "Auditor"
    ADMINISTRATOR = "administrator", "Administrator"


T, S, C, B, L, A, X = (
    Role.TECHNICIAN,
    Role.SUPERVISOR,
    Role.CASHIER,
    Role.BILLER,
    Role.COLLECTIONS,
    Role.AUDITOR,
    Role.ADMINISTRATOR,
)
EVERYONE = frozenset(Role)

CAPABILITIES: dict[str, frozenset[Role]] = {
    # reading
    "dashboard.view": EVERYONE,
    "customers.view": EVERYONE,
    "receivables.view": EVERYONE,
    "reports.view": EVERYONE,
    "reports.export": EVERYONE,
    "organization.view": frozenset({T, S, C, L, A, X}),
    "ledger.view": frozenset({T, S, A, X}),
    "audit.view": frozenset({S, A, X}),
    # changing
    "customers.edit": frozenset({T, S, L, X}),
    "customers.unmask_tax_id": frozenset({S, L, X}),
    "opening_balances.import": frozenset({T, S, X}),
    "organization.edit": frozenset({S, X}),
    "periods.manage": frozenset({S, X}),
    "users.manage": frozenset({X}),
    # billing (issue 3)
    "billing.view": frozenset({T, S, C, B, L, A, X}),
    "billing.submit": frozenset({T, S, B, X}),
    "billing.review": frozenset({T, S, X}),
    "billing.memo": frozenset({T, S, X}),
    "billing.send": frozenset({T, S, X}),
    "billing.recurring": frozenset({T, S, X}),
    "billing.finance_charges": frozenset({T, S, X}),
    "billing.setup": frozenset({S, X}),
    # cash (issue 4)
    "cash.view": frozenset({T, S, C, B, L, A, X}),
    "cash.receive": frozenset({T, S, C, X}),
    "cash.apply": frozenset({T, S, X}),
    "cash.deposit": frozenset({T, S, C, X}),
    "cash.bank_import": frozenset({T, S, X}),
    "cash.balance": frozenset({S, X}),
    "cash.setup": frozenset({S, X}),
    # adjustments, refunds and returned payments (issue 5)
    "cash.return": frozenset({T, S, X}),
    "adjustments.view": frozenset({T, S, L, A, X}),
    "adjustments.request": frozenset({T, S, L, X}),
    # whoever prepared a request still cannot approve it (adjustments.services)
    "adjustments.approve": frozenset({S, X}),
    "adjustments.setup": frozenset({S, X}),
    "refunds.pay": frozenset({T, S, X}),
}


def roles_of(user: AbstractBaseUser | AnonymousUser) -> set[Role]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_fiscus_roles", None)
    if cached is None:
        if getattr(user, "is_superuser", False):
            cached = set(Role)
        else:
            names = set(user.groups.values_list("name", flat=True))  # type: ignore[union-attr]
            cached = {role for role in Role if role.value in names}
        user._fiscus_roles = cached  # type: ignore[union-attr]
    return set(cached)


def can(user: AbstractBaseUser | AnonymousUser, capability: str) -> bool:
    """May `user` do `capability`? Unknown capabilities are refused to everyone."""
    allowed = CAPABILITIES.get(capability)
    if allowed is None:
        raise KeyError(f"Unknown capability {capability!r}")
    return bool(roles_of(user) & allowed)


def require(user: AbstractBaseUser | AnonymousUser, capability: str) -> None:
    if not can(user, capability):
        raise PermissionDenied("Your role does not allow this.", code="forbidden")


def department_scope(user: AbstractBaseUser | AnonymousUser) -> set[int] | None:
    """The departments a user is limited to, or None for every department.

    A department biller sees only their departments; a biller who also holds a wider role (say,
    technician) is not limited.
    """
    roles = roles_of(user)
    if not roles or roles - {Role.BILLER}:
        return None
    cached = getattr(user, "_fiscus_departments", None)
    if cached is None:
        from fiscus.organization.models import Department

        cached = set(
            Department.objects.filter(staff__user=user).values_list("id", flat=True)  # type: ignore[misc]
        )
        user._fiscus_departments = cached  # type: ignore[union-attr]
    return set(cached)


def requires(capability: str) -> Callable[[V], V]:
    """View decorator: 403 unless the signed-in user's role has `capability`."""
    from functools import wraps

    from django.core.exceptions import PermissionDenied as Forbidden

    if capability not in CAPABILITIES:
        raise KeyError(f"Unknown capability {capability!r}")

    def decorator(view: V) -> V:
        @wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            if not can(request.user, capability):
                raise Forbidden(f"Needs {capability}")
            return view(request, *args, **kwargs)

        wrapped.capability = capability  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator
