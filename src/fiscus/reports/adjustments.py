"""Reads behind the adjustment reports: the adjustments register, write-offs by reason and
period, credit balances and the refunds register. Reads only; every write is in
`fiscus.adjustments.services`.

With `department_ids`, a report counts only the lines (or, for credit balances, the items) of
items in those departments: a request with none of its lines there is left out, and one with
some shows only their amount. Each report reads in a fixed number of queries whatever the number
of rows: the registers one, credit balances two, write-offs three.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from fiscus import money
from fiscus.adjustments.models import (
    DISCHARGING,
    UNDECIDED,
    Kind,
    Line,
    Reinstatement,
    Request,
    Status,
)
from fiscus.organization.models import FiscalPeriod
from fiscus.receivables.models import Item
from fiscus.reports.cash import STILL_OPEN, ZERO_VALUE

NOT_NEEDED = "Not needed"  # posted within its kind's threshold: nobody had to approve it
HALF_CENT = Decimal("0.005")


def _person(first: str | None, last: str | None, username: str | None) -> str:
    return f"{first or ''} {last or ''}".strip() or (username or "")


def _local_date(moment: datetime | None) -> date | None:
    return None if moment is None else timezone.localdate(moment)


def _lines_in(department_ids: set[int] | None, prefix: str = "lines__") -> Q | None:
    """The lines a report counts: those of items in `department_ids` (None: every line)."""
    if department_ids is None:
        return None
    return Q(**{f"{prefix}item__department_id__in": department_ids})


# -- the adjustments register --------------------------------------------------------------------

REGISTER_HEADERS = [
    "Date",
    "Request",
    "Kind",
    "Reason",
    "Status",
    "Customer",
    "Name",
    "Items",
    "Amount",
    "Prepared by",
    "Approved by",
    "Posted",
    "Journal entry",
]


@dataclass(frozen=True)
class RegisterRow:
    request_id: int
    on: date  # the accounting date
    number: str
    kind: str
    reason_code: str
    reason_name: str
    status: str
    customer_number: str  # empty for a batch across customers
    customer_name: str
    customers: int
    items: int
    amount: Decimal
    prepared_by: str
    approved_by: str
    posted_on: date | None
    journal_entry: str

    @property
    def kind_label(self) -> str:
        return str(Kind(self.kind).label)

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)

    @property
    def is_batch(self) -> bool:
        return not self.customer_number

    @property
    def customer_label(self) -> str:
        """The customer's number, or "Batch of N customers"."""
        if self.customer_number:
            return self.customer_number
        return f"Batch of {self.customers} customer{'' if self.customers == 1 else 's'}"

    def export_row(self) -> list[Any]:
        return [
            self.on,
            self.number,
            self.kind_label,
            self.reason_code,
            self.status_label,
            self.customer_label,
            self.customer_name,
            self.items,
            self.amount,
            self.prepared_by,
            self.approved_by,
            self.posted_on,
            self.journal_entry,
        ]


@dataclass
class KindTotal:
    kind: str
    count: int = 0
    items: int = 0
    amount: Decimal = money.ZERO

    @property
    def label(self) -> str:
        return str(Kind(self.kind).label) if self.kind else "Grand total"

    def add(self, row: RegisterRow) -> None:
        self.count += 1
        self.items += row.items
        self.amount += row.amount

    def export_row(self, name: str) -> list[Any]:
        requests = f"{self.count} request{'' if self.count == 1 else 's'}"
        return [None, requests, self.label, name, "", "", "", self.items, self.amount]


@dataclass
class AdjustmentsRegister:
    date_from: date
    date_to: date
    rows: list[RegisterRow]
    kinds: list[KindTotal] = field(default_factory=list)
    total: KindTotal = field(default_factory=lambda: KindTotal(""))

    def export_rows(self) -> list[list[Any]]:
        """The requests, then one total row per kind (as the page shows them)."""
        rows = [row.export_row() for row in self.rows]
        return rows + [[*k.export_row("Kind total"), "", "", None, ""] for k in self.kinds]

    def export_footer(self) -> list[Any]:
        return [*self.total.export_row(""), "", "", None, ""]


def adjustments_register(
    *,
    date_from: date,
    date_to: date,
    department_ids: set[int] | None = None,
    kind: str | None = None,
    reason_id: int | None = None,
    status: str | None = Status.POSTED,
) -> AdjustmentsRegister:
    """Requests dated (by accounting date) from `date_from` to `date_to`, posted ones unless
    `status` names another (None: every status). One query whatever the number of requests."""
    requests = Request.objects.filter(effective_date__gte=date_from, effective_date__lte=date_to)
    if status:
        requests = requests.filter(status=status)
    if kind:
        requests = requests.filter(kind=kind)
    if reason_id is not None:
        requests = requests.filter(reason_id=reason_id)
    counted = _lines_in(department_ids)
    requests = requests.annotate(
        n_items=Count("lines", filter=counted),
        n_customers=Count("lines__customer_id", distinct=True, filter=counted),
        in_scope=Coalesce(Sum("lines__amount", filter=counted), ZERO_VALUE),
    )
    if department_ids is not None:
        requests = requests.filter(n_items__gt=0)
    values = requests.order_by("effective_date", "number").values(
        "pk",
        "effective_date",
        "number",
        "kind",
        "status",
        "needs_approval",
        "posted_at",
        "n_items",
        "n_customers",
        "in_scope",
        reason_code=F("reason__code"),
        reason_name=F("reason__name"),
        customer_number=F("customer__number"),
        customer_name=F("customer__name"),
        prepared_first=F("prepared_by__first_name"),
        prepared_last=F("prepared_by__last_name"),
        prepared_username=F("prepared_by__username"),
        decided_first=F("decided_by__first_name"),
        decided_last=F("decided_by__last_name"),
        decided_username=F("decided_by__username"),
        journal_entry_number=F("journal_entry__number"),
    )
    register = AdjustmentsRegister(date_from=date_from, date_to=date_to, rows=[])
    per_kind: dict[str, KindTotal] = {}
    for r in cast(Iterable[dict[str, Any]], values):
        posted = r["status"] == Status.POSTED
        if posted and r["decided_username"]:
            approved_by = _person(r["decided_first"], r["decided_last"], r["decided_username"])
        else:
            approved_by = NOT_NEEDED if posted and not r["needs_approval"] else ""
        row = RegisterRow(
            request_id=r["pk"],
            on=r["effective_date"],
            number=r["number"],
            kind=r["kind"],
            reason_code=r["reason_code"],
            reason_name=r["reason_name"],
            status=r["status"],
            customer_number=r["customer_number"] or "",
            customer_name=r["customer_name"] or "",
            customers=r["n_customers"],
            items=r["n_items"],
            amount=money.cents(r["in_scope"]),
            prepared_by=_person(r["prepared_first"], r["prepared_last"], r["prepared_username"]),
            approved_by=approved_by,
            posted_on=_local_date(r["posted_at"]),
            journal_entry=r["journal_entry_number"] or "",
        )
        register.rows.append(row)
        per_kind.setdefault(row.kind, KindTotal(row.kind)).add(row)
        register.total.add(row)
    order = {k: n for n, k in enumerate(Kind.values)}
    register.kinds = sorted(per_kind.values(), key=lambda k: order[k.kind])
    return register


# -- write-offs by reason and period -------------------------------------------------------------

WRITE_OFF_HEADERS = [
    "Reason",
    "Reason name",
    "Fiscal period",
    "Items",
    "Written off",
    "Reinstated since",
    "Still discharged",
]


@dataclass
class WriteOffTotal:
    """Lines written off (of one reason, one period, or both), what was paid since and
    reinstated, and what is still discharged."""

    items: int = 0
    written_off: Decimal = money.ZERO
    reinstated: Decimal = money.ZERO

    @property
    def still_discharged(self) -> Decimal:
        return self.written_off - self.reinstated

    def add(self, other: WriteOffTotal) -> None:
        self.items += other.items
        self.written_off += other.written_off
        self.reinstated += other.reinstated

    def figures(self) -> list[Any]:
        return [self.items, self.written_off, self.reinstated, self.still_discharged]


@dataclass
class WriteOffRow(WriteOffTotal):
    reason_code: str = ""
    reason_name: str = ""
    period: str = ""  # "FY2026 P11 (May 2026)"
    period_start: date | None = None

    def export_row(self) -> list[Any]:
        return [self.reason_code, self.reason_name, self.period, *self.figures()]


@dataclass
class WriteOffReport:
    date_from: date
    date_to: date
    rows: list[WriteOffRow]
    reasons: list[WriteOffRow] = field(default_factory=list)  # period: "All periods"
    periods: list[WriteOffRow] = field(default_factory=list)  # reason: "All reasons"
    total: WriteOffTotal = field(default_factory=WriteOffTotal)

    def export_rows(self) -> list[list[Any]]:
        """Each reason and period, then each reason's total, then each period's."""
        return [row.export_row() for row in [*self.rows, *self.reasons, *self.periods]]

    def export_footer(self) -> list[Any]:
        return ["Grand total", "", "", *self.total.figures()]


ALL_PERIODS, ALL_REASONS = "All periods", "All reasons"


def write_offs(
    *,
    date_from: date,
    date_to: date,
    department_ids: set[int] | None = None,
    reason_id: int | None = None,
) -> WriteOffReport:
    """Posted write-offs and small-balance write-offs dated from `date_from` to `date_to`, by
    reason and fiscal period (the period of the posting's journal entry, that is of its
    accounting date); what has been reinstated since (paid after the write-off) as it stands
    now. Three queries: the lines, their reinstatements, the periods' names."""
    lines = Line.objects.filter(
        request__kind__in=DISCHARGING,
        request__status=Status.POSTED,
        request__effective_date__gte=date_from,
        request__effective_date__lte=date_to,
    )
    if department_ids is not None:
        lines = lines.filter(item__department_id__in=department_ids)
    if reason_id is not None:
        lines = lines.filter(request__reason_id=reason_id)
    reason, period = "request__reason_id", "request__journal_entry__period_id"
    written = (
        lines.order_by()
        .values(reason, period)
        .annotate(
            code=F("request__reason__code"),
            name=F("request__reason__name"),
            n=Count("id"),
            amount=Sum("amount"),
        )
    )
    reinstated = (
        Reinstatement.objects.filter(line__in=lines.values("pk"))
        .order_by()
        .values(f"line__{reason}", f"line__{period}")
        .annotate(amount=Sum("amount"))
    )
    paid = {
        (r[f"line__{reason}"], r[f"line__{period}"]): money.cents(r["amount"])
        for r in cast(Iterable[dict[str, Any]], reinstated)
    }
    found = list(cast(Iterable[dict[str, Any]], written))
    periods = {
        p.pk: p
        for p in FiscalPeriod.objects.filter(pk__in={w[period] for w in found}).select_related(
            "fiscal_year"
        )
    }
    report = WriteOffReport(date_from=date_from, date_to=date_to, rows=[])
    for w in found:
        fiscal = periods[w[period]]
        report.rows.append(
            WriteOffRow(
                items=w["n"],
                written_off=money.cents(w["amount"]),
                reinstated=paid.get((w[reason], w[period]), money.ZERO),
                reason_code=w["code"],
                reason_name=w["name"],
                period=str(fiscal),
                period_start=fiscal.start,
            )
        )
    report.rows.sort(key=lambda r: (r.reason_code, r.period_start or date.min))
    by_reason: dict[str, WriteOffRow] = {}
    by_period: dict[str, WriteOffRow] = {}
    for row in report.rows:
        by_reason.setdefault(
            row.reason_code, WriteOffRow(reason_code=row.reason_code, reason_name=row.reason_name)
        ).add(row)
        by_period.setdefault(
            row.period,
            WriteOffRow(reason_code=ALL_REASONS, period=row.period, period_start=row.period_start),
        ).add(row)
        report.total.add(row)
    for total in by_reason.values():
        total.period = ALL_PERIODS
    report.reasons = list(by_reason.values())
    report.periods = sorted(by_period.values(), key=lambda p: p.period_start or date.min)
    return report


# -- credit balances -----------------------------------------------------------------------------

CREDIT_HEADERS = [
    "Customer",
    "Name",
    "Credit balance",
    "Oldest credit",
    "Credit items",
    "Refund requested",
]


@dataclass(frozen=True)
class CreditRow:
    customer_number: str
    customer_name: str
    credit: Decimal  # what the agency owes the customer, net of what they owe (positive)
    oldest: date | None  # the document date of the oldest open credit item
    credit_items: int
    refunds: tuple[str, ...]  # undecided refund requests for the customer

    @property
    def url(self) -> str:
        return reverse("customers:detail", args=[self.customer_number])

    def export_row(self) -> list[Any]:
        return [
            self.customer_number,
            self.customer_name,
            self.credit,
            self.oldest,
            self.credit_items,
            ", ".join(self.refunds),
        ]


@dataclass
class CreditBalances:
    as_of: date
    rows: list[CreditRow]
    total: Decimal = money.ZERO
    credit_items: int = 0
    requested: int = 0  # customers with a refund already requested

    def export_rows(self) -> list[list[Any]]:
        return [row.export_row() for row in self.rows]

    def export_footer(self) -> list[Any]:
        customers = f"{len(self.rows)} customer{'' if len(self.rows) == 1 else 's'}"
        requested = f"{self.requested} with a refund requested"
        return [customers, "Total", self.total, None, self.credit_items, requested]


def credit_balances(
    *, department_ids: set[int] | None = None, at_least: Decimal | None = None
) -> CreditBalances:
    """Customers whose open items add up to less than zero today (in `department_ids`: their
    items there), largest credit first, with any refund request waiting for a decision. Two
    queries: the balances, the undecided refunds."""
    items = Item.objects.exclude(open_amount=0)
    if department_ids is not None:
        items = items.filter(department_id__in=department_ids)
    credit = Q(open_amount__lt=0)
    # half a cent short of the limit: SQLite sums NUMERIC in floating point
    below = -money.cents(at_least) + HALF_CENT if at_least else STILL_OPEN
    balances = (
        items.order_by()
        .values("customer_id")
        .annotate(
            number=F("customer__number"),
            name=F("customer__name"),
            balance=Sum("open_amount"),
            n_credits=Count("id", filter=credit),
            oldest=Min("document_date", filter=credit),
        )
        .filter(balance__lt=below)
        .order_by("balance", "number")
    )
    refunds = Request.objects.filter(kind=Kind.REFUND, status__in=UNDECIDED)
    if department_ids is not None:
        refunds = refunds.filter(lines__item__department_id__in=department_ids)
    requested: dict[int, list[str]] = {}
    for customer_id, number in refunds.order_by("number").values_list("customer_id", "number"):
        numbers = requested.setdefault(customer_id, [])
        if number not in numbers:
            numbers.append(number)
    report = CreditBalances(as_of=timezone.localdate(), rows=[])
    for b in cast(Iterable[dict[str, Any]], balances):
        row = CreditRow(
            customer_number=b["number"],
            customer_name=b["name"],
            credit=money.cents(-b["balance"]),
            oldest=b["oldest"],
            credit_items=b["n_credits"],
            refunds=tuple(requested.get(b["customer_id"], ())),
        )
        report.rows.append(row)
        report.total += row.credit
        report.credit_items += row.credit_items
        report.requested += int(bool(row.refunds))
    return report


# -- the refunds register ------------------------------------------------------------------------

REFUND_HEADERS = [
    "Date",
    "Refund",
    "Customer",
    "Name",
    "Payee",
    "Amount",
    "Reason",
    "Stage",
    "Approved by",
    "Approved on",
    "Voucher",
    "Paid on",
    "Paid by",
    "Check or EFT number",
]

APPROVED = "approved"
SENT = "sent"
PAID = "paid"
# Each stage a refund can be in (its `Request.stage`), in the order a refund goes through them,
# and the filter that finds the refunds in it.
STAGES: dict[str, tuple[str, Q]] = {
    Status.PENDING: (str(Status.PENDING.label), Q(status=Status.PENDING)),
    APPROVED: (
        "Approved, to send to accounts payable",
        Q(status=Status.POSTED, voucher__isnull=True),
    ),
    SENT: (
        "Sent to accounts payable",
        Q(status=Status.POSTED, voucher__isnull=False, paid_on__isnull=True),
    ),
    PAID: ("Paid", Q(status=Status.POSTED, paid_on__isnull=False)),
    Status.REJECTED: (str(Status.REJECTED.label), Q(status=Status.REJECTED)),
    Status.WITHDRAWN: (str(Status.WITHDRAWN.label), Q(status=Status.WITHDRAWN)),
}


@dataclass(frozen=True)
class RefundRow:
    request_id: int
    on: date
    number: str
    customer_number: str
    customer_name: str
    payee: str
    amount: Decimal
    reason_code: str
    reason_name: str
    stage: str
    approved_by: str
    approved_on: date | None
    voucher: str
    paid_on: date | None
    paid_by: str  # "Check", "EFT" or empty
    paid_reference: str

    def export_row(self) -> list[Any]:
        return [
            self.on,
            self.number,
            self.customer_number,
            self.customer_name,
            self.payee,
            self.amount,
            self.reason_code,
            self.stage,
            self.approved_by,
            self.approved_on,
            self.voucher,
            self.paid_on,
            self.paid_by,
            self.paid_reference,
        ]


@dataclass
class StageTotal:
    label: str
    count: int = 0
    amount: Decimal = money.ZERO

    def add(self, row: RefundRow) -> None:
        self.count += 1
        self.amount += row.amount

    def export_row(self) -> list[Any]:
        refunds = f"{self.count} refund{'' if self.count == 1 else 's'}"
        return [None, refunds, "", "", "", self.amount, "", self.label, "", None, "", None]


@dataclass
class RefundsRegister:
    date_from: date
    date_to: date
    rows: list[RefundRow]
    stages: list[StageTotal] = field(default_factory=list)
    total: StageTotal = field(default_factory=lambda: StageTotal("Grand total"))

    def export_rows(self) -> list[list[Any]]:
        """The refunds, then one total row per stage (as the page shows them)."""
        rows = [row.export_row() for row in self.rows]
        return rows + [[*s.export_row(), "", ""] for s in self.stages]

    def export_footer(self) -> list[Any]:
        return [*self.total.export_row(), "", ""]


def refunds_register(
    *,
    date_from: date,
    date_to: date,
    department_ids: set[int] | None = None,
    stage: str | None = None,
) -> RefundsRegister:
    """Refund requests dated (by accounting date) from `date_from` to `date_to`, in any stage
    unless `stage` names one, with who approved each and how accounts payable paid it. One
    query whatever the number of refunds."""
    requests: QuerySet[Request] = Request.objects.filter(
        kind=Kind.REFUND, effective_date__gte=date_from, effective_date__lte=date_to
    )
    if stage:
        requests = requests.filter(STAGES[stage][1])
    counted = _lines_in(department_ids)
    requests = requests.annotate(
        n_items=Count("lines", filter=counted),
        in_scope=Coalesce(Sum("lines__amount", filter=counted), ZERO_VALUE),
    )
    if department_ids is not None:
        requests = requests.filter(n_items__gt=0)
    found = requests.select_related("customer", "reason", "decided_by", "voucher").order_by(
        "effective_date", "number"
    )
    register = RefundsRegister(date_from=date_from, date_to=date_to, rows=[])
    per_stage: dict[str, StageTotal] = {}
    for r in found:
        posted = r.status == Status.POSTED
        decider = r.decided_by if posted else None
        if decider is not None:
            approved_by = _person(decider.first_name, decider.last_name, decider.username)
        else:
            approved_by = NOT_NEEDED if posted and not r.needs_approval else ""
        row = RefundRow(
            request_id=r.pk,
            on=r.effective_date,
            number=r.number,
            customer_number=r.customer.number if r.customer else "",
            customer_name=r.customer.name if r.customer else "",
            payee=r.payee_name,
            amount=money.cents(r.in_scope),
            reason_code=r.reason.code,
            reason_name=r.reason.name,
            stage=r.stage,
            approved_by=approved_by,
            approved_on=_local_date(r.decided_at if decider else r.posted_at if posted else None),
            voucher=r.voucher.number if r.voucher else "",
            paid_on=r.paid_on,
            paid_by=str(Request.PaidBy(r.paid_by).label) if r.paid_by else "",
            paid_reference=r.paid_reference,
        )
        register.rows.append(row)
        per_stage.setdefault(row.stage, StageTotal(row.stage)).add(row)
        register.total.add(row)
    order = {label: n for n, (label, _) in enumerate(STAGES.values())}
    register.stages = sorted(per_stage.values(), key=lambda s: order.get(s.label, len(order)))
    return register


__all__ = [
    "CREDIT_HEADERS",
    "REFUND_HEADERS",
    "REGISTER_HEADERS",
    "STAGES",
    "WRITE_OFF_HEADERS",
    "adjustments_register",
    "credit_balances",
    "refunds_register",
    "write_offs",
]
