"""Cash reads: the day's three-way balancing, the unapplied-cash worklist, the cash reports."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum

from fiscus import money
from fiscus.cash.models import BalancedDay, BankLine, DepartmentReport, Deposit, Match, Payment
from fiscus.organization.models import Department
from fiscus.organization.roles import department_scope

BANK_WINDOW = 3  # days a bank credit may lag its deposit


def payments_visible_to(user: Any) -> QuerySet[Payment]:
    scope = department_scope(user)
    qs = Payment.objects.all()
    return qs if scope is None else qs.filter(department_id__in=scope)


def deposits_visible_to(user: Any) -> QuerySet[Deposit]:
    scope = department_scope(user)
    qs = Deposit.objects.all()
    return qs if scope is None else qs.filter(department_id__in=scope)


@dataclass
class DepartmentRow:
    department: Department
    reported: Decimal | None
    reported_count: int | None
    receipted: Decimal
    receipted_count: int
    deposits: list[Deposit]

    @property
    def variance(self) -> Decimal | None:
        return None if self.reported is None else self.receipted - self.reported


@dataclass
class BankMatch:
    deposit: Deposit
    total: Decimal
    line: BankLine | None
    from_bank: bool = False  # the deposit was made from the bank's own file (ACH, wires)


@dataclass
class Variance:
    kind: str  # "department", "bank_missing", "bank_amount", "bank_extra", "unreported"
    amount: Decimal
    cause: str


@dataclass
class DayBalancing:
    day: date
    rows: list[DepartmentRow]
    bank: list[BankMatch]
    unmatched_bank_lines: list[BankLine]
    variances: list[Variance] = field(default_factory=list)
    balanced: BalancedDay | None = None

    @property
    def reported_total(self) -> Decimal:
        return sum((r.reported or money.ZERO for r in self.rows), money.ZERO)

    @property
    def receipted_total(self) -> Decimal:
        return sum((r.receipted for r in self.rows), money.ZERO)

    @property
    def bank_total(self) -> Decimal:
        return sum((m.line.amount for m in self.bank if m.line is not None), money.ZERO)

    @property
    def open_deposits(self) -> list[Deposit]:
        return [m.deposit for m in self.bank if m.deposit.status == Deposit.Status.OPEN]


def payment_sums(deposits: Iterable[Deposit] | QuerySet[Deposit]) -> dict[int, tuple[Decimal, int]]:
    """Total and count of payments per deposit, for every deposit of `deposits`, in one query."""
    wanted = deposits.values("pk") if isinstance(deposits, QuerySet) else list(deposits)
    rows = (
        Payment.objects.filter(deposit__in=wanted)
        .order_by()
        .values("deposit_id")
        .annotate(total=Sum("amount"), n=Count("id"))
        .values_list("deposit_id", "total", "n")
    )
    return {pk: (money.cents(total), n) for pk, total, n in rows}


@dataclass(frozen=True)
class DepositTotals:
    count: int
    total: Decimal
    count_off: int | None
    total_off: Decimal | None

    @property
    def matches(self) -> bool:
        return not self.count_off and not self.total_off


def totals_of(deposits: Iterable[Deposit]) -> dict[int, DepositTotals]:
    """Each deposit's payments against its control totals, in one query for all of them."""
    deposits = list(deposits)
    sums = payment_sums(deposits)
    out = {}
    for d in deposits:
        total, count = sums.get(d.pk, (money.ZERO, 0))
        out[d.pk] = DepositTotals(
            count,
            total,
            None if d.control_count is None else count - d.control_count,
            None if d.control_total is None else total - d.control_total,
        )
    return out


def match_bank_lines(
    deposits: list[Deposit], totals: dict[int, tuple[Decimal, int]], day: date
) -> tuple[list[BankMatch], list[BankLine]]:
    """Each deposit against the bank's credits: the line the deposit already points to, or a
    credit of the same amount within BANK_WINDOW days after, preferring the same reference."""
    lines = list(
        BankLine.objects.filter(
            booked__gte=day, booked__lte=day + timedelta(days=BANK_WINDOW), amount__gt=0
        ).select_related("statement")
    )
    taken: set[int] = set()
    matches = []
    for d in deposits:
        total = totals.get(d.pk, (money.ZERO, 0))[0]
        if d.source == "bank":
            matches.append(BankMatch(d, total, None, from_bank=True))
            continue
        found = next((ln for ln in lines if ln.deposit_id == d.pk), None)
        if found is None:
            same = [
                ln
                for ln in lines
                if ln.pk not in taken
                and ln.deposit_id is None
                and ln.payment_id is None
                and ln.amount == total
            ]
            ref = [
                ln
                for ln in same
                if d.bank_reference
                and d.bank_reference
                in (ln.bank_reference + " " + ln.customer_reference + " " + ln.text)
            ]
            candidates = ref or sorted(same, key=lambda ln: (ln.booked, ln.pk))
            found = candidates[0] if candidates else None
        if found is not None:
            taken.add(found.pk)
        matches.append(BankMatch(d, total, found))
    # a credit booked today for a deposit of the days before is that deposit's, not unexplained
    earlier = {
        money.cents(total)
        for total in (
            Payment.objects.filter(
                deposit__deposit_date__gte=day - timedelta(days=BANK_WINDOW),
                deposit__deposit_date__lt=day,
            )
            .exclude(deposit__source="bank")
            .values("deposit_id")
            .annotate(total=Sum("amount"))
            .values_list("total", flat=True)
        )
    }
    unmatched = [
        ln
        for ln in lines
        if ln.booked == day
        and ln.pk not in taken
        and ln.deposit_id is None
        and ln.payment_id is None
        and ln.amount not in earlier
    ]
    return matches, unmatched


def day_balancing(day: date) -> DayBalancing:
    """Three ways: what departments reported, what was receipted, what the bank shows."""
    deposits = list(
        Deposit.objects.filter(deposit_date=day)
        .select_related("department", "cashier")
        .order_by("department__code", "number")
    )
    totals = payment_sums(deposits)
    reports = {
        r.department_id: r
        for r in DepartmentReport.objects.filter(report_date=day).select_related("department")
    }
    by_dept: dict[int, list[Deposit]] = defaultdict(list)
    for d in deposits:
        by_dept[d.department_id].append(d)
    departments = {d.department_id: d.department for d in deposits}
    departments.update({r.department_id: r.department for r in reports.values()})
    rows = []
    for dept_id, dept in sorted(departments.items(), key=lambda kv: kv[1].code):
        report = reports.get(dept_id)
        mine = by_dept.get(dept_id, [])
        rows.append(
            DepartmentRow(
                department=dept,
                reported=report.amount if report else None,
                reported_count=report.count if report else None,
                receipted=sum((totals.get(d.pk, (money.ZERO, 0))[0] for d in mine), money.ZERO),
                receipted_count=sum(totals.get(d.pk, (money.ZERO, 0))[1] for d in mine),
                deposits=mine,
            )
        )
    bank, unmatched = match_bank_lines(deposits, totals, day)
    variances = []
    for row in rows:
        if row.reported is None:
            variances.append(
                Variance(
                    "unreported", row.receipted, f"{row.department.name} has not reported its day."
                )
            )
        elif row.variance:
            more = "more" if row.variance > 0 else "less"
            variances.append(
                Variance(
                    "department",
                    row.variance,
                    f"{row.department.name} reported {money.fmt(row.reported)}; Fiscus receipted "
                    f"{money.fmt(row.receipted)} ({money.fmt(abs(row.variance))} {more}).",
                )
            )
    for m in bank:
        if m.from_bank:
            continue
        if m.line is None and m.total:
            variances.append(
                Variance(
                    "bank_missing",
                    m.total,
                    f"Deposit {m.deposit.number} ({money.fmt(m.total)}) is not on a bank "
                    f"statement within {BANK_WINDOW} days.",
                )
            )
        elif m.line is not None and m.line.amount != m.total:
            variances.append(
                Variance(
                    "bank_amount",
                    m.line.amount - m.total,
                    f"Deposit {m.deposit.number} is {money.fmt(m.total)} but the bank "
                    f"credited {money.fmt(m.line.amount)}.",
                )
            )
    for ln in unmatched:
        variances.append(
            Variance(
                "bank_extra",
                ln.amount,
                f"The bank shows a credit of {money.fmt(ln.amount)} on {ln.booked:%m/%d/%Y} "
                f"({ln.bank_reference or ln.text[:40] or 'no reference'}) that no deposit "
                "explains.",
            )
        )
    return DayBalancing(
        day=day,
        rows=rows,
        bank=bank,
        unmatched_bank_lines=unmatched,
        variances=variances,
        balanced=BalancedDay.objects.filter(day=day).first(),
    )


def days_to_balance(limit: int = 30) -> list[date]:
    """Days with deposits that nobody has balanced yet, oldest first."""
    balanced = set(BalancedDay.objects.values_list("day", flat=True))
    days = (
        Deposit.objects.exclude(status=Deposit.Status.BALANCED)
        .values_list("deposit_date", flat=True)
        .distinct()
        .order_by("deposit_date")
    )
    return [d for d in days if d not in balanced][:limit]


def unapplied_cash(user: Any) -> QuerySet[Payment]:
    """Payments with money left: unidentified, or identified with an unapplied remainder."""
    from django.db.models import Q

    return (
        payments_visible_to(user)
        .filter(Q(status=Payment.Status.UNIDENTIFIED) | Q(item__open_amount__lt=0))
        .select_related("customer", "item", "deposit")
        .order_by("received_on", "id")
    )


def unapplied_total(user: Any) -> Decimal:
    """The money in `unapplied_cash(user)`: unidentified payments whole, the rest what is left."""
    from django.db.models import Q

    mine = payments_visible_to(user)
    held = mine.filter(status=Payment.Status.UNIDENTIFIED).aggregate(s=Sum("amount"))["s"]
    left = mine.filter(Q(item__open_amount__lt=0)).aggregate(s=Sum("item__open_amount"))["s"]
    return money.cents((held or money.ZERO) - (left or money.ZERO))


def open_suggestions(payment: Payment) -> QuerySet[Match]:
    return payment.matches.filter(status=Match.Status.SUGGESTED).order_by("-confidence", "-id")
