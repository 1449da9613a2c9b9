"""Cash pages: the payment list, a payment, applying it by hand and naming its customer.

Reading needs cash.view (department billers: their departments only); applying and identifying
need cash.apply. Applying picks invoices and amounts: a short pay leaves the rest open, what is
left of the payment stays on account.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from fiscus import money
from fiscus.cash import services
from fiscus.cash.forms import IdentifyForm, PaymentFilter
from fiscus.cash.models import AllocationPolicy, Payment
from fiscus.cash.queries import open_suggestions, payments_visible_to
from fiscus.customers.models import Customer
from fiscus.errors import FiscusError
from fiscus.organization.roles import can, department_scope, requires
from fiscus.receivables.models import Item
from fiscus.reports.exports import export_response

PER_PAGE = 50
EXPORT_HEADERS = [
    "Number",
    "Received",
    "Customer",
    "Name",
    "Payer",
    "Method",
    "Check",
    "Deposit",
    "Amount",
    "Unapplied",
]


def payment_for(request: HttpRequest, pk: int) -> Payment:
    found = (
        payments_visible_to(request.user)
        .select_related("customer", "item", "deposit", "department", "cashier")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("No payment with that id.")
    return found


@require_GET
@requires("cash.view")
@vary_on_headers("HX-Request")
def payment_list(request: HttpRequest) -> HttpResponse:
    filters = PaymentFilter(
        request.GET,
        queryset=payments_visible_to(request.user).select_related("customer", "item", "deposit"),
    )
    payments = filters.qs.order_by("-received_on", "-id")
    export = request.GET.get("export")
    if export in ("xlsx", "csv"):
        if not can(request.user, "reports.export"):
            raise PermissionDenied("Needs reports.export")
        rows = (
            [
                p.number,
                p.received_on,
                p.customer.number if p.customer else "",
                p.customer.name if p.customer else "Unidentified",
                p.payer,
                p.get_method_display(),
                p.check_number,
                p.deposit.number,
                p.amount,
                money.cents(p.unapplied),
            ]
            for p in payments
        )
        return export_response(
            request, export, name="payments", title="Payments", headers=EXPORT_HEADERS, rows=rows
        )
    page = Paginator(payments, PER_PAGE).get_page(request.GET.get("page"))
    template = "cash/payment_list.html#rows" if request.htmx else "cash/payment_list.html"  # type: ignore[attr-defined]
    return render(request, template, {"filter": filters, "page": page})


def _open_items(request: HttpRequest, payment: Payment) -> list[Item]:
    if payment.customer_id is None:
        return []
    items = Item.objects.filter(
        customer_id=payment.customer_id, kind__in=sorted(Item.DEBIT_KINDS | {"opening_balance"})
    ).exclude(open_amount=0)
    scope = department_scope(request.user)
    if scope is not None:
        items = items.filter(department_id__in=scope)
    return list(items.order_by("due_date", "id")[:200])


@require_GET
@requires("cash.view")
def payment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    payment = payment_for(request, pk)
    items = _open_items(request, payment)
    proposed: dict[int, Decimal] = {}
    if payment.item is not None and payment.unapplied > 0 and items:
        proposed = {it.pk: amount for it, amount in services.allocation_for(payment, items)}
    applications = (
        payment.applications.select_related(
            "application__debit_item", "application__applied_by", "match"
        ).order_by("application_id")
        if payment.pk
        else []
    )
    return render(
        request,
        "cash/payment_detail.html",
        {
            "payment": payment,
            "items": [(it, proposed.get(it.pk)) for it in items],
            "applications": list(applications),
            "suggestions": list(open_suggestions(payment)),
            "identify": IdentifyForm(),
            "policy": AllocationPolicy(services.policy_for(payment.customer)).label,
        },
    )


@require_POST
@requires("cash.apply")
def payment_apply(request: HttpRequest, pk: int) -> HttpResponse:
    payment = payment_for(request, pk)
    items = {it.pk: it for it in _open_items(request, payment)}
    allocations: list[tuple[Item, Decimal]] = []
    for key in request.POST:
        value = request.POST.get(key, "")
        if not key.startswith("apply_") or not value.strip():
            continue
        item = items.get(int(key[6:])) if key[6:].isdigit() else None
        if item is None:
            messages.error(request, "That invoice is not open for this customer.")
            return redirect("cash:payment", pk=payment.pk)
        try:
            amount = money.parse_amount(value)
        except (InvalidOperation, ValueError, FiscusError):
            messages.error(request, f"{item.number}: “{value}” is not an amount like 1234.56.")
            return redirect("cash:payment", pk=payment.pk)
        if amount:
            allocations.append((item, amount))
    try:
        applied = services.apply_payment(payment, allocations, by=request.user)  # type: ignore[arg-type]
    except FiscusError as refused:
        messages.error(request, refused.message)
    else:
        total = sum((a.amount for a in applied), money.ZERO)
        messages.success(
            request, f"Applied {money.fmt(total)} of {payment.number} to {len(applied)} item(s)."
        )
    return redirect("cash:payment", pk=payment.pk)


@require_POST
@requires("cash.apply")
def payment_identify(request: HttpRequest, pk: int) -> HttpResponse:
    payment = payment_for(request, pk)
    form = IdentifyForm(request.POST)
    customer = None
    if form.is_valid():
        customer = Customer.objects.filter(number=form.cleaned_data["customer"].strip()).first()
    if customer is None:
        messages.error(request, "No customer has that number.")
        return redirect("cash:payment", pk=payment.pk)
    try:
        services.identify_payment(payment, customer, by=request.user)  # type: ignore[arg-type]
    except FiscusError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"{payment.number} now belongs to {customer}. Apply it below.")
    return redirect("cash:payment", pk=payment.pk)


urlpatterns: list[URLPattern] = [
    path("payments/", payment_list, name="payments"),
    path("payments/<int:pk>/", payment_detail, name="payment"),
    path("payments/<int:pk>/apply/", payment_apply, name="payment_apply"),
    path("payments/<int:pk>/identify/", payment_identify, name="payment_identify"),
]
