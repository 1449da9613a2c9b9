"""Finance-charge pages: the runs, a preview as of a date, a run's charges and skips, posting.

Reading needs billing.view; previewing and posting need billing.finance_charges. A run covers
every department's customers; a department biller sees the lines (and totals) of their
departments' customers only.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_POST

from fiscus import money
from fiscus.billing.finance_charges import post_finance_charges, preview_finance_charges
from fiscus.billing.forms_recurring import PreviewForm
from fiscus.billing.models import FinanceChargeLine, FinanceChargeRun
from fiscus.billing.setup import finance_charge_policy
from fiscus.customers.models import Customer, CustomerType
from fiscus.errors import FiscusError
from fiscus.organization.roles import can, department_scope, requires
from fiscus.reports.exports import export_response

PER_PAGE = 50
ZERO_SUM = Value(money.ZERO, output_field=DecimalField(max_digits=14, decimal_places=2))
EXPORT_HEADERS = ["Customer", "Name", "Type", "Past due", "Charge", "Charged", "Reason", "Item"]


def _visible(user: Any) -> Q:
    """The lines a user may see: a department biller, their departments' customers' only."""
    if department_scope(user) is None:
        return Q()
    return Q(lines__customer__in=Customer.objects.visible_to(user).values("pk"))


def _runs(user: Any) -> Any:
    visible = _visible(user)
    return FinanceChargeRun.objects.select_related("created_by", "posted_by").annotate(
        charged=Count("lines", filter=visible & Q(lines__skipped=False)),
        skipped=Count("lines", filter=visible & Q(lines__skipped=True)),
        shown_total=Coalesce(
            Sum("lines__charge", filter=visible & Q(lines__skipped=False)), ZERO_SUM
        ),
    )


def _list(request: HttpRequest, form: PreviewForm, status: int = 200) -> HttpResponse:
    page = Paginator(_runs(request.user).order_by("-created_at", "-pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    for r in page:
        r.shown_total = money.cents(r.shown_total)  # SQLite sums in floating point
    policy = finance_charge_policy()
    exempt = [str(CustomerType(t).label) for t in policy.exempt_types or []]
    return render(
        request,
        "billing/finance_runs.html",
        {
            "page": page,
            "form": form,
            "policy": policy,
            "rate_percent": (policy.monthly_rate * 100).normalize(),
            "exempt": exempt,
        },
        status=status,
    )


@require_GET
@requires("billing.view")
def finance_runs(request: HttpRequest) -> HttpResponse:
    return _list(request, PreviewForm())


@require_POST
@requires("billing.finance_charges")
def finance_preview(request: HttpRequest) -> HttpResponse:
    form = PreviewForm(request.POST)
    if form.is_valid():
        try:
            run = preview_finance_charges(
                by=cast(User, request.user), as_of=form.cleaned_data["as_of"]
            )
        except FiscusError as refused:
            form.add_error("as_of" if refused.code == "as_of" else None, refused.message)
        else:
            return redirect("billing:finance_run", run=run.pk)
    return _list(request, form, status=400)


def _run_for(request: HttpRequest, pk: int) -> FinanceChargeRun:
    found = _runs(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("No finance-charge run with that id.")
    return found


def _export_row(line: FinanceChargeLine) -> list[Any]:
    return [
        line.customer.number,
        line.customer.name,
        line.customer.get_type_display(),
        money.cents(line.base_amount),
        money.cents(line.charge),
        "no" if line.skipped else "yes",
        line.reason,
        line.item.number if line.item else "",
    ]


@require_GET
@requires("billing.view")
def finance_run(request: HttpRequest, run: int) -> HttpResponse:
    found = _run_for(request, run)
    rows = found.lines.select_related("customer", "item").order_by("skipped", "customer__number")
    if department_scope(request.user) is not None:
        rows = rows.filter(customer__in=Customer.objects.visible_to(request.user).values("pk"))
    lines = list(rows)
    export = request.GET.get("export")
    if export in ("xlsx", "csv"):
        if not can(request.user, "reports.export"):
            raise PermissionDenied("Needs reports.export")
        total_base = money.cents(sum((ln.base_amount for ln in lines), money.ZERO))
        total_charge = money.cents(sum((ln.charge for ln in lines), money.ZERO))
        return export_response(
            request,
            export,
            name=f"finance-charges-{found.as_of:%Y-%m-%d}",
            title="Finance charges",
            headers=EXPORT_HEADERS,
            rows=(_export_row(ln) for ln in lines),
            footer=["Total", "", "", total_base, total_charge, "", "", ""],
            notes=[f"Finance charges as of {found.as_of:%m/%d/%Y} ({found.get_status_display()})"],
        )
    charged = [ln for ln in lines if not ln.skipped]
    skipped = [ln for ln in lines if ln.skipped]
    return render(
        request,
        "billing/finance_run.html",
        {
            "run": found,
            "charged": charged,
            "skipped": skipped,
            "charged_base": money.cents(sum((ln.base_amount for ln in charged), money.ZERO)),
            "charged_total": money.cents(sum((ln.charge for ln in charged), money.ZERO)),
            "skipped_base": money.cents(sum((ln.base_amount for ln in skipped), money.ZERO)),
        },
    )


@require_POST
@requires("billing.finance_charges")
def finance_post(request: HttpRequest, run: int) -> HttpResponse:
    found = _run_for(request, run)
    try:
        posted = post_finance_charges(found, by=cast(User, request.user))
    except FiscusError as refused:
        messages.error(request, refused.message)
    else:
        count = posted.lines.filter(skipped=False).count()
        messages.success(
            request,
            f"Posted {count} finance charge{'' if count == 1 else 's'}, "
            f"{money.fmt(posted.total)}, as of {posted.as_of:%m/%d/%Y}.",
        )
    return redirect("billing:finance_run", run=found.pk)


urlpatterns: list[URLPattern] = [
    path("finance-charges/", finance_runs, name="finance_charges"),
    path("finance-charges/preview/", finance_preview, name="finance_preview"),
    path("finance-charges/<int:run>/", finance_run, name="finance_run"),
    path("finance-charges/<int:run>/post/", finance_post, name="finance_post"),
]
