"""The cash report pages: the cash receipts journal, the deposit report, the daily balancing
report and unapplied cash, each on the page and to .xlsx and .csv.

GET forms, so that every report's URL can be shared and bookmarked. A department biller chooses
among their own departments only, and with none chosen sees all of theirs: the form cannot widen
what they may see.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, cast

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from fiscus.cash.models import Deposit, Payment
from fiscus.customers.models import Customer
from fiscus.organization.models import Department
from fiscus.organization.roles import can, department_scope, requires
from fiscus.reports import cash
from fiscus.reports.exports import export_response

PER_PAGE = 200
DATE = forms.DateInput(attrs={"type": "date"})


class CashierChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.username)


class CashReportForm(forms.Form):
    """The department filter every cash report has, limited to the user's scope."""

    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), required=False, empty_label="All departments"
    )

    def __init__(self, data: Any, *, user: Any, defaults: dict[str, str]) -> None:
        values = dict(defaults)
        values.update({k: v for k, v in data.items() if v != "" or k not in values})
        super().__init__(values)
        self.user = user
        self.scope = department_scope(user)
        department = cast(forms.ModelChoiceField, self.fields["department"])
        departments = Department.objects.order_by("code")
        if self.scope is not None:
            departments = departments.filter(id__in=self.scope)
            department.empty_label = "All my departments"
        department.queryset = departments
        first = next(iter(self.fields.values()))
        first.widget.attrs["autofocus"] = True

    def department_ids(self) -> set[int] | None:
        """The departments the report covers: the one chosen, else the user's scope."""
        chosen = self.cleaned_data.get("department")
        return {chosen.pk} if chosen is not None else self.scope

    def department_notes(self) -> list[str]:
        if self.cleaned_data.get("department"):
            return [f"Department: {self.cleaned_data['department']}"]
        if self.scope is not None:
            names = ", ".join(str(d) for d in self.fields["department"].queryset)  # type: ignore[attr-defined]
            return [f"Departments: {names or 'none'}"]
        return []


class DateRangeForm(CashReportForm):
    date_from = forms.DateField(label="From", widget=DATE)
    date_to = forms.DateField(label="To", widget=DATE)

    field_order = ["date_from", "date_to", "department"]

    def __init__(self, data: Any, *, user: Any) -> None:
        today = timezone.localdate()
        defaults = {"date_from": today.replace(day=1).isoformat(), "date_to": today.isoformat()}
        super().__init__(data, user=user, defaults=defaults)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def span(self) -> str:
        start: date = self.cleaned_data["date_from"]
        end: date = self.cleaned_data["date_to"]
        return f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"


class ReceiptsForm(DateRangeForm):
    method = forms.ChoiceField(
        label="Method", required=False, choices=[("", "Any method"), *Payment.Method.choices]
    )
    cashier = CashierChoice(queryset=User.objects.none(), required=False, empty_label="Anyone")
    customer = forms.CharField(label="Customer number", required=False, max_length=20)

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data, user=user)
        payments = Payment.objects.all()
        if self.scope is not None:
            payments = payments.filter(department_id__in=self.scope)
        cashier = cast(CashierChoice, self.fields["cashier"])
        cashier.queryset = User.objects.filter(pk__in=payments.values("cashier_id")).order_by(
            "first_name", "username"
        )

    def clean_customer(self) -> Customer | None:
        number = self.cleaned_data.get("customer", "").strip().upper()
        if not number:
            return None
        found = Customer.objects.visible_to(self.user).filter(number=number).first()
        if found is None:
            raise forms.ValidationError(f"No customer has number {number}.")
        return found

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        cashier, customer = data.get("cashier"), data.get("customer")
        return {
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "department_ids": self.department_ids(),
            "method": data.get("method") or None,
            "cashier_id": cashier.pk if cashier is not None else None,
            "customer_id": customer.pk if customer is not None else None,
        }

    def notes(self) -> list[str]:
        data = self.cleaned_data
        lines = [
            f"Cash receipts journal {self.span()}, by received date; "
            "applied and unapplied as they stand now"
        ]
        lines += self.department_notes()
        if data.get("method"):
            lines.append(f"Method: {Payment.Method(data['method']).label}")
        if data.get("cashier"):
            lines.append(f"Cashier: {data['cashier'].get_full_name() or data['cashier'].username}")
        if data.get("customer"):
            lines.append(f"Customer: {data['customer']}")
        return lines


class DepositsForm(DateRangeForm):
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Deposit.Status.choices]
    )
    cashier = CashierChoice(queryset=User.objects.none(), required=False, empty_label="Anyone")

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data, user=user)
        deposits = Deposit.objects.all()
        if self.scope is not None:
            deposits = deposits.filter(department_id__in=self.scope)
        cashier = cast(CashierChoice, self.fields["cashier"])
        cashier.queryset = User.objects.filter(pk__in=deposits.values("cashier_id")).order_by(
            "first_name", "username"
        )

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        cashier = data.get("cashier")
        return {
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "department_ids": self.department_ids(),
            "status": data.get("status") or None,
            "cashier_id": cashier.pk if cashier is not None else None,
        }

    def notes(self) -> list[str]:
        data = self.cleaned_data
        lines = [f"Deposit report {self.span()}, by deposit date"]
        lines += self.department_notes()
        if data.get("status"):
            lines.append(f"Status: {Deposit.Status(data['status']).label}")
        if data.get("cashier"):
            lines.append(f"Cashier: {data['cashier'].get_full_name() or data['cashier'].username}")
        return lines


class BalancingForm(DateRangeForm):
    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "department_ids": self.department_ids(),
        }

    def notes(self) -> list[str]:
        return [
            f"Daily balancing {self.span()}: reported by departments, receipted in Fiscus, "
            "credited by the bank",
            *self.department_notes(),
        ]


class UnappliedForm(CashReportForm):
    as_of = forms.DateField(label="As of", widget=DATE)

    field_order = ["as_of", "department"]

    def __init__(self, data: Any, *, user: Any) -> None:
        defaults = {"as_of": timezone.localdate().isoformat()}
        super().__init__(data, user=user, defaults=defaults)

    def filters(self) -> dict[str, Any]:
        return {"as_of": self.cleaned_data["as_of"], "department_ids": self.department_ids()}

    def notes(self) -> list[str]:
        return [
            f"Unapplied cash as of {self.cleaned_data['as_of']:%Y-%m-%d}; "
            "suggestions as they stand now",
            *self.department_notes(),
        ]


# -- the pages -----------------------------------------------------------------------------------


def _report_page(
    request: HttpRequest,
    *,
    template: str,
    form: Any,
    run: Callable[..., Any],
    headers: list[str],
    title: str,
    name: Callable[[Any], str],
) -> HttpResponse:
    """The form reads the filters, the query computes, the page or the export shows it."""
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        report = run(**form.filters())
        export = request.GET.get("export")
        if export in ("xlsx", "csv"):
            if not can(request.user, "reports.export"):
                raise PermissionDenied("Needs reports.export")
            return export_response(
                request,
                export,
                name=name(form.cleaned_data),
                title=title,
                headers=headers,
                rows=report.export_rows(),
                footer=report.export_footer(),
                notes=form.notes(),
            )
        context.update(
            report=report, page=Paginator(report.rows, PER_PAGE).get_page(request.GET.get("page"))
        )
    chosen = f"{template}#report" if request.htmx else template  # type: ignore[attr-defined]
    return render(request, chosen, context)


def _span_name(prefix: str) -> Callable[[dict[str, Any]], str]:
    return lambda data: f"{prefix}-{data['date_from']:%Y-%m-%d}-{data['date_to']:%Y-%m-%d}"


@require_GET
@requires("reports.view")
@vary_on_headers("HX-Request")
def cash_receipts(request: HttpRequest) -> HttpResponse:
    """Payments received in a date range, with totals by method."""
    return _report_page(
        request,
        template="reports/cash_receipts.html",
        form=ReceiptsForm(request.GET, user=request.user),
        run=cash.cash_receipts,
        headers=cash.RECEIPTS_HEADERS,
        title="Cash receipts journal",
        name=_span_name("cash-receipts"),
    )


@require_GET
@requires("reports.view")
@vary_on_headers("HX-Request")
def deposits(request: HttpRequest) -> HttpResponse:
    """Deposits in a date range: control figures against contents, and the bank credit."""
    return _report_page(
        request,
        template="reports/cash_deposits.html",
        form=DepositsForm(request.GET, user=request.user),
        run=cash.deposit_report,
        headers=cash.DEPOSIT_HEADERS,
        title="Deposit report",
        name=_span_name("deposits"),
    )


@require_GET
@requires("reports.view")
@vary_on_headers("HX-Request")
def daily_balancing(request: HttpRequest) -> HttpResponse:
    """Each day three ways, its variances, and who balanced it."""
    return _report_page(
        request,
        template="reports/cash_balancing.html",
        form=BalancingForm(request.GET, user=request.user),
        run=cash.balancing_report,
        headers=cash.BALANCING_HEADERS,
        title="Daily balancing",
        name=_span_name("daily-balancing"),
    )


@require_GET
@requires("reports.view")
@vary_on_headers("HX-Request")
def unapplied_cash(request: HttpRequest) -> HttpResponse:
    """Every payment with money not applied as of a date, oldest first."""
    return _report_page(
        request,
        template="reports/cash_unapplied.html",
        form=UnappliedForm(request.GET, user=request.user),
        run=cash.unapplied_cash,
        headers=cash.UNAPPLIED_HEADERS,
        title="Unapplied cash",
        name=lambda data: f"unapplied-cash-{data['as_of']:%Y-%m-%d}",
    )


urlpatterns: list[URLPattern] = [
    path("cash-receipts/", cash_receipts, name="cash_receipts"),
    path("deposits/", deposits, name="deposits"),
    path("daily-balancing/", daily_balancing, name="daily_balancing"),
    path("unapplied-cash/", unapplied_cash, name="unapplied_cash"),
]
