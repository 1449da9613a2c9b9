"""Writes for the organization: agency profile, fiscal years and periods, document numbers."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from fiscus import audit
from fiscus.db import is_postgres, lock
from fiscus.errors import FiscusError
from fiscus.organization.models import (
    Account,
    Agency,
    Department,
    DocumentSequence,
    FiscalPeriod,
    FiscalYear,
    Fund,
    StaffProfile,
)


class PeriodError(FiscusError):
    code = "period_closed"


def agency() -> Agency:
    """The agency profile (created on first use)."""
    found = Agency.objects.order_by("id").first()
    return found if found is not None else Agency.objects.create(name="Agency")


def uses_funds() -> bool:
    """Single-fund agencies never see the fund field."""
    return Fund.objects.filter(active=True).count() > 1


def account(role: str) -> Account:
    try:
        return Account.objects.get(role=role)
    except Account.DoesNotExist:
        label = Account.Role(role).label
        raise FiscusError(
            f"No account has the role “{label}”; set one in the chart of accounts."
        ) from None


def fiscal_year_of(on: date) -> int:
    """The fiscal year a date falls in, named by the calendar year it ends in."""
    start_month = agency().fiscal_year_start_month
    return on.year + 1 if start_month > 1 and on.month >= start_month else on.year


def period_for(on: date) -> FiscalPeriod:
    """The open period that `on` falls in; refuses dates in a closed or missing period."""
    periods: Iterable[FiscalPeriod] = FiscalPeriod.objects.filter(start__lte=on, end__gte=on)
    if is_postgres() and transaction.get_connection().in_atomic_block:
        # FOR SHARE: postings into one period run side by side, but a supervisor's close
        # (FOR UPDATE, in _move_period) waits for them, and a posting waits for a close.
        periods = FiscalPeriod.objects.raw(
            f'SELECT * FROM {FiscalPeriod._meta.db_table} WHERE start <= %s AND "end" >= %s '
            "FOR SHARE",
            [on, on],
        )
    period = next(iter(periods), None)
    if period is None:
        raise PeriodError(
            f"No fiscal period covers {on:%m/%d/%Y}; a supervisor must create that fiscal year.",
            code="no_period",
        )
    if not period.is_open:
        raise PeriodError(f"{period} is closed; nothing can post on {on:%m/%d/%Y}.")
    return period


@transaction.atomic
def create_fiscal_year(year: int, *, by: AbstractBaseUser) -> FiscalYear:
    """Create fiscal year `year` with twelve open monthly periods."""
    start_month = agency().fiscal_year_start_month
    start = date(year - 1 if start_month > 1 else year, start_month, 1)
    if FiscalYear.objects.filter(year=year).exists():
        raise FiscusError(f"FY{year} already exists.", code="duplicate")
    if FiscalYear.objects.filter(start__lte=start, end__gte=start).exists():
        raise FiscusError(f"FY{year} would overlap an existing fiscal year.", code="overlap")
    periods = []
    first = start
    for number in range(1, 13):
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        periods.append((number, first, last))
        first = last + timedelta(days=1)
    fy = FiscalYear.objects.create(year=year, start=start, end=periods[-1][2])
    bulk_create_with_history(
        [FiscalPeriod(fiscal_year=fy, number=n, start=s, end=e) for n, s, e in periods],
        FiscalPeriod,
        default_user=by,
        default_change_reason=f"FY{year} created",
    )
    audit.record("fiscal_year.created", fy, by=by)
    return fy


def ensure_fiscal_years(first: date, last: date, *, by: AbstractBaseUser) -> None:
    """Create every fiscal year from the one holding `first` to the one holding `last`."""
    for year in range(fiscal_year_of(first), fiscal_year_of(last) + 1):
        if not FiscalYear.objects.filter(year=year).exists():
            create_fiscal_year(year, by=by)


def _move_period(period: FiscalPeriod, to: str, *, by: AbstractBaseUser, why: str) -> FiscalPeriod:
    period = lock(period)
    if to not in FiscalPeriod.TRANSITIONS[FiscalPeriod.Status(period.status)]:
        raise FiscusError(f"{period} is already {period.status}.", code="bad_transition")
    old = period.status
    period.status = to
    period.closed_by = by if to == FiscalPeriod.Status.CLOSED else None  # type: ignore[assignment]
    period.closed_at = timezone.now() if to == FiscalPeriod.Status.CLOSED else None
    period._change_reason = why  # type: ignore[attr-defined]  # simple-history
    period.save()
    audit.record(f"period.{to}", period, by=by, old=old, new=to, why=why)
    return period


@transaction.atomic
def close_period(period: FiscalPeriod, *, by: AbstractBaseUser, why: str = "") -> FiscalPeriod:
    """Close a period: nothing posts into it afterwards."""
    return _move_period(period, FiscalPeriod.Status.CLOSED, by=by, why=why)


@transaction.atomic
def reopen_period(period: FiscalPeriod, *, by: AbstractBaseUser, why: str) -> FiscalPeriod:
    if not why.strip():
        raise FiscusError("Say why the period is reopened.", code="reason_required")
    return _move_period(period, FiscalPeriod.Status.OPEN, by=by, why=why)


def next_numbers(doc_type: str, on: date, count: int = 1) -> list[str]:
    """Draw `count` gap-free numbers (INV-2026-000123) for documents dated `on`.

    Must run inside the posting transaction: the sequence row stays locked until it commits, and
    a rollback gives the numbers back, so no number is ever skipped.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Document numbers are drawn inside the posting transaction.")
    year = fiscal_year_of(on)
    DocumentSequence.objects.get_or_create(doc_type=doc_type, fiscal_year=year)
    seq = DocumentSequence.objects.select_for_update().get(doc_type=doc_type, fiscal_year=year)
    first = seq.last + 1
    seq.last += count
    seq.save(update_fields=["last"])
    return [f"{doc_type}-{year}-{n:06d}" for n in range(first, first + count)]


def next_number(doc_type: str, on: date) -> str:
    return next_numbers(doc_type, on, 1)[0]


@transaction.atomic
def update_agency(changes: dict[str, Any], *, by: AbstractBaseUser) -> Agency:
    """Change the agency profile; simple-history keeps before and after."""
    profile = lock(agency())
    before = {k: str(getattr(profile, k)) for k in changes}
    for field, value in changes.items():
        setattr(profile, field, value)
    profile.full_clean()
    profile.save()
    audit.record("agency.updated", profile, by=by, before=before, after=changes)
    return profile


# --- the organization's structure: funds, departments, chart of accounts, staff ----------------


class StructureError(FiscusError):
    code = "invalid"


def parse_bucket_edges(text: str) -> list[int]:
    """Aging bucket edges as typed ("30, 60, 90"): increasing positive whole numbers of days."""
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    if not parts:
        raise StructureError("Give at least one bucket edge in days, such as 30,60,90,120.")
    edges: list[int] = []
    for part in parts:
        if not part.isdigit() or int(part) <= 0:
            raise StructureError(
                f"“{part}” is not a positive whole number of days; use edges like 30,60,90,120."
            )
        edges.append(int(part))
    if any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
        raise StructureError("Bucket edges must increase from left to right, such as 30,60,90,120.")
    return edges


def _save(obj: Any, *, by: AbstractBaseUser, why: str = "") -> None:
    obj._history_user = by  # simple-history: who made the change, also outside a request
    if why:
        obj._change_reason = why
    obj.full_clean()
    obj.save()


def _changes(obj: Any, fields: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    before = {k: str(getattr(obj, k)) for k in fields}
    after = {k: str(v) for k, v in fields.items()}
    return before, after


@transaction.atomic
def create_fund(fields: dict[str, Any], *, by: AbstractBaseUser) -> Fund:
    """Add a fund (a self-balancing set of accounts)."""
    code = str(fields.get("code", "")).strip()
    if Fund.objects.filter(code__iexact=code).exists():
        raise StructureError(f"Fund {code} already exists.", code="duplicate")
    fund = Fund(**{**fields, "code": code})
    _save(fund, by=by)
    audit.record("fund.created", fund, by=by, **{k: str(v) for k, v in fields.items()})
    return fund


@transaction.atomic
def update_fund(fund: Fund, changes: dict[str, Any], *, by: AbstractBaseUser) -> Fund:
    fund = lock(fund)
    if "code" in changes and (
        Fund.objects.filter(code__iexact=changes["code"]).exclude(pk=fund.pk).exists()
    ):
        raise StructureError(f"Fund {changes['code']} already exists.", code="duplicate")
    if changes.get("active") is False and fund.active:
        if Department.objects.filter(fund=fund, active=True).exists():
            raise StructureError(
                f"Fund {fund.code} still has active departments; move or deactivate them first.",
                code="in_use",
            )
        if not Fund.objects.filter(active=True).exclude(pk=fund.pk).exists():
            raise StructureError("The agency needs at least one active fund.", code="in_use")
    before, after = _changes(fund, changes)
    for field, value in changes.items():
        setattr(fund, field, value)
    _save(fund, by=by)
    audit.record("fund.updated", fund, by=by, before=before, after=after)
    return fund


def _only_fund() -> Fund:
    fund = Fund.objects.filter(active=True).order_by("code").first()
    if fund is None:
        raise StructureError("Create a fund first.", code="no_fund")
    return fund


@transaction.atomic
def create_department(fields: dict[str, Any], *, by: AbstractBaseUser) -> Department:
    """Add a department. A single-fund agency's departments go into its one fund."""
    fields = dict(fields)
    if not fields.get("fund"):
        fields["fund"] = _only_fund()
    code = str(fields.get("code", "")).strip()
    if Department.objects.filter(code__iexact=code).exists():
        raise StructureError(f"Department {code} already exists.", code="duplicate")
    department = Department(**{**fields, "code": code})
    _save(department, by=by)
    audit.record("department.created", department, by=by, **{k: str(v) for k, v in fields.items()})
    return department


@transaction.atomic
def update_department(
    department: Department, changes: dict[str, Any], *, by: AbstractBaseUser
) -> Department:
    department = lock(department)
    changes = {k: v for k, v in changes.items() if not (k == "fund" and v is None)}
    if "code" in changes and (
        Department.objects.filter(code__iexact=changes["code"]).exclude(pk=department.pk).exists()
    ):
        raise StructureError(f"Department {changes['code']} already exists.", code="duplicate")
    before, after = _changes(department, changes)
    for field, value in changes.items():
        setattr(department, field, value)
    _save(department, by=by)
    audit.record("department.updated", department, by=by, before=before, after=after)
    return department


def _check_role(role: str | None, account: Account | None) -> None:
    if not role:
        return
    holder = Account.objects.filter(role=role)
    if account is not None:
        holder = holder.exclude(pk=account.pk)
    other = holder.first()
    if other is not None:
        label = Account.Role(role).label
        raise StructureError(
            f"Account {other.code} {other.name} already has the role “{label}”; "
            "each role belongs to one account. Clear it there first.",
            code="duplicate_role",
        )


@transaction.atomic
def create_account(fields: dict[str, Any], *, by: AbstractBaseUser) -> Account:
    """Add an object code to the chart of accounts."""
    fields = {**fields, "role": fields.get("role") or None}
    code = str(fields.get("code", "")).strip()
    if Account.objects.filter(code__iexact=code).exists():
        raise StructureError(f"Account {code} already exists.", code="duplicate")
    _check_role(fields["role"], None)
    acct = Account(**{**fields, "code": code})
    _save(acct, by=by)
    audit.record("account.created", acct, by=by, **{k: str(v) for k, v in fields.items()})
    return acct


@transaction.atomic
def update_account(acct: Account, changes: dict[str, Any], *, by: AbstractBaseUser) -> Account:
    acct = lock(acct)
    if "role" in changes:
        changes = {**changes, "role": changes["role"] or None}
        _check_role(changes["role"], acct)
    if "code" in changes and (
        Account.objects.filter(code__iexact=changes["code"]).exclude(pk=acct.pk).exists()
    ):
        raise StructureError(f"Account {changes['code']} already exists.", code="duplicate")
    if changes.get("active") is False and (changes.get("role", acct.role)):
        raise StructureError(
            f"Account {acct.code} has the role “{Account.Role(acct.role).label}”; "  # type: ignore[arg-type]
            "give the role to another account before deactivating it.",
            code="in_use",
        )
    before, after = _changes(acct, changes)
    for field, value in changes.items():
        setattr(acct, field, value)
    _save(acct, by=by)
    audit.record("account.updated", acct, by=by, before=before, after=after)
    return acct


def unassigned_roles() -> list[str]:
    """The account roles no account holds yet (postings that need them will be refused)."""
    taken = set(Account.objects.exclude(role=None).values_list("role", flat=True))
    return [role.label for role in Account.Role if role.value not in taken]


@transaction.atomic
def set_staff_access(
    user: AbstractBaseUser,
    *,
    roles: list[str],
    departments: list[Department],
    by: AbstractBaseUser,
) -> StaffProfile:
    """Set a staff member's roles (groups) and, for a department biller, their departments."""
    from django.contrib.auth.models import Group

    from fiscus.organization.roles import Role

    unknown = set(roles) - set(Role.values)
    if unknown:
        raise StructureError(f"Unknown role {sorted(unknown)[0]!r}.", code="unknown_role")
    if Role.BILLER in roles and not departments:
        raise StructureError(
            "A department biller needs at least one department.", code="departments_required"
        )
    user = lock(user)
    groups = list(Group.objects.filter(name__in=roles))
    before_roles = sorted(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]
    user.groups.set(groups)  # type: ignore[attr-defined]
    profile, _ = StaffProfile.objects.get_or_create(user=user)
    before_departments = sorted(d.code for d in profile.departments.all())
    profile.departments.set(departments)
    profile._history_user = by  # type: ignore[attr-defined]
    profile.save()  # a history row, so the change shows in the audit history
    for cached in ("_fiscus_roles", "_fiscus_departments"):
        if hasattr(user, cached):
            delattr(user, cached)
    audit.record(
        "staff.access_changed",
        user,
        by=by,
        before={"roles": before_roles, "departments": before_departments},
        after={"roles": sorted(roles), "departments": sorted(d.code for d in departments)},
    )
    return profile
