"""The dashboard of today's work and the search box in the header."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from fiscus import money
from fiscus.adjustments.views import counts as adjustment_counts
from fiscus.cash.views.returns import returned_count
from fiscus.customers.models import Customer
from fiscus.customers.services import search as search_customers
from fiscus.organization.roles import department_scope, requires
from fiscus.receivables.models import Item
from fiscus.reports.queries import ar_tie_out


@require_GET
@requires("dashboard.view")
def dashboard(request: HttpRequest) -> HttpResponse:
    customers = Customer.objects.visible_to(request.user)
    tie = ar_tie_out(department_ids=None)
    from fiscus.billing.models import Invoice

    invoices = Invoice.objects.all()
    scope = department_scope(request.user)
    if scope is not None:
        invoices = invoices.filter(department_id__in=scope)
    context = {
        "to_review": invoices.filter(status=Invoice.Status.SUBMITTED).count(),
        "returned": list(
            invoices.filter(status=Invoice.Status.RETURNED)
            .select_related("customer")
            .order_by("-id")[:10]
        ),
        "tie": tie,
        "returns_to_work": returned_count(request),
        "adjustments": adjustment_counts(request),
        "review": customers.filter(needs_review=True).order_by("name")[:10],
        "review_count": customers.filter(needs_review=True).count(),
        "on_hold": customers.filter(on_hold=True).count(),
        "in_bankruptcy": customers.filter(in_bankruptcy=True).count(),
        "customer_count": customers.count(),
        "open_count": Item.objects.visible_to(request.user).open().count(),
        "fmt": money.fmt,
    }
    return render(request, "web/dashboard.html", context)


@require_GET
@requires("customers.view")
def search(request: HttpRequest) -> HttpResponse:
    """Customers by number, name, phone, e-mail or address; documents by number."""
    q = request.GET.get("q", "").strip()
    customers: list[Customer] = []
    items: list[Item] = []
    if q:
        customers = list(
            search_customers(q, Customer.objects.visible_to(request.user)).order_by("name")[:50]
        )
        items = list(
            Item.objects.visible_to(request.user)
            .filter(number__istartswith=q)
            .select_related("customer")
            .order_by("number")[:50]
        )
        exact_items = [i for i in items if i.number.lower() == q.lower()]
        if len(exact_items) == 1 and not any(c.number.lower() == q.lower() for c in customers):
            return redirect(
                exact_items[0].customer.get_absolute_url() + f"#item-{exact_items[0].number}"
            )
        if len(customers) == 1 and not items:
            return redirect(customers[0])
    return render(request, "web/search.html", {"q": q, "customers": customers, "items": items})
