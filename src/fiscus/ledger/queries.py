"""Reads of the general ledger."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce

from fiscus import money
from fiscus.ledger.models import JournalLine
from fiscus.organization.models import Account, Fund


def balance(
    account: Account,
    *,
    fund: Fund | None = None,
    as_of: date | None = None,
    known_at: datetime | None = None,
    department_ids: set[int] | None = None,
) -> Decimal:
    """Debits less credits on `account` (optionally one fund), up to `as_of`."""
    lines = JournalLine.objects.filter(account=account)
    if fund is not None:
        lines = lines.filter(fund=fund)
    if as_of is not None:
        lines = lines.filter(entry__date__lte=as_of)
    if known_at is not None:
        lines = lines.filter(entry__posted_at__lte=known_at)
    if department_ids is not None:
        lines = lines.filter(department_id__in=department_ids)
    zero = Value(money.ZERO, output_field=DecimalField(max_digits=14, decimal_places=2))
    total = lines.aggregate(d=Coalesce(Sum("debit"), zero), c=Coalesce(Sum("credit"), zero))
    return money.cents(total["d"] - total["c"])


def balances_by_fund(account: Account, *, as_of: date | None = None) -> dict[int, Decimal]:
    lines = JournalLine.objects.filter(account=account)
    if as_of is not None:
        lines = lines.filter(entry__date__lte=as_of)
    rows = lines.values("fund_id").annotate(d=Sum("debit"), c=Sum("credit"))
    return {r["fund_id"]: money.cents(r["d"] - r["c"]) for r in rows}
