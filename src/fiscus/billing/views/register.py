"""The billing register report: posted invoices and memos in a date range, on the page and to
.xlsx/.csv. A department biller sees their departments only; the form cannot widen that."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from fiscus.billing.models import ChargeCode
from fiscus.billing.register import HEADERS, billing_register
from fiscus.customers.models import Customer
from fiscus.organization.models import Department
from fiscus.organization.roles import can, department_scope, requires
from fiscus.reports.exports import export_response

PER_PAGE = 200
DATE = forms.DateInput(attrs={"type": "date"})


class RegisterForm(forms.Form):
    """A GET form, so a register can be shared and bookmarked."""

    date_from = forms.DateField(label="From", widget=DATE)
    date_to = forms.DateField(label="To", widget=DATE)
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), required=False, empty_label="All departments"
    )
    charge_code = forms.ModelChoiceField(
        queryset=ChargeCode.objects.none(), required=False, empty_label="Any charge code"
    )
    customer = forms.CharField(label="Customer number", required=False, max_length=20)

    def __init__(self, data: Any, *, user: Any) -> None:
        today = timezone.localdate()
        values = {
            "date_from": today.replace(day=1).isoformat(),
            "date_to": today.isoformat(),
        }
        values.update({k: v for k, v in data.items() if v != "" or k not in values})
        super().__init__(values)
        self.user = user
        self.scope = department_scope(user)
        fields = cast(dict[str, Any], self.fields)
        departments = Department.objects.order_by("code")
        codes = ChargeCode.objects.order_by("code")
        if self.scope is not None:
            departments = departments.filter(id__in=self.scope)
            codes = codes.filter(department_id__in=self.scope)
            fields["department"].empty_label = "All my departments"
        fields["department"].queryset = departments
        fields["charge_code"].queryset = codes
        fields["date_from"].widget.attrs["autofocus"] = True

    def clean_customer(self) -> Customer | None:
        number = self.cleaned_data.get("customer", "").strip().upper()
        if not number:
            return None
        found = Customer.objects.visible_to(self.user).filter(number=number).first()
        if found is None:
            raise forms.ValidationError(f"No customer has number {number}.")
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        chosen = data.get("department")
        charge, customer = data.get("charge_code"), data.get("customer")
        return {
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "department_ids": {chosen.pk} if chosen is not None else self.scope,
            "charge_code_id": charge.pk if charge is not None else None,
            "customer_id": customer.pk if customer is not None else None,
        }

    def notes(self) -> list[str]:
        data = self.cleaned_data
        start: date = data["date_from"]
        end: date = data["date_to"]
        lines = [f"Billing register {start:%Y-%m-%d} to {end:%Y-%m-%d}, by document date"]
        if data.get("department"):
            lines.append(f"Department: {data['department']}")
        elif self.scope is not None:
            names = ", ".join(str(d) for d in self.fields["department"].queryset)  # type: ignore[attr-defined]
            lines.append(f"Departments: {names or 'none'}")
        if data.get("charge_code"):
            lines.append(f"Charge code: {data['charge_code']}")
        if data.get("customer"):
            lines.append(f"Customer: {data['customer']}")
        return lines


@require_GET
@requires("reports.view")
@vary_on_headers("HX-Request")
def register(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.GET, user=request.user)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        report = billing_register(**form.filters())
        export = request.GET.get("export")
        if export in ("xlsx", "csv"):
            if not can(request.user, "reports.export"):
                raise PermissionDenied("Needs reports.export")
            start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
            return export_response(
                request,
                export,
                name=f"billing-register-{start:%Y-%m-%d}-{end:%Y-%m-%d}",
                title="Billing register",
                headers=HEADERS,
                rows=report.export_rows(),
                footer=report.export_footer(),
                notes=form.notes(),
            )
        context.update(
            report=report, page=Paginator(report.rows, PER_PAGE).get_page(request.GET.get("page"))
        )
    template = "billing/register.html#report" if request.htmx else "billing/register.html"  # type: ignore[attr-defined]
    return render(request, template, context)


urlpatterns: list[URLPattern] = [
    path("register/", register, name="register"),
]
