"""The report pages. Thin: the form reads the filters, the queries compute, exports write."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from fiscus.organization.roles import can, requires
from fiscus.reports import queries
from fiscus.reports.exports import export_response
from fiscus.reports.forms import DETAIL, AgingForm

PER_PAGE = 100

REPORTS = [
    {
        "url": "reports:aging",
        "title": "Aging",
        "about": "What each customer owes by days past due, as of any date, with unapplied "
        "credits in their own column and the tie-out to AR control.",
    },
    {
        "url": "billing:register",
        "title": "Billing register",
        "about": "Posted invoices and credit and debit memos in a date range, by department, "
        "charge code or customer, with totals by department and a grand total.",
    },
    {
        "url": "reports:cash_receipts",
        "title": "Cash receipts journal",
        "about": "Payments received in a date range, by department, method, cashier or customer, "
        "with what is applied and unapplied and totals by method.",
    },
    {
        "url": "reports:deposits",
        "title": "Deposit report",
        "about": "Deposits in a date range: control count and total against what each holds, "
        "the difference, and the bank credit it was matched to.",
    },
    {
        "url": "reports:daily_balancing",
        "title": "Daily balancing",
        "about": "Each day three ways (reported by departments, receipted, credited by the "
        "bank), its variances, and who balanced it.",
    },
    {
        "url": "reports:unapplied_cash",
        "title": "Unapplied cash",
        "about": "Every payment with money not applied as of any date, unidentified or on "
        "account, with its age and the suggestion waiting for it.",
    },
]


@require_GET
@requires("reports.view")
def report_index(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/index.html", {"reports": REPORTS})


def _export(
    request: HttpRequest, fmt: str, form: AgingForm, report: queries.AgingReport
) -> HttpResponse:
    if not can(request.user, "reports.export"):
        raise PermissionDenied("Needs reports.export")
    notes = form.notes()
    if report.tie_out is not None:
        tie = report.tie_out
        verdict = "ties" if tie.ties else f"differs by {tie.difference_display}"
        notes.append(
            f"Receivable ledger {tie.subledger_display}, AR control {tie.gl_display}: {verdict}"
        )
    stamp = f"{report.as_of:%Y-%m-%d}"
    if form.cleaned_data["view"] == DETAIL:
        detail = queries.aging_detail(**form.filters())
        footer: list[Any] = ["Total", *[""] * (len(queries.DETAIL_HEADERS) - 2), report.total]
        return export_response(
            request,
            fmt,
            name=f"aging-detail-{stamp}",
            title="Aging detail",
            headers=queries.DETAIL_HEADERS,
            rows=(row.export_row() for row in detail),
            footer=footer,
            notes=notes,
        )
    return export_response(
        request,
        fmt,
        name=f"aging-{stamp}",
        title="Aging",
        headers=report.headers,
        rows=report.export_rows(),
        footer=report.export_footer,
        notes=notes,
    )


@require_GET
@requires("reports.view")
@vary_on_headers("HX-Request")
def aging_report(request: HttpRequest) -> HttpResponse:
    """The aging report: summary by customer or detail by item, any as-of date."""
    form = AgingForm(request.GET, user=request.user)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        report = queries.aging(**form.filters())
        export = request.GET.get("export")
        if export in ("xlsx", "csv"):
            return _export(request, export, form, report)
        detail = form.cleaned_data["view"] == DETAIL
        rows: Any = queries.aging_detail(**form.filters()) if detail else report.rows
        context.update(
            report=report,
            detail=detail,
            page=Paginator(rows, PER_PAGE).get_page(request.GET.get("page")),
            columns=len(report.labels) + 5,
        )
    template = "reports/aging.html#report" if request.htmx else "reports/aging.html"  # type: ignore[attr-defined]
    return render(request, template, context)
