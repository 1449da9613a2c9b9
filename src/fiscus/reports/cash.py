"""Reads behind the cash reports: the cash receipts journal, the deposit report, the daily
balancing report and unapplied cash. Reads only; every write is in `fiscus.cash.services`.

- The receipts journal and the deposit report read in a fixed number of queries whatever the
  number of rows (the deposit report adds one query per day for the bank match, which is the same
  one the daily balancing page makes, so both pages agree).
- The daily balancing report calls `fiscus.cash.queries.day_balancing` once per day with a
  deposit or a department's report in it.
- Unapplied cash as of today reads the cached open amounts; as of a past date it reads the
  receivable ledger (rows of the payment's item dated on or before the date), and a payment whose
  customer was named after the date counts as unidentified on that date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from django.db.models import (
    BooleanField,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from fiscus import money
from fiscus.cash.models import DepartmentReport, Deposit, Match, Payment
from fiscus.cash.queries import (
    BankMatch,
    DayBalancing,
    day_balancing,
    match_bank_lines,
    payment_sums,
)
from fiscus.receivables.models import ReceivableEntry
from fiscus.reports.queries import reads_cached_open_amounts

UNIDENTIFIED = "Unidentified"
MONEY_FIELD: DecimalField[Decimal, Decimal] = DecimalField(max_digits=14, decimal_places=2)
ZERO_VALUE = Value(money.ZERO, output_field=MONEY_FIELD)
# Half a cent below zero: SQLite sums NUMERIC in floating point, so an item applied in full can
# add up to a hair off zero there; anything really open is at least a cent.
STILL_OPEN = Decimal("-0.005")


def _person(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


def _method_label(method: str) -> str:
    return str(Payment.Method(method).label)


# -- the cash receipts journal -------------------------------------------------------------------

RECEIPTS_HEADERS = [
    "Date",
    "Payment",
    "Deposit",
    "Customer",
    "Name",
    "Payer",
    "Method",
    "Check number",
    "Department",
    "Cashier",
    "Amount",
    "Applied",
    "Unapplied",
]


@dataclass(frozen=True)
class ReceiptRow:
    payment_id: int
    on: date
    number: str
    deposit_id: int
    deposit_number: str
    customer_number: str  # "Unidentified" while nobody has named the customer
    customer_name: str
    payer: str
    method: str
    check_number: str
    department_code: str
    cashier: str
    amount: Decimal
    applied: Decimal
    unapplied: Decimal

    @property
    def method_label(self) -> str:
        return _method_label(self.method)

    @property
    def identified(self) -> bool:
        return self.customer_number != UNIDENTIFIED

    @property
    def url(self) -> str:
        return reverse("cash:payment", args=[self.payment_id])

    @property
    def deposit_url(self) -> str:
        return reverse("cash:deposit", args=[self.deposit_id])

    def export_row(self) -> list[Any]:
        return [
            self.on,
            self.number,
            self.deposit_number,
            self.customer_number,
            self.customer_name,
            self.payer,
            self.method_label,
            self.check_number,
            self.department_code,
            self.cashier,
            self.amount,
            self.applied,
            self.unapplied,
        ]


@dataclass
class MethodTotal:
    method: str
    count: int = 0
    amount: Decimal = money.ZERO
    applied: Decimal = money.ZERO
    unapplied: Decimal = money.ZERO

    @property
    def label(self) -> str:
        return _method_label(self.method)

    def add(self, row: ReceiptRow) -> None:
        self.count += 1
        self.amount += row.amount
        self.applied += row.applied
        self.unapplied += row.unapplied


@dataclass
class ReceiptsJournal:
    date_from: date
    date_to: date
    rows: list[ReceiptRow]
    methods: list[MethodTotal] = field(default_factory=list)
    total: MethodTotal = field(default_factory=lambda: MethodTotal(""))

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Any:
        return iter(self.rows)

    def export_rows(self) -> list[list[Any]]:
        """The payments, then one total row per method (as the page shows them)."""
        return [row.export_row() for row in self.rows] + [
            [None, f"{m.count} payments", "Method total", "", "", "", m.label, "", "", ""]
            + [m.amount, m.applied, m.unapplied]
            for m in self.methods
        ]

    def export_footer(self) -> list[Any]:
        t = self.total
        return [None, f"{t.count} payments", "Grand total", *[""] * 7] + [
            t.amount,
            t.applied,
            t.unapplied,
        ]


def cash_receipts(
    *,
    date_from: date,
    date_to: date,
    department_ids: set[int] | None = None,
    method: str | None = None,
    cashier_id: int | None = None,
    customer_id: int | None = None,
) -> ReceiptsJournal:
    """Payments received from `date_from` to `date_to` (both included), by received date.

    Applied and unapplied are what they are now. One query whatever the number of payments.
    """
    payments = Payment.objects.filter(received_on__gte=date_from, received_on__lte=date_to)
    if department_ids is not None:
        payments = payments.filter(department_id__in=department_ids)
    if method:
        payments = payments.filter(method=method)
    if cashier_id is not None:
        payments = payments.filter(cashier_id=cashier_id)
    if customer_id is not None:
        payments = payments.filter(customer_id=customer_id)
    values = payments.order_by("received_on", "number").values(
        "pk",
        "received_on",
        "number",
        "deposit_id",
        "payer",
        "method",
        "check_number",
        "amount",
        deposit_number=F("deposit__number"),
        customer_number=F("customer__number"),
        customer_name=F("customer__name"),
        department_code=F("department__code"),
        open_amount=F("item__open_amount"),
        first=F("cashier__first_name"),
        last=F("cashier__last_name"),
        username=F("cashier__username"),
    )
    rows: list[ReceiptRow] = []
    for p in cast(Iterable[dict[str, Any]], values):
        amount = money.cents(p["amount"])
        open_amount = p["open_amount"]
        unapplied = amount if open_amount is None else money.cents(-open_amount)
        rows.append(
            ReceiptRow(
                payment_id=p["pk"],
                on=p["received_on"],
                number=p["number"],
                deposit_id=p["deposit_id"],
                deposit_number=p["deposit_number"],
                customer_number=p["customer_number"] or UNIDENTIFIED,
                customer_name=p["customer_name"] or "",
                payer=p["payer"],
                method=p["method"],
                check_number=p["check_number"],
                department_code=p["department_code"],
                cashier=_person(p["first"], p["last"], p["username"]),
                amount=amount,
                applied=amount - unapplied,
                unapplied=unapplied,
            )
        )
    journal = ReceiptsJournal(date_from=date_from, date_to=date_to, rows=rows)
    per_method: dict[str, MethodTotal] = {}
    for row in rows:
        per_method.setdefault(row.method, MethodTotal(row.method)).add(row)
        journal.total.add(row)
    order = {m: n for n, m in enumerate(Payment.Method.values)}
    journal.methods = sorted(per_method.values(), key=lambda m: order[m.method])
    return journal


# -- the deposit report --------------------------------------------------------------------------

DEPOSIT_HEADERS = [
    "Date",
    "Deposit",
    "Status",
    "Department",
    "Cashier",
    "Control count",
    "Control total",
    "Count",
    "Total",
    "Count difference",
    "Difference",
    "Bank date",
    "Bank amount",
    "Bank reference",
]


@dataclass(frozen=True)
class BankCredit:
    """The bank statement line a deposit was matched to."""

    booked: date
    amount: Decimal
    reference: str
    account: str


@dataclass(frozen=True)
class DepositRow:
    deposit_id: int
    on: date
    number: str
    status: str
    department_code: str
    department_name: str
    cashier: str
    control_count: int | None
    control_total: Decimal | None
    count: int
    total: Decimal
    bank: BankCredit | None

    @property
    def count_difference(self) -> int | None:
        """What the deposit holds less what its cashier counted (as `deposit_totals` says)."""
        return None if self.control_count is None else self.count - self.control_count

    @property
    def difference(self) -> Decimal | None:
        return None if self.control_total is None else self.total - self.control_total

    @property
    def status_label(self) -> str:
        return str(Deposit.Status(self.status).label)

    @property
    def url(self) -> str:
        return reverse("cash:deposit", args=[self.deposit_id])

    def export_row(self) -> list[Any]:
        bank = self.bank
        return [
            self.on,
            self.number,
            self.status_label,
            self.department_code,
            self.cashier,
            self.control_count,
            self.control_total,
            self.count,
            self.total,
            self.count_difference,
            self.difference,
            bank.booked if bank else None,
            bank.amount if bank else None,
            bank.reference if bank else "",
        ]


@dataclass
class DepositReport:
    date_from: date
    date_to: date
    rows: list[DepositRow]
    control_total: Decimal = money.ZERO
    count: int = 0
    total: Decimal = money.ZERO
    difference: Decimal = money.ZERO
    bank_total: Decimal = money.ZERO
    unmatched: int = 0  # deposits holding money that no bank credit matches

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Any:
        return iter(self.rows)

    def export_rows(self) -> list[list[Any]]:
        return [row.export_row() for row in self.rows]

    def export_footer(self) -> list[Any]:
        return [
            None,
            f"{len(self.rows)} deposits",
            "Total",
            "",
            "",
            None,
            self.control_total,
            self.count,
            self.total,
            None,
            self.difference,
            None,
            self.bank_total,
            f"{self.unmatched} not on a bank statement" if self.unmatched else "",
        ]


_deposit_totals = payment_sums


def _bank_credits(
    days: Iterable[date], date_from: date, date_to: date
) -> dict[int, BankCredit | None]:
    """The bank line each deposit of `days` is matched to, exactly as the daily balancing page
    matches it: every deposit of the day takes part (whatever the report's filters), in the
    same order, so a deposit gets the line the balancing page shows."""
    everything = Deposit.objects.filter(deposit_date__gte=date_from, deposit_date__lte=date_to)
    totals = _deposit_totals(everything)
    by_day: dict[date, list[Deposit]] = defaultdict(list)
    wanted = set(days)
    for d in everything.order_by("deposit_date", "department__code", "number"):
        if d.deposit_date in wanted:
            by_day[d.deposit_date].append(d)
    found: dict[int, BankCredit | None] = {}
    for day in sorted(by_day):
        matches, _ = match_bank_lines(by_day[day], totals, day)
        for m in matches:
            found[m.deposit.pk] = _credit(m)
    return found


def _credit(match: BankMatch) -> BankCredit | None:
    line = match.line
    if line is None:
        return None
    return BankCredit(
        booked=line.booked,
        amount=money.cents(line.amount),
        reference=line.bank_reference or line.customer_reference or line.text[:40],
        account=line.statement.account_number,
    )


def deposit_report(
    *,
    date_from: date,
    date_to: date,
    department_ids: set[int] | None = None,
    status: str | None = None,
    cashier_id: int | None = None,
) -> DepositReport:
    """Deposits dated from `date_from` to `date_to`: their control figures against what they
    hold, and the bank credit each is matched to."""
    deposits = Deposit.objects.filter(deposit_date__gte=date_from, deposit_date__lte=date_to)
    if department_ids is not None:
        deposits = deposits.filter(department_id__in=department_ids)
    if status:
        deposits = deposits.filter(status=status)
    if cashier_id is not None:
        deposits = deposits.filter(cashier_id=cashier_id)
    values = list(
        deposits.order_by("deposit_date", "department__code", "number").values(
            "pk",
            "deposit_date",
            "number",
            "status",
            "control_count",
            "control_total",
            department_code=F("department__code"),
            department_name=F("department__name"),
            first=F("cashier__first_name"),
            last=F("cashier__last_name"),
            username=F("cashier__username"),
        )
    )
    totals = _deposit_totals(deposits)
    credits = _bank_credits({d["deposit_date"] for d in values}, date_from, date_to)
    report = DepositReport(date_from=date_from, date_to=date_to, rows=[])
    for d in values:
        total, count = totals.get(d["pk"], (money.ZERO, 0))
        control = d["control_total"]
        row = DepositRow(
            deposit_id=d["pk"],
            on=d["deposit_date"],
            number=d["number"],
            status=d["status"],
            department_code=d["department_code"],
            department_name=d["department_name"],
            cashier=_person(d["first"], d["last"], d["username"]),
            control_count=d["control_count"],
            control_total=None if control is None else money.cents(control),
            count=count,
            total=total,
            bank=credits.get(d["pk"]),
        )
        report.rows.append(row)
        report.control_total += row.control_total or money.ZERO
        report.count += row.count
        report.total += row.total
        report.difference += row.difference or money.ZERO
        if row.bank is not None:
            report.bank_total += row.bank.amount
        elif row.total:
            report.unmatched += 1
    return report


# -- the daily balancing report ------------------------------------------------------------------

BALANCING_HEADERS = [
    "Date",
    "Reported",
    "Receipted",
    "Bank",
    "Receipted less reported",
    "Bank less receipted",
    "Variances",
    "Variance amount",
    "Balanced",
    "Balanced by",
    "Balanced at",
    "Causes",
]


@dataclass(frozen=True)
class BalancingRow:
    """One day, three ways. `variance_amount` adds the size of each variance (a shortfall and an
    excess do not cancel out)."""

    day: date
    reported: Decimal
    reported_count: int
    receipted: Decimal
    receipted_count: int
    bank: Decimal
    variances: int
    variance_amount: Decimal
    causes: list[str]
    open_deposits: int
    unreported: int
    balanced: bool
    balanced_by: str
    balanced_at: datetime | None

    @property
    def receipted_less_reported(self) -> Decimal:
        return self.receipted - self.reported

    @property
    def bank_less_receipted(self) -> Decimal:
        return self.bank - self.receipted

    @property
    def url(self) -> str:
        return reverse("cash:balancing_day", args=[self.day.isoformat()])

    def export_row(self) -> list[Any]:
        return [
            self.day,
            self.reported,
            self.receipted,
            self.bank,
            self.receipted_less_reported,
            self.bank_less_receipted,
            self.variances,
            self.variance_amount,
            "Yes" if self.balanced else "No",
            self.balanced_by,
            timezone.localtime(self.balanced_at) if self.balanced_at else None,
            "; ".join(self.causes),
        ]


@dataclass
class BalancingReport:
    date_from: date
    date_to: date
    rows: list[BalancingRow]
    reported: Decimal = money.ZERO
    receipted: Decimal = money.ZERO
    bank: Decimal = money.ZERO
    variances: int = 0
    variance_amount: Decimal = money.ZERO
    balanced_days: int = 0

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Any:
        return iter(self.rows)

    @property
    def receipted_less_reported(self) -> Decimal:
        return self.receipted - self.reported

    @property
    def bank_less_receipted(self) -> Decimal:
        return self.bank - self.receipted

    def export_rows(self) -> list[list[Any]]:
        return [row.export_row() for row in self.rows]

    def export_footer(self) -> list[Any]:
        return [
            f"{len(self.rows)} days",
            self.reported,
            self.receipted,
            self.bank,
            self.receipted_less_reported,
            self.bank_less_receipted,
            self.variances,
            self.variance_amount,
            f"{self.balanced_days} balanced",
            "",
            None,
            "",
        ]


def _days_with_activity(
    date_from: date, date_to: date, department_ids: set[int] | None
) -> list[date]:
    """Days with a deposit or a department's report (in those departments, if given).

    A day with only bank credits is left out: a deposit's credit usually lands a day or two
    after it, and `day_balancing` of that later day would list it as a credit no deposit explains.
    """
    deposits = Deposit.objects.filter(deposit_date__gte=date_from, deposit_date__lte=date_to)
    reports = DepartmentReport.objects.filter(report_date__gte=date_from, report_date__lte=date_to)
    if department_ids is not None:
        deposits = deposits.filter(department_id__in=department_ids)
        reports = reports.filter(department_id__in=department_ids)
    days = set(deposits.order_by().values_list("deposit_date", flat=True).distinct())
    days |= set(reports.order_by().values_list("report_date", flat=True).distinct())
    return sorted(days)


def _variances_in(day: DayBalancing, department_ids: set[int] | None) -> list[tuple[Decimal, str]]:
    """The day's variances, each (amount, cause). For some departments only: theirs.

    `day_balancing` adds at most one variance per department row (unreported, or reported and
    receipted differ), in row order, then at most one per bank match (missing, or a different
    amount), in match order; that order tells which variance is whose. A bank credit that no
    deposit explains belongs to no department and is left out.
    """
    if department_ids is None:
        return [(v.amount, v.cause) for v in day.variances]
    out: list[tuple[Decimal, str]] = []
    per_row = iter([v for v in day.variances if v.kind in {"department", "unreported"}])
    for row in day.rows:
        variance = next(per_row, None) if row.reported is None or row.variance else None
        if variance is not None and row.department.pk in department_ids:
            out.append((variance.amount, variance.cause))
    per_match = iter([v for v in day.variances if v.kind in {"bank_missing", "bank_amount"}])
    for m in day.bank:
        off = m.line.amount != m.total if m.line is not None else bool(m.total)
        variance = next(per_match, None) if off else None
        if variance is not None and m.deposit.department_id in department_ids:
            out.append((variance.amount, variance.cause))
    return out


def balancing_report(
    *, date_from: date, date_to: date, department_ids: set[int] | None = None
) -> BalancingReport:
    """Each day from `date_from` to `date_to` with something to balance: what the departments
    reported, what Fiscus receipted, what the bank credited, the variances, and who balanced it.

    With `department_ids`, the figures are those departments' own; whether the day is balanced
    is the agency's answer."""
    report = BalancingReport(date_from=date_from, date_to=date_to, rows=[])
    for on in _days_with_activity(date_from, date_to, department_ids):
        day = day_balancing(on)
        rows = [r for r in day.rows if department_ids is None or r.department.pk in department_ids]
        bank = [
            m
            for m in day.bank
            if department_ids is None or m.deposit.department_id in department_ids
        ]
        variances = _variances_in(day, department_ids)
        balanced = day.balanced
        row = BalancingRow(
            day=on,
            reported=money.cents(sum((r.reported or money.ZERO for r in rows), money.ZERO)),
            reported_count=sum(r.reported_count or 0 for r in rows),
            receipted=money.cents(sum((r.receipted for r in rows), money.ZERO)),
            receipted_count=sum(r.receipted_count for r in rows),
            bank=money.cents(sum((m.line.amount for m in bank if m.line), money.ZERO)),
            variances=len(variances),
            variance_amount=money.cents(sum((abs(a) for a, _ in variances), money.ZERO)),
            causes=[cause for _, cause in variances],
            open_deposits=sum(1 for m in bank if m.deposit.status == Deposit.Status.OPEN),
            unreported=sum(1 for r in rows if r.reported is None),
            balanced=balanced is not None,
            balanced_by=(
                _person(
                    balanced.balanced_by.first_name,
                    balanced.balanced_by.last_name,
                    balanced.balanced_by.username,
                )
                if balanced is not None
                else ""
            ),
            balanced_at=balanced.balanced_at if balanced is not None else None,
        )
        report.rows.append(row)
        report.reported += row.reported
        report.receipted += row.receipted
        report.bank += row.bank
        report.variances += row.variances
        report.variance_amount += row.variance_amount
        report.balanced_days += int(row.balanced)
    return report


# -- unapplied cash ------------------------------------------------------------------------------

UNAPPLIED_HEADERS = [
    "Payment",
    "Received",
    "Age (days)",
    "Deposit",
    "Department",
    "Method",
    "Customer",
    "Name",
    "Payer",
    "Amount",
    "Unapplied",
    "Suggested rule",
    "Confidence",
]


@dataclass(frozen=True)
class UnappliedRow:
    payment_id: int
    number: str
    received_on: date
    age: int
    deposit_number: str
    department_code: str
    method: str
    customer_number: str  # "Unidentified" when nobody had named the customer by the date
    customer_name: str
    payer: str
    amount: Decimal
    unapplied: Decimal
    suggestion_rule: str
    suggestion_confidence: Decimal | None
    suggestion_reason: str

    @property
    def identified(self) -> bool:
        return self.customer_number != UNIDENTIFIED

    @property
    def method_label(self) -> str:
        return _method_label(self.method)

    @property
    def url(self) -> str:
        return reverse("cash:payment", args=[self.payment_id])

    def export_row(self) -> list[Any]:
        return [
            self.number,
            self.received_on,
            self.age,
            self.deposit_number,
            self.department_code,
            self.method_label,
            self.customer_number,
            self.customer_name,
            self.payer,
            self.amount,
            self.unapplied,
            self.suggestion_rule,
            self.suggestion_confidence,
        ]


@dataclass
class UnappliedReport:
    as_of: date
    rows: list[UnappliedRow]
    total: Decimal = money.ZERO
    unidentified_count: int = 0
    unidentified_total: Decimal = money.ZERO
    on_account_count: int = 0
    on_account_total: Decimal = money.ZERO
    suggested: int = 0

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Any:
        return iter(self.rows)

    def export_rows(self) -> list[list[Any]]:
        rows = [row.export_row() for row in self.rows]
        summary = [
            [f"{self.unidentified_count} payments", None, None, "", "", "", UNIDENTIFIED]
            + ["", "", None, self.unidentified_total, "", None],
            [f"{self.on_account_count} payments", None, None, "", "", "", "On account"]
            + ["", "", None, self.on_account_total, "", None],
        ]
        return rows + summary

    def export_footer(self) -> list[Any]:
        count = f"{len(self.rows)} payments"
        suggested = f"{self.suggested} suggested"
        return [count, None, None, "", "", "", "Total", "", "", None, self.total, suggested, None]


def _best_suggestion(column: str) -> Subquery:
    best = Match.objects.filter(payment=OuterRef("pk"), status=Match.Status.SUGGESTED).order_by(
        "-confidence", "-id"
    )
    if column == "confidence":
        return Subquery(
            best.values(column)[:1],
            output_field=DecimalField(max_digits=3, decimal_places=2),
        )
    return Subquery(best.values(column)[:1])


def unapplied_cash(*, as_of: date, department_ids: set[int] | None = None) -> UnappliedReport:
    """Every payment with money not applied as of `as_of`, oldest first.

    A payment counts from its posting date (the date of its journal entry). It is unidentified
    on the date when it had no customer yet: it still has none, or its identification is dated
    after `as_of`. Otherwise what is left of it is minus the open amount of its item: cached as
    of today, read from the receivable ledger as of a past date. The open suggestion is the best
    one waiting now.
    """
    payments = Payment.objects.all()
    if department_ids is not None:
        payments = payments.filter(department_id__in=department_ids)
    if reads_cached_open_amounts(as_of, None):
        payments = payments.filter(
            Q(status=Payment.Status.UNIDENTIFIED) | Q(item__open_amount__lt=0)
        ).annotate(
            open_as_of=F("item__open_amount"),
            unidentified_then=ExpressionWrapper(Q(item__isnull=True), output_field=BooleanField()),
        )
    else:
        ledger = (
            ReceivableEntry.objects.filter(item_id=OuterRef("item_id"), effective_date__lte=as_of)
            .order_by()
            .values("item_id")
            .annotate(t=Sum("amount"))
            .values("t")
        )
        unidentified_then = Q(item__isnull=True) | Q(identified_entry__date__gt=as_of)
        payments = (
            payments.filter(journal_entry__date__lte=as_of)
            .annotate(
                open_as_of=Coalesce(Subquery(ledger, output_field=MONEY_FIELD), ZERO_VALUE),
                unidentified_then=ExpressionWrapper(unidentified_then, output_field=BooleanField()),
            )
            .filter(unidentified_then | Q(open_as_of__lt=STILL_OPEN))
        )
    values = payments.order_by("received_on", "number").values(
        "pk",
        "number",
        "received_on",
        "method",
        "payer",
        "amount",
        "open_as_of",
        "unidentified_then",
        deposit_number=F("deposit__number"),
        department_code=F("department__code"),
        customer_number=F("customer__number"),
        customer_name=F("customer__name"),
        rule=_best_suggestion("rule"),
        confidence=_best_suggestion("confidence"),
        reason=_best_suggestion("reason"),
    )
    report = UnappliedReport(as_of=as_of, rows=[])
    for p in cast(Iterable[dict[str, Any]], values):
        amount = money.cents(p["amount"])
        unidentified = bool(p["unidentified_then"])
        unapplied = amount if unidentified else money.cents(-p["open_as_of"])
        confidence = p["confidence"]
        row = UnappliedRow(
            payment_id=p["pk"],
            number=p["number"],
            received_on=p["received_on"],
            age=(as_of - p["received_on"]).days,
            deposit_number=p["deposit_number"],
            department_code=p["department_code"],
            method=p["method"],
            customer_number=UNIDENTIFIED if unidentified else p["customer_number"],
            customer_name="" if unidentified else p["customer_name"],
            payer=p["payer"],
            amount=amount,
            unapplied=unapplied,
            suggestion_rule=p["rule"] or "",
            suggestion_confidence=None if confidence is None else Decimal(confidence),
            suggestion_reason=p["reason"] or "",
        )
        report.rows.append(row)
        report.total += unapplied
        if unidentified:
            report.unidentified_count += 1
            report.unidentified_total += unapplied
        else:
            report.on_account_count += 1
            report.on_account_total += unapplied
        report.suggested += int(bool(row.suggestion_rule))
    return report


__all__ = [
    "BALANCING_HEADERS",
    "DEPOSIT_HEADERS",
    "RECEIPTS_HEADERS",
    "UNAPPLIED_HEADERS",
    "balancing_report",
    "cash_receipts",
    "deposit_report",
    "unapplied_cash",
]
