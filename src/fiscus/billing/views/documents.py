"""Invoice documents: the PDF of a posted invoice (billing.view), and the send page where a
clerk e-mails or prints the posted invoices not yet sent (billing.send).

Thin: fiscus.billing.documents renders, sends, prints and audits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

import django_filters
from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from fiscus import money
from fiscus.billing.documents import (
    DocumentError,
    bill_to_address,
    file_name,
    print_batch,
    render_invoice_pdf,
    send_invoices,
    unsent_invoices,
)
from fiscus.billing.models import Invoice, InvoiceStatus
from fiscus.organization.models import Department
from fiscus.organization.roles import department_scope, requires

PER_PAGE = 100
DATE = forms.DateInput(attrs={"type": "date"})
FILTER_KEYS = ("department", "date_from", "date_to", "page")


def posted_visible_to(user: Any) -> QuerySet[Invoice]:
    """Posted invoices a user may see: a department biller sees their departments' only."""
    invoices = Invoice.objects.filter(status=InvoiceStatus.POSTED)
    scope = department_scope(user)
    return invoices if scope is None else invoices.filter(department_id__in=scope)


@require_GET
@requires("billing.view")
def invoice_pdf(request: HttpRequest, invoice: int) -> HttpResponse:
    found = posted_visible_to(request.user).filter(pk=invoice).first()
    if found is None:
        raise Http404("No posted invoice with that id.")
    response = HttpResponse(render_invoice_pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{file_name(found)}"'
    return response


class SendFilter(django_filters.FilterSet):
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.none(),
        empty_label="Every department",
        widget=forms.Select(attrs={"autofocus": True}),
    )
    date_from = django_filters.DateFilter(
        field_name="invoice_date", lookup_expr="gte", label="Invoice date from", widget=DATE
    )
    date_to = django_filters.DateFilter(
        field_name="invoice_date", lookup_expr="lte", label="to", widget=DATE
    )

    class Meta:
        model = Invoice
        fields = ["department", "date_from", "date_to"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = Department.objects.filter(active=True).order_by("code")
        scope = department_scope(user)
        if scope is not None:
            departments = departments.filter(id__in=scope)
        cast(Any, self.filters["department"]).queryset = departments
        self.form.fields["department"].queryset = departments


@dataclass(frozen=True)
class Row:
    invoice: Invoice
    email: str
    postal_code: str
    amount_due: Any


def _rows(invoices: list[Invoice]) -> list[Row]:
    rows = []
    for i in invoices:
        address = bill_to_address(list(i.customer.addresses.all()))
        rows.append(
            Row(
                invoice=i,
                email=i.customer.email,
                postal_code=address.postal_code if address else "",
                amount_due=i.item.open_amount if i.item else i.total,
            )
        )
    return rows


def _kept(data: QueryDict) -> list[tuple[str, str]]:
    """The list's filters, carried through an action to come back to them."""
    return [(key, str(data.get(key))) for key in FILTER_KEYS if data.get(key)]


@require_http_methods(["GET", "POST"])
@requires("billing.send")
@vary_on_headers("HX-Request")
def send(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _act(request)
    waiting = unsent_invoices(posted_visible_to(request.user))
    filters = SendFilter(request.GET, queryset=waiting, user=request.user)
    chosen = filters.qs.select_related("customer", "department", "item").prefetch_related(
        "customer__addresses"
    )
    chosen = chosen.order_by("invoice_date", "number")
    totals = chosen.aggregate(count=Count("id"), total=Sum("total"))
    page = Paginator(chosen, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "filter": filters,
        "page": page,
        "rows": _rows(list(page.object_list)),
        "select_all": request.GET.get("all") == "1",
        "count": totals["count"],
        "total": totals["total"] or money.ZERO,
        "kept": _kept(request.GET),
    }
    template = "billing/documents_send.html"
    if request.htmx:  # type: ignore[attr-defined]
        template += "#rows"
    return render(request, template, context)


def _act(request: HttpRequest) -> HttpResponse:
    back = reverse("billing:send")
    kept = _kept(request.POST)
    if kept:
        back += "?" + urlencode(kept)
    ids = [int(x) for x in request.POST.getlist("invoice") if x.isdigit()]
    chosen = list(
        posted_visible_to(request.user)
        .filter(pk__in=ids)
        .select_related("customer")
        .order_by("invoice_date", "number")
    )
    if not chosen:
        messages.error(request, "Choose at least one invoice.")
        return redirect(back)
    action = request.POST.get("action")
    if action == "print":
        try:
            pdf = print_batch(chosen, by=request.user)  # type: ignore[arg-type]
        except DocumentError as refused:
            messages.error(request, refused.message)
            return redirect(back)
        response = HttpResponse(pdf, content_type="application/pdf")
        name = f"invoices-{timezone.localdate():%Y-%m-%d}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    if action != "email":
        messages.error(request, "Choose E-mail or Print batch.")
        return redirect(back)
    result = send_invoices(chosen, by=request.user)  # type: ignore[arg-type]
    if result.sent:
        n = len(result.sent)
        messages.success(request, f"Sent {n} invoice{'s' if n != 1 else ''} by e-mail.")
    if result.refused:
        n = len(result.refused)
        messages.warning(request, f"Refused {n} invoice{'s' if n != 1 else ''}:")
        for invoice, reason in result.refused:
            messages.warning(request, f"{invoice.number}: {reason}")
    return redirect(back)


urlpatterns: list[URLPattern] = [
    path("invoices/<int:invoice>/pdf/", invoice_pdf, name="invoice_pdf"),
    path("invoices/send/", send, name="send"),
]
