"""Cash pages: today's cash, the deposit list, a new deposit, a deposit and closing it.

Reading needs cash.view (a department biller sees their departments' deposits only); opening
needs cash.receive, closing cash.deposit. Thin: fiscus.cash.services does the work.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from fiscus.cash import services
from fiscus.cash.forms import DepositFilter, DepositForm
from fiscus.cash.models import Deposit, Payment
from fiscus.cash.queries import (
    days_to_balance,
    deposits_visible_to,
    totals_of,
    unapplied_cash,
    unapplied_total,
)
from fiscus.errors import FiscusError
from fiscus.organization.roles import can, requires
from fiscus.reports.exports import export_response

PER_PAGE = 50
EXPORT_HEADERS = [
    "Number",
    "Date",
    "Department",
    "Cashier",
    "Status",
    "Control count",
    "Control total",
    "Count",
    "Total",
]


def deposit_for(request: HttpRequest, pk: int) -> Deposit:
    found = (
        deposits_visible_to(request.user)
        .select_related("department", "cashier", "fund")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("No deposit with that id.")
    return found


@require_GET
@requires("cash.view")
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    deposits = deposits_visible_to(request.user).filter(deposit_date=today)
    open_deposits = deposits_visible_to(request.user).filter(status=Deposit.Status.OPEN)
    open_list = list(open_deposits.select_related("department"))
    totals = totals_of(open_list)
    rows = [(d, totals[d.pk]) for d in open_list]
    unapplied = unapplied_cash(request.user)
    return render(
        request,
        "cash/home.html",
        {
            "today": today,
            "open_deposits": rows,
            "today_count": deposits.count(),
            "unapplied_count": unapplied.count(),
            "unapplied_total": unapplied_total(request.user),
            "days": days_to_balance() if can(request.user, "cash.balance") else [],
        },
    )


@require_GET
@requires("cash.view")
@vary_on_headers("HX-Request")
def deposit_list(request: HttpRequest) -> HttpResponse:
    filters = DepositFilter(
        request.GET,
        queryset=deposits_visible_to(request.user).select_related("department", "cashier"),
    )
    deposits = filters.qs.order_by("-deposit_date", "-number")
    export = request.GET.get("export")
    if export in ("xlsx", "csv"):
        if not can(request.user, "reports.export"):
            raise PermissionDenied("Needs reports.export")

        def export_rows() -> Any:
            listed = list(deposits)
            totals = totals_of(listed)
            for d in listed:
                t = totals[d.pk]
                yield [
                    d.number,
                    d.deposit_date,
                    d.department.code,
                    d.cashier.get_username(),
                    d.get_status_display(),
                    d.control_count,
                    d.control_total,
                    t.count,
                    t.total,
                ]

        return export_response(
            request,
            export,
            name="deposits",
            title="Deposits",
            headers=EXPORT_HEADERS,
            rows=export_rows(),
        )
    page = Paginator(deposits, PER_PAGE).get_page(request.GET.get("page"))
    totals = totals_of(page)
    rows = [(d, totals[d.pk]) for d in page]
    template = "cash/deposit_list.html#rows" if request.htmx else "cash/deposit_list.html"  # type: ignore[attr-defined]
    return render(request, template, {"filter": filters, "page": page, "rows": rows})


@require_http_methods(["GET", "POST"])
@requires("cash.receive")
def deposit_new(request: HttpRequest) -> HttpResponse:
    form = DepositForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            deposit = services.open_deposit(
                department=data["department"],
                on=data["deposit_date"],
                by=request.user,  # type: ignore[arg-type]
                control_count=data.get("control_count"),
                control_total=data.get("control_total"),
            )
        except FiscusError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, f"Deposit {deposit.number} opened.")
            return redirect("cash:entry", pk=deposit.pk)
    return render(request, "cash/deposit_new.html", {"form": form})


@require_GET
@requires("cash.view")
def deposit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deposit = deposit_for(request, pk)
    payments = (
        Payment.objects.filter(deposit=deposit).select_related("customer", "item").order_by("id")
    )
    return render(
        request,
        "cash/deposit_detail.html",
        {
            "deposit": deposit,
            "payments": list(payments),
            "totals": services.deposit_totals(deposit),
            "bank_lines": list(deposit.bank_lines.all()),
        },
    )


@require_POST
@requires("cash.deposit")
def deposit_close(request: HttpRequest, pk: int) -> HttpResponse:
    deposit = deposit_for(request, pk)
    try:
        services.close_deposit(deposit, by=request.user)  # type: ignore[arg-type]
    except FiscusError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"Deposit {deposit.number} closed: print its slip below.")
    return redirect("cash:deposit", pk=deposit.pk)


urlpatterns: list[URLPattern] = [
    path("", home, name="home"),
    path("deposits/", deposit_list, name="deposits"),
    path("deposits/new/", deposit_new, name="deposit_new"),
    path("deposits/<int:pk>/", deposit_detail, name="deposit"),
    path("deposits/<int:pk>/close/", deposit_close, name="deposit_close"),
]
