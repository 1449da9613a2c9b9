"""Reads of the receivable ledger: open items, balances, history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from fiscus import money
from fiscus.receivables.models import Item, ReceivableEntry

ZERO_SUM = Value(money.ZERO, output_field=DecimalField(max_digits=14, decimal_places=2))


def entries(
    *, as_of: date | None = None, known_at: datetime | None = None
) -> QuerySet[ReceivableEntry]:
    rows = ReceivableEntry.objects.all()
    if as_of is not None:
        rows = rows.filter(effective_date__lte=as_of)
    if known_at is not None:
        rows = rows.filter(recorded_at__lte=known_at)
    return rows


def total_open(
    *, as_of: date | None = None, known_at: datetime | None = None, fund_id: int | None = None
) -> Decimal:
    """The sum of the receivable ledger (what all customers owe, net of credits)."""
    rows = entries(as_of=as_of, known_at=known_at)
    if fund_id is not None:
        rows = rows.filter(fund_id=fund_id)
    return money.cents(rows.aggregate(t=Coalesce(Sum("amount"), ZERO_SUM))["t"])


def total_cached_open(*, fund_id: int | None = None) -> Decimal:
    """The sum of the cached `Item.open_amount` (must equal `total_open()` today)."""
    items = Item.objects.all()
    if fund_id is not None:
        items = items.filter(fund_id=fund_id)
    return money.cents(items.aggregate(t=Coalesce(Sum("open_amount"), ZERO_SUM))["t"])


def customer_balance(customer_id: int, *, as_of: date | None = None) -> Decimal:
    if as_of is None:
        items = Item.objects.filter(customer_id=customer_id).open()
        return money.cents(items.aggregate(t=Coalesce(Sum("open_amount"), ZERO_SUM))["t"])
    rows = entries(as_of=as_of).filter(customer_id=customer_id)
    return money.cents(rows.aggregate(t=Coalesce(Sum("amount"), ZERO_SUM))["t"])


def open_items(customer_id: int, *, as_of: date | None = None) -> list[Item]:
    """A customer's items with something open, oldest due first; as of a date if given."""
    if as_of is None:
        return list(
            Item.objects.filter(customer_id=customer_id).open().select_related("department", "fund")
        )
    # Zero is dropped after rounding to cents, not in SQL: SQLite sums NUMERIC in floating
    # point, so a paid invoice's rows add up to a hair off zero there.
    sums = {
        item_id: money.cents(total)
        for item_id, total in entries(as_of=as_of)
        .filter(customer_id=customer_id)
        .values_list("item_id")
        .annotate(t=Sum("amount"))
        .values_list("item_id", "t")
    }
    sums = {item_id: total for item_id, total in sums.items() if total != 0}
    items = list(Item.objects.filter(id__in=sums).select_related("department", "fund"))
    for item in items:
        item.open_amount = sums[item.pk]
    return items


@dataclass
class HistoryRow:
    entry: ReceivableEntry
    balance: Decimal


def history(customer_id: int, *, limit: int | None = None) -> list[HistoryRow]:
    """The customer's receivable-ledger rows with a running balance, newest first.

    The newest rows are read through the (customer, effective date) index and the balance is
    walked back from the customer's total, so a page of 200 rows costs the same for a customer
    with ten rows or ten thousand (a window over all their rows does not).
    """
    rows = (
        ReceivableEntry.objects.filter(customer_id=customer_id)
        .select_related("item")
        .order_by("-effective_date", "-seq")
    )
    listed = list(rows[:limit] if limit else rows)
    running = customer_balance(customer_id, as_of=listed[0].effective_date) if listed else None
    out = []
    for row in listed:
        assert running is not None
        out.append(HistoryRow(row, running))
        running = money.cents(running - row.amount)
    return out


def find_item(number: str) -> Item | None:
    return Item.objects.filter(number__iexact=number.strip()).select_related("customer").first()
