"""Cash pages: the keyboard batch entry grid for a stack of checks, and the two JSON helpers its
script calls: the customer lookup (by number, name or an open invoice number) and the allocation
of an amount over a customer's open items by the policy.

Everything here needs cash.receive; a department biller (should a role with that capability be
scoped) sees only their departments' customers and items. The grid posts the whole batch at once,
as JSON from the page's script or as a plain form without it. Every row is checked first; then
the rows are recorded and applied in one transaction, so a bad row saves nothing, and its error
names the row and the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from fiscus import money
from fiscus.cash import services
from fiscus.cash.models import Deposit, Method, Payment
from fiscus.cash.queries import deposits_visible_to
from fiscus.cash.services import PaymentInput
from fiscus.customers.models import Customer
from fiscus.errors import FiscusError
from fiscus.organization.roles import requires
from fiscus.receivables.models import Item

CUSTOMERS_MAX = 10
ITEMS_MAX = 50
ROWS_MAX = 500
FIELDS = ("customer", "customer_text", "payer", "check_number", "method", "amount")


def _user(request: HttpRequest) -> AbstractBaseUser:
    return cast(AbstractBaseUser, request.user)


# --- reads --------------------------------------------------------------------------------------


def open_items_for(user: Any) -> QuerySet[Item]:
    """What a customer still owes, as the user may see it: open debit items."""
    return Item.objects.visible_to(user).filter(open_amount__gt=0)


def item_json(item: Item) -> dict[str, Any]:
    return {
        "id": item.pk,
        "number": item.number,
        "kind": item.kind,
        "kind_label": item.get_kind_display(),
        "document_date": item.document_date.isoformat(),
        "due_date": item.due_date.isoformat(),
        "open_amount": str(item.open_amount),
    }


def lookup(user: Any, text: str) -> list[dict[str, Any]]:
    """Customers for what a clerk typed: an exact customer number or open invoice number first,
    then customer numbers and names starting with it, then names containing it, then open
    invoice numbers starting with it. Each with its flags and (up to ITEMS_MAX) open items."""
    text = text.strip()
    if not text:
        return []
    customers = Customer.objects.visible_to(user)
    items = open_items_for(user)
    found: dict[int, str] = {}  # customer id -> the invoice number it was found by, or ""
    exact: set[int] = set()

    def add(ids: Iterable[int], by_item: dict[int, str] | None = None) -> None:
        for pk in ids:
            if len(found) >= CUSTOMERS_MAX:
                return
            found.setdefault(pk, (by_item or {}).get(pk, ""))

    spelled = {text, text.upper()}  # numbers are written in capitals: both use the unique index
    hits = list(customers.filter(number__in=spelled).values_list("id", flat=True)[:1])
    exact.update(hits)
    add(hits)
    invoice_hits = dict(
        items.filter(number__in=spelled).values_list("customer_id", "number")[:CUSTOMERS_MAX]
    )
    exact.update(invoice_hits)
    add(invoice_hits, invoice_hits)
    searches: list[Any] = [
        customers.filter(number__istartswith=text).order_by("number"),
        customers.filter(name__istartswith=text).order_by("name", "number"),
        customers.filter(name__icontains=text).order_by("name", "number"),
    ]
    for qs in searches:
        if len(found) >= CUSTOMERS_MAX:
            break
        add(qs.values_list("id", flat=True)[:CUSTOMERS_MAX])
    if len(found) < CUSTOMERS_MAX and len(text) >= 4 and re.search(r"\d", text):
        prefix = dict(
            items.filter(number__istartswith=text)
            .order_by("number")
            .values_list("customer_id", "number")[:CUSTOMERS_MAX]
        )
        add(prefix, prefix)
    if not found:
        return []
    by_id = {c.pk: c for c in Customer.objects.filter(pk__in=list(found))}
    listed = (
        items.filter(customer_id__in=list(found))
        .annotate(
            rank=Window(
                RowNumber(), partition_by=[F("customer_id")], order_by=[F("due_date"), F("id")]
            )
        )
        .filter(rank__lte=ITEMS_MAX)
        .order_by("customer_id", "due_date", "id")
    )
    open_of: dict[int, list[Item]] = {pk: [] for pk in found}
    for item in listed:
        open_of[item.customer_id].append(item)
    missing = [n for pk, n in found.items() if n and n not in {i.number for i in open_of[pk]}]
    for extra in items.filter(number__in=missing):  # the invoice it was found by, past the cap
        open_of[extra.customer_id].append(extra)
    result = []
    for pk, invoice in found.items():
        c = by_id[pk]
        result.append(
            {
                "id": c.pk,
                "number": c.number,
                "name": c.name,
                "flags": {"cash_only": c.is_cash_only(), "on_hold": c.on_hold},
                "exact": pk in exact,
                "found_by": invoice,
                "items": [item_json(i) for i in open_of[pk]],
            }
        )
    return result


@dataclass
class Suggested:
    allocations: list[tuple[Item, Decimal]]
    unapplied: Decimal


def suggested_allocation(
    user: Any, customer: Customer, amount: Decimal, *, first: Item | None = None
) -> Suggested:
    """How `amount` spreads over the customer's open items by the allocation policy; the
    invoice the clerk found the customer by (`first`), if any, is paid first."""
    items = list(open_items_for(user).filter(customer=customer).order_by("due_date", "id"))
    chosen: list[tuple[Item, Decimal]] = []
    left = money.cents(amount)
    if first is not None and left > 0:
        take = min(left, first.open_amount)
        chosen.append((first, take))
        left -= take
        items = [i for i in items if i.pk != first.pk]
    if left > 0 and items:
        draft = Payment(customer=customer, amount=left, remittance="")
        rest = services.allocation_for(draft, items, amount=left)
        chosen += rest
        left -= sum((a for _, a in rest), money.ZERO)
    return Suggested(chosen, left)


# --- checking the rows --------------------------------------------------------------------------


@dataclass
class RowError:
    row: int
    field: str
    message: str
    item: int | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"row": self.row, "field": self.field, "message": self.message}
        if self.item is not None:
            out["item"] = self.item
        return out


@dataclass
class Row:
    """One row of the grid as typed, and what it became once checked."""

    n: int
    customer: str = ""
    customer_text: str = ""
    payer: str = ""
    check_number: str = ""
    method: str = Method.CHECK
    amount: str = ""
    allocations: list[dict[str, Any]] | None = None
    errors: dict[str, str] = field(default_factory=dict)
    # once checked
    found: Customer | None = None
    value: Decimal | None = None
    applied: list[tuple[Item, Decimal]] | None = None

    def __post_init__(self) -> None:
        self.method = self.method or Method.CHECK  # a stack of checks, unless said otherwise

    @property
    def blank(self) -> bool:
        return not any(
            str(v).strip()
            for v in (self.customer, self.customer_text, self.payer, self.check_number, self.amount)
        )


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def rows_from_json(body: bytes) -> list[Row]:
    try:
        data = json.loads(body or b"{}", parse_float=Decimal)
    except ValueError:
        raise FiscusError("The batch could not be read: it is not JSON.") from None
    raw = data.get("rows") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        raise FiscusError('The batch could not be read: it has no "rows" list.')
    rows = []
    for position, r in enumerate(raw, 1):
        if not isinstance(r, dict):
            raise FiscusError(f"Row {position} could not be read.")
        allocations = r.get("allocations")
        if allocations is not None and not isinstance(allocations, list):
            raise FiscusError(f"Row {position}: the amounts applied could not be read.")
        n = r.get("row")
        rows.append(
            Row(
                n=n if isinstance(n, int) and n > 0 else position,
                allocations=allocations,
                **{f: _text(r.get(f)) for f in FIELDS},  # type: ignore[arg-type]
            )
        )
    return rows


def rows_from_form(data: Any) -> list[Row]:
    """rows-<i>-<field> from a plain form post (the grid without its script)."""
    indexes = sorted({int(m.group(1)) for key in data if (m := re.match(r"^rows-(\d+)-\w+$", key))})
    return [
        Row(n=i + 1, **{f: _text(data.get(f"rows-{i}-{f}")) for f in FIELDS})  # type: ignore[arg-type]
        for i in indexes[:ROWS_MAX]
    ]


def _customer_of(user: Any, row: Row) -> Customer | None:
    visible = Customer.objects.visible_to(user)
    if row.customer:
        found = visible.filter(pk=row.customer).first() if row.customer.isdigit() else None
        if found is None:
            row.errors["customer"] = f"Row {row.n}, customer: there is no such customer."
        return found
    if not row.customer_text:
        return None
    matches = lookup(user, row.customer_text)
    exact = [m for m in matches if m["exact"]]
    chosen = exact if len(exact) == 1 else matches
    if len(chosen) == 1:
        return visible.get(pk=chosen[0]["id"])
    if not chosen:
        row.errors["customer"] = (
            f"Row {row.n}, customer: no customer or open invoice matches "
            f"\u201c{row.customer_text}\u201d; type a customer number, name or invoice number."
        )
    else:
        row.errors["customer"] = (
            f"Row {row.n}, customer: \u201c{row.customer_text}\u201d matches {len(chosen)} "
            "customers; pick one from the list or type the customer number."
        )
    return None


def check_rows(user: Any, rows: list[Row]) -> list[RowError]:
    """Check every row as the services would, naming the row and the field; nothing is saved."""
    errors: list[RowError] = []
    wanted = {
        int(a["item"])
        for r in rows
        for a in (r.allocations or [])
        if isinstance(a, dict) and str(a.get("item", "")).isdigit()
    }
    items = {i.pk: i for i in open_items_for(user).filter(pk__in=wanted)}
    left = {pk: i.open_amount for pk, i in items.items()}
    for row in rows:
        if row.blank:
            continue
        n = row.n
        try:
            row.value = money.parse_amount(row.amount)
            if row.value <= 0:
                row.errors["amount"] = f"Row {n}, amount: the amount must be more than zero."
        except FiscusError as bad:
            row.errors["amount"] = f"Row {n}, amount: {bad.message}"
        if row.method not in Method.values:
            labels = [str(x) if str(x).isupper() else str(x).lower() for x in Method.labels]
            choices = ", ".join(labels[:-1]) + " or " + labels[-1]
            row.errors["method"] = (
                f"Row {n}, method: \u201c{row.method}\u201d is not a payment method; "
                f"choose {choices}."
            )
        if len(row.check_number) > 30:
            row.errors["check_number"] = f"Row {n}, check number: at most 30 characters."
        row.found = _customer_of(user, row)
        c = row.found
        if c is None and "customer" not in row.errors and not row.payer:
            row.errors["customer"] = (
                f"Row {n}, customer: name the customer, or at least the payer, so the money "
                "can be traced."
            )
        if c is not None and c.is_cash_only() and row.method == Method.CHECK:
            row.errors["method"] = (
                f"Row {n}, method: {c.name} is on cash only (a check of theirs was returned), "
                "so a check cannot be taken; take cash, a money order, a card or a wire."
            )
        if row.allocations is not None:
            errors_before = len(errors)
            applied = _check_allocations(row, items, left, errors)
            row.applied = applied if len(errors) == errors_before else None
        errors += [RowError(n, f, msg) for f, msg in row.errors.items()]
    errors.sort(key=lambda e: (e.row, FIELDS.index(e.field) if e.field in FIELDS else 9))
    return errors


def _check_allocations(
    row: Row, items: dict[int, Item], left: dict[int, Decimal], errors: list[RowError]
) -> list[tuple[Item, Decimal]]:
    """The amounts a row applies, each checked against what its item still owes after the rows
    above it took their share."""
    n, applied = row.n, []

    def refuse(message: str, item: int | None = None) -> None:
        errors.append(RowError(n, "allocations", f"Row {n}{message}", item))

    for a in row.allocations or []:
        raw_amount = _text(a.get("amount")) if isinstance(a, dict) else ""
        if not raw_amount:
            continue
        raw_item = _text(a.get("item"))
        item = items.get(int(raw_item)) if raw_item.isdigit() else None
        if item is None or (row.found is not None and item.customer_id != row.found.pk):
            refuse(": that item is not open for this customer.")
            continue
        try:
            amount = money.parse_amount(raw_amount)
        except FiscusError as bad:
            refuse(f", {item.number}: {bad.message}", item.pk)
            continue
        if amount < 0:
            refuse(f", {item.number}: apply a positive amount.", item.pk)
        elif amount > left[item.pk]:
            owed = f"only {money.fmt(left[item.pk])}" if left[item.pk] else "nothing more"
            above = " after the rows above" if left[item.pk] != item.open_amount else ""
            refuse(f", {item.number}: it owes {owed}{above}.", item.pk)
        elif amount:
            left[item.pk] -= amount
            applied.append((item, amount))
    if row.found is None and applied:
        refuse(": pick the customer before applying the payment.")
    total = sum((a for _, a in applied), money.ZERO)
    if row.value is not None and row.value > 0 and total > row.value:
        refuse(
            f": the amounts applied add up to {money.fmt(total)}, more than the payment of "
            f"{money.fmt(row.value)}."
        )
    return applied


# --- saving -------------------------------------------------------------------------------------


class RowRefused(FiscusError):
    def __init__(self, row: int, field: str, message: str) -> None:
        super().__init__(message)
        self.row, self.field = row, field


def save_rows(deposit: Deposit, rows: list[Row], *, by: AbstractBaseUser) -> list[Payment]:
    """Record the checked rows into the deposit and apply each one, all in one transaction."""
    rows = [r for r in rows if not r.blank]
    inputs = [
        PaymentInput(
            amount=cast(Decimal, r.value),
            method=r.method,
            received_on=deposit.deposit_date,
            customer=r.found,
            payer=r.payer,
            check_number=r.check_number,
        )
        for r in rows
    ]
    with transaction.atomic():
        payments = services.record_payments(deposit, inputs, by=by, source="counter")
        for row, payment in zip(rows, payments, strict=True):
            if payment.customer is None:
                continue
            if row.applied is None:  # nothing said: the allocation policy decides
                allocations = suggested_allocation(by, payment.customer, payment.amount).allocations
            else:
                allocations = row.applied
            if not allocations:
                continue
            try:
                services.apply_payment(payment, allocations, by=by)
            except FiscusError as refused:
                raise RowRefused(row.n, "allocations", f"Row {row.n}: {refused.message}") from None
    return payments


# --- pages --------------------------------------------------------------------------------------


def _deposit(request: HttpRequest, pk: int) -> Deposit:
    found = (
        deposits_visible_to(request.user)
        .select_related("department", "fund", "cashier")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("No deposit with that id.")
    return found


def _wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json"


def _page(
    request: HttpRequest,
    deposit: Deposit,
    rows: list[Row] | None = None,
    *,
    errors: list[RowError] | None = None,
    refusal: str = "",
    status: int = 200,
) -> HttpResponse:
    totals = services.deposit_totals(deposit)
    config = {
        "lookup": reverse("cash:lookup"),
        "allocate": reverse("cash:allocate"),
        "deposit": deposit.number,
        "saved_count": totals.count,
        "saved_total": str(totals.total),
        "control_count": deposit.control_count,
        "control_total": None if deposit.control_total is None else str(deposit.control_total),
        "methods": [[v, str(label)] for v, label in Method.choices],
    }
    return render(
        request,
        "cash/entry.html",
        {
            "deposit": deposit,
            "totals": totals,
            "rows": rows or [Row(n=1)],
            "blank_row": {"n": "__n__", "method": Method.CHECK, "errors": {}},
            "errors": errors or [],
            "refusal": refusal,
            "methods": Method.choices,
            "config": config,
        },
        status=status,
    )


def _refused(
    request: HttpRequest,
    deposit: Deposit,
    rows: list[Row],
    errors: list[RowError],
    message: str = "",
) -> HttpResponse:
    message = message or (errors[0].message if errors else "The batch was not saved.")
    if _wants_json(request):
        body = {"message": message, "errors": [e.as_json() for e in errors]}
        return JsonResponse(body, status=400)
    return _page(request, deposit, rows, errors=errors, refusal=message, status=400)


@require_http_methods(["GET", "POST"])
@requires("cash.receive")
def entry(request: HttpRequest, pk: int) -> HttpResponse:
    deposit = _deposit(request, pk)
    closed = (
        f"Deposit {deposit.number} is {deposit.status}: payments go into an open deposit."
        if deposit.status != Deposit.Status.OPEN
        else ""
    )
    if request.method == "GET":
        if closed:
            messages.error(request, closed)
            return redirect(deposit)
        return _page(request, deposit)
    try:
        rows = (
            rows_from_json(request.body) if _wants_json(request) else rows_from_form(request.POST)
        )
    except FiscusError as unreadable:
        return _refused(request, deposit, [], [], unreadable.message)
    if closed:
        return _refused(request, deposit, rows, [], closed)
    if len(rows) > ROWS_MAX:
        return _refused(request, deposit, [], [], f"Save at most {ROWS_MAX} rows at a time.")
    if all(r.blank for r in rows):
        return _refused(request, deposit, rows, [], "There is nothing to save: every row is empty.")
    errors = check_rows(request.user, rows)
    if errors:
        return _refused(request, deposit, rows, errors)
    try:
        payments = save_rows(deposit, rows, by=_user(request))
    except RowRefused as refused:
        error = RowError(refused.row, refused.field, refused.message)
        return _refused(request, deposit, rows, [error])
    except FiscusError as refused:
        return _refused(request, deposit, rows, [], refused.message)
    total = money.cents(sum((p.amount for p in payments), money.ZERO))
    count = len(payments)
    messages.success(
        request,
        f"Saved {count} payment{'s' if count != 1 else ''} for {money.fmt(total)} "
        f"into deposit {deposit.number}.",
    )
    target = reverse("cash:entry", args=[deposit.pk])
    if _wants_json(request):
        by_id = {p.pk: p for p in Payment.objects.filter(pk__in=[p.pk for p in payments])}
        return JsonResponse(
            {
                "saved": count,
                "total": str(total),
                "redirect": target,
                "payments": [
                    {
                        "number": p.number,
                        "amount": str(p.amount),
                        "unapplied": str(by_id[p.pk].unapplied),
                    }
                    for p in payments
                ],
            }
        )
    return redirect(target)


@require_GET
@requires("cash.receive")
def customer_lookup(request: HttpRequest) -> JsonResponse:
    q = request.GET.get("q", "")[:100]
    return JsonResponse({"q": q, "customers": lookup(request.user, q)})


@require_GET
@requires("cash.receive")
def allocate(request: HttpRequest) -> JsonResponse:
    """?customer=<id>&amount=<x>[&first=<item id>]: the policy's allocation of the amount."""
    raw_customer = request.GET.get("customer", "")
    raw_amount = request.GET.get("amount", "").strip()
    if not raw_customer or not raw_amount:
        return JsonResponse({"allocations": [], "unapplied": "0.00"})
    customer = (
        Customer.objects.visible_to(request.user).filter(pk=raw_customer).first()
        if raw_customer.isdigit()
        else None
    )
    if customer is None:
        return JsonResponse({"message": "There is no such customer."}, status=404)
    try:
        amount = money.parse_amount(raw_amount)
    except FiscusError as bad:
        return JsonResponse({"message": bad.message, "code": bad.code}, status=400)
    if amount <= 0:
        return JsonResponse({"allocations": [], "unapplied": "0.00"})
    raw_first = request.GET.get("first", "")
    first = (
        open_items_for(request.user).filter(pk=raw_first, customer=customer).first()
        if raw_first.isdigit()
        else None
    )
    suggested = suggested_allocation(request.user, customer, amount, first=first)
    return JsonResponse(
        {
            "customer": customer.pk,
            "amount": str(amount),
            "policy": services.policy_for(customer),
            "allocations": [
                {**item_json(item), "item": item.pk, "amount": str(amt)}
                for item, amt in suggested.allocations
            ],
            "unapplied": str(suggested.unapplied),
        }
    )


urlpatterns: list[URLPattern] = [
    path("deposits/<int:pk>/entry/", entry, name="entry"),
    path("lookup/", customer_lookup, name="lookup"),
    path("allocate/", allocate, name="allocate"),
]
