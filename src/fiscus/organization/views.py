"""The organization's pages: agency profile, funds, departments, accounts, periods, staff."""

from __future__ import annotations

import calendar
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser, User
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from fiscus.errors import FiscusError
from fiscus.organization import services
from fiscus.organization.filters import AccountFilter
from fiscus.organization.forms import (
    AccountForm,
    AgencyForm,
    DepartmentForm,
    FundForm,
    ReasonForm,
    StaffForm,
)
from fiscus.organization.models import Account, Department, FiscalPeriod, FiscalYear, Fund
from fiscus.organization.roles import requires
from fiscus.organization.tables import AccountTable, DepartmentTable, FundTable, StaffTable

# where each service error belongs on the form
ERROR_FIELDS = {
    "duplicate": "code",
    "duplicate_role": "role",
    "departments_required": "departments",
}


def _by(request: HttpRequest) -> AbstractBaseUser:
    """The signed-in actor (the login middleware lets nobody else this far)."""
    return cast(AbstractBaseUser, request.user)


def _show_error(form: forms.BaseForm, exc: FiscusError) -> None:
    field = ERROR_FIELDS.get(exc.code)
    form.add_error(field if field in form.fields else None, exc.message)


@requires("organization.view")
def home(request: HttpRequest) -> HttpResponse:
    profile = services.agency()
    edges = profile.bucket_edges
    starts = [0, *(e + 1 for e in edges)]
    buckets = [f"{a}–{b}" for a, b in zip(starts, edges, strict=False)]
    buckets += [f"over {edges[-1]}"] if edges else []
    context = {
        "profile": profile,
        "tab": "home",
        "buckets": buckets,
        "fy_start": calendar.month_name[profile.fiscal_year_start_month],
        "unassigned": services.unassigned_roles(),
    }
    return render(request, "organization/home.html", context)


@requires("organization.edit")
@require_http_methods(["GET", "POST"])
def agency_edit(request: HttpRequest) -> HttpResponse:
    profile = services.agency()
    form = AgencyForm(request.POST or None, request.FILES or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_agency(form.changes(), by=_by(request))
        except FiscusError as exc:
            _show_error(form, exc)
        else:
            messages.success(request, "The agency profile is saved.")
            return redirect("organization:home")
    return render(request, "organization/agency_edit.html", {"form": form, "tab": "home"})


# --- funds, departments, accounts: a list and one form each ---------------------------------

STRUCTURE: dict[str, dict[str, Any]] = {
    "fund": {
        "model": Fund,
        "form": FundForm,
        "create": services.create_fund,
        "update": services.update_fund,
        "list": "organization:funds",
        "noun": "fund",
        "tab": "funds",
    },
    "department": {
        "model": Department,
        "form": DepartmentForm,
        "create": services.create_department,
        "update": services.update_department,
        "list": "organization:departments",
        "noun": "department",
        "tab": "departments",
    },
    "account": {
        "model": Account,
        "form": AccountForm,
        "create": services.create_account,
        "update": services.update_account,
        "list": "organization:accounts",
        "noun": "account",
        "tab": "accounts",
    },
}


def _structure_form(request: HttpRequest, kind: str, lookup: dict[str, Any] | None) -> HttpResponse:
    spec = STRUCTURE[kind]
    obj: Model | None = get_object_or_404(spec["model"], **lookup) if lookup else None
    form = spec["form"](request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        try:
            if obj is None:
                saved = spec["create"](form.cleaned_data, by=_by(request))
                messages.success(request, f"{saved} is added.")
            else:
                changes = {name: form.cleaned_data[name] for name in form.changed_data}
                saved = spec["update"](obj, changes, by=_by(request))
                messages.success(request, f"{saved} is saved.")
        except FiscusError as exc:
            _show_error(form, exc)
        else:
            return redirect(spec["list"])
    context = {
        "form": form,
        "obj": obj,
        "noun": spec["noun"],
        "tab": spec["tab"],
        "back": spec["list"],
    }
    return render(request, "organization/structure_form.html", context)


@requires("organization.view")
def funds(request: HttpRequest) -> HttpResponse:
    table = FundTable(Fund.objects.all())
    return render(request, "organization/funds.html", {"table": table, "tab": "funds"})


@requires("organization.edit")
@require_http_methods(["GET", "POST"])
def fund_create(request: HttpRequest) -> HttpResponse:
    return _structure_form(request, "fund", None)


@requires("organization.edit")
@require_http_methods(["GET", "POST"])
def fund_edit(request: HttpRequest, fund: int) -> HttpResponse:
    return _structure_form(request, "fund", {"pk": fund})


@requires("organization.view")
def departments(request: HttpRequest) -> HttpResponse:
    table = DepartmentTable(
        Department.objects.select_related("fund"), show_fund=services.uses_funds()
    )
    return render(request, "organization/departments.html", {"table": table, "tab": "departments"})


@requires("organization.edit")
@require_http_methods(["GET", "POST"])
def department_create(request: HttpRequest) -> HttpResponse:
    return _structure_form(request, "department", None)


@requires("organization.edit")
@require_http_methods(["GET", "POST"])
def department_edit(request: HttpRequest, department: str) -> HttpResponse:
    return _structure_form(request, "department", {"code": department})


@requires("organization.view")
def accounts(request: HttpRequest) -> HttpResponse:
    filterset = AccountFilter(request.GET or None, queryset=Account.objects.all())
    table = AccountTable(filterset.qs)
    context = {
        "table": table,
        "filter": filterset,
        "tab": "accounts",
        "unassigned": services.unassigned_roles(),
    }
    return render(request, "organization/accounts.html", context)


@requires("organization.edit")
@require_http_methods(["GET", "POST"])
def account_create(request: HttpRequest) -> HttpResponse:
    return _structure_form(request, "account", None)


@requires("organization.edit")
@require_http_methods(["GET", "POST"])
def account_edit(request: HttpRequest, account: int) -> HttpResponse:
    return _structure_form(request, "account", {"pk": account})


# --- fiscal years and periods ----------------------------------------------------------------


@requires("organization.view")
def periods(request: HttpRequest) -> HttpResponse:
    years = FiscalYear.objects.prefetch_related("periods__closed_by")
    latest = years.first()
    next_year = latest.year + 1 if latest else services.fiscal_year_of(timezone.localdate())
    context = {"years": years, "next_year": next_year, "tab": "periods"}
    return render(request, "organization/periods.html", context)


@requires("periods.manage")
@require_POST
def fiscal_year_create(request: HttpRequest) -> HttpResponse:
    latest = FiscalYear.objects.first()
    year = latest.year + 1 if latest else services.fiscal_year_of(timezone.localdate())
    try:
        fy = services.create_fiscal_year(year, by=_by(request))
    except FiscusError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{fy} is created with twelve open periods.")
    return redirect("organization:periods")


@requires("periods.manage")
@require_http_methods(["GET", "POST"])
def period_close(request: HttpRequest, period: int) -> HttpResponse:
    return _period_move(request, period, close=True)


@requires("periods.manage")
@require_http_methods(["GET", "POST"])
def period_reopen(request: HttpRequest, period: int) -> HttpResponse:
    return _period_move(request, period, close=False)


def _period_move(request: HttpRequest, pk: int, *, close: bool) -> HttpResponse:
    period = get_object_or_404(FiscalPeriod.objects.select_related("fiscal_year"), pk=pk)
    form = ReasonForm(request.POST or None, required=not close)
    if request.method == "POST" and form.is_valid():
        why = form.cleaned_data["why"]
        try:
            if close:
                services.close_period(period, by=_by(request), why=why)
            else:
                services.reopen_period(period, by=_by(request), why=why)
        except FiscusError as exc:
            form.add_error("why" if exc.code == "reason_required" else None, exc.message)
        else:
            messages.success(request, f"{period} is {'closed' if close else 'open again'}.")
            return redirect("organization:periods")
    context = {"form": form, "period": period, "close": close, "tab": "periods"}
    return render(request, "organization/period_move.html", context)


# --- staff -----------------------------------------------------------------------------------


@requires("users.manage")
def staff(request: HttpRequest) -> HttpResponse:
    users = (
        User.objects.order_by("username")
        .select_related("staff_profile")
        .prefetch_related("groups", "staff_profile__departments")
    )
    table = StaffTable(users)
    table.paginate(page=request.GET.get("page", 1), per_page=50)
    return render(request, "organization/staff.html", {"table": table, "tab": "staff"})


@requires("users.manage")
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, username: str) -> HttpResponse:
    member = get_object_or_404(User, username=username)
    form = StaffForm(request.POST or None, user=member)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_staff_access(
                member,
                roles=form.cleaned_data["roles"],
                departments=list(form.cleaned_data["departments"]),
                by=_by(request),
            )
        except FiscusError as exc:
            _show_error(form, exc)
        else:
            messages.success(request, f"{member.username}'s roles are saved.")
            return redirect("organization:staff")
    context = {"form": form, "member": member, "tab": "staff"}
    return render(request, "organization/staff_edit.html", context)
