"""The adjustment report pages: the adjustments register, write-offs by reason and period,
credit balances and the refunds register, each on the page and to .xlsx and .csv.

GET forms, as the cash reports have: a department biller chooses among their own departments
only, and with none chosen sees all of theirs (the lines of items there).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from fiscus import money
from fiscus.adjustments.models import DISCHARGING, Kind, Reason, Status
from fiscus.customers.forms import AmountField
from fiscus.organization.models import FiscalYear
from fiscus.organization.roles import requires
from fiscus.reports import adjustments
from fiscus.reports.views_cash import CashReportForm, DateRangeForm, _report_page, _span_name

ANY_STATUS = "any"


def _with_default(data: Any, name: str, value: str) -> dict[str, Any]:
    """The GET parameters, with `value` for `name` when it is missing or empty."""
    values = dict(data.items())
    if not values.get(name):
        values[name] = value
    return values


def _reason_choice(kinds: Any = None) -> forms.ModelChoiceField:
    reasons = Reason.objects.order_by("kind", "code")
    if kinds is not None:
        reasons = reasons.filter(kind__in=kinds)
    return forms.ModelChoiceField(
        label="Reason", queryset=reasons, required=False, empty_label="Any reason"
    )


class RegisterForm(DateRangeForm):
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "Any kind"), *Kind.choices]
    )
    reason = _reason_choice()
    status = forms.ChoiceField(
        label="Status", choices=[*Status.choices, (ANY_STATUS, "Any status")]
    )

    field_order = ["date_from", "date_to", "kind", "reason", "status", "department"]

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(_with_default(data, "status", Status.POSTED), user=user)

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        reason, status = data.get("reason"), data["status"]
        return {
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "department_ids": self.department_ids(),
            "kind": data.get("kind") or None,
            "reason_id": reason.pk if reason is not None else None,
            "status": None if status == ANY_STATUS else status,
        }

    def notes(self) -> list[str]:
        data = self.cleaned_data
        status = data["status"]
        which = "every status" if status == ANY_STATUS else Status(status).label.lower()
        lines = [f"Adjustments register {self.span()}, by accounting date; {which}"]
        lines += self.department_notes()
        if data.get("kind"):
            lines.append(f"Kind: {Kind(data['kind']).label}")
        if data.get("reason"):
            lines.append(f"Reason: {data['reason']}")
        return lines


def _fiscal_year_start(today: date) -> date:
    year = FiscalYear.objects.filter(start__lte=today, end__gte=today).first()
    return year.start if year is not None else today.replace(month=1, day=1)


class WriteOffsForm(DateRangeForm):
    reason = _reason_choice(DISCHARGING)

    field_order = ["date_from", "date_to", "reason", "department"]

    def __init__(self, data: Any, *, user: Any) -> None:
        start = _fiscal_year_start(timezone.localdate()).isoformat()
        super().__init__(_with_default(data, "date_from", start), user=user)

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        reason = data.get("reason")
        return {
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "department_ids": self.department_ids(),
            "reason_id": reason.pk if reason is not None else None,
        }

    def notes(self) -> list[str]:
        lines = [
            f"Write-offs by reason and fiscal period {self.span()}, by accounting date; "
            "reinstated as it stands now",
            *self.department_notes(),
        ]
        if self.cleaned_data.get("reason"):
            lines.append(f"Reason: {self.cleaned_data['reason']}")
        return lines


class CreditBalancesForm(CashReportForm):
    at_least = AmountField(label="Credit of at least", required=False)

    field_order = ["at_least", "department"]

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data, user=user, defaults={})

    def clean_at_least(self) -> Decimal | None:
        value: Decimal | None = self.cleaned_data.get("at_least")
        if value is not None and value < 0:
            raise forms.ValidationError("Give the credit as a positive amount, such as 25.00.")
        return value

    def filters(self) -> dict[str, Any]:
        return {
            "department_ids": self.department_ids(),
            "at_least": self.cleaned_data.get("at_least") or None,
        }

    def notes(self) -> list[str]:
        lines = [
            f"Credit balances as of {timezone.localdate():%Y-%m-%d}: customers whose open items "
            "add up to less than zero, largest credit first",
            *self.department_notes(),
        ]
        if self.cleaned_data.get("at_least"):
            lines.append(f"Credit of at least {money.fmt(self.cleaned_data['at_least'])}")
        return lines


class RefundsForm(DateRangeForm):
    stage = forms.ChoiceField(
        label="Stage",
        required=False,
        choices=[("", "Any stage")]
        + [(key, label) for key, (label, _) in adjustments.STAGES.items()],
    )

    field_order = ["date_from", "date_to", "stage", "department"]

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "department_ids": self.department_ids(),
            "stage": data.get("stage") or None,
        }

    def notes(self) -> list[str]:
        lines = [f"Refunds register {self.span()}, by accounting date; stages as they stand now"]
        lines += self.department_notes()
        if self.cleaned_data.get("stage"):
            lines.append(f"Stage: {adjustments.STAGES[self.cleaned_data['stage']][0]}")
        return lines


# -- the pages -----------------------------------------------------------------------------------


@require_GET
@requires("reports.view")
@vary_on_headers("HX-Request")
def adjustments_register(request: HttpRequest) -> HttpResponse:
    """Adjustment requests in a date range (posted ones unless asked), with totals by kind."""
    return _report_page(
        request,
        template="reports/adjustments_register.html",
        form=RegisterForm(request.GET, user=request.user),
        run=adjustments.adjustments_register,
        headers=adjustments.REGISTER_HEADERS,
        title="Adjustments register",
        name=_span_name("adjustments"),
    )


@require_GET
@requires("reports.view")
@vary_on_headers("HX-Request")
def write_offs(request: HttpRequest) -> HttpResponse:
    """What was written off, by reason and fiscal period, and how much was paid since."""
    return _report_page(
        request,
        template="reports/adjustments_write_offs.html",
        form=WriteOffsForm(request.GET, user=request.user),
        run=adjustments.write_offs,
        headers=adjustments.WRITE_OFF_HEADERS,
        title="Write-offs by reason and period",
        name=_span_name("write-offs"),
    )


@require_GET
@requires("reports.view")
@vary_on_headers("HX-Request")
def credit_balances(request: HttpRequest) -> HttpResponse:
    """Customers the agency owes money today, largest credit first."""
    return _report_page(
        request,
        template="reports/adjustments_credit_balances.html",
        form=CreditBalancesForm(request.GET, user=request.user),
        run=adjustments.credit_balances,
        headers=adjustments.CREDIT_HEADERS,
        title="Credit balances",
        name=lambda data: f"credit-balances-{timezone.localdate():%Y-%m-%d}",
    )


@require_GET
@requires("reports.view")
@vary_on_headers("HX-Request")
def refunds(request: HttpRequest) -> HttpResponse:
    """Refund requests in a date range: their stage, approval, voucher and payment."""
    return _report_page(
        request,
        template="reports/adjustments_refunds.html",
        form=RefundsForm(request.GET, user=request.user),
        run=adjustments.refunds_register,
        headers=adjustments.REFUND_HEADERS,
        title="Refunds register",
        name=_span_name("refunds"),
    )


urlpatterns: list[URLPattern] = [
    path("adjustments/", adjustments_register, name="adjustments_register"),
    path("write-offs/", write_offs, name="write_offs"),
    path("credit-balances/", credit_balances, name="credit_balances"),
    path("refunds/", refunds, name="refunds"),
]
