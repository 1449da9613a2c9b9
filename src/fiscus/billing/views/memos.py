"""Memo pages: the list (filters and export), a new credit or debit memo, and a memo's detail.

Reading needs billing.view (a department biller sees their departments' memos only); issuing
needs billing.memo. Thin: the form finds the customer and invoice, fiscus.billing.memos posts.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from fiscus import money
from fiscus.billing.forms_memos import MemoFilter, MemoForm, memos_visible_to
from fiscus.billing.memos import issue_credit_memo, issue_debit_memo
from fiscus.billing.models import Invoice, InvoiceStatus, Memo, MemoKind
from fiscus.errors import FiscusError
from fiscus.ledger.models import JournalLine
from fiscus.organization.roles import can, department_scope, requires
from fiscus.receivables.models import Application
from fiscus.reports.exports import export_response

PER_PAGE = 50
EXPORT_HEADERS = [
    "Number",
    "Kind",
    "Date",
    "Customer",
    "Name",
    "Department",
    "Reason",
    "Invoice",
    "Amount",
    "Open amount",
    "Description",
]
# a service's refusal code -> the field it is about
ERROR_FIELDS = {
    "reason_kind": "reason",
    "reason_inactive": "reason",
    "amount": "amount",
    "more_than_open": "amount",
    "invoice_not_posted": "invoice",
    "invoice_customer": "invoice",
    "memo_date": "memo_date",
    "department": "department",
    "due_date": "due_date",
}


def _signed(memo: Memo) -> Any:
    return -memo.amount if memo.kind == MemoKind.CREDIT else memo.amount


def _export_row(memo: Memo) -> list[Any]:
    return [
        memo.number,
        memo.get_kind_display(),
        memo.memo_date,
        memo.customer.number,
        memo.customer.name,
        memo.department.code,
        memo.reason.code,
        memo.invoice.number if memo.invoice else "",
        money.cents(_signed(memo)),
        money.cents(memo.item.open_amount),
        memo.description,
    ]


@require_GET
@requires("billing.view")
@vary_on_headers("HX-Request")
def memo_list(request: HttpRequest) -> HttpResponse:
    filters = MemoFilter(request.GET, queryset=memos_visible_to(request.user))
    memos = filters.qs.order_by("-memo_date", "-number")
    export = request.GET.get("export")
    if export in ("xlsx", "csv"):
        if not can(request.user, "reports.export"):
            raise PermissionDenied("Needs reports.export")
        return export_response(
            request,
            export,
            name="memos",
            title="Memos",
            headers=EXPORT_HEADERS,
            rows=(_export_row(m) for m in memos),
        )
    page = Paginator(memos, PER_PAGE).get_page(request.GET.get("page"))
    template = "billing/memo_list.html#rows" if request.htmx else "billing/memo_list.html"  # type: ignore[attr-defined]
    return render(request, template, {"filter": filters, "page": page})


def _invoice_for(request: HttpRequest, pk: str) -> Invoice:
    """A posted invoice the user may see, by primary key (the invoice page's button)."""
    invoices = Invoice.objects.select_related("customer", "department", "item")
    scope = department_scope(request.user)
    if scope is not None:
        invoices = invoices.filter(department_id__in=scope)
    found = invoices.filter(pk=pk, status=InvoiceStatus.POSTED).first() if pk.isdigit() else None
    if found is None:
        raise Http404("No posted invoice with that id.")
    return found


def _issue(request: HttpRequest, form: MemoForm) -> Memo:
    data = form.cleaned_data
    common: dict[str, Any] = {
        "by": request.user,
        "customer": data["customer"],
        "reason": data["reason"],
        "amount": data["amount"],
        "memo_date": data["memo_date"],
        "description": data.get("description", ""),
    }
    if form.memo_kind == MemoKind.DEBIT:
        return issue_debit_memo(
            department=data["department"], due_date=data.get("due_date"), **common
        )
    return issue_credit_memo(
        invoice=data.get("invoice"), department=data.get("department"), **common
    )


@require_http_methods(["GET", "POST"])
@requires("billing.memo")
def memo_new(request: HttpRequest) -> HttpResponse:
    """?kind=credit|debit&invoice=<pk> prefills a credit memo against a posted invoice."""
    kind = request.POST.get("kind") or request.GET.get("kind") or MemoKind.CREDIT
    invoice: Invoice | None = None
    initial: dict[str, Any] = {}
    if request.method == "GET" and request.GET.get("invoice"):
        invoice = _invoice_for(request, request.GET["invoice"])
        kind = MemoKind.CREDIT
        initial = {
            "customer": invoice.customer.number,
            "invoice": invoice.number,
            "department": invoice.department_id,
            "amount": money.fmt(invoice.item.open_amount, symbol=False),  # type: ignore[union-attr]
        }
    form = MemoForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        kind=kind,
        initial=initial,
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                memo = _issue(request, form)
            except FiscusError as refused:
                field = ERROR_FIELDS.get(refused.code)
                form.add_error(field if field in form.fields else None, refused.message)
            else:
                messages.success(
                    request,
                    f"{memo.get_kind_display()} {memo.number} posted: {money.fmt(memo.amount)}.",
                )
                return redirect("billing:memo", memo=memo.number)
        invoice = form.cleaned_data.get("invoice") if hasattr(form, "cleaned_data") else None
    return render(
        request,
        "billing/memo_new.html",
        {
            "form": form,
            "kind": form.memo_kind,
            "kind_label": MemoKind(form.memo_kind).label,
            "invoice": invoice,
        },
    )


@require_GET
@requires("billing.view")
def memo_detail(request: HttpRequest, memo: str) -> HttpResponse:
    found = memos_visible_to(request.user).filter(number=memo).first()
    if found is None:
        raise Http404("No memo with that number.")
    lines = JournalLine.objects.filter(entry_id=found.item.journal_entry_id).select_related(
        "account", "fund", "department"
    )
    applications = Application.objects.filter(credit_item=found.item).select_related(
        "debit_item", "applied_by"
    )
    return render(
        request,
        "billing/memo_detail.html",
        {
            "memo": found,
            "signed": _signed(found),
            "entry": found.item.journal_entry,
            "lines": list(lines),
            "applications": list(applications),
        },
    )


urlpatterns: list[URLPattern] = [
    path("memos/", memo_list, name="memos"),
    path("memos/new/", memo_new, name="memo_new"),
    path("memos/<str:memo>/", memo_detail, name="memo"),
]
