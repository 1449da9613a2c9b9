"""Reads behind the reports: the subledger-to-GL tie-out and the aging report.

Aging is one grouped query with conditional aggregation: each bucket is a `Sum(Case(When(...)))`
over a range of due dates (or document dates) computed here in Python, so the same SQL runs on
SQLite and PostgreSQL. As of today it reads the cached `Item.open_amount` of open items (the
partial index `item_open_idx` covers customer, due date and open amount); as of a past date, or as
known at a past moment, it reads the receivable ledger, whose rows carry copies of the item's
customer, dates, department and sign, so no join per item is needed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import Case, DecimalField, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from fiscus import money
from fiscus.ledger.queries import balance
from fiscus.organization.models import Account
from fiscus.organization.services import account
from fiscus.receivables.models import Item, ReceivableEntry
from fiscus.receivables.queries import entries, total_open

DUE = "due"
DOCUMENT = "document"
BASES = {DUE: "Days past the due date", DOCUMENT: "Days since the invoice date"}
CREDITS_LABEL = "Unapplied credits"
NOT_YET_DUE = "Not yet due"
MONEY_FIELD: DecimalField[Decimal, Decimal] = DecimalField(max_digits=14, decimal_places=2)
ZERO_VALUE = Value(money.ZERO, output_field=MONEY_FIELD)
# Fetch names with `id__in` up to this many customers; past it, read every customer once
# (SQLite limits the number of query parameters).
NAMES_BY_ID_LIMIT = 900


# -- the tie-out ---------------------------------------------------------------------------------


@dataclass
class TieOut:
    as_of: date | None
    gl: Decimal
    subledger: Decimal

    @property
    def difference(self) -> Decimal:
        return self.gl - self.subledger

    @property
    def ties(self) -> bool:
        return self.difference == 0

    @property
    def gl_display(self) -> str:
        return money.fmt(self.gl)

    @property
    def subledger_display(self) -> str:
        return money.fmt(self.subledger)

    @property
    def difference_display(self) -> str:
        return money.fmt(self.difference)


def ar_tie_out(
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
    department_ids: set[int] | None = None,
) -> TieOut:
    """AR control in the GL against the sum of the receivable ledger (DESIGN §3)."""
    ar = account(Account.Role.AR_CONTROL)
    gl = balance(ar, as_of=as_of, known_at=known_at, department_ids=department_ids)
    if department_ids is None:
        sub = total_open(as_of=as_of, known_at=known_at)
    else:
        rows = entries(as_of=as_of, known_at=known_at).filter(department_id__in=department_ids)
        sub = money.cents(rows.aggregate(t=Coalesce(Sum("amount"), ZERO_VALUE))["t"])
    return TieOut(as_of=as_of, gl=gl, subledger=sub)


# -- buckets -------------------------------------------------------------------------------------


def bucket_edges() -> list[int]:
    """The agency's bucket edges in days (30, 60, 90, 120 unless configured)."""
    from fiscus.organization.services import agency

    return agency().bucket_edges


def bucket_labels(edges: Sequence[int]) -> list[str]:
    """[30, 60, 90, 120] -> Not yet due, 1–30, 31–60, 61–90, 91–120, Over 120."""
    labels = [NOT_YET_DUE]
    low = 1
    for edge in edges:
        labels.append(f"{low}–{edge}")
        low = edge + 1
    if edges:
        labels.append(f"Over {edges[-1]}")
    return labels


def bucket_of(days: int, edges: Sequence[int]) -> int:
    """The index of the bucket an item `days` past due falls in."""
    if days <= 0:
        return 0
    for index, edge in enumerate(edges, 1):
        if days <= edge:
            return index
    return len(edges) + 1


def _bucket_conditions(as_of: date, edges: Sequence[int], date_field: str) -> list[Q]:
    """One condition per bucket on the item's date; the edges become dates here, in Python.

    An item is `days` past due when `as_of - date == days`, so "1–30" is
    `as_of - 30 <= date < as_of`.
    """
    starts = [as_of] + [as_of - timedelta(days=edge) for edge in edges]
    conditions = [Q(**{f"{date_field}__gte": as_of})]
    for newer, older in zip(starts, starts[1:], strict=False):
        conditions.append(Q(**{f"{date_field}__gte": older, f"{date_field}__lt": newer}))
    conditions.append(Q(**{f"{date_field}__lt": starts[-1]}))
    return conditions


def _conditional_sum(condition: Q, amount: str) -> Coalesce:
    return Coalesce(
        Sum(Case(When(condition, then=F(amount)), default=ZERO_VALUE, output_field=MONEY_FIELD)),
        ZERO_VALUE,
    )


# -- the aging report ----------------------------------------------------------------------------


@dataclass(slots=True)
class AgingRow:
    customer_id: int
    number: str
    name: str
    type: str
    buckets: list[Decimal]
    credits: Decimal
    total: Decimal

    @property
    def type_label(self) -> str:
        from fiscus.customers.models import CustomerType

        return str(CustomerType(self.type).label) if self.type else ""


@dataclass
class AgingReport:
    as_of: date
    basis: str
    labels: list[str]
    rows: list[AgingRow]
    bucket_totals: list[Decimal]
    credits_total: Decimal
    total: Decimal
    known_at: datetime | None = None
    tie_out: TieOut | None = None
    tie_out_note: str = ""
    edges: list[int] = field(default_factory=list)

    @property
    def total_display(self) -> str:
        return money.fmt(self.total)

    @property
    def basis_label(self) -> str:
        return BASES[self.basis]

    @property
    def headers(self) -> list[str]:
        return ["Customer", "Name", "Type", *self.labels, CREDITS_LABEL, "Total"]

    def export_rows(self) -> Iterator[list[Any]]:
        for row in self.rows:
            yield [row.number, row.name, row.type_label, *row.buckets, row.credits, row.total]

    @property
    def export_footer(self) -> list[Any]:
        return ["Total", "", "", *self.bucket_totals, self.credits_total, self.total]


def reads_cached_open_amounts(as_of: date, known_at: datetime | None) -> bool:
    """As of today (or later) and as known now, the cached open amounts are the answer, unless
    something was posted with an accounting date after `as_of` (a future-dated posting)."""
    if known_at is not None or as_of < timezone.localdate():
        return False
    return not ReceivableEntry.objects.filter(effective_date__gt=as_of).exists()


def _scoped(
    rows: QuerySet[Any],
    *,
    department_ids: set[int] | None,
    customer_type: str | None,
    flag: str | None,
    customer_ids: set[int] | Sequence[int] | None,
) -> QuerySet[Any]:
    if department_ids is not None:
        rows = rows.filter(department_id__in=department_ids)
    if customer_ids is not None:
        rows = rows.filter(customer_id__in=customer_ids)
    if customer_type:
        rows = rows.filter(customer__type=customer_type)
    if flag:
        rows = rows.filter(**{f"customer__{_checked_flag(flag)}": True})
    return rows


def _checked_flag(flag: str) -> str:
    from fiscus.customers.models import Customer

    if flag not in Customer.FLAGS:
        raise ValueError(f"Unknown customer flag {flag!r}")
    return flag


def _fetch(rows: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a values_list query of a key and sums, the sums as exact two-place Decimals.

    PostgreSQL's driver returns NUMERIC sums as exact Decimals already, so there the ORM's
    per-value converters (a third of the time at 100,000 customers) are skipped. SQLite keeps
    decimals as binary floats and its converter does not round computed columns, so there each
    sum is rounded back to cents (exact, since every stored amount has two places).
    """
    connection = connections[rows.db]
    if connection.vendor != "postgresql":
        return [(key, *map(money.cents, sums)) for key, *sums in rows]
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _customer_names(ids: list[int]) -> dict[int, tuple[str, str, str]]:
    from fiscus.customers.models import Customer

    customers = Customer.objects.order_by()
    if len(ids) <= NAMES_BY_ID_LIMIT:
        customers = customers.filter(id__in=ids)
    return {
        pk: (number, name, kind)
        for pk, number, name, kind in customers.values_list("id", "number", "name", "type")
    }


def aging(
    *,
    as_of: date,
    known_at: datetime | None = None,
    basis: str = DUE,
    department_ids: set[int] | None = None,
    customer_type: str | None = None,
    flag: str | None = None,
    customer_ids: set[int] | Sequence[int] | None = None,
    edges: Sequence[int] | None = None,
) -> AgingReport:
    """What each customer owes as of `as_of`, by age, with unapplied credits beside it.

    Three queries whatever the number of customers or items (the bucket edges, the grouped
    aggregate, the customers' names), plus the tie-out's two when it applies.
    """
    if basis not in BASES:
        raise ValueError(f"Unknown aging basis {basis!r}")
    edges = list(edges) if edges is not None else bucket_edges()
    date_field = "due_date" if basis == DUE else "document_date"
    conditions = _bucket_conditions(as_of, edges, date_field)

    source: QuerySet[Any]
    if reads_cached_open_amounts(as_of, known_at):
        # open_amount has the item's sign, so the covering index answers the whole question.
        source = Item.objects.exclude(open_amount=0)
        amount, debit, credit = "open_amount", Q(open_amount__gt=0), Q(open_amount__lt=0)
    else:
        source = entries(as_of=as_of, known_at=known_at)
        amount, debit, credit = "amount", Q(is_credit=False), Q(is_credit=True)
    source = _scoped(
        source,
        department_ids=department_ids,
        customer_type=customer_type,
        flag=flag,
        customer_ids=customer_ids,
    )
    sums = {f"b{i}": _conditional_sum(debit & cond, amount) for i, cond in enumerate(conditions)}
    sums["credits"] = _conditional_sum(credit, amount)
    # _fetch gives exact two-place Decimals on both databases; this loop is the hot path.
    grouped = _fetch(
        source.order_by().values("customer_id").annotate(**sums).values_list("customer_id", *sums)
    )
    names = _customer_names([g[0] for g in grouped])
    width = len(conditions)
    zero = money.ZERO
    blank = ("", "", "")
    rows: list[AgingRow] = []
    for customer_id, *amounts in grouped:
        if not any(amounts):
            continue  # everything this customer had is settled as of the date
        buckets, credits = amounts[:width], amounts[width]
        number, name, kind = names.get(customer_id, blank)
        rows.append(AgingRow(customer_id, number, name, kind, buckets, credits, sum(amounts, zero)))
    rows.sort(key=lambda r: (r.number, r.customer_id))

    bucket_totals = [
        money.cents(sum(column, zero)) for column in zip(*(r.buckets for r in rows), strict=True)
    ]
    bucket_totals = bucket_totals or [zero] * width
    credits_total = money.cents(sum((r.credits for r in rows), zero))
    report = AgingReport(
        as_of=as_of,
        basis=basis,
        labels=bucket_labels(edges),
        rows=rows,
        bucket_totals=bucket_totals,
        credits_total=credits_total,
        total=money.cents(sum(bucket_totals, money.ZERO) + credits_total),
        known_at=known_at,
        edges=edges,
    )
    if customer_type or flag or customer_ids is not None:
        report.tie_out_note = (
            "The tie-out to AR control applies only to the whole ledger; "
            "clear the customer type and flag filters to see it."
        )
    else:
        report.tie_out = ar_tie_out(as_of=as_of, known_at=known_at, department_ids=department_ids)
    return report


def customer_buckets(customer_id: int, *, as_of: date | None = None) -> list[tuple[str, Decimal]]:
    """One customer's aging: each bucket, then ("Unapplied credits", amount)."""
    report = aging(as_of=as_of or timezone.localdate(), customer_ids=[customer_id])
    row = report.rows[0] if report.rows else None
    amounts = row.buckets if row else [money.ZERO] * len(report.labels)
    credits = row.credits if row else money.ZERO
    return [*zip(report.labels, amounts, strict=True), (CREDITS_LABEL, credits)]


# -- the aging detail ----------------------------------------------------------------------------


@dataclass
class AgingDetailRow:
    item_id: int
    number: str
    customer_number: str
    customer_name: str
    kind: str
    document_date: date
    due_date: date
    days: int | None
    bucket: str
    open_amount: Decimal

    @property
    def kind_label(self) -> str:
        return str(Item.Kind(self.kind).label)

    def export_row(self) -> list[Any]:
        return [
            self.number,
            self.customer_number,
            self.customer_name,
            self.kind_label,
            self.document_date,
            self.due_date,
            self.days,
            self.bucket,
            self.open_amount,
        ]


DETAIL_HEADERS = [
    "Item",
    "Customer",
    "Name",
    "Kind",
    "Document date",
    "Due date",
    "Days",
    "Bucket",
    "Open amount",
]


class AgingDetail:
    """Every item with something open as of the date, oldest first within each customer.

    Lazy and sliceable, so a paginator reads one page: `len()` counts, a slice fetches rows.
    """

    def __init__(self, items: QuerySet[Item], *, as_of: date, basis: str, edges: list[int]) -> None:
        self.items = items
        self.as_of = as_of
        self.basis = basis
        self.edges = edges
        self.labels = bucket_labels(edges)
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self.items.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def _row(self, item: Item) -> AgingDetailRow:
        open_amount = money.cents(item.open_as_of)  # type: ignore[attr-defined]
        if open_amount < 0:
            days, bucket = None, CREDITS_LABEL
        else:
            start = item.due_date if self.basis == DUE else item.document_date
            days = (self.as_of - start).days
            bucket = self.labels[bucket_of(days, self.edges)]
        return AgingDetailRow(
            item_id=item.pk,
            number=item.number,
            customer_number=item.customer.number,
            customer_name=item.customer.name,
            kind=item.kind,
            document_date=item.document_date,
            due_date=item.due_date,
            days=days,
            bucket=bucket,
            open_amount=open_amount,
        )

    def __getitem__(self, key: slice) -> list[AgingDetailRow]:
        return [self._row(item) for item in self.items[key]]

    def __iter__(self) -> Iterator[AgingDetailRow]:
        for item in self.items.iterator(chunk_size=2000):
            yield self._row(item)


def aging_detail(
    *,
    as_of: date,
    known_at: datetime | None = None,
    basis: str = DUE,
    department_ids: set[int] | None = None,
    customer_type: str | None = None,
    flag: str | None = None,
    customer_ids: set[int] | Sequence[int] | None = None,
    edges: Sequence[int] | None = None,
) -> AgingDetail:
    """One row per item with something open as of `as_of` (as known at `known_at`)."""
    if basis not in BASES:
        raise ValueError(f"Unknown aging basis {basis!r}")
    items: QuerySet[Item] = Item.objects.select_related("customer").only(
        "id",
        "number",
        "kind",
        "document_date",
        "due_date",
        "customer__id",
        "customer__number",
        "customer__name",
    )
    if reads_cached_open_amounts(as_of, known_at):
        items = items.exclude(open_amount=0).annotate(open_as_of=F("open_amount"))
    else:
        on_date = Q(entries__effective_date__lte=as_of)
        if known_at is not None:
            on_date &= Q(entries__recorded_at__lte=known_at)
        items = (
            items.filter(posted_on__lte=as_of)
            .annotate(open_as_of=Coalesce(Sum("entries__amount", filter=on_date), ZERO_VALUE))
            .exclude(open_as_of=0)
        )
    items = _scoped(
        items,
        department_ids=department_ids,
        customer_type=customer_type,
        flag=flag,
        customer_ids=customer_ids,
    )
    items = items.order_by("customer__number", "due_date", "id")
    edges = list(edges) if edges is not None else bucket_edges()
    return AgingDetail(items, as_of=as_of, basis=basis, edges=edges)


__all__ = [
    "AgingDetail",
    "AgingDetailRow",
    "AgingReport",
    "AgingRow",
    "TieOut",
    "aging",
    "aging_detail",
    "ar_tie_out",
    "bucket_labels",
    "customer_buckets",
]
