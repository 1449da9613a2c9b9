"""Billing set-up pages: charge codes, payment terms, memo reason codes, finance-charge policy.

Reading needs billing.view (a department biller sees their departments' charge codes only);
changing needs billing.setup. Thin: forms check, fiscus.billing.setup writes.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from fiscus.billing import setup
from fiscus.billing.forms_setup import (
    ChargeCodeForm,
    FinanceChargePolicyForm,
    PaymentTermsForm,
    ReasonCodeForm,
    as_percent,
)
from fiscus.billing.models import ChargeCode, PaymentTerms, ReasonCode
from fiscus.customers.models import CustomerType
from fiscus.errors import FiscusError
from fiscus.organization.models import Department
from fiscus.organization.roles import can, department_scope, requires

FORM = "billing/setup_form.html"
# a service's refusal code -> the field it is about
ERROR_FIELDS = {
    "code_required": "code",
    "duplicate": "code",
    "revenue_account": "revenue_account",
    "unit_price": "unit_price",
    "tax_rate": "tax_rate",
    "tax_account_required": "tax_account",
    "name_required": "name",
    "kind": "kind",
    "exempt_types": "exempt_types",
    "monthly_rate": "monthly_rate",
    "minimum_charge": "minimum_charge",
    "account": "account",
}


def _refused(form: BaseForm, error: FiscusError) -> None:
    field = ERROR_FIELDS.get(error.code)
    form.add_error(field if field in form.fields else None, error.message)


def _form_page(request: HttpRequest, form: BaseForm, **context: Any) -> HttpResponse:
    return render(request, FORM, {"form": form, **context})


def visible_charge_codes(user: Any) -> Any:
    """Charge codes a user may see: a department biller sees their departments' only."""
    codes = ChargeCode.objects.select_related("department", "revenue_account", "tax_account")
    scope = department_scope(user)
    return codes if scope is None else codes.filter(department_id__in=scope)


# -- charge codes -------------------------------------------------------------------------------


@require_GET
@requires("billing.view")
@vary_on_headers("HX-Request")
def charge_codes(request: HttpRequest) -> HttpResponse:
    """Charge codes, filtered by department and active (?department=<id>&active=yes|no)."""
    codes = visible_charge_codes(request.user)
    scope = department_scope(request.user)
    departments = Department.objects.order_by("code")
    if scope is not None:
        departments = departments.filter(id__in=scope)
    department = request.GET.get("department", "")
    if department.isdigit():
        codes = codes.filter(department_id=int(department))
    active = request.GET.get("active", "yes")
    if active in ("yes", "no"):
        codes = codes.filter(active=active == "yes")
    listed = list(codes.order_by("code"))
    for charge in listed:
        charge.tax_percent = as_percent(charge.tax_rate)
    context = {
        "codes": listed,
        "departments": departments,
        "department": department,
        "active": active,
        "tab": "codes",
    }
    template = "billing/setup_charge_codes.html"
    if request.htmx:  # type: ignore[attr-defined]
        template += "#rows"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@requires("billing.setup")
def charge_code_new(request: HttpRequest) -> HttpResponse:
    form = ChargeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            charge = setup.create_charge_code(form.cleaned_data, by=request.user)  # type: ignore[arg-type]
        except FiscusError as refused:
            _refused(form, refused)
        else:
            messages.success(request, f"Charge code {charge.code} added.")
            return redirect("billing:charge_codes")
    return _form_page(
        request,
        form,
        title="New charge code",
        action=reverse("billing:charge_code_new"),
        back=reverse("billing:charge_codes"),
        tab="codes",
    )


@require_http_methods(["GET", "POST"])
@requires("billing.setup")
def charge_code_edit(request: HttpRequest, code: str) -> HttpResponse:
    charge = get_object_or_404(ChargeCode, code=code)
    form = ChargeCodeForm(request.POST or None, instance=charge)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k in form.changed_data}
        try:
            charge = setup.update_charge_code(charge, changes, by=request.user)  # type: ignore[arg-type]
        except FiscusError as refused:
            _refused(form, refused)
        else:
            messages.success(request, f"Charge code {charge.code} saved.")
            return redirect("billing:charge_codes")
    return _form_page(
        request,
        form,
        title=f"Charge code {charge.code}",
        action=reverse("billing:charge_code_edit", args=[charge.code]),
        back=reverse("billing:charge_codes"),
        history=charge.history.select_related("history_user")[:20],
        tab="codes",
    )


# -- payment terms ------------------------------------------------------------------------------


@require_GET
@requires("billing.view")
def terms(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "billing/setup_terms.html",
        {"terms": PaymentTerms.objects.order_by("days", "code"), "tab": "terms"},
    )


@require_http_methods(["GET", "POST"])
@requires("billing.setup")
def terms_new(request: HttpRequest) -> HttpResponse:
    form = PaymentTermsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = setup.create_payment_terms(form.cleaned_data, by=request.user)  # type: ignore[arg-type]
        except FiscusError as refused:
            _refused(form, refused)
        else:
            messages.success(request, f"Terms {made.name} added.")
            return redirect("billing:terms")
    return _form_page(
        request,
        form,
        title="New payment terms",
        action=reverse("billing:terms_new"),
        back=reverse("billing:terms"),
        tab="terms",
    )


@require_http_methods(["GET", "POST"])
@requires("billing.setup")
def terms_edit(request: HttpRequest, terms: str) -> HttpResponse:
    found = get_object_or_404(PaymentTerms, code=terms)
    form = PaymentTermsForm(request.POST or None, instance=found)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k in form.changed_data}
        try:
            found = setup.update_payment_terms(found, changes, by=request.user)  # type: ignore[arg-type]
        except FiscusError as refused:
            _refused(form, refused)
        else:
            messages.success(request, f"Terms {found.name} saved.")
            return redirect("billing:terms")
    return _form_page(
        request,
        form,
        title=f"Payment terms {terms}",
        action=reverse("billing:terms_edit", args=[terms]),
        back=reverse("billing:terms"),
        history=found.history.select_related("history_user")[:20],
        tab="terms",
    )


# -- reason codes -------------------------------------------------------------------------------


@require_GET
@requires("billing.view")
def reasons(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "billing/setup_reasons.html",
        {"reasons": ReasonCode.objects.select_related("account"), "tab": "reasons"},
    )


@require_http_methods(["GET", "POST"])
@requires("billing.setup")
def reason_new(request: HttpRequest) -> HttpResponse:
    form = ReasonCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = setup.create_reason_code(form.cleaned_data, by=request.user)  # type: ignore[arg-type]
        except FiscusError as refused:
            _refused(form, refused)
        else:
            messages.success(request, f"Reason {made.code} added.")
            return redirect("billing:reasons")
    return _form_page(
        request,
        form,
        title="New memo reason",
        action=reverse("billing:reason_new"),
        back=reverse("billing:reasons"),
        tab="reasons",
    )


@require_http_methods(["GET", "POST"])
@requires("billing.setup")
def reason_edit(request: HttpRequest, reason: str) -> HttpResponse:
    found = get_object_or_404(ReasonCode, code=reason)
    form = ReasonCodeForm(request.POST or None, instance=found)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k in form.changed_data}
        try:
            found = setup.update_reason_code(found, changes, by=request.user)  # type: ignore[arg-type]
        except FiscusError as refused:
            _refused(form, refused)
        else:
            messages.success(request, f"Reason {found.code} saved.")
            return redirect("billing:reasons")
    return _form_page(
        request,
        form,
        title=f"Memo reason {reason}",
        action=reverse("billing:reason_edit", args=[reason]),
        back=reverse("billing:reasons"),
        history=found.history.select_related("history_user")[:20],
        tab="reasons",
    )


# -- the finance-charge policy -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@requires("billing.view")
def finance_policy(request: HttpRequest) -> HttpResponse:
    """The policy; a supervisor (billing.setup) changes it on the same page."""
    policy = setup.finance_charge_policy()
    editable = can(request.user, "billing.setup")
    if request.method == "POST" and not editable:
        raise PermissionDenied("Needs billing.setup")
    form = FinanceChargePolicyForm(request.POST or None, policy=policy)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k in form.changed_data}
        try:
            setup.update_finance_charge_policy(changes, by=request.user)  # type: ignore[arg-type]
        except FiscusError as refused:
            _refused(form, refused)
        else:
            messages.success(request, "Finance-charge policy saved.")
            return redirect("billing:finance_policy")
    return render(
        request,
        "billing/setup_finance_policy.html",
        {
            "form": form,
            "policy": policy,
            "editable": editable,
            "exempt_labels": [
                CustomerType(t).label for t in policy.exempt_types if t in CustomerType.values
            ],
            "history": policy.history.select_related("history_user")[:20],
            "tab": "policy",
        },
    )


urlpatterns: list[URLPattern] = [
    path("setup/charge-codes/", charge_codes, name="charge_codes"),
    path("setup/charge-codes/new/", charge_code_new, name="charge_code_new"),
    path("setup/charge-codes/<str:code>/", charge_code_edit, name="charge_code_edit"),
    path("setup/terms/", terms, name="terms"),
    path("setup/terms/new/", terms_new, name="terms_new"),
    path("setup/terms/<str:terms>/", terms_edit, name="terms_edit"),
    path("setup/reasons/", reasons, name="reasons"),
    path("setup/reasons/new/", reason_new, name="reason_new"),
    path("setup/reasons/<str:reason>/", reason_edit, name="reason_edit"),
    path("setup/finance-charges/policy/", finance_policy, name="finance_policy"),
]
