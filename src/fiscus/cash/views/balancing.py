"""Cash pages: the daily three-way balancing.

What each department reported, what Fiscus receipted, what the bank shows, side by side, with
every variance and its cause. Departments' figures are entered here (cash.deposit); the
supervisor marks the day balanced (cash.balance), which moves the day's deposits to the bank.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from fiscus.cash import services
from fiscus.cash.forms import DepartmentReportForm
from fiscus.cash.models import BalancedDay, Deposit
from fiscus.cash.queries import day_balancing, days_to_balance
from fiscus.errors import FiscusError
from fiscus.organization.roles import requires


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Http404("Not a date.") from None


@require_GET
@requires("cash.view")
def days(request: HttpRequest) -> HttpResponse:
    picked = request.GET.get("day")
    if picked:
        return redirect("cash:balancing_day", day=_day(picked).isoformat())
    recent = BalancedDay.objects.select_related("balanced_by")[:30]
    since = timezone.localdate() - timedelta(days=60)
    deposit_days = sorted(
        set(Deposit.objects.filter(deposit_date__gte=since).values_list("deposit_date", flat=True)),
        reverse=True,
    )
    return render(
        request,
        "cash/balancing_days.html",
        {"to_balance": days_to_balance(60), "recent": recent, "deposit_days": deposit_days},
    )


@require_GET
@requires("cash.view")
def day_page(request: HttpRequest, day: str) -> HttpResponse:
    on = _day(day)
    return render(
        request,
        "cash/balancing_day.html",
        {
            "b": day_balancing(on),
            "form": DepartmentReportForm(user=request.user),
            "previous": on - timedelta(days=1),
            "next": on + timedelta(days=1),
        },
    )


@require_POST
@requires("cash.deposit")
def report(request: HttpRequest, day: str) -> HttpResponse:
    on = _day(day)
    form = DepartmentReportForm(request.POST, user=request.user)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for e in errors:
                messages.error(request, f"{field}: {e}")
        return redirect("cash:balancing_day", day=on.isoformat())
    data = form.cleaned_data
    try:
        services.report_department_day(
            day=on,
            department=data["department"],
            amount=data["amount"],
            count=data.get("count"),
            reference=data.get("reference", ""),
            by=request.user,  # type: ignore[arg-type]
        )
    except FiscusError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"{data['department']} reported for {on:%m/%d/%Y}.")
    return redirect("cash:balancing_day", day=on.isoformat())


@require_POST
@requires("cash.deposit")
def report_upload(request: HttpRequest) -> HttpResponse:
    """Departments' figures for one or more days, from a CSV file."""
    f = request.FILES.get("file")
    back = request.POST.get("day") or ""
    if f is None:
        messages.error(request, "Choose a file.")
    else:
        try:
            reports = services.import_department_reports(f.read(), by=request.user)  # type: ignore[arg-type]
        except FiscusError as refused:
            messages.error(request, f"{f.name}: {refused.message} Nothing was saved.")
        else:
            messages.success(request, f"{f.name}: {len(reports)} department figure(s) saved.")
    if back:
        return redirect("cash:balancing_day", day=_day(back).isoformat())
    return redirect("cash:balancing")


@require_POST
@requires("cash.balance")
def balance(request: HttpRequest, day: str) -> HttpResponse:
    on = _day(day)
    try:
        services.balance_day(on, by=request.user, note=request.POST.get("note", ""))  # type: ignore[arg-type]
    except FiscusError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"{on:%m/%d/%Y} is balanced: its deposits are in the bank.")
    return redirect("cash:balancing_day", day=on.isoformat())


urlpatterns: list[URLPattern] = [
    path("balancing/", days, name="balancing"),
    path("balancing/upload/", report_upload, name="balancing_upload"),
    path("balancing/<str:day>/", day_page, name="balancing_day"),
    path("balancing/<str:day>/report/", report, name="balancing_report"),
    path("balancing/<str:day>/balance/", balance, name="balancing_balance"),
]
