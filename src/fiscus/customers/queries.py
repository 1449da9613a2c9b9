"""Reads behind the customer pages: the list with balances, one customer's account, its history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from fiscus import money
from fiscus.customers import crypto
from fiscus.customers.models import Address, Contact, Customer
from fiscus.organization.models import Department
from fiscus.receivables import queries as receivables
from fiscus.receivables.models import Item

MONEY_FIELD: DecimalField = DecimalField(max_digits=14, decimal_places=2)
HISTORY_LIMIT = 200
OPEN_ITEMS_SHOWN = 100  # the page lists the oldest due first; ?open=all lists every one


def with_balances(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """Each customer with `balance`: the sum of its items' open amounts, as a Decimal.

    The sum is a correlated subquery on the open-items index rather than a join with GROUP BY,
    so a page of 50 customers reads only those customers' open items, and the search (which
    joins addresses and contacts) cannot multiply the sums.
    """
    open_sum = (
        Item.objects.filter(customer_id=OuterRef("pk"))
        .exclude(open_amount=0)
        .order_by()
        .values("customer_id")
        .annotate(t=Sum("open_amount"))
        .values("t")
    )
    return customers.annotate(
        balance=Coalesce(
            Subquery(open_sum, output_field=MONEY_FIELD),
            Value(money.ZERO),
            output_field=MONEY_FIELD,
        )
    )


def customer_list(user: Any) -> QuerySet[Customer]:
    """The customers `user` may see, with their balances and departments."""
    return with_balances(
        Customer.objects.visible_to(user).select_related("department").order_by("number")
    )


def customer_for(user: Any, number: str) -> Customer:
    """One customer by number, or 404 when it does not exist or lies outside the user's scope."""
    customer = (
        Customer.objects.visible_to(user).select_related("department").filter(number=number).first()
    )
    if customer is None:
        raise Http404(f"No customer {number}.")
    return customer


@dataclass
class OpenItemRow:
    item: Item
    days_past_due: int


@dataclass
class CustomerAccount:
    """What a customer owes, its aging, its open items and its recent ledger rows."""

    balance: Decimal
    buckets: list[tuple[str, Decimal]]
    open_items: list[OpenItemRow]
    history: list[receivables.HistoryRow]
    older_history: bool
    open_count: int = 0
    as_of: date = field(default_factory=timezone.localdate)

    @property
    def balance_display(self) -> str:
        return money.fmt(self.balance)


def customer_account(
    customer: Customer, *, open_limit: int | None = OPEN_ITEMS_SHOWN
) -> CustomerAccount:
    """A bounded number of queries and rows whatever the size of the ledger: none per row, and
    at most `open_limit` open items (oldest due first) unless asked for all."""
    from fiscus.reports.queries import customer_buckets

    today = timezone.localdate()
    open_items = Item.objects.filter(customer_id=customer.pk).open()
    count = open_items.count()
    listed = open_items.select_related("department", "fund").order_by("due_date", "id")
    items = list(listed if open_limit is None else listed[:open_limit])
    rows = [
        OpenItemRow(item, max(0, (today - item.due_date).days) if item.open_amount > 0 else 0)
        for item in items
    ]
    recent = receivables.history(customer.pk, limit=HISTORY_LIMIT + 1)
    buckets = list(customer_buckets(customer.pk, as_of=None))
    return CustomerAccount(
        balance=money.cents(sum((amount for _, amount in buckets), money.ZERO)),
        buckets=buckets,
        open_items=rows,
        open_count=count,
        history=recent[:HISTORY_LIMIT],
        older_history=len(recent) > HISTORY_LIMIT,
        as_of=today,
    )


# -- history of changes -------------------------------------------------------------------------

HIDDEN_FIELDS = {"tax_id_encrypted", "tax_id_digest", "created_at", "created_by", "customer"}


@dataclass
class Change:
    field: str
    before: str
    after: str


@dataclass
class HistoryRecord:
    when: datetime
    who: str
    what: str  # "Customer", "Address 12 Main St", "Contact Ann Lee"
    action: str  # "created", "changed", "deleted"
    changes: list[Change]


def _display(model: type[Any], name: str, value: Any, departments: dict[int, str]) -> str:
    if name == "tax_id_last4":
        return crypto.mask(value or "") or "—"
    if value is None or value == "":
        return "—"
    model_field = model._meta.get_field(name)
    if name == "department":
        return departments.get(value, str(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, Decimal):
        return money.fmt(value)
    return str(value)


def _label(model: type[Any], name: str) -> str:
    if name == "tax_id_last4":
        return "tax id"
    return str(model._meta.get_field(name).verbose_name)


def _records_of(model: type[Any], history_qs: Any, what: Any, departments: dict[int, str]) -> list:
    """Turn one model's history rows (oldest first per object) into HistoryRecords."""
    out: list[HistoryRecord] = []
    previous: dict[int, Any] = {}
    fields = [f.name for f in model._meta.fields if f.name not in HIDDEN_FIELDS and f.name != "id"]
    for rec in history_qs:
        old = previous.get(rec.id)
        previous[rec.id] = rec
        if rec.history_type == "~" and old is None:
            changes, action = [], "changed (earlier history not shown)"
        elif rec.history_type == "+":
            changes = [
                Change(
                    _label(model, f),
                    "",
                    _display(model, f, getattr(rec, _attname(model, f)), departments),
                )
                for f in fields
                if getattr(rec, _attname(model, f)) not in (None, "", False)
            ]
            action = "created"
        elif rec.history_type == "-":
            changes, action = [], "deleted"
        else:
            delta = rec.diff_against(old, included_fields=fields)
            changes = [
                Change(
                    _label(model, c.field),
                    _display(model, c.field, c.old, departments),
                    _display(model, c.field, c.new, departments),
                )
                for c in delta.changes
            ]
            action = "changed"
        who = rec.history_user.get_username() if rec.history_user else "system"
        out.append(HistoryRecord(rec.history_date, who, what(rec), action, changes))
    return out


def _attname(model: type[Any], name: str) -> str:
    return str(model._meta.get_field(name).attname)


def change_history(customer: Customer, *, limit: int = 500) -> list[HistoryRecord]:
    """Who changed what on the customer, its addresses and its contacts, newest first.

    Three queries (plus departments), whatever the length of the history.
    """
    departments = dict(Department.objects.values_list("id", "name"))

    def newest(qs: Any) -> list[Any]:
        return list(
            reversed(
                qs.select_related("history_user").order_by("-history_date", "-history_id")[:limit]
            )
        )

    records = _records_of(
        Customer, newest(Customer.history.filter(id=customer.pk)), lambda r: "Customer", departments
    )
    records += _records_of(
        Address,
        newest(Address.history.filter(customer_id=customer.pk)),
        lambda r: f"Address {r.line1}",
        departments,
    )
    records += _records_of(
        Contact,
        newest(Contact.history.filter(customer_id=customer.pk)),
        lambda r: f"Contact {r.name}",
        departments,
    )
    records.sort(key=lambda r: r.when, reverse=True)
    return records[:limit]
